#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// Text pasted at the prompt (between the terminal's bracketed-paste marks), made fit for
/// the line: line ends as `\n`, no control characters but tab, no trailing blank lines.
enum PastedText {
    ///     PastedText.clean(Array("keys | count\r\nnodes\r\n".utf8))   // "keys | count\nnodes"
    static func clean(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars where u == "\n" || u == "\t" || !(u.value < 0x20 || u.value == 0x7F) {
            out.append(u)
        }
        var cleaned = String(out)
        while cleaned.hasSuffix("\n") { cleaned.removeLast() }
        return cleaned
    }
}

/// The line in the user's editor (`$VISUAL`, else `$EDITOR`, else `vi`), as bash's
/// Ctrl-X Ctrl-E and pgcli's `\e` do: the text goes to a private temporary file, the editor
/// runs on the terminal, and what it leaves in the file comes back.
struct ExternalEditor {
    enum Outcome: Equatable {
        /// The file as the editor left it (line ends trimmed).
        case edited(String)
        /// Why nothing came back: one line for the user.
        case failed(String)
    }

    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// The editor command, as the shell would run it (it may carry arguments: `code -w`).
    var command: String {
        for name in ["VISUAL", "EDITOR"] {
            if let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty { return value }
        }
        return "vi"
    }

    /// Runs the editor on `text` and waits for it. The terminal must be as the editor
    /// expects it (not in the line editor's raw mode): the caller sees to that.
    func edit(_ text: String) -> Outcome {
        var template = Array((NSTemporaryDirectory() + "/opsh-line-XXXXXX.opsh").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 5) }
        guard fd >= 0 else { return .failed("cannot make a temporary file for the editor: \(String(cString: strerror(errno)))") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        fchmod(fd, 0o600)
        let body = Array((text + "\n").utf8)
        let written = body.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == body.count else { return .failed("cannot write the line for the editor") }
        let status = run(path)
        guard status == 0 else {
            return .failed(status == 127 ? "cannot run the editor '\(command)': set VISUAL or EDITOR"
                                         : "the editor '\(command)' exited with status \(status); nothing was run")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failed("the editor left no file to read; nothing was run")
        }
        var edited = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        while edited.hasSuffix("\n") { edited.removeLast() }
        return .edited(edited)
    }

    /// `sh -c '$EDITOR "$1"' opsh FILE`, with signals as a new program expects them (opsh
    /// blocks and ignores SIGINT, which a child would inherit); the exit status, 127 when it
    /// could not start.
    private func run(_ path: String) -> Int32 {
        let argv = ["/bin/sh", "-c", command + " \"$1\"", "opsh", path]
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/sh", nil, &attributes, cArgs, cEnv)
        guard spawned == 0 else { return 127 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exited = status & 0x7F == 0
        return exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
