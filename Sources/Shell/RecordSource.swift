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

    /// How rows of a resource are had: what ``rows(_:limit:)`` does, and `explain` reads.
    enum Fetch {
        /// From the cache, fresh: no request.
        case cached(SessionCache.Entry)
        /// The first rows only, not kept (`first N`).
        case first(Int)
        /// A stale click log, refreshed with only what is new when the data proves that is enough.
        case refresh(SessionCache.Entry)
        /// Every row, in pages.
        case scan
    }

    /// How `rows(resource, limit:)` will get them now.
    func fetch(_ resource: Resource, limit: Int? = nil) -> Fetch {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) { return .cached(entry) }
        if let limit { return .first(limit) }
        if resource == .clicks, settings.useCache, let stale = cache.any(resource), !stale.needsFullScan { return .refresh(stale) }
        return .scan
    }

    /// Rows for a pipeline that may stop early (`first N`) or need everything.
    /// `limit` asks for no more rows than that (one request where the server allows).
    func rows(_ resource: Resource, limit: Int? = nil) -> RecordBatches {
        let started = ContinuousClock.now
        let requestsBefore = client.requestCount
        switch fetch(resource, limit: limit) {
        case .cached(let entry):
            return RecordSource.replay(limit.map { Array(entry.records.prefix($0)) } ?? entry.records)
        case .first(let limit):
            return client.scan(resource, limit: min(limit, settings.pageSize), maxRows: limit, concurrency: settings.concurrency)
        case .refresh(let stale):
            return incremental(resource, cached: stale.records, started: started, requestsBefore: requestsBefore)
        case .scan:
            break
        }
        let upstream = client.scan(resource, limit: settings.pageSize, concurrency: settings.concurrency,
                                   progress: progress?.reporter(for: resource, started: started))
        let cache = self.cache
        let keep = settings.useCache
        let progress = self.progress
        let client = self.client
        return RecordBatches { out in
            defer { progress?.finish() }
            var all: [Record] = []
            for try await batch in upstream {
                if keep { all.append(contentsOf: batch) }
                try await out.send(batch)
            }
            // A cancelled stream ends quietly: never take that for the whole list.
            try Task.checkCancellation()
            progress?.finish()
            if keep {
                let elapsed = ContinuousClock.now - started
                cache.store(resource, records: all, seconds: elapsed.inSeconds,
                            requests: client.requestCount - requestsBefore)
            }
        }
    }

    /// A stale click log refreshed by fetching only the new rows when that is provably right,
    /// else by a full scan.
    private func incremental(_ resource: Resource, cached: [Record], started: ContinuousClock.Instant,
                             requestsBefore: Int) -> RecordBatches {
        let source = self
        return RecordBatches { out in
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
            let clickNames = entry?.keyNames ?? RecordSource.keyNames(cached[...])
            let relabelled = (entry?.needsFullScan ?? false) || !clickNames.isSubset(of: names)
            if !relabelled, let rows = try await ClickLogRefresh(client: source.client).refresh(resource, cached: cached) {
                let elapsed = ContinuousClock.now - started
                // New rows are at one end or the other (the refresh proved which).
                let added = max(0, rows.count - cached.count)
                if added == 0 {
                    // The same rows: fresh again, and the disk keeps them as they are.
                    source.cache.renew(resource, seconds: elapsed.inSeconds,
                                       requests: source.client.requestCount - requestsBefore)
                    try await out.send(rows)
                    return
                }
                let known = clickNames.union(RecordSource.keyNames(rows.prefix(added)))
                    .union(RecordSource.keyNames(rows.suffix(added)))
                source.cache.store(resource, records: rows,
                                   seconds: elapsed.inSeconds,
                                   requests: source.client.requestCount - requestsBefore,
                                   keyNames: known)
                try await out.send(rows)
                return
            }
            source.cache.invalidate(resource)
            for try await batch in source.rows(resource) { try await out.send(batch) }
            try Task.checkCancellation()
        }
    }

    /// The distinct `key_name`s of some clicks.
    static func keyNames(_ rows: ArraySlice<Record>) -> Set<String> { ClickLogRefresh.keyNames(rows) }

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
    func all(_ resource: Resource) async throws -> [Record] {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) {
            return entry.records
        }
        var collected: [Record] = []
        for try await batch in rows(resource) { collected.append(contentsOf: batch) }
        return collected
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
            guard elapsed > .milliseconds(300) || p.waiting != nil else { return }
            let seconds = elapsed.inSeconds
            let rate = seconds > 0 ? Int(Double(p.rows) / seconds) : 0
            let of = p.total.map { " of \(ProgressReporter.group($0))" } ?? ""
            let wait = p.waiting.map { String(format: ", server asked to wait %.0f s", $0.rounded(.up)) } ?? ""
            // Drawn holding the lock, after checking the mute under it: a scan still winding
            // down after its line ended (Ctrl-C) never draws over the next prompt.
            state.withLock { s in
                guard !muted.isSet else { return }
                // A wait the server asked for is always drawn: it explains the pause.
                if p.waiting == nil, let last = s.lastDraw, now - last < .milliseconds(100) { return }
                s.lastDraw = now
                s.shown = true
                output.message("\r\u{1b}[2K\(resource.rawValue): \(ProgressReporter.group(p.rows))\(of) rows (\(ProgressReporter.group(rate))/s)\(wait)")
            }
        }
    }

    /// Clears the progress line, if one is drawn.
    func finish() {
        state.withLock { s in
            if s.shown { output.message("\r\u{1b}[2K") }
            s = (false, nil)
        }
    }

    /// 178268 → "178,268".
    static func group(_ n: Int) -> String { DigitGroups.text(n) }
}
