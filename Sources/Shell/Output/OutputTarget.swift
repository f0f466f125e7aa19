#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Query
import Records

/// Where one line's output goes, chosen before the first byte is written, and written as it
/// is made: `jsonl` and `csv` reach the screen, the pipe or the file while pages still arrive,
/// and memory holds a page of text, not the whole answer.
///
/// - `> FILE`: a file in the same directory, renamed over FILE when the line succeeds, so a
///   line that fails leaves FILE as it was (a FILE that is not a regular file, `/dev/null` or
///   a pipe, is written in place); `>> FILE`: a file of its own, added to FILE's end when
///   the line succeeds, so a line that fails part-way adds nothing.
/// - a person at a terminal with `set pager on`: the first screenful is held; output that
///   ends within it is printed, anything taller goes through the pager, which then gets the
///   rest as it is made (as git does). A pager that fails gives its text back to print.
/// - otherwise: straight to stdout.
final class OutputTarget: ClosableOutputStream {
    private enum Mode {
        case direct
        /// Output of `from` lines or more goes through the pager.
        case screen(from: Int, prose: Bool)
        case file(FileWriter)
    }

    private let output: OutputSink
    private let terminal: any Terminal
    private var mode: Mode
    /// The first screenful, held until it is known whether a pager is needed.
    private var held = ""
    private var heldLines = 0
    private var pager: PagerProcess?
    /// Set once the reader has gone (the pager quit): the pipeline stops.
    private(set) var isClosed = false
    /// Bytes that reached their destination (or the held screenful): a line that restarts
    /// its scan must not print twice.
    private(set) var written = 0
    private var failure: ShellError?
    /// The pager ended because Ctrl-C reached it too (it shares the terminal's process
    /// group): the line was interrupted, not finished.
    private var interrupted = false
    /// Whether stdout is the terminal that progress lines are drawn on.
    private let toTerminal: Bool
    /// Told once, before output first reaches the terminal or a pager takes it: progress
    /// lines would draw over it.
    private var onTerminalOutput: (() -> Void)?

    init(output: OutputSink, terminal: any Terminal = NoTerminal(), redirect: Redirect?, pagerRows: Int?,
         prose: Bool = false, toTerminal: Bool = false, onTerminalOutput: @escaping () -> Void = {}) throws {
        self.output = output
        self.terminal = terminal
        self.toTerminal = toTerminal
        self.onTerminalOutput = onTerminalOutput
        if let redirect {
            mode = .file(try FileWriter(redirect))
        } else if let rows = pagerRows, let paged = OutputTarget.pagedFrom(rows: rows) {
            mode = .screen(from: paged, prose: prose)
        } else {
            mode = .direct
        }
    }

    func write(_ text: String) {
        guard !text.isEmpty, !isClosed else { return }
        written += text.utf8.count
        switch mode {
        case .direct:
            if toTerminal { reachingTerminal() }
            output.write(text)
            // The reader went away (a closed pipe): the pipeline stops as for a quit pager.
            if output.resultsClosed { isClosed = true }
        case .file(let file):
            if let error = file.write(text) {
                failure = error
                isClosed = true
            }
        case .screen(let from, let prose):
            if let pager {
                if !pager.write(text) { pagerStopped() }
                return
            }
            held += text
            for c in text.utf8 where c == 0x0A { heldLines += 1 }
            guard heldLines >= from else { return }
            // Taller than the screen: through the pager from here on.
            let p = PagerProcess(Pager(chop: !prose))
            reachingTerminal()
            if p.start(at: terminal) {
                pager = p
                let first = held
                held = ""
                if !p.write(first) { pagerStopped() }
            } else {
                pagerFailed(p.pager)
                mode = .direct
                output.write(held)
                held = ""
            }
        }
    }

    /// How many lines of output go through the pager on a screen of `rows` (one row is the
    /// prompt's); nil when the screen is too small for a pager.
    static func pagedFrom(rows: Int?) -> Int? {
        guard let rows, rows > 2 else { return nil }
        return rows - 1
    }

    private func pagerFailed(_ pager: Pager) {
        output.message("opsh: the pager '\(TerminalSafe.escape(pager.command))' failed, so here is the output directly; fix PAGER or 'set pager off'\n")
    }

    private func reachingTerminal() {
        onTerminalOutput?()
        onTerminalOutput = nil
    }

    /// The pager stopped reading: the user quit it (the rest is not wanted), or it failed
    /// (its text is printed here instead).
    private func pagerStopped() {
        guard let p = pager else { return }
        pager = nil
        if let unseen = p.finish() {
            pagerFailed(p.pager)
            output.write(unseen)
            mode = .direct
        } else {
            isClosed = true
            // Ctrl-C ends a pager like cat before opsh's own handler cancels the line: the
            // pager's end by a signal says so as surely, whichever came first.
            interrupted = Task.isCancelled || p.endedBySignal
        }
    }

