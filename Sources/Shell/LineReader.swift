#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// What a line reader hands the shell.
public enum LineInput: Sendable, Equatable {
    /// A line, without its trailing newline.
    case line(String)
    /// Ctrl-C at the prompt: the partial line is dropped, the shell asks again.
    case interrupted
    /// End of input (Ctrl-D on an empty line, or the end of a script).
    case end
}

/// Where the shell's lines come from: the terminal (libedit) or plain text (a pipe, a file).
public protocol LineReader: AnyObject {
    /// Reads the next line, showing `prompt` where the reader shows prompts.
    func readLine(prompt: String) -> LineInput
    /// Records a line the shell ran, for history (a no-op where there is none).
    func remember(_ line: String)
}

extension LineReader {
    public func remember(_ line: String) {}
}

/// One thing TAB may insert.
public struct CompletionCandidate: Sendable, Equatable {
    /// The text that replaces the word being completed (already quoted where needed).
    public var insert: String
    /// What the list of candidates shows (terminal-safe).
    public var display: String
    /// Whether a space should follow when this is the only candidate.
    public var appendSpace: Bool

    public init(insert: String, display: String? = nil, appendSpace: Bool = true) {
        self.insert = insert
        self.display = display ?? insert
        self.appendSpace = appendSpace
    }
}

/// The answer to TAB: which characters of the line are replaced, and by what.
public struct Completion: Sendable, Equatable {
    /// The first character (not byte) of the word being completed; it runs to the cursor.
    public var wordStart: Int
    public var candidates: [CompletionCandidate]

    public init(wordStart: Int, candidates: [CompletionCandidate]) {
        self.wordStart = wordStart
        self.candidates = candidates
    }

    public static let none = Completion(wordStart: 0, candidates: [])
}

/// Turns the line as typed so far (and the cursor, in characters) into candidates.
public typealias Completer = @Sendable (_ line: String, _ cursor: Int) -> Completion

/// Reads lines from a file handle without editing, prompting or escape codes.
public final class PlainLineReader: LineReader {
    private var buffer: [UInt8] = []
    private var atEnd = false
    private let fd: Int32
    public private(set) var lineNumber = 0

    public init(fileDescriptor: Int32 = 0) { self.fd = fileDescriptor }

    public func readLine(prompt: String) -> LineInput {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                var lineBytes = buffer[..<nl]
                if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
                let line = String(decoding: lineBytes, as: UTF8.self)
                buffer.removeSubrange(...nl)
                lineNumber += 1
                return .line(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return .end }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                lineNumber += 1
                return .line(line)
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: chunk[..<n])
            } else if n < 0, errno == EINTR {
                continue
            } else {
                atEnd = true
            }
        }
    }
}
