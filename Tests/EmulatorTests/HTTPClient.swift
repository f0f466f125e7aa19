import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import OpenportEmulator

/// A raw HTTP/1.1 exchange over a loopback socket: exact bytes, no redirects followed,
/// and a connection closed without an answer shows up as `dropped`.
struct HTTPResult {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var dropped: Bool { status == 0 }
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    var object: [String: Any] { (json as? [String: Any]) ?? [:] }
    var results: [[String: Any]] { (object["results"] as? [[String: Any]]) ?? [] }
}

struct HTTPClientError: Error, CustomStringConvertible {
    let description: String
}

enum HTTP {
    static let demo = EmulatorAccounts.demoToken

    /// Runs the blocking socket work on its own thread (never on the cooperative pool).
    static func request(
        _ method: String, port: Int, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        host: String? = nil
    ) async throws -> HTTPResult {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResult, any Error>) in
            let thread = Thread {
                c.resume(with: Result { try exchange(method, port: port, target, headers: headers, body: body, host: host) })
            }
            thread.start()
        }
    }

    static func get(_ port: Int, _ target: String, headers: [(String, String)] = [], host: String? = nil) async throws
        -> HTTPResult
    {
        try await request("GET", port: port, target, headers: headers, host: host)
    }

    static func send(
        _ method: String, _ port: Int, _ target: String, json: String? = nil, form: String? = nil,
        contentType: String? = nil
    ) async throws -> HTTPResult {
        var headers: [(String, String)] = []
        var body: [UInt8]?
        if let json {
            headers.append(("Content-Type", contentType ?? "application/json"))
            body = Array(json.utf8)
        } else if let form {
            headers.append(("Content-Type", contentType ?? "application/x-www-form-urlencoded"))
            body = Array(form.utf8)
        }
        return try await request(method, port: port, target, headers: headers, body: body)
    }

    private static func exchange(
        _ method: String, port: Int, _ target: String, headers: [(String, String)], body: [UInt8]?, host: String?
    ) throws -> HTTPResult {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError(description: "socket() failed") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw HTTPClientError(description: "connect() failed") }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + (body ?? [])
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw HTTPClientError(description: "send() failed") }
            sent += n
        }

        var raw: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == ECONNRESET { break }
                throw HTTPClientError(description: "recv() failed: errno \(errno)")
            }
            if n == 0 { break }
            raw.append(contentsOf: buffer[0..<n])
        }
        if raw.isEmpty { return HTTPResult(status: 0, headers: [], body: []) }

        guard let split = find(Array("\r\n\r\n".utf8), in: raw) else {
            throw HTTPClientError(description: "no header end in \(String(decoding: raw, as: UTF8.self))")
        }
        let lines = String(decoding: raw[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPClientError(description: "bad status line \(lines[0])")
        }
        var fields: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var payload = Array(raw[(split + 4)...])
        if let length = fields.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }),
            payload.count > length
        {
            payload = Array(payload[..<length])
        }
        return HTTPResult(status: status, headers: fields, body: payload)
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if Array(hay[i..<i + needle.count]) == needle { return i }
        }
        return nil
    }
}

/// One read-only emulator shared by the tests that don't change data (2,500 clicks,
/// max page size 250). Tests that write start their own.
actor SharedEmulator {
    static let shared = SharedEmulator()
    private var task: Task<Emulator, any Error>?

    static let clicks = 2_500
    static let maxPageSize = 250

    func get() async throws -> Emulator {
        if let task { return try await task.value }
        let t = Task {
            var o = EmulatorOptions()
            o.clicks = SharedEmulator.clicks
            o.maxPageSize = SharedEmulator.maxPageSize
            return try await Emulator.start(o)
        }
        task = t
        return try await t.value
    }

    static func port() async throws -> Int { try await shared.get().port }
}

func startEmulator(_ configure: (inout EmulatorOptions) -> Void = { _ in }) async throws -> Emulator {
    var o = EmulatorOptions()
    o.clicks = 500
    configure(&o)
    return try await Emulator.start(o)
}
