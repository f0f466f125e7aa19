#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Synchronization

/// Where the shell writes: results to one stream, messages to the other.
public protocol OutputSink: Sendable {
    /// Results (stdout).
    func write(_ text: String)
    /// Messages: errors, warnings, progress (stderr).
    func message(_ text: String)
    /// Whether the reader of results has gone (`opsh -c LINE | head -1` after head exits):
    /// nothing written from then on reaches anyone, so the line stops and opsh ends.
    var resultsClosed: Bool { get }
}

extension OutputSink {
    public var resultsClosed: Bool { false }
}

/// What the shell knows about the terminal it writes to, decided once at start (by the
/// executable's ``Terminal``).
public struct TerminalInfo: Sendable {
    /// Whether results go to a terminal (tables are fitted, pager allowed).
    public var stdoutIsTerminal: Bool
    /// Whether messages go to a terminal (progress is drawn).
    public var stderrIsTerminal: Bool
    /// Whether to colour results: stdout a terminal, and NO_COLOR unset.
    public var color: Bool
    /// Whether to colour messages (errors): stderr a terminal, and NO_COLOR unset.
    public var messageColor: Bool
    /// Columns, read when needed (the window can change).
    public var width: @Sendable () -> Int?
    /// Rows, likewise.
    public var height: @Sendable () -> Int?

    public init(stdoutIsTerminal: Bool, stderrIsTerminal: Bool, color: Bool, messageColor: Bool = false,
                width: @escaping @Sendable () -> Int?, height: @escaping @Sendable () -> Int? = { nil }) {
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
        self.color = color
        self.messageColor = messageColor
        self.width = width
        self.height = height
    }

    /// No terminal anywhere: scripts, tests.
    public static let none = TerminalInfo(stdoutIsTerminal: false, stderrIsTerminal: false, color: false, width: { nil })
}

/// The process's stdout and stderr, written unbuffered-per-call.
public final class StandardOutput: OutputSink {
    private let closed = Atomic<Bool>(false)

    public init() {}

    /// Writes results; a write that finds the reader gone (EPIPE: opsh ignores SIGPIPE)
    /// marks stdout closed for good.
    public func write(_ text: String) {
        guard !closed.load(ordering: .relaxed) else { return }
        if !StandardOutput.put(text, fd: 1), errno == EPIPE { closed.store(true, ordering: .relaxed) }
    }

    public func message(_ text: String) { StandardOutput.put(text, fd: 2) }

    public var resultsClosed: Bool { closed.load(ordering: .relaxed) }

    @discardableResult
    static func put(_ text: String, fd: Int32) -> Bool {
        FileDescriptor.writeAll(fd, Array(text.utf8))
    }
}

/// Writing to a file descriptor.
public enum FileDescriptor {
    /// Writes all of `bytes` to `fd`, through partial writes and EINTR; false when the reader
    /// went away (EPIPE) or the write failed.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Writes all of `bytes` to `fd`, as the one above.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}

/// Output kept in memory, for tests.
public final class CapturedOutput: OutputSink {
    private let state = Mutex<(out: String, err: String)>(("", ""))

    public init() {}

    public func write(_ text: String) { state.withLock { $0.out += text } }
    public func message(_ text: String) { state.withLock { $0.err += text } }

    public var stdout: String { state.withLock { $0.out } }
    public var stderr: String { state.withLock { $0.err } }

    public func reset() { state.withLock { $0 = ("", "") } }
}

@inline(__always)
private func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, n)
    #else
    return Darwin.write(fd, buf, n)
    #endif
}
