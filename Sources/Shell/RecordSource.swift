import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// Rows of a resource for a pipeline: from the session cache when fresh, else from the API,
/// streamed page by page; a scan that completes is kept in the cache.
struct RecordSource: Sendable {
    let client: OpenportClient
    let cache: SessionCache
    let settings: Settings
    let progress: ProgressReporter?

    /// Rows for a pipeline that may stop early (`first N`) or need everything.
    /// `limit` asks for no more rows than that (one request where the server allows).
    func rows(_ resource: Resource, limit: Int? = nil) -> RecordBatches {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) {
            return RecordBatches.replay(limit.map { entry.records.rows(in: 0..<$0) } ?? entry.records)
        }
        if let limit {
            return client.scan(resource, limit: min(limit, settings.pageSize), maxRows: limit, concurrency: settings.concurrency)
        }
        let started = ContinuousClock.now
        let requestsBefore = client.requestCount
        if resource == .clicks, settings.useCache, let stale = cache.any(resource), !stale.needsFullScan {
            return incremental(resource, cached: stale.records, started: started, requestsBefore: requestsBefore)
        }
        let upstream = client.scan(resource, limit: settings.pageSize, concurrency: settings.concurrency,
                                   progress: progress?.reporter(for: resource, started: started))
        let cache = self.cache
        let keep = settings.useCache
        let progress = self.progress
        let client = self.client
        return RecordBatches { out in
            defer { progress?.finish() }
            var all = PackedRows.Builder()
            for try await batch in upstream {
                if keep { all.append(contentsOf: batch) }
                try await out.send(batch)
            }
            // A cancelled stream ends quietly: never take that for the whole list.
            try Task.checkCancellation()
            progress?.finish()
            if keep {
                let elapsed = ContinuousClock.now - started
                cache.store(resource, records: all.finish(), seconds: elapsed.inSeconds,
                            requests: client.requestCount - requestsBefore)
            }
        }
    }

    /// A stale click log refreshed by fetching only the new rows when that is provably right,
    /// else by a full scan.
    private func incremental(_ resource: Resource, cached: PackedRows, started: ContinuousClock.Instant,
                             requestsBefore: Int) -> RecordBatches {
        let source = self
        // Deferred: the rows are known once the refresh is done, and then they are packed
        // rows a pipeline can read by columns (or, failing that, a full scan's stream).
        return RecordBatches.deferred {
            // A key renamed or deleted since the clicks were fetched has relabelled its
            // clicks on the server, in place, where new rows cannot show it: look at
            // the keys first (storing them compares them with the cached ones).
            let keys = try await source.all(.keys)
            // Every name a click carries is a current key's name: one that is not
            // belonged to a key renamed or deleted since.
            let names = Set(keys.compactMap { $0["name"].string })
            // The distinct names the cached clicks carry, kept with them from refresh to
            // refresh (so a follow that polls every 5 s does not reread every row).
            let entry = source.cache.any(resource)
            let clickNames = entry?.keyNames ?? ClickLogRefresh.keyNames(cached)
            let relabelled = (entry?.needsFullScan ?? false) || !clickNames.isSubset(of: names)
            if !relabelled, let rows = try await ClickLogRefresh(client: source.client).refresh(resource, cached: cached) {
                let elapsed = ContinuousClock.now - started
                // New rows are at one end or the other (the refresh proved which).
                let added = max(0, rows.count - cached.count)
                if added == 0 {
                    // The same rows: fresh again, and the disk keeps them as they are.
                    source.cache.renew(resource, seconds: elapsed.inSeconds,
                                       requests: source.client.requestCount - requestsBefore)
                    return RecordBatches.replay(rows)
                }
                let known = clickNames.union(ClickLogRefresh.keyNames(rows.rows(in: 0..<added)))
                    .union(ClickLogRefresh.keyNames(rows.rows(in: (rows.count - added)..<rows.count)))
                source.cache.store(resource, records: rows,
                                   seconds: elapsed.inSeconds,
                                   requests: source.client.requestCount - requestsBefore,
                                   keyNames: known)
                return RecordBatches.replay(rows)
            }
            source.cache.invalidate(resource)
            return source.rows(resource)
        }
    }

    /// How many rows a resource has, with a row to check field names on: from the cache,
    /// else one request for one row.
    func count(_ resource: Resource) async throws -> (count: Int, sample: Record?) {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) {
            return (entry.records.count, entry.records.first)
        }
        let page = try await client.page(resource, limit: 1)
        return (page.count ?? page.results.count, page.results.first)
    }

    /// Every row, awaited (for joins and lookups).
    func all(_ resource: Resource) async throws -> [Record] { Array(try await packedRows(resource)) }

    /// Every row, packed: the cache's own when fresh, else after a fetch (for `follow`,
    /// which compares the log from poll to poll without making a record of every row).
    func packedRows(_ resource: Resource) async throws -> PackedRows {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) {
            return entry.records
        }
        let batches = try await rows(resource).resolved()
        if let packed = batches.packed { return packed }
        var builder = PackedRows.Builder()
        for try await batch in batches { builder.append(contentsOf: batch) }
        try Task.checkCancellation()
        return builder.finish()
    }

    /// Rows already in memory, as one batch (sharing the cache's storage, not copying it).
    static func replay(_ records: [Record]) -> RecordBatches { RecordBatches.replay(records) }
}

/// Draws fetch progress on stderr for a fetch that takes longer than about 300 ms.
final class ProgressReporter: Sendable {
    private let output: OutputSink
    private let muted = SharedFlag()
    private let state = Mutex<(shown: Bool, lastDraw: ContinuousClock.Instant?)>((false, nil))

    init(output: OutputSink) { self.output = output }

    /// Output has begun on the terminal (or a pager took it): clear the line, draw no more.
    func suspend() {
        muted.set(true)
        finish()
    }

    /// The line is over: draw again for the next.
    func resume() { muted.set(false) }

    func reporter(for resource: Resource, started: ContinuousClock.Instant) -> @Sendable (ScanProgress) -> Void {
        { [self] p in
            let now = ContinuousClock.now
            let elapsed = now - started
            guard elapsed > .milliseconds(300) || p.waiting != nil, !muted.isSet else { return }
            let draw = state.withLock { s -> Bool in
                // A wait the server asked for is always drawn: it explains the pause.
                if p.waiting == nil, let last = s.lastDraw, now - last < .milliseconds(100) { return false }
                s.lastDraw = now
                s.shown = true
                return true
            }
            guard draw else { return }
            let seconds = elapsed.inSeconds
            let rate = seconds > 0 ? Int(Double(p.rows) / seconds) : 0
            let of = p.total.map { " of \(ProgressReporter.group($0))" } ?? ""
            let wait = p.waiting.map { String(format: ", server asked to wait %.0f s", $0.rounded(.up)) } ?? ""
            output.message("\r\u{1b}[2K\(resource.rawValue): \(ProgressReporter.group(p.rows))\(of) rows (\(ProgressReporter.group(rate))/s)\(wait)")
        }
    }

    func finish() {
        let wasShown = state.withLock { s -> Bool in
            defer { s = (false, nil) }
            return s.shown
        }
        if wasShown { output.message("\r\u{1b}[2K") }
    }

    /// 178268 → "178,268".
    static func group(_ n: Int) -> String { DigitGroups.text(n) }
}
