#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OpenportEmulator
import Testing

/// Runs the built executables as a user's shell would: real processes, pipes, an isolated
/// environment, and a deadline after which the process is killed.
enum CLI {
    struct Missing: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) is not built beside the test bundle (run `swift build`)" }
    }

    /// The built `opsh` (or another product) beside the test bundle.
    static func executable(_ name: String) throws -> String {
        guard let path = PTYSession.builtExecutable(named: name) else { throw Missing(name: name) }
        return path
    }

    /// How long a test waits for what normally takes a moment (a prompt, a line, an exit)
    /// before it calls it a hang. Only a hang reaches it: a loaded machine makes things
    /// slower, never wrong, so no test fails for being slow.
    static let patience: Duration = .seconds(300)

    /// The token of the emulator's demo account: it must never be printed.
    static let demoToken = EmulatorAccounts.demoToken

    /// A fresh directory for HOME and XDG_STATE_HOME, removed by the caller.
    static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/opsh-cli-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return String(cString: made)
    }

    /// An environment with nothing from the developer's: no token, no API URL, no NO_COLOR,
    /// HOME and XDG_STATE_HOME in `home`, the demo pinned.
    static func environment(home: String, _ extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "XDG_STATE_HOME": home + "/state",
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "PAGER": "cat",
            // `--demo` with the pinned history and clock, so that outputs stay put from run to
            // run (DemoTimelineTests set it empty to see the live demo).
            "OPSH_DEMO_PINNED": "1",
        ]
        for (name, value) in extra { env[name] = value }
        return env
    }

    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var elapsed: Duration
        var timedOut: Bool

        var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

        var description: String {
            "exit \(status)\(timedOut ? " (killed at the deadline)" : "") after \(elapsed)\n"
                + "--- stdout:\n\(stdout.prefix(3000))\n--- stderr:\n\(stderr.prefix(3000))"
        }
    }

    /// Runs `executable arguments` with `stdin` on a pipe (closed after writing) and both
    /// outputs on pipes; kills it (SIGTERM, then SIGKILL) if it hangs past `timeout`.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    stdin: String = "", timeout: Duration = CLI.patience) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let started = ContinuousClock.now
        try process.run()

        // Read both pipes on their own threads so neither can fill up and block the child.
        let collected = Collected()
        let readers = DispatchGroup()
        for (index, pipe) in [output, errors].enumerated() {
            readers.enter()
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(index, data)
                readers.leave()
            }
        }
        // Write stdin from a thread too: a child that never reads must not block the test.
        let writer = input.fileHandleForWriting
        let stdinData = Data(stdin.utf8)
        Thread.detachNewThread {
            signal(SIGPIPE, SIG_IGN)
            try? writer.write(contentsOf: stdinData)
            try? writer.close()
        }

        var timedOut = false
        if exited.wait(timeout: .now() + timeout.timeInterval) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGTERM)
            if exited.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        let elapsed = ContinuousClock.now - started
        _ = readers.wait(timeout: .now() + 5)
        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        let result = Result(status: status, stdout: collected.text(0), stderr: collected.text(1),
                            elapsed: elapsed, timedOut: timedOut)
        if let shown = DebugText.find(in: result.stderr) {
            Issue.record("a Swift type or debug description reached the user: \(shown)\n\(result)")
        }
        return result
    }

    /// `opsh arguments` in a fresh home.
    static func opsh(_ arguments: [String], stdin: String = "", environment extra: [String: String] = [:],
                     timeout: Duration = CLI.patience) throws -> Result {
        let home = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        return try run(executable("opsh"), arguments, environment: environment(home: home, extra),
                       stdin: stdin, timeout: timeout)
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [Data] = [Data(), Data()]
        func set(_ index: Int, _ value: Data) { lock.withLock { data[index] = value } }
        func text(_ index: Int) -> String { lock.withLock { String(decoding: data[index], as: UTF8.self) } }
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

/// A running `opsh-emulator`: started on a free port, stopped with SIGTERM (always: call
/// `stop()` in a `defer`; the deinit is the last resort).
final class EmulatorProcess {
    let process: Process
    /// `http://127.0.0.1:PORT/api/v2/` (`https://` with `--tls-cert`)
    let baseURL: String
    let token: String
    private var stopped = false
    /// With `commands`: where changes to the data are written (`opsh-emulator --commands`).
    private let commandInput: FileHandle?
    private let output: FileHandle
    /// What stdout held after the last line read.
    private var buffer = Data()

    struct StartFailure: Error, CustomStringConvertible { var description: String }

    /// `commands`: the test changes the demo account's data while it runs (``send(_:)``).
    init(_ arguments: [String] = [], commands: Bool = false, timeout: Duration = CLI.patience) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try CLI.executable("opsh-emulator"))
        process.arguments = ["--port", "0"] + arguments + (commands ? ["--commands"] : [])
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = commands ? input : FileHandle.nullDevice
        try process.run()
        self.process = process
        self.output = output.fileHandleForReading
        commandInput = commands ? input.fileHandleForWriting : nil

        // The one line: "opsh-emulator listening on URL (demo token: TOKEN)".
        let handle = output.fileHandleForReading
        let deadline = ContinuousClock.now + timeout
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                process.terminate()
                throw StartFailure(description: "opsh-emulator printed no line within \(timeout)")
            }
            guard poll(&descriptor, 1, Int32(max(1, left.timeInterval * 1000))) > 0 else { continue }
            let chunk = handle.availableData
            if chunk.isEmpty {
                throw StartFailure(description: "opsh-emulator ended before printing its address: "
                    + String(decoding: buffer, as: UTF8.self))
            }
            buffer.append(chunk)
        }
        let newline = buffer.firstIndex(of: UInt8(ascii: "\n"))!
        let line = String(decoding: buffer[...newline], as: UTF8.self)
        self.buffer = Data(buffer[buffer.index(after: newline)...])
        let pattern = /^opsh-emulator listening on (https?:\/\/127\.0\.0\.1:\d+\/api\/v2\/) \(demo token: ([^)\s]+)\)\n$/
        guard let match = line.wholeMatch(of: pattern) else {
            process.terminate()
            throw StartFailure(description: "unexpected first line from opsh-emulator: \(String(reflecting: line))")
        }
        baseURL = String(match.1)
        token = String(match.2)
    }

    /// Sends one change or question (see `opsh-emulator --help`) and returns its one-line answer.
    @discardableResult
    func send(_ command: String) throws -> String {
        guard let commandInput else { throw StartFailure(description: "the emulator was started without commands") }
        try commandInput.write(contentsOf: Data((command + "\n").utf8))
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = output.availableData
            guard !chunk.isEmpty else { throw StartFailure(description: "opsh-emulator ended while answering '\(command)'") }
            buffer.append(chunk)
        }
        let newline = buffer.firstIndex(of: UInt8(ascii: "\n"))!
        let reply = String(decoding: buffer[..<newline], as: UTF8.self)
        buffer = Data(buffer[buffer.index(after: newline)...])
        if reply.hasPrefix("error") { throw StartFailure(description: "opsh-emulator: \(reply)") }
        return reply
    }

    /// SIGTERM, then wait (SIGKILL after 5 s).
    func stop() {
        guard !stopped else { return }
        stopped = true
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// A value shared between threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}

/// Text a user must never see: a Swift value's debug description (`ScanChanged(before: 1,`),
/// a type's full name, an Optional, a Foundation error's domain. Every process the tests run
/// is checked for it on stderr.
enum DebugText {
    static let patterns = [
        #"\b[A-Z][A-Za-z0-9]+\([a-z][A-Za-z0-9]*: "#, #"\bSwift\.[A-Z]"#, #"\bFoundation\.[A-Z]"#, #"\bOptional\("#,
        "Error Domain=", #"\b[A-Z][A-Za-z]+Error\.[a-z][A-Za-z]+\b"#,
    ]

    /// The first such text in `text`, if any.
    static func find(in text: String) -> Substring? {
        for p in patterns {
            if let m = text.firstMatch(of: try! Regex(p)) { return text[m.range] }
        }
        return nil
    }
}
