import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Records
import Synchronization

/// Talks HTTP to API v2: one request at a time here; pages of a list are read by one ordered,
/// concurrent scan (Scan.swift), which ranges of rows (PageFetcher.swift) use too.
///
/// Errors are ``APIError``s whose messages never contain the token.
public final class OpenportClient: Sendable {
    /// The configuration it was made with, but for ``paging``, which may change.
    public var config: APIConfig { configuration.withLock { $0 } }
    public let redactor: Redactor
    private let configuration: Mutex<APIConfig>
    private let http: HTTPClient
    private let requests = Atomic<Int>(0)
    private let requestsByResource = Mutex<[Resource: Int]>([:])
    private let closed = Atomic<Bool>(false)
    private let policy: Mutex<RetryPolicy>
    let tally = Mutex(ScanTally())

    /// HTTP requests sent so far (retries included).
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    /// The requests of ``requestCount`` that went to each resource's list or records
    /// (`keys/349/` counts for keys); other paths are not counted here.
    public var requestCounts: [Resource: Int] { requestsByResource.withLock { $0 } }

    /// How the scans so far went: retries spent, waits, concurrency reached.
    public var scanTally: ScanTally { tally.withLock { $0 } }

    public init(config: APIConfig) throws(APIError) {
        try config.validate()
        self.configuration = Mutex(config)
        self.redactor = Redactor(token: config.token, secrets: config.proxy?.secrets ?? [])
        self.policy = Mutex(RetryPolicy(maxAttempts: config.maxAttempts, budget: config.retryBudget))
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: .milliseconds(Int64(config.connectTimeout * 1000)),
                             read: .milliseconds(Int64(config.readTimeout * 1000)))
        http.redirectConfiguration = .disallow
        // Up to 64 connections, so that `set concurrency` can raise the number of pages in flight.
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // A refused connection fails at once; `send` decides whether to try again (briefly).
        http.connectionPool.retryConnectionEstablishment = false
        http.decompression = .enabled(limit: .ratio(50))
        try SecureConnection.configure(&http, for: config)
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

    /// How often and for how long idempotent requests are retried; changeable while running.
    public struct RetryPolicy: Sendable, Equatable {
        /// Tries in all (1 = no retry).
        public var maxAttempts: Int
        /// Seconds a request may take, retries and waits included.
        public var budget: Double
        /// The first wait between tries; each next one doubles (up to 8 s), less up to half at random.
        /// (A scan waits a random time from 0 up to that: full jitter.)
        public var baseDelay: Double
        /// The longest a scan waits when the server asks (429, or 503 with `Retry-After`).
        public var retryAfterCap: Double

        public init(maxAttempts: Int, budget: Double, baseDelay: Double = 0.2, retryAfterCap: Double = 60) {
            self.maxAttempts = max(1, maxAttempts)
            self.budget = max(0.1, budget)
            self.baseDelay = max(0, baseDelay)
            self.retryAfterCap = max(0, retryAfterCap)
        }
    }

    /// How many rows a page asks for, and how many pages a scan fetches at once.
    public struct Paging: Sendable, Equatable {
        public var pageSize: Int
        public var concurrency: Int
        public init(pageSize: Int, concurrency: Int) {
            self.pageSize = pageSize
            self.concurrency = concurrency
        }
    }

    /// The paging in force: from ``APIConfig/pageSize`` and ``APIConfig/concurrency`` until
    /// changed (`set page-size`), for every request after the change.
    public var paging: Paging {
        get { configuration.withLock { Paging(pageSize: $0.pageSize, concurrency: $0.concurrency) } }
        set { configuration.withLock { $0.pageSize = max(1, newValue.pageSize); $0.concurrency = max(1, newValue.concurrency) } }
    }

    /// The policy in force: from ``APIConfig/maxAttempts`` and ``APIConfig/retryBudget`` until changed.
    public var retryPolicy: RetryPolicy {
        get { policy.withLock { $0 } }
        set { policy.withLock { $0 = newValue } }
    }

