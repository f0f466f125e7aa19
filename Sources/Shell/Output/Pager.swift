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

    /// Starts the pager reading from a pipe: its pid and the pipe's writing end.
    ///
    /// Spawned directly rather than with Foundation's Process, which puts the child in a
    /// process group of its own: a pager there is a background job that cannot read the
    /// terminal. The child gets an empty signal mask and default SIGINT/SIGPIPE, since opsh
    /// blocks and ignores SIGINT itself.
    func spawn() -> (pid: pid_t, input: Int32)? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
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
            return nil
        }
        // The pager may quit before reading everything (q): a broken pipe is fine.
        signal(SIGPIPE, SIG_IGN)
        return (pid, writeEnd)
    }

    private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

/// A running pager, fed as the output is made.
final class PagerProcess {
    let pager: Pager
    private var pid: pid_t = 0
    private var input: Int32 = -1
    /// What was sent, kept (up to a few MB) so that a pager that fails can give it back.
    private var sent: [UInt8] = []
    private var keptAll = true
    static let keepLimit = 4 << 20

    init(_ pager: Pager) { self.pager = pager }

    /// False when the pager could not be started.
    func start() -> Bool {
        guard let (pid, input) = pager.spawn() else { return false }
        (self.pid, self.input) = (pid, input)
        return true
    }

    /// Sends text; false once the pager has stopped reading.
    func write(_ text: String) -> Bool {
        guard input >= 0 else { return false }
        if keptAll {
            if sent.count + text.utf8.count <= Self.keepLimit { sent += text.utf8 } else { keptAll = false; sent = [] }
        }
        return writeAll(input, text)
    }

    /// Closes the pipe and waits for the pager. nil when it ran (a quit with q included);
    /// when it failed (exited with a status other than 0, as a missing command does), the
    /// text it was sent, to print instead (empty if that was too much to keep).
    func finish() -> String? {
        guard input >= 0 else { return nil }
        close(input)
        input = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exited = status & 0x7F == 0
        guard exited, (status >> 8) & 0xFF != 0 else { return nil }
        return keptAll ? String(decoding: sent, as: UTF8.self) : ""
    }
}
