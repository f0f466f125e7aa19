#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Dispatch
import Foundation
import Shell
import Synchronization

/// The terminal and the process opsh runs in, for the shell (see ``Terminal``): isatty and
/// the window size, the pager spawned on a pipe, `[y/N]` answers read from fd 0, and
/// SIGINT turned into cancelling the running command.
final class ProcessTerminal: Terminal {
    let info: TerminalInfo
    /// Ctrl-Cs seen so far: a blocking read (a `[y/N]` answer) compares it, in case the
    /// cancellation of its task is not visible from where it reads.
    private let interrupts = Atomic<Int>(0)
    private let source = Mutex<(any DispatchSourceSignal)?>(nil)

    init(environment: [String: String]) {
        let out = isatty(1) != 0
        let err = isatty(2) != 0
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let dumb = environment["TERM"] == "dumb"
        info = TerminalInfo(stdoutIsTerminal: out, stderrIsTerminal: err, color: out && !noColor && !dumb,
                            messageColor: err && !noColor && !dumb,
                            width: { out ? ProcessTerminal.size(fd: 1)?.columns : nil },
                            height: { out ? ProcessTerminal.size(fd: 1)?.rows : nil })
    }

    /// The terminal's size, or nil when it has none.
    static func size(fd: Int32) -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    func startPager(_ command: String) -> (any PagerInput)? { SpawnedPager.start(command) }

    /// A line from stdin; nil at end of input or when Ctrl-C cancels the command that asked
    /// (which means no, at once: the next line typed is not taken as the answer). Polls, so
    /// that the cancellation is seen within 100 ms.
    func readAnswer() -> String? {
        var line: [UInt8] = []
        let interruptsBefore = interrupts.load(ordering: .relaxed)
        while true {
            if Task.isCancelled || interrupts.load(ordering: .relaxed) != interruptsBefore { return nil }
            var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fd, 1, 100)
            if ready < 0, errno != EINTR { return nil }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let n = read(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            guard n == 1 else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }

    /// SIGINT stops being fatal: it calls `onInterrupt`. The process must block SIGINT in
    /// every thread first (main.swift does), or the source never fires.
    func handleInterrupts(exitWhenIdle: Bool, _ onInterrupt: @escaping @Sendable () -> Bool) {
        source.withLock { src in
            guard src == nil else { return }
            signal(SIGINT, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            s.setEventHandler { @Sendable [weak self] in
                self?.interrupts.add(1, ordering: .relaxed)
                if !onInterrupt(), exitWhenIdle { exit(130) }
            }
            s.resume()
            src = s
        }
    }
}

/// A pager started with posix_spawn on a pipe.
///
/// Spawned directly rather than with Foundation's Process, which puts the child in a process
/// group of its own: a pager there is a background job that cannot read the terminal. The
/// child gets an empty signal mask and default SIGINT/SIGPIPE, since opsh blocks and ignores
/// SIGINT itself.
final class SpawnedPager: PagerInput {
    private let pid: pid_t
    private var input: Int32

    private init(pid: pid_t, input: Int32) {
        self.pid = pid
        self.input = input
    }

    static func start(_ command: String) -> SpawnedPager? {
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
        var pid: pid_t = 0
        let spawned = withCStrings(["/bin/sh", "-c", command]) { argv in
            withCStrings(env.map { "\($0.key)=\($0.value)" }) { envp in
                posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            }
        }
        close(readEnd)
        guard spawned == 0 else {
            close(writeEnd)
            return nil
        }
        // The pager may quit before reading everything (q): a broken pipe is fine.
        signal(SIGPIPE, SIG_IGN)
        return SpawnedPager(pid: pid, input: writeEnd)
    }

    func write(_ text: String) -> Bool {
        input >= 0 && FileDescriptor.writeAll(input, Array(text.utf8))
    }

    func finish() -> Int32? {
        guard input >= 0 else { return nil }
        close(input)
        input = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status & 0x7F == 0 else { return nil }
        return (status >> 8) & 0xFF
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