    /// Ends the output: the held screenful is printed, the pager waited for, the file put in
    /// place. With `success` false (the line failed), a new file is removed instead. A pager
    /// that Ctrl-C ended makes the line a cancelled one (`CancellationError`), so that
    /// "cancelled" and a fresh prompt follow, as after any interrupted line.
    func close(success: Bool) throws {
        switch mode {
        case .direct:
            break
        case .screen:
            if pager != nil {
                pagerStopped()
            } else if !held.isEmpty {
                reachingTerminal()
                output.write(held)
                held = ""
            }
        case .file(let file):
            let error = file.close(keep: success && failure == nil)
            if failure == nil { failure = error }
        }
        if success, interrupted { throw CancellationError() }
        if success, let failure { throw failure }
    }
}

/// The file behind `> FILE` or `>> FILE`.
final class FileWriter {
    let path: String
    private let handle: FileHandle
    /// For a regular file (or a new one): the file written, put in place at the end: renamed
    /// over `path` for `>`, added to its end for `>>`.
    private let temporary: String?
    private let append: Bool

    init(_ redirect: Redirect) throws {
        path = (redirect.path as NSString).expandingTildeInPath
        append = redirect.append
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ShellError("cannot write \(redirect.path): it is a directory")
        }
        do {
            if !Self.isRegularOrAbsent(path) {
                // A pipe, a terminal, /dev/null: written in place, as it comes.
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                if redirect.append { try h.seekToEnd() }
                (handle, temporary) = (h, nil)
            } else {
                if redirect.append, fm.fileExists(atPath: path), access(path, W_OK) != 0 {
                    throw ShellError("cannot write \(redirect.path): \(String(cString: strerror(errno)))")
                }
                // `>` renames its file over FILE, so it must be beside it; `>>` copies its file.
                let temp = try Self.temporaryFile(beside: path, shown: redirect.path,
                                                  mode: redirect.append ? 0o600 : Self.modeOf(path), orElsewhere: redirect.append)
                (handle, temporary) = (try FileHandle(forWritingTo: URL(fileURLWithPath: temp)), temp)
            }
        } catch let error as ShellError {
            throw error
        } catch {
            throw ShellError("cannot write \(redirect.path): \((error as NSError).localizedDescription)")
        }
    }

    /// A new, empty file in `path`'s directory (`orElsewhere`: in the temporary directory when
    /// opsh may not write there), with `mode` (else the umask's).
    private static func temporaryFile(beside path: String, shown: String, mode: Int?, orElsewhere: Bool) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let name = ".\((path as NSString).lastPathComponent).opsh-\(getpid())"
        let attributes = mode.map { [FileAttributeKey.posixPermissions: $0] }
        for place in [directory.isEmpty ? "." : directory] + (orElsewhere ? [NSTemporaryDirectory()] : []) {
            let temp = place + "/" + name
            if FileManager.default.createFile(atPath: temp, contents: nil, attributes: attributes) { return temp }
        }
        throw ShellError("cannot write \(shown): \(String(cString: strerror(errno)))")
    }

    /// Writes; an error message when the disk refuses.
    func write(_ text: String) -> ShellError? {
        do {
            try handle.write(contentsOf: Data(text.utf8))
            return nil
        } catch {
            return ShellError("cannot write \(path): \((error as NSError).localizedDescription)")
        }
    }

    /// Closes; with `keep`, puts a temporary file in place (renamed over FILE, or added to
    /// its end), else removes it: a line that failed leaves FILE as it was.
    func close(keep: Bool) -> ShellError? {
        try? handle.close()
        guard let temporary else { return nil }
        defer { unlink(temporary) }
        guard keep else { return nil }
        if append ? !Self.appendContents(of: temporary, to: path) : rename(temporary, path) != 0 {
            return ShellError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return nil
    }

    /// Adds the bytes of `source` to the end of `path` (created, mode 0666 less the umask, if
    /// absent). A failure part-way cuts `path` back to its old length.
    private static func appendContents(of source: String, to path: String) -> Bool {
        let input = open(source, O_RDONLY)
        guard input >= 0 else { return false }
        defer { closeDescriptor(input) }
        let output = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o666)
        guard output >= 0 else { return false }
        defer { closeDescriptor(output) }
        let before = lseek(output, 0, SEEK_END)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(input, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return false }
            if n == 0 { return true }
            guard FileDescriptor.writeAll(output, Array(buffer[..<n])) else {
                let reason = errno
                if before >= 0 { _ = ftruncate(output, before) }
                errno = reason
                return false
            }
        }
    }

    static func isRegularOrAbsent(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return true }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The permissions of an existing file, so that replacing it keeps them.
    static func modeOf(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_mode & 0o7777)
    }
}

@inline(__always)
private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
