import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Records
import Synchronization

/// Talks HTTP to API v2: one request at a time here; pagination is in ``PageFetcher``.
///
/// Errors are ``APIError``s whose messages never contain the token.
public final class OpenportClient: Sendable {
    public let config: APIConfig
    public let redactor: Redactor
    private let http: HTTPClient
    private let requests = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    /// HTTP requests sent so far (retries included).
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    public init(config: APIConfig) throws(APIError) {
        try config.validate()
        self.config = config
        self.redactor = Redactor(token: config.token)
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: .milliseconds(Int64(config.connectTimeout * 1000)),
                             read: .milliseconds(Int64(config.readTimeout * 1000)))
        http.redirectConfiguration = .disallow
        http.connectionPool = .init(idleTimeout: .seconds(60),
                                    concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, config.concurrency))
        http.decompression = .enabled(limit: .ratio(50))
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    /// Closes the connections. Call once, before the process ends.
    public func shutdown() async {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        try? await http.shutdown()
    }

    // MARK: URLs

    /// The absolute URL of `path` (relative to the base) with `query` and the token, parameters sorted by name.
    public func url(_ path: String, query: [(String, String)] = [], withToken: Bool = true) -> String {
        var params = query
        if withToken, let token = config.token { params.append(("token", token)) }
        params.sort { $0.0 < $1.0 }
        var url = config.baseURL + (path.hasPrefix("/") ? String(path.dropFirst()) : path)
        if !params.isEmpty {
            url += (url.contains("?") ? "&" : "?")
            url += params.map { "\($0.0.addingPercentEncodingForQuery() ?? $0.0)=\($0.1.addingPercentEncodingForQuery() ?? $0.1)" }
                .joined(separator: "&")
        }
        return url
    }

    /// A path as a person would say it: `keys/349/`, without host or token.
    func describe(_ url: String) -> String {
        var shown = url
        if shown.hasPrefix(config.baseURL) { shown.removeFirst(config.baseURL.count) }
        if let q = shown.firstIndex(of: "?") {
            let query = shown[shown.index(after: q)...].split(separator: "&").filter { !$0.hasPrefix("token=") }
            shown = String(shown[..<q]) + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        }
        return redactor.redact(shown)
    }

    // MARK: requests

    public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
    }

    /// Sends one request, retrying idempotent ones on transient failures, and maps any
    /// failure (status ≥ 300 included) to an ``APIError``.
    public func send(_ method: HTTPMethod, url: String, body: Value? = nil) async throws(APIError) -> Response {
        let idempotent = method != .POST && method != .PATCH
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            do {
                return try await sendOnce(method, url: url, body: body)
            } catch let error {
                guard idempotent, error.isTransient, attempt < config.maxAttempts else { throw error }
                var delay = min(8.0, 0.2 * pow(2.0, Double(attempt - 1))) * Double.random(in: 0.5...1.0)
                if let wait = error.retryAfter { delay = max(delay, wait) }
                let elapsed = ContinuousClock.now - started
                guard Double(elapsed.components.seconds) + delay <= config.retryBudget else { throw error }
                do {
                    try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                } catch {
                    throw APIError(.cancelled, "cancelled")
                }
                attempt += 1
            }
        }
    }

    private func sendOnce(_ method: HTTPMethod, url: String, body: Value?) async throws(APIError) -> Response {
        if Task.isCancelled { throw APIError(.cancelled, "cancelled") }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "opsh/\(OpenportClient.version)")
        if let body {
            var bytes = [UInt8]()
            JSONWriter.write(body, into: &bytes)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        requests.add(1, ordering: .relaxed)
        let what = "\(method.rawValue) \(describe(url))"
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(Int64(config.readTimeout) + Int64(config.connectTimeout)))
            bytes = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw mapTransport(error, what: what)
        }
        let result = Response(status: Int(response.status.code), headers: response.headers,
                              body: Array(buffer: bytes))
        guard (200..<300).contains(result.status) else {
            throw statusError(result, what: what)
        }
        return result
    }

    private func mapTransport(_ error: any Error, what: String) -> APIError {
        if error is CancellationError || Task.isCancelled {
            return APIError(.cancelled, "cancelled")
        }
        let text = String(describing: error)
        let host = config.host
        let reason: String
        if let e = error as? HTTPClientError, e == .cancelled {
            return APIError(.cancelled, "cancelled")
        } else if text.contains("connectTimeout") || text.contains("connect timeout") {
            reason = "timed out connecting to \(host)"
        } else if text.contains("readTimeout") || text.contains("deadlineExceeded") {
            reason = "\(host) did not answer \(what) in time"
        } else if text.contains("refused") || text.contains("ECONNREFUSED") || text.contains("errno: 111") {
            reason = "cannot connect to \(host): connection refused"
        } else if text.contains("remoteConnectionClosed") || text.contains("connectionReset") || text.contains("Connection reset") || text.contains("EOF") {
            reason = "\(host) closed the connection during \(what)"
        } else if text.contains("NXDOMAIN") || text.contains("resolve") || text.contains("getaddrinfo") || text.contains("lookup") {
            reason = "cannot find the host \(host)"
        } else if text.lowercased().contains("ssl") || text.lowercased().contains("tls") || text.contains("certificate") {
            reason = "TLS failed with \(host): \(redactor.redact(text))"
        } else {
            reason = "cannot reach \(host) (\(redactor.redact(text)))"
        }
        return APIError(.transport, "\(reason); check OPENPORT_API_URL and your network")
    }

    private func statusError(_ r: Response, what: String) -> APIError {
        let body = (try? JSONReader().parse(r.body))
        let detail: String? = body?.record.flatMap { rec in
            if case .string(let s) = rec["detail"] { return s }
            return nil
        }
        let retryAfter = r.headers.first(name: "Retry-After").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        let detailText = detail.map { " — server says: \(redactor.redact($0))" } ?? ""
        switch r.status {
        case 400:
            var fields: [(field: String, messages: [String])] = []
            if let rec = body?.record {
                for (name, v) in zip(rec.fields, rec.values) {
                    switch v {
                    case .list(let items): fields.append((name, items.map { redactor.redact($0.plainText) }))
                    default: fields.append((name, [redactor.redact(v.plainText)]))
                    }
                }
            }
            let summary = fields.map { "\($0.field): \($0.messages.joined(separator: " "))" }.joined(separator: "; ")
            return APIError(.validation, "the server refused \(what) (400): \(summary.isEmpty ? "bad request" : summary)",
                            status: 400, fieldErrors: fields)
        case 401:
            if config.token == nil {
                return APIError(.unauthorized, "no token: set OPENPORT_TOKEN to your account's API token (the API answered 401)", status: 401)
            }
            return APIError(.unauthorized, "the API refused the token (401)\(detailText); set OPENPORT_TOKEN to your account's API token", status: 401)
        case 403:
            return APIError(.forbidden, "the API forbids this (403)\(detailText); the API needs the token of a paying account", status: 403)
        case 404:
            return APIError(.notFound, "not found (404): \(what)", status: 404)
        case 405:
            let allow = r.headers.first(name: "Allow").map { " (allowed: \($0))" } ?? ""
            return APIError(.methodNotAllowed, "the API does not allow \(what) (405)\(allow)", status: 405)
        case 429:
            let wait = retryAfter.map { "; it asks to wait \(Int($0.rounded(.up))) s" } ?? ""
            return APIError(.throttled, "the API is throttling requests (429)\(wait); try again later", status: 429, retryAfter: retryAfter)
        case 500...599:
            return APIError(.server, "the server failed on \(what) (\(r.status)); try again later", status: r.status, retryAfter: retryAfter)
        case 300...399:
            let location = r.headers.first(name: "Location").map { " to \(redactor.redact($0))" } ?? ""
            return APIError(.unexpectedStatus, "the server redirected \(what)\(location) (\(r.status)); check OPENPORT_API_URL", status: r.status)
        default:
            return APIError(.unexpectedStatus, "the server answered \(what) with \(r.status)\(detailText)", status: r.status)
        }
    }

    /// Parses a 2xx body as JSON.
    public func json(_ r: Response, what: String, reader: JSONReader = JSONReader()) throws(APIError) -> Value {
        do {
            return try reader.parse(r.body)
        } catch {
            let looksHTML = r.body.prefix(64).contains(UInt8(ascii: "<"))
            let hint = looksHTML ? "an HTML page, not JSON; is OPENPORT_API_URL the API's base (…/api/v2/)?" : "invalid JSON (\(error.reason) at byte \(error.offset))"
            throw APIError(.badResponse, "the server answered \(what) with \(hint)", status: r.status)
        }
    }

    /// GETs a path under the base and parses the JSON.
    public func getJSON(_ path: String, query: [(String, String)] = []) async throws(APIError) -> Value {
        let u = url(path, query: query)
        let r = try await send(.GET, url: u)
        return try json(r, what: "GET \(describe(u))")
    }

    public static let version = "0.1.0"
}
