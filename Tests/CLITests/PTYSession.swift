#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// A program running on a pseudo-terminal, driven like a user at a keyboard.
///
///     let session = try PTYSession(executable: "/bin/cat")
///     session.send("hello\r")
///     try session.waitFor("hello")
///     session.sendKeys(.ctrlD)
///     #expect(try session.waitForExit() == 0)
///
/// `waitFor` reads what the program writes (escape sequences removed) and returns once
/// `text` appears after the previous match, so waiting for the same prompt twice waits
/// for a second prompt.
final class PTYSession {
    /// Keys as a terminal sends them.
    enum Key: String {
        case tab = "\t"
        case enter = "\r"
        case escape = "\u{1B}"
        case backspace = "\u{7F}"
        case ctrlA = "\u{01}"
        case ctrlC = "\u{03}"
        case ctrlD = "\u{04}"
        case ctrlE = "\u{05}"
        case ctrlR = "\u{12}"
        case ctrlU = "\u{15}"
        case up = "\u{1B}[A"
        case down = "\u{1B}[B"
        case right = "\u{1B}[C"
        case left = "\u{1B}[D"
    }

    /// Raised when a wait runs out; shows the end of what the program wrote.
    struct Timeout: Error, CustomStringConvertible {
        var waitingFor: String
        var recentOutput: String
        var description: String {
            "timed out waiting for \(waitingFor); last output:\n\(recentOutput)"
        }
    }

