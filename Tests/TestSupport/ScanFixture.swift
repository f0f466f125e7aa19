import OpenportAPI
import OpenportEmulator
import Records

/// The data and faults the scan tests and the scan soaks run on.
public enum ScanFixture {
    /// The demo account's full click log, in 1000-row pages, no latency.
    public static var fullLog: EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = 178_268
        o.maxPageSize = 1000
        o.faults.retryAfterSeconds = 1
        return o
    }

    /// A fault mix at `rate` in all: 5xx, 429 with Retry-After, truncated bodies, dropped connections.
    public static func mixed(_ rate: Double, seed: UInt64 = 2021) -> EmulatorOptions {
        var o = fullLog
        o.seed = seed
        o.faults.serverErrorRate = rate / 4
        o.faults.throttleRate = rate / 4
        o.faults.truncateRate = rate / 4
        o.faults.dropRate = rate / 4
        return o
    }

    /// The settings opsh starts with (3 retries, 30 s without progress), with short waits:
    /// Retry-After capped at 20 ms and a 20 ms first backoff, so a hundred scans stay quick.
    public static func configure(_ client: OpenportClient) {
        client.retryPolicy = .init(maxAttempts: 4, budget: 30, baseDelay: 0.02, retryAfterCap: 0.02)
    }

    /// A fingerprint of a list of rows: its length and a hash of every row in order.
    public static func fingerprint(_ rows: [Record]) -> String {
        var h = Hasher()
        for r in rows { h.combine(r) }
        return "\(rows.count)/\(h.finalize())"
    }

    /// Whether `rows` can be the list at one instant between `before` and `after` (a list that
    /// only gained rows meanwhile): every row of `before` is in it, none twice, and it is
    /// `after` with some rows left out, in `after`'s order.
    public static func isInstant(_ rows: [Record], before: [Record], after: [Record]) -> Bool {
        var i = after.startIndex
        for r in rows {
            while i < after.endIndex, after[i] != r { i += 1 }
            guard i < after.endIndex else { return false }
            i += 1
        }
        var missing: [Record: Int] = [:]
        for r in before { missing[r, default: 0] += 1 }
        for r in rows { if let n = missing[r] { missing[r] = n - 1 } }
        return missing.values.allSatisfy { $0 <= 0 }
    }
}
