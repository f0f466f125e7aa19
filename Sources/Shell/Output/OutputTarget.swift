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
///   a pipe, is written in place); `>> FILE` appends.
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
        }
    }

    /// Ends the output: the held screenful is printed, the pager waited for, the file put in
    /// place. With `success` false (the line failed), a new file is removed instead.
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
        if success, let failure { throw failure }
    }
}

/// The file behind `> FILE` or `>> FILE`.
final class FileWriter {
    let path: String
    private let handle: FileHandle
    /// For `>` over a regular file (or a new one): the file written, renamed over `path` at the end.
    private let temporary: String?

    init(_ redirect: Redirect) throws {
        path = (redirect.path as NSString).expandingTildeInPath
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ShellError("cannot write \(redirect.path): it is a directory")
        }
        let regular = Self.isRegularOrAbsent(path)
        do {
            if redirect.append || !regular {
                if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                if redirect.append { try h.seekToEnd() }
                handle = h
                temporary = nil
            } else {
                let directory = (path as NSString).deletingLastPathComponent
                let name = (path as NSString).lastPathComponent
                let temp = (directory.isEmpty ? "." : directory) + "/.\(name).opsh-\(getpid())"
                guard fm.createFile(atPath: temp, contents: nil, attributes: Self.modeOf(path).map { [.posixPermissions: $0] }) else {
                    throw ShellError("cannot write \(redirect.path): \(String(cString: strerror(errno)))")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
                temporary = temp
            }
        } catch let error as ShellError {
            throw error
        } catch {
            throw ShellError("cannot write \(redirect.path): \((error as NSError).localizedDescription)")
        }
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

    /// Closes; with `keep`, puts a temporary file in place, else removes it.
    func close(keep: Bool) -> ShellError? {
        try? handle.close()
        guard let temporary else { return nil }
        if keep {
            if rename(temporary, path) != 0 {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                return ShellError("cannot write \(path): \(reason)")
            }
        } else {
            unlink(temporary)
        }
        return nil
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