    struct LaunchFailure: Error, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    let columns: Int
    private let master: Int32
    private var bytes: [UInt8] = []
    /// Where the next `waitFor` starts looking, in `Character`s of the plain text.
    private var matchedUpTo = 0
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments` on a new terminal of `columns` x `rows`.
    /// - Parameter environment: the child's environment (nil: this process's);
    ///   TERM is always xterm-256color.
    init(executable: String, arguments: [String] = [], environment: [String: String]? = nil,
         columns: UInt16 = 120, rows: UInt16 = 40) throws {
        var env = environment ?? ProcessInfo.processInfo.environment
        env["TERM"] = "xterm-256color"
        // Everything the child touches is built before fork: after it, only
        // async-signal-safe calls.
        let argv = CStrings([executable] + arguments)
        let envp = CStrings(env.map { "\($0.key)=\($0.value)" }.sorted())
        defer { argv.free(); envp.free() }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)

        var master: Int32 = -1
        let pid = forkpty(&master, nil, nil, &size)
        if pid == 0 {
            // The test thread may block signals (SIGINT among them); the mask survives
            // execve, and a blocked SIGINT would make Ctrl-C tests pass for the wrong reason.
            sigprocmask(SIG_SETMASK, &noSignals, nil)
            signal(SIGINT, SIG_DFL)
            signal(SIGPIPE, SIG_DFL)
            execve(executable, argv.pointers, envp.pointers)
            _exit(127)
        }
        guard pid > 0 else {
            throw LaunchFailure(description: "forkpty failed: \(String(cString: strerror(errno)))")
        }
        self.pid = pid
        self.master = master
        self.columns = Int(columns)
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(master)
    }

    /// Types `text` (use "\r" for Enter).
    func send(_ text: String) {
        var remaining = Array(text.utf8)[...]
        while !remaining.isEmpty {
            let n = remaining.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            remaining = remaining.dropFirst(n)
        }
    }

    /// Presses `keys` one after another.
    func sendKeys(_ keys: Key...) {
        for key in keys { send(key.rawValue) }
    }

    /// Everything the program wrote so far, escape sequences included.
    var output: String { String(decoding: bytes, as: UTF8.self) }

    /// The output without escape sequences (carriage returns kept).
    var plainText: String { Self.strippingEscapes(output) }

    /// The output as a terminal of this width would show it, scrollback included:
    /// text, CR, LF, backspace, tab, and the cursor moves and erasures line editors use
    /// (CSI A B C D G H J K). Colours and other escapes are dropped; rows are right-trimmed.
    var screenText: String {
        var screen = ScreenModel(columns: columns)
        screen.feed(output)
        return screen.text
    }

    /// Reads until `text` is on the rendered screen (`screenText`); returns the screen.
    @discardableResult
    func waitForScreen(_ text: String, timeout: Duration = CLI.patience) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let screen = screenText
            if screen.contains(text) { return screen }
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw Timeout(waitingFor: "\(String(reflecting: text)) on screen", recentOutput: screen)
            }
            _ = readAvailable(waitingUpTo: min(left, .milliseconds(50)))
        }
    }

    /// Reads until `text` appears in the plain text after the previous match; returns the
    /// plain text from there through the match.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = CLI.patience) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let plain = plainText
            let start = plain.index(plain.startIndex, offsetBy: min(matchedUpTo, plain.count))
            if let range = plain[start...].range(of: text) {
                matchedUpTo = plain.distance(from: plain.startIndex, to: range.upperBound)
                return String(plain[start..<range.upperBound])
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero, readAvailable(waitingUpTo: left) else {
                throw Timeout(waitingFor: String(reflecting: text), recentOutput: recentOutput)
            }
        }
    }

    /// Waits for the program to end; returns its exit code, or 128 + the signal that ended it.
    @discardableResult
    func waitForExit(timeout: Duration = CLI.patience) throws -> Int32 {
        if let exitStatus { return exitStatus }
        let deadline = ContinuousClock.now + timeout
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                exitStatus = code
                while readAvailable(waitingUpTo: .milliseconds(10)) {}
                return code
            }
            guard ContinuousClock.now < deadline else {
                throw Timeout(waitingFor: "exit of pid \(pid)", recentOutput: recentOutput)
            }
            // Keep draining so a program blocked on a full terminal can finish.
            _ = readAvailable(waitingUpTo: .milliseconds(20))
        }
    }

    /// The built executable `name` beside the running test bundle (`swift build` puts
    /// products and the test runner in the same directory), or nil if it isn't there.
    static func builtExecutable(named name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let bytes = buffer[..<length].map { UInt8(bitPattern: $0) }
        let exe = String(decoding: bytes, as: UTF8.self)
        guard let slash = exe.lastIndex(of: "/") else { return nil }
        let candidate = exe[..<slash] + "/" + name
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    // MARK: - Private

    private var recentOutput: String {
        String(decoding: bytes.suffix(2048), as: UTF8.self)
    }

    /// Waits up to `timeout` for output and appends it; false if none came (or at EOF).
    private func readAvailable(waitingUpTo timeout: Duration) -> Bool {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000
            + timeout.components.attoseconds / 1_000_000_000_000_000)
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, max(1, milliseconds))
        guard ready > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        guard n > 0 else {
            // EIO once the program has closed the terminal: no more output.
            if n < 0, errno == EINTR || errno == EAGAIN { return true }
            return false
        }
        bytes.append(contentsOf: chunk[..<n])
        return true
    }

    /// Removes CSI (`ESC [ … final`), OSC (`ESC ] … BEL`) and two-byte escapes.
    static func strippingEscapes(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\u{1B}" else { out.append(scalar); continue }
            switch scalars.next() {
            case "[":
                while let next = scalars.next(), !(0x40...0x7E).contains(next.value) {}
            case "]":
                var previous: Unicode.Scalar = " "
                while let next = scalars.next(), next != "\u{07}", !(previous == "\u{1B}" && next == "\\") {
                    previous = next
                }
            default:
                break
            }
        }
        return String(out)
    }
}

/// NUL-terminated C string arrays for execve, allocated before fork.
private struct CStrings {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String]) {
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    func free() {
        var index = 0
        while let pointer = pointers[index] {
            Glibc.free(pointer)
            index += 1
        }
        pointers.deallocate()
    }
}

/// A minimal terminal: enough of VT100 to render what a line editor draws.
private struct ScreenModel {
    let columns: Int
    var rows: [[Character]] = [[]]
    var row = 0
    var column = 0

    init(columns: Int) { self.columns = max(1, columns) }

    var text: String {
        rows.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }
            .joined(separator: "\n")
    }

    mutating func feed(_ output: String) {
        var scalars = output.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case "\u{1B}":
                escape(&scalars)
            case "\r":
                column = 0
            case "\n":
                moveTo(row: row + 1, column: column)
            case "\u{08}":
                column = max(0, column - 1)
            case "\t":
                column = min(columns - 1, (column / 8 + 1) * 8)
            case "\u{07}":
                break
            default:
                if scalar.properties.generalCategory == .nonspacingMark {
                    continue  // rough: combining marks don't take a cell
                }
                put(Character(scalar))
            }
        }
    }

    private mutating func put(_ character: Character) {
        if column >= columns { moveTo(row: row + 1, column: 0) }
        while rows[row].count < column { rows[row].append(" ") }
        if column < rows[row].count { rows[row][column] = character } else { rows[row].append(character) }
        column += 1
    }

    private mutating func moveTo(row newRow: Int, column newColumn: Int) {
        row = max(0, newRow)
        while rows.count <= row { rows.append([]) }
        column = max(0, min(columns - 1, newColumn))
    }

    private mutating func escape(_ scalars: inout String.UnicodeScalarView.Iterator) {
        guard let kind = scalars.next() else { return }
        if kind == "]" {  // OSC: skip to BEL or ST
            var previous: Unicode.Scalar = " "
            while let next = scalars.next(), next != "\u{07}", !(previous == "\u{1B}" && next == "\\") {
                previous = next
            }
            return
        }
        guard kind == "[" else { return }
        var parameters = ""
        var final: Unicode.Scalar = "m"
        while let next = scalars.next() {
            if (0x40...0x7E).contains(next.value) { final = next; break }
            parameters.unicodeScalars.append(next)
        }
        let numbers = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        let n = max(1, (numbers.first ?? nil) ?? 1)
        switch final {
        case "A": moveTo(row: row - n, column: column)
        case "B": moveTo(row: row + n, column: column)
        case "C": moveTo(row: row, column: column + n)
        case "D": moveTo(row: row, column: column - n)
        case "G": moveTo(row: row, column: n - 1)
        case "H", "f":
            // Absolute rows are relative to the last screenful of the scrollback (rough).
            let top = max(0, rows.count - 40)
            let line = numbers.count > 1 ? max(1, numbers[1] ?? 1) : 1
            moveTo(row: top + n - 1, column: line - 1)
        case "K":
            let mode = (numbers.first ?? nil) ?? 0
            if mode == 0, column < rows[row].count { rows[row].removeSubrange(column...) }
            if mode == 2 { rows[row] = [] }
        case "J":
            let mode = (numbers.first ?? nil) ?? 0
            if mode == 0 {
                if column < rows[row].count { rows[row].removeSubrange(column...) }
                rows.removeSubrange((row + 1)...)
            }
        default:
            break  // colours, modes
        }
    }
}