    /// Sends one request, retrying idempotent ones on transient failures, and maps any
    /// failure (status ≥ 300 included) to an ``APIError``.
    ///
    /// GET, PUT and DELETE are tried again after a dropped or refused connection, a timeout,
    /// a 502/503/504 (a GET also after a 500), a 429, or a 2xx whose JSON body is cut off or
    /// is not JSON; with exponential backoff and jitter, at least as long as `Retry-After`
    /// asks, within ``RetryPolicy/maxAttempts`` tries and ``RetryPolicy/budget`` seconds.
    /// POST and PATCH are sent once: the server may have acted on them.
    public func send(_ method: HTTPMethod, url: String, body: Value? = nil) async throws(APIError) -> Response {
        let idempotent = method == .GET || method == .PUT || method == .DELETE || method == .HEAD
        let policy = retryPolicy
        let started = ContinuousClock.now
        var attempt = 1
        while true {
            let remaining = policy.budget - (ContinuousClock.now - started).inSeconds
            do {
                let r = try await sendOnce(method, url: url, body: body, deadline: idempotent ? remaining : nil)
                if idempotent, !OpenportClient.looksComplete(r.body) {
                    // A proxy's maintenance page, or a body cut off mid-way: the same error json() gives.
                    _ = try json(r, what: "\(method.rawValue) \(describe(url))")
                }
                return r
            } catch let error {
                guard idempotent, OpenportClient.retryable(error, method: method) else { throw error }
                guard attempt < policy.maxAttempts else { throw gaveUp(error, tries: attempt, started: started, outOfTime: false) }
                var delay = min(8.0, policy.baseDelay * pow(2.0, Double(attempt - 1))) * Double.random(in: 0.5...1.0)
                if let wait = error.retryAfter { delay = max(delay, wait) }
                guard (ContinuousClock.now - started).inSeconds + delay < policy.budget else {
                    throw gaveUp(error, tries: attempt, started: started, outOfTime: true)
                }
                do {
                    try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                } catch {
                    throw APIError(.cancelled, "cancelled")
                }
                attempt += 1
            }
        }
    }

    /// Whether trying the same idempotent request again may help.
    static func retryable(_ error: APIError, method: HTTPMethod) -> Bool {
        switch error.kind {
        case .throttled, .badResponse: return true
        case .transport: return error.transport?.isTransient ?? true
        case .server:
            guard let status = error.status else { return false }
            return [502, 503, 504].contains(status) || (status == 500 && method == .GET)
        default: return false
        }
    }

    /// The last error, saying how long opsh tried and what the user can change.
    private func gaveUp(_ error: APIError, tries: Int, started: ContinuousClock.Instant, outOfTime: Bool) -> APIError {
        guard tries > 1 || outOfTime else { return error }
        var e = error
        let seconds = (ContinuousClock.now - started).inSeconds
        if tries > 1 {
            e.message += " (gave up after \(tries) tries in \(String(format: "%.1f", seconds)) s; 'set retries N' and 'set timeout SECONDS' allow more)"
        } else {
            e.message += " (longer than opsh waits: 'set timeout SECONDS' to wait longer)"
        }
        return e
    }


