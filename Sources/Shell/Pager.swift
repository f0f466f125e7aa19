#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// Shows long output at a terminal through `$PAGER` (default `less -FRSX`, as git and pgcli do).
struct Pager {
    let command: String

    /// `chop`: cut long lines rather than wrap them (tables); prose (help) wraps.
    init(environment: [String: String] = ProcessInfo.processInfo.environment, chop: Bool = true) {
        let configured = environment["PAGER"]?.trimmingCharacters(in: .whitespaces) ?? ""
        command = configured.isEmpty ? (chop ? "less -FRSX" : "less -FRX") : configured
    }

    /// Whether `text` is taller than the terminal.
    static func needed(_ text: String, rows: Int?) -> Bool {
        guard let rows, rows > 2 else { return false }
        var lines = 0
        for c in text.utf8 where c == 0x0A {
            lines += 1
            if lines >= rows - 1 { return true }
        }
        return false
    }

    /// Pipes `text` into the pager and waits for it; false when it could not start or failed
    /// (`PAGER=nonexistent` exits 127 having shown nothing), so the caller prints the text
    /// itself and nothing is lost.
    ///
    /// Spawned directly rather than with Foundation's Process, which puts the child in a
    /// process group of its own: a pager there is a background job that cannot read the
    /// terminal. The child gets an empty signal mask and default SIGINT/SIGPIPE, since opsh
    /// blocks and ignores SIGINT itself.
    func show(_ text: String) -> Bool {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return false }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = ProcessInfo.processInfo.environment
        if env["LESS"] == nil { env["LESS"] = "FRX" }
        let argv = ["/bin/sh", "-c", command]
        let envp = env.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnv in
                posix_spawn(&pid, "/bin/sh", &actions, &attributes, cArgv, cEnv)
            }
        }
        close(readEnd)
        guard spawned == 0 else {
            close(writeEnd)
            return false
        }
        // The pager may quit before reading everything (q): a broken pipe is fine.
        signal(SIGPIPE, SIG_IGN)
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(writeEnd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { break }
        }
        bytes.removeAll()
        close(writeEnd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // Exited with a status (not killed by a signal): 0 is success; anything else means the
        // command could not run or failed, and the text may not have been seen.
        let exited = status & 0x7F == 0
        return !(exited && (status >> 8) & 0xFF != 0)
    }

    private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
