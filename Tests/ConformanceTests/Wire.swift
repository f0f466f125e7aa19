import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Records

/// One request as a client sends it, to be sent to both servers.
struct Probe: CustomStringConvertible {
    var method = "GET"
    /// After `/api/v2/`, or from the root when it starts with `/`. `{demo}`, `{other}` and
    /// `{free}` stand for the accounts' tokens.
    var path: String
    var headers: [(String, String)] = []
    var body: String?
    /// The answer names a key just made: its id, url, times and redirect token differ.
    var creates = false

    var description: String { "\(method) \(path)\(body.map { " " + $0.prefix(120) } ?? "")" }

    static func json(_ method: String, _ path: String, _ body: String, creates: Bool = false) -> Probe {
        Probe(method: method, path: path, headers: [("Content-Type", "application/json")], body: body, creates: creates)
    }
}

/// What a client can see of an answer: the status, the headers an API or Django sets, and the
/// body with the server's own address written as `http://HOST`.
struct Answer: Equatable, CustomStringConvertible {
    var status: Int
    var headers: [String]
    var body: String

    var description: String { "\(status)\n" + headers.joined(separator: "\n") + "\n\n" + body }

    static let compared = [
        "content-type", "allow", "vary", "location", "www-authenticate", "retry-after", "x-frame-options",
        "x-content-type-options", "referrer-policy", "cross-origin-opener-policy",
    ]
}

enum Wire {
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static let tokens = [
        "{demo}": ServerPair.demoToken, "{other}": ServerPair.otherToken, "{free}": ServerPair.freeToken,
    ]

    static func fill(_ text: String) -> String {
        tokens.reduce(text) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    /// Sends `probe` to the server at `port` and reads the whole answer.
    static func send(_ probe: Probe, port: Int) async throws -> Answer {
        let path = fill(probe.path)
        let host = "http://127.0.0.1:\(port)"
        var request = HTTPClientRequest(url: host + (path.hasPrefix("/") ? path : "/api/v2/" + path))
        request.method = HTTPMethod(rawValue: probe.method)
        for (name, value) in probe.headers { request.headers.add(name: name, value: fill(value)) }
        if let body = probe.body { request.body = .bytes(ByteBuffer(string: fill(body))) }
        let response = try await client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        var headers: [String] = []
        for name in Answer.compared {
            for value in response.headers[name] { headers.append("\(name): \(value)") }
        }
        var answer = Answer(
            status: Int(response.status.code), headers: headers.map { normal($0, host: host) },
            body: normal(String(buffer: bytes), host: host))
        if probe.creates, answer.status == 201 { answer = maskCreated(answer) }
        return answer
    }

    static func normal(_ text: String, host: String) -> String {
        text.replacingOccurrences(of: host, with: "http://HOST")
    }

    /// A new key's id (and so its url and Location), times and redirect token are the server's
    /// own; what the client sent must come back exactly.
    static func maskCreated(_ answer: Answer) -> Answer {
        var masked = answer
        masked.headers = answer.headers.map { $0.hasPrefix("location:") ? "location: (the new key)" : $0 }
        guard case .object(let key)? = try? JSONReader().parse(answer.body) else { return answer }
        let own: Set = ["url", "id", "creation_time", "counter_reset_time", "redirect_token"]
        let pairs = zip(key.fields, key.values).map { name, value in (name, own.contains(name) ? .string("(server's own)") : value) }
        masked.body = JSONWriter.string(.object(Record(pairs)))
        return masked
    }
}
