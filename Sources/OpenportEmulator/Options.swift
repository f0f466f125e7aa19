import Foundation

/// How an emulator behaves. Everything is deterministic from `seed`.
public struct EmulatorOptions: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 = any free port.
    public var port: Int = 0
    /// Added to every request before answering.
    public var latency: Duration = .zero
    /// DRF `LimitOffsetPagination.max_limit`; the default page size stays 100.
    public var maxPageSize: Int = 1000
    /// Clicks of the demo account.
    public var clicks: Int = 178_268
    public var seed: UInt64 = 2021
    public var faults: FaultOptions = .init()
    /// The order in which openforiplinkclicks/ lists clicks. The real server's order is
    /// unknown: opsh must not depend on it, and tests can flip it to make sure it doesn't.
    public var clickOrder: ClickOrder = .oldestFirst
    /// New clicks a second while serving (a busy account): they are the newest, so they are
    /// listed at the end (`oldestFirst`) or at the front (`newestFirst`) per `clickOrder`.
    /// Their content follows from `seed`; they are added as requests arrive, when due.
    public var appendRate: Double = 0
    /// How long a page's `count` query takes before its rows are read, while clicks are being
    /// appended (`appendRate` > 0). Django REST Framework's `LimitOffsetPagination` runs the
    /// two as separate queries: clicks that arrive between them are in the rows but not in the
    /// count, so the count and the rows of one page disagree, as on a real server.
    public var countQueryTime: Duration = .milliseconds(20)
    /// A busy account whose changes a test times by its own requests: from the
    /// `newClicksFromPage`-th page of clicks served (1 is the first), each page adds
    /// `newClicksPerPage` new clicks to the account it lists once its rows are read, where new
    /// clicks go (see `undatedClicksLast`). With one request at a time, the list grows by exactly
    /// that many between two pages.
    public var newClicksPerPage = 0
    public var newClicksFromPage = 1
    /// The instant the demo account's history ends, as if it were now: two years of clicks
    /// up to it, the keys' last connections and counter resets in the hours before it, and
    /// the clicks of `appendRate` stamped with the moment they arrive. nil: the history the
    /// tests pin (the clicks of 2021 and 2022, the keys' times up to 2023-04-11), so that
    /// their expected values stay put. `opsh --demo` gives the moment it starts.
    public var end: Date?
    /// Where the pinned history ends (nil `end`): 2023-01-01T00:00+01:00, just after its
    /// newest click. A test that reads `-7d` pins its clock here.
    public static let pinnedEnd = Date(timeIntervalSince1970: Double(Timeline.pinned.clicksTo) / 1_000_000)
    /// List clicks without a time (0.1 %) after every dated one, oldest first (so before them,
    /// newest first), as Django REST Framework does ordering by `timestamp` on PostgreSQL (which
    /// sorts NULL above every time): new clicks then land next to the newest dated one, not at
    /// the end of the list. Off: they stay where they were made, among the dated ones.
    public var undatedClicksLast = true
    /// Serve HTTPS with this certificate instead of plain HTTP.
    public var tls: EmulatorTLS?
    public init() {}
}

/// The emulator's HTTPS identity: PEM files, as `openssl req -x509` or a CA writes them.
public struct EmulatorTLS: Sendable {
    /// The server certificate, then any intermediates.
    public var certificateFile: String
    public var privateKeyFile: String
    /// Offer HTTP/2 by ALPN beside HTTP/1.1 (clients that speak it multiplex one connection).
    public var http2: Bool

    public init(certificateFile: String, privateKeyFile: String, http2: Bool = false) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.http2 = http2
    }
}

/// Injected faults, applied to API routes after the latency. All rates are 0...1 and
/// the n-th request's fate is a pure function of (seed, n).
public struct FaultOptions: Sendable {
    /// 500/502/503/504 with an HTML or JSON body.
    public var serverErrorRate: Double = 0
    /// 429 `{"detail":"Request was throttled. Expected available in N seconds."}` + `Retry-After: N`.
    public var throttleRate: Double = 0
    public var retryAfterSeconds: Int = 1
    /// 200 with the JSON body cut off mid-way (a well-framed HTTP message, broken JSON).
    public var truncateRate: Double = 0
    /// 200 with a non-JSON body.
    public var invalidJSONRate: Double = 0
    /// Close the connection without answering.
    public var dropRate: Double = 0
    /// Extra latency (`spikeLatency`) on top of `latency`.
    public var spikeRate: Double = 0
    public var spikeLatency: Duration = .milliseconds(500)
    /// Every request after the first `failAfter` answered 503: a server that goes down
    /// part-way through a scan, and stays down.
    public var failAfter: Int?
    public init() {}
}

/// Listing order of clicks. The real server's order is unknown: nothing in opsh may depend on it.
public enum ClickOrder: String, Sendable { case oldestFirst, newestFirst }

/// The accounts the emulator knows. Tokens are accepted as `?token=` or `Authorization: Token X`.
public enum EmulatorAccounts {
    /// The demo account: 1,044 keys, ~300 sessions, `EmulatorOptions.clicks` clicks.
    public static let demoToken: String = "demo-7f3a9c2e51b84d06"
    /// A second paying account: 5 keys, 3 sessions, 50 clicks; never mixes with demo's data.
    public static let otherToken: String = "other-2b9d4e7a10c35f88"
    /// A valid token of a non-paying account: 403 on everything that needs a paying account.
    public static let freeToken: String = "free-5c1e8b3d92a74f60"
}
