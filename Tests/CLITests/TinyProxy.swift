#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A real HTTP proxy (Debian's tinyproxy) on a free loopback port, with its own config and
/// log in a temporary directory; stopped with SIGTERM (call `stop()` in a `defer`).
final class TinyProxy {
    let port: Int
    let directory: String
    private let process: Process
    private var stopped = false

    struct Unavailable: Error, CustomStringConvertible { var description: String }

    static var executable: String? {
        ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy", "/usr/local/bin/tinyproxy"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts tinyproxy allowing CONNECT to `connectPorts` only, and `Proxy-Authorization:
    /// Basic` of `credentials` when given.
    init(connectPorts: [Int], credentials: (user: String, password: String)? = nil) throws {
        guard let executable = TinyProxy.executable else {
            throw Unavailable(description: "tinyproxy is not installed (make test-deps installs it)")
        }
        directory = try CLI.temporaryDirectory()
        port = try TinyProxy.freePort()
        var config = """
            Port \(port)
            Listen 127.0.0.1
            Timeout 30
            LogFile "\(directory)/tinyproxy.log"
            LogLevel Info
            MaxClients 64
            Allow 127.0.0.1

            """
        for p in connectPorts { config += "ConnectPort \(p)\n" }
        if let credentials { config += "BasicAuth \(credentials.user) \(credentials.password)\n" }
        try config.write(toFile: directory + "/tinyproxy.conf", atomically: true, encoding: .utf8)

        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-d", "-c", directory + "/tinyproxy.conf"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Ready when it accepts a connection.
        let deadline = ContinuousClock.now + .seconds(10)
        while !TinyProxy.accepts(port) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                stop()
                throw Unavailable(description: "tinyproxy did not listen on 127.0.0.1:\(port): \(log)")
            }
            usleep(20_000)
        }
    }

    /// `http://127.0.0.1:PORT`, or with credentials `http://USER:PASSWORD@127.0.0.1:PORT`.
    func url(user: String? = nil, password: String? = nil) -> String {
        guard let user else { return "http://127.0.0.1:\(port)" }
        return "http://\(user):\(password ?? "")@127.0.0.1:\(port)"
    }

    /// Everything tinyproxy logged so far.
    var log: String {
        (try? String(contentsOfFile: directory + "/tinyproxy.log", encoding: .utf8)) ?? ""
    }

    var logLines: [Substring] { log.split(separator: "\n") }

    func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    /// A port nothing listens on right now (bound, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Unavailable(description: "cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