    /// Whether a 2xx body can be a whole JSON document: a `{…}` or `[…]` must close, and
    /// nothing but space may follow; an HTML page (`<`) is not JSON. A cheap scan (no values
    /// are built) so a truncated or swapped body is retried before anyone parses it.
    static func looksComplete(_ body: [UInt8]) -> Bool {
        var i = 0
        let n = body.count
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        while i < n, isSpace(body[i]) { i += 1 }
        guard i < n else { return true }  // empty: 204-like, nothing to parse
        let first = body[i]
        if first == UInt8(ascii: "<") { return false }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return true }
        var depth = 0
        var inString = false
        while i < n {
            let b = body[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else {
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        while i < n, isSpace(body[i]) { i += 1 }
                        return i == n
                    }
                default: break
                }
            }
            i += 1
        }
        return false
    }

    /// One try, no retry: the scan schedules its own. `deadline`: seconds this try may take at most.
    func sendOnce(_ method: HTTPMethod, url: String, body: Value?, deadline: Double?) async throws(APIError) -> Response {
        if Task.isCancelled { throw APIError(.cancelled, "cancelled") }
        // Without a token only nodes/ answers: say so at once, rather than after a round trip
        // (or six, to a host that cannot be reached).
        if config.token == nil, !config.answersWithoutToken(url) { throw APIError(.unauthorized, APIConfig.noToken) }
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
        let path = what.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        if let resource = Resource.allCases.first(where: { path.hasPrefix($0.path) }) {
            requestsByResource.withLock { $0[resource, default: 0] += 1 }
        }
        var response: HTTPClientResponse?
        let bytes: ByteBuffer
        do {
            // One try may take the connect and read timeouts, but no more than the budget has left.
            var limit = config.connectTimeout + config.readTimeout
            if let deadline { limit = min(limit, max(1, deadline)) }
            response = try await http.execute(request, timeout: .milliseconds(Int64(limit * 1000)))
            bytes = try await response!.body.collect(upTo: 256 << 20)
        } catch {
            // TLS and proxy failures (SecureConnection.swift); everything else by its type.
            if let explained = await SecureConnection.explain(error, config: config, redactor: redactor) { throw explained }
            let failure = TransportFailure.classify(error, answerStarted: response != nil, cancelled: Task.isCancelled)
            throw failure.apiError(host: config.host, what: what)
        }
        guard let response else { throw APIError(.cancelled, "cancelled") }
        let result = Response(status: Int(response.status.code), headers: response.headers,
                              body: Array(buffer: bytes))
        guard (200..<300).contains(result.status) else {
            throw statusError(result, what: what)
        }
        return result
    }

    private func statusError(_ r: Response, what: String) -> APIError {
        let body = (try? JSONReader().parse(r.body))
        let detail: String? = body?.record.flatMap { rec in
            if case .string(let s) = rec["detail"] { return s }
            return nil
        }
        let retryAfter = r.headers.first(name: "Retry-After").flatMap(OpenportClient.retryAfterSeconds)
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
            return refusedToken(detail: detail)
        case 403:
            let said = detail.map { ", \"\(redactor.redact($0))\"" } ?? ""
            return APIError(.forbidden, "the API forbids this (403\(said)); the API needs the token of a paying account", status: 403)
        case 404:
            return APIError(.notFound, "not found (404): \(what)", status: 404)
        case 405:
            let allow = r.headers.first(name: "Allow").map { " (allowed: \($0))" } ?? ""
            return APIError(.methodNotAllowed, "the API does not allow \(what) (405)\(allow)", status: 405)
        case 429:
            let wait = retryAfter.map { "; it asks to wait \(Int($0.rounded(.up))) s" } ?? ""
            return APIError(.throttled, "the API is throttling requests (429) on \(what)\(wait); try again later", status: 429, retryAfter: retryAfter)
        case 500...599:
            return APIError(.server, "the server failed on \(what) (\(r.status)); try again later", status: r.status, retryAfter: retryAfter)
        case 300...399:
            let location = r.headers.first(name: "Location").map { " to \(redactor.redact($0))" } ?? ""
            return APIError(.unexpectedStatus, "the server redirected \(what)\(location) (\(r.status)); check OPENPORT_API_URL", status: r.status)
        default:
            return APIError(.unexpectedStatus, "the server answered \(what) with \(r.status)\(detailText)", status: r.status)
        }
    }

    /// A 401: which token was refused, by which API, where each was set, and what to do.
    private func refusedToken(detail: String?) -> APIError {
        let config = self.config
        guard config.token != nil else { return APIError(.unauthorized, APIConfig.noToken + " (the API answered 401)", status: 401) }
        let said = detail.map { ", \"\(redactor.redact($0))\"" } ?? ""
        guard let origin = config.tokenOrigin else {
            return APIError(.unauthorized, "the API refused the token (401\(said)); set OPENPORT_TOKEN to your account's API token", status: 401)
        }
        let api = "\(config.host) (\(config.urlOrigin.map { "from \($0.text)" } ?? "opsh's default API URL"))"
        return APIError(.unauthorized, "\(api) refused the token from \(origin.text) (401\(said)); \(origin.remedy)", status: 401)
    }

    /// `Retry-After` as seconds from now: a number of seconds, or an HTTP date.
    static func retryAfterSeconds(_ header: String) -> Double? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds.isFinite ? max(0, seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSinceNow)
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

    /// opsh's version, written only here: `opsh --version` and the User-Agent read it.
    public static let version = "0.1.0"
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
