/// The retries one scan may spend: a token bucket that pages arriving refill.
///
/// As in the AWS SDKs' retry quota and gRPC's retry throttling: a retry takes a token, a
/// page that arrives gives half of one back, and when the bucket is empty the scan stops
/// retrying. The bucket is sized to the scan (`retries` per 8 pages, at least twice `retries`),
/// so a long scan rides out scattered faults while a broken server is given up on quickly.
///
/// ```
/// var quota = RetryQuota(retries: 3, pages: 179)   // 3 × (2 + 179 / 8) = 72 tokens
/// quota.take()        // true: a retry is allowed; 71 left
/// quota.arrived()     // 71.5
/// ```
public struct RetryQuota: Sendable, Equatable {
    public private(set) var capacity: Double
    public private(set) var tokens: Double
    /// Retries taken so far.
    public private(set) var spent = 0
    /// What a page that arrives gives back.
    public static let refill = 0.5

    public init(retries: Int, pages: Int) {
        capacity = RetryQuota.capacity(retries: retries, pages: pages)
        tokens = capacity
    }

    static func capacity(retries: Int, pages: Int) -> Double {
        Double(max(0, retries) * (2 + max(0, pages) / 8))
    }

    /// Takes a token for one retry; false when none is left.
    public mutating func take() -> Bool {
        guard tokens >= 1 else { return false }
        tokens -= 1
        spent += 1
        return true
    }

    /// A page arrived.
    public mutating func arrived() { tokens = min(capacity, tokens + RetryQuota.refill) }

    /// The scan turned out to have `pages` pages: the bucket grows by the difference.
    public mutating func resize(retries: Int, pages: Int) {
        let new = RetryQuota.capacity(retries: retries, pages: pages)
        tokens = max(0, tokens + new - capacity)
        capacity = new
    }
}

/// How many requests a scan keeps in flight: additive increase, multiplicative decrease.
///
/// It starts at the ceiling (`set concurrency`), so a healthy server sees what it saw before;
/// a 429, a 503 or a timeout halves it (once per round trip: only a request sent after the
/// last cut can cut again), and each run of successes in a row a quarter of the window long (at
/// least one) adds one, up to the ceiling: a few a round trip, so that a window cut by a fault
/// that was not congestion (a 429 with `Retry-After: 0` among healthy pages) is back in a few
/// round trips, while a server that keeps throttling keeps it down.
public struct ConcurrencyWindow: Sendable {
    public let ceiling: Int
    public private(set) var limit: Int
    /// The lowest the limit went.
    public private(set) var lowest: Int
    private var run = 0
    private var lastCut: ContinuousClock.Instant?

    public init(ceiling: Int) {
        self.ceiling = max(1, ceiling)
        limit = self.ceiling
        lowest = self.ceiling
    }

    public mutating func succeeded() {
        run += 1
        if run >= max(1, limit / 4) {
            run = 0
            limit = min(ceiling, limit + 1)
        }
    }

    /// The server is overloaded: halve, unless this request was sent before the last cut.
    public mutating func overloaded(sentAt: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) {
        if let lastCut, sentAt < lastCut { return }
        limit = max(1, limit / 2)
        lowest = min(lowest, limit)
        run = 0
        lastCut = now
    }
}

/// How the scans of a client went, for `set timing on`: totals since the client started,
/// and the concurrency of the latest scan.
public struct ScanTally: Sendable, Equatable {
    /// Scans run (each, successful or not).
    public var scans = 0
    /// Retries spent, in all scans.
    public var retries = 0
    /// Waits the server asked for (429, 503 with Retry-After), in all scans.
    public var waits = 0
    /// Pages read again because rows moved under them (a busy account).
    public var rereads = 0
    /// The latest scan's concurrency when it ended, and the lowest it went.
    public var concurrency = 0
    public var lowestConcurrency = 0

    public init() {}
}
