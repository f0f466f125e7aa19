import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import NIOSSL

/// A local copy of openport.io's REST API v2 (a Django REST Framework app), served over
/// HTTP/1.1 (or HTTPS, given ``EmulatorOptions/tls``) on loopback by Hummingbird. Used by `opsh --demo`, the network tests and the
/// benchmarks. Never grabs signals: it runs inside the interactive shell.
public final class Emulator: Sendable {
    /// The bound port (the real one when `EmulatorOptions.port` was 0).
    public let port: Int
    /// `http://127.0.0.1:PORT/api/v2/` (`https://` when serving TLS)
    public let baseURL: String

    private let store: Store
    private let task: Task<Void, Never>

    private init(port: Int, baseURL: String, store: Store, task: Task<Void, Never>) {
        self.port = port
        self.baseURL = baseURL
        self.store = store
        self.task = task
    }

    /// Builds the data set, starts serving, and returns once the server listens.
    public static func start(_ options: EmulatorOptions = .init()) async throws -> Emulator {
        let store = Store(options: options)
        let hostForURL = options.host.contains(":") ? "[\(options.host)]" : options.host
        let fallbackHost = LockedValue("\(hostForURL):\(options.port)")
        let scheme = options.tls == nil ? "http" : "https"
        let server = try options.tls.map(Self.tlsServer) ?? .http1()
        let responder = EmulatorResponder(
            scheme: scheme,
            store: store,
            api: API(store: store, maxPageSize: options.maxPageSize),
            latency: options.latency,
            faults: FaultPlan(options: options.faults, seed: options.seed),
            fallbackHost: fallbackHost)
        let started = StartSignal()
        var app = Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(options.host, port: options.port)),
            onServerRunning: { channel in
                started.resolve(.success(channel.localAddress?.port ?? options.port))
            })
        // Hummingbird logs "Server started" at info level to stdout by default: keep quiet.
        app.logger.logLevel = .critical
        let task = Task(executorPreference: ServerExecutor.shared) {
            do {
                try await app.runService(gracefulShutdownSignals: [])
                started.resolve(.failure(EmulatorError.stoppedBeforeListening))
            } catch {
                started.resolve(.failure(error))
            }
        }
        let port: Int
        do {
            port = try await started.wait()
        } catch {
            task.cancel()
            await task.value
            throw error
        }
        fallbackHost.set("\(hostForURL):\(port)")
        return Emulator(port: port, baseURL: "\(scheme)://\(hostForURL):\(port)/api/v2/", store: store, task: task)
    }

    /// HTTP/1.1 over TLS, or HTTP/2 and HTTP/1.1 by ALPN, with the certificate and key files.
    static func tlsServer(_ tls: EmulatorTLS) throws -> HTTPServerBuilder {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        if tls.http2 {
            return try .http2Upgrade(tlsConfiguration: configuration)
        }
        configuration.applicationProtocols = ["http/1.1"]
        return try .tls(.http1(), tlsConfiguration: configuration)
    }

    /// HTTP requests answered so far (all routes, faults included).
    public var requestCount: Int { store.requestCount }

    public func resetRequestCount() { store.resetRequestCount() }

    /// Appends `n` new (newest) clicks to an account, e.g. to test rows added mid-scan.
    public func addClicks(_ n: Int, token: String = EmulatorAccounts.demoToken) {
        store.addClicks(n, token: token)
    }

    /// Appends `n` new clicks without a time: with `undatedClicksLast`, after every click (as
    /// PostgreSQL lists NULL last, ties by id), else after the newest.
    public func addUndatedClicks(_ n: Int, token: String = EmulatorAccounts.demoToken) {
        store.addClicks(n, token: token, undated: true)
    }

    /// Clicks that happened a while ago but are written only now: each lands in the middle of
    /// the list, by its time (neither end of the list shows them).
    public func insertLateClicks(_ n: Int, token: String = EmulatorAccounts.demoToken) {
        store.insertLateClicks(n, token: token)
    }

    /// Removes `n` clicks from the middle of the list (neither end shows it).
    public func removeMiddleClicks(_ n: Int, token: String = EmulatorAccounts.demoToken) {
        store.removeMiddleClicks(n, token: token)
    }

    /// Removes the `n` oldest clicks, as a retention purge would.
    public func purgeOldestClicks(_ n: Int, token: String = EmulatorAccounts.demoToken) {
        store.purgeOldestClicks(n, token: token)
    }

    /// Renames a key as the website would: its clicks are shown under the new name at once.
    @discardableResult
    public func renameKey(id: Int, to name: String, token: String = EmulatorAccounts.demoToken) -> Bool {
        store.updateKey(token, id: id, name: name, publicKey: nil) != nil
    }

    /// Deletes a key as the website would: its sessions go, its clicks show `key_name` null.
    @discardableResult
    public func deleteKey(id: Int, token: String = EmulatorAccounts.demoToken) -> Bool {
        store.deleteKey(token, id: id)
    }

    /// Sets a key's `bytes_this_month`, e.g. to the edges of 64-bit integers.
    @discardableResult
    public func setBytesThisMonth(id: Int, to bytes: Int, token: String = EmulatorAccounts.demoToken) -> Bool {
        store.setBytesThisMonth(token, id: id, bytes: bytes)
    }

    /// The ids of the keys called `name`, in id order.
    public func keyIDs(named name: String, token: String = EmulatorAccounts.demoToken) -> [Int] {
        store.keyIDs(token, named: name)
    }

    /// Changes `EmulatorOptions.appendRate` from now on (0 stops new clicks).
    public func setAppendRate(_ clicksPerSecond: Double) {
        store.setAppendRate(clicksPerSecond)
    }

    public func clickCount(token: String = EmulatorAccounts.demoToken) -> Int {
        store.clickCount(token)
    }

    /// Stops serving and closes every connection. Safe to call more than once.
    public func stop() async {
        // Let connections a client has just opened or closed settle first: a channel that is
        // still being set up when the server shuts down trips an assertion in NIO's async
        // channel ("Deinited NIOAsyncWriter without calling finish()").
        try? await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await task.value
    }
}

