#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OpenportEmulator

/// What both servers are started with: the same data set, listed in the same order.
struct ServerOptions: Hashable, Sendable {
    /// The emulator's data set with fewer clicks than the demo's 178,268 (DRF loads and pages
    /// them in Python: the whole set would add minutes), still enough that answers differ
    /// from line to line.
    var clicks = 40_000
    var seed: UInt64 = 2021
    var order: ClickOrder = .newestFirst
    var maxLimit = 1000

    var emulator: EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = clicks
        o.seed = seed
        o.clickOrder = order
        o.maxPageSize = maxLimit
        o.undatedClicksLast = true  // DRF orders by time
        return o
    }
}

/// The Django REST Framework app of `conformance/`, served by gunicorn on a free loopback port,
/// with its own copy of a database loaded from `opsh-emulator --dump`.
final class DRFServer: @unchecked Sendable {  // immutable after init, but `stopped` (under `lock`)
    let port: Int
    /// `http://127.0.0.1:PORT/api/v2/`
    let baseURL: String
    let database: String
    let options: ServerOptions
    private let process: Process
    private let lock = NSLock()
    private var stopped = false

    /// Loads (or reuses) the data set of `options` and starts serving it.
    init(_ options: ServerOptions) throws {
        self.options = options
        let template = try DataSets.shared.database(clicks: options.clicks, seed: options.seed)
        database = DataSets.shared.directory + "/server-\(UUID().uuidString).sqlite3"
        try FileManager.default.copyItem(atPath: template, toPath: database)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Checkout.conformance + "/.venv/bin/gunicorn")
        process.arguments = ["--config", "gunicorn.conf.py", "openport.wsgi:application"]
        process.environment = DRFServer.environment(database: database, options: options)
        process.currentDirectoryURL = URL(fileURLWithPath: Checkout.conformance)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        do {
            port = try DRFServer.listeningPort(errors.fileHandleForReading)
        } catch {
            process.terminate()
            throw error
        }
        baseURL = "http://127.0.0.1:\(port)/api/v2/"
    }

    static func environment(database: String, options: ServerOptions) -> [String: String] {
        [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "OPENPORT_DB": database, "OPENPORT_CLICK_ORDER": options.order == .newestFirst ? "newest" : "oldest",
            "OPENPORT_MAX_LIMIT": String(options.maxLimit),
        ]
    }

    /// Reads gunicorn's log to its "Listening at: http://127.0.0.1:PORT" line, then keeps
    /// draining it on a thread. The socket is bound by then: requests wait in its backlog
    /// until a worker takes them, so nothing more needs waiting for.
    static func listeningPort(_ log: FileHandle) throws -> Int {
        var seen = Data()
        while true {
            let chunk = log.availableData
            if chunk.isEmpty {
                throw ProcessFailure(description: "gunicorn ended before listening: \(String(decoding: seen, as: UTF8.self))")
            }
            seen.append(chunk)
            let text = String(decoding: seen, as: UTF8.self)
            if let match = text.firstMatch(of: /Listening at: http:\/\/127\.0\.0\.1:(\d+)/), let port = Int(match.1) {
                Thread.detachNewThread { while !log.availableData.isEmpty {} }
                return port
            }
        }
    }

    /// Runs a management command of the app on this server's database.
    @discardableResult
    func manage(_ arguments: [String]) throws -> Finished {
        try Run.checked(Checkout.conformance + "/.venv/bin/python", ["manage.py"] + arguments,
                        environment: DRFServer.environment(database: database, options: options),
                        directory: Checkout.conformance)
    }

    /// Appends `n` new (newest) clicks to an account, as the emulator's `addClicks` does.
    func addClicks(_ n: Int, token: String = EmulatorAccounts.demoToken) throws {
        try manage(["appendclicks", token, "--count", String(n)])
    }

    /// Starts writing `rate` new clicks a second (one transaction each) until `stop()` on it.
    func appending(rate: Double, token: String = EmulatorAccounts.demoToken) throws -> Appender {
        try Appender(server: self, rate: rate, token: token)
    }

    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: database)
    }

    deinit { stop() }

    /// A running `manage.py appendclicks --rate`.
    final class Appender: @unchecked Sendable {  // its one process is started in init and only signalled after
        private let process: Process

        init(server: DRFServer, rate: Double, token: String) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: Checkout.conformance + "/.venv/bin/python")
            process.arguments = ["manage.py", "appendclicks", token, "--rate", String(rate)]
            process.environment = DRFServer.environment(database: server.database, options: server.options)
            process.currentDirectoryURL = URL(fileURLWithPath: Checkout.conformance)
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Its first line says it has begun (Django is set up, the first row written).
            _ = output.fileHandleForReading.availableData
        }

        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }

        deinit { stop() }
    }
}

/// Data sets written by `opsh-emulator --dump` and loaded into a template database once per
/// test run; each server copies its template.
final class DataSets: @unchecked Sendable {  // every access to `loaded` holds `lock`
    static let shared = DataSets()
    let directory: String
    private let lock = NSLock()
    private var loaded: [String: Result<String, any Error>] = [:]
    private var bootstrapped: Result<Void, any Error>?

    private init() {
        // A run leaves its data sets behind (there is no end-of-run hook): remove those of
        // test processes that are gone.
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] {
            guard name.hasPrefix("opsh-conformance-"), let pid = Int32(name.dropFirst("opsh-conformance-".count)),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: temporary + "/" + name)
        }
        directory = temporary + "/opsh-conformance-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The venv (made by `conformance/bootstrap` when missing), once.
    func bootstrap() throws {
        try lock.withLock {
            if bootstrapped == nil {
                bootstrapped = Result { try Run.checked(Checkout.conformance + "/bootstrap", []) }.map { _ in }
            }
            return try bootstrapped!.get()
        }
    }

    /// The template database of a data set: dumped by the emulator, loaded by the app.
    func database(clicks: Int, seed: UInt64) throws -> String {
        try bootstrap()
        let name = "dataset-\(clicks)-\(seed)"
        return try lock.withLock {
            if let done = loaded[name] { return try done.get() }
            let result = Result { () throws -> String in
                let dump = "\(directory)/\(name).json"
                let database = "\(directory)/\(name).sqlite3"
                try Run.checked(Checkout.executable("opsh-emulator"),
                                ["--dump", dump, "--clicks", String(clicks), "--seed", String(seed)])
                try Run.checked(Checkout.conformance + "/.venv/bin/python", ["manage.py", "loaddump", dump],
                                environment: DRFServer.environment(database: database, options: ServerOptions()),
                                directory: Checkout.conformance)
                return database
            }
            loaded[name] = result
            return try result.get()
        }
    }
}