enum EmulatorError: Error, CustomStringConvertible {
    case stoppedBeforeListening
    case droppedConnection

    var description: String {
        switch self {
        case .stoppedBeforeListening: return "the emulator stopped before it listened"
        case .droppedConnection: return "connection dropped on purpose (fault injection)"
        }
    }
}

final class LockedValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
}

/// A one-shot result that `start()` waits for.
final class StartSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, any Error>?
    private var waiter: CheckedContinuation<Int, any Error>?

    func resolve(_ r: Result<Int, any Error>) {
        let w: CheckedContinuation<Int, any Error>? = lock.withLock {
            guard result == nil else { return nil }
            result = r
            defer { waiter = nil }
            return waiter
        }
        w?.resume(with: r)
    }

    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { c in
            let r: Result<Int, any Error>? = lock.withLock {
                if result == nil { waiter = c }
                return result
            }
            if let r { c.resume(with: r) }
        }
    }
}

struct EmulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Closes the connection (fault injection: "drop").
    let closeConnection: @Sendable () async -> Void

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        closeConnection = { _ = try? await channel.close().get() }
    }
}

struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorContext

    /// `http` or `https`: what the links in answers start with.
    let scheme: String
    let store: Store
    let api: API
    let latency: Duration
    let faults: FaultPlan
    let fallbackHost: LockedValue<String>

    static let maxBody = 2_621_440  // Django's DATA_UPLOAD_MAX_MEMORY_SIZE

    func respond(to request: Request, context: EmulatorContext) async throws -> Response {
        let n = store.countRequest()
        store.appendDueClicks()
        if latency > .zero { try? await Task.sleep(for: latency) }
        let method = request.method.rawValue
        let isHead = method == "HEAD"

        let raw = request.head.path ?? "/"
        let pathPart: Substring
        let queryPart: Substring?
        if let q = raw.firstIndex(of: "?") {
            pathPart = raw[..<q]
            queryPart = raw[raw.index(after: q)...]
        } else {
            pathPart = raw[...]
            queryPart = nil
        }
        let path = Query.percentDecode(Array(pathPart.utf8), plusIsSpace: false)
        let host = request.head.authority ?? fallbackHost.get()

        guard let (route, suffixFormat) = Route.matchWithFormat(path) else {
            // Django's CommonMiddleware with APPEND_SLASH.
            if !path.hasSuffix("/"), Route.match(path + "/") != nil {
                let location = escapeURIPath(path + "/") + (queryPart.map { "?\($0)" } ?? "")
                return Self.response(.appendSlash(location), head: isHead)
            }
            return Self.response(.notFound(), head: isHead)
        }

        var fault = Fault.none
        if faults.active {
            let decision = faults.decide(n)
            fault = decision.fault
            if decision.spike { try? await Task.sleep(for: faults.options.spikeLatency) }
            switch fault {
            case .drop:
                await context.closeConnection()
                throw EmulatorError.droppedConnection
            case .serverError(let status):
                return Self.response(FaultPlan.serverError(status), head: isHead)
            case .throttle:
                return Self.response(faults.throttled(allow: route.allowHeader), head: isHead)
            default:
                break
            }
        }

        var body: [UInt8] = []
        do {
            let buffer = try await request.body.collect(upTo: Self.maxBody)
            body = Array(buffer.readableBytesView)
        } catch {
            return Self.response(.detail(413, "Request body too large."), head: isHead)
        }

        let apiRequest = APIRequest(
            method: method, route: route,
            apiBase: "\(scheme)://\(host)\(Route.prefix)",
            absolutePath: "\(scheme)://\(host)\(escapeURIPath(path))",
            query: Query(queryPart.map(String.init)),
            authorization: request.headers[.authorization],
            contentType: request.headers[.contentType],
            body: body, suffixFormat: suffixFormat)
        return try await api.respond(to: apiRequest, method: request.method, logger: context.logger, fault: fault)
    }

    static let reasons: [Int: String] = [
        200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 400: "Bad Request",
        401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
        413: "Request Entity Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
        500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    ]

    static func response(_ reply: Reply, head: Bool) -> Response {
        var headers = HTTPFields()
        for (name, value) in reply.headers + Reply.djangoHeaders where reply.framed || name != "X-Frame-Options" {
            headers[.init(name)!] = value
        }
        let status = HTTPResponse.Status(code: reply.status, reasonPhrase: reasons[reply.status] ?? "")
        let response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        return head ? response.createHeadResponse() : response
    }
}

/// Django's `escape_uri_path`: percent-encodes a path except `/:@&+$,-_.!~*'()` and alphanumerics.
func escapeURIPath(_ path: String) -> String {
    var out = ""
    for b in path.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            if "/:@&+$,-_.!~*'()".utf8.contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(Query.upperHex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(Query.upperHex[Int(b & 15)]))
            }
        }
    }
    return out
}
