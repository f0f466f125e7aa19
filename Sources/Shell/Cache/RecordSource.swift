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
        /// A stale click log brought up to date with a few requests (``ListRefresh``), the
        /// keys read afresh beside it; a full scan after them when the rows prove nothing.
        case refresh(SessionCache.Entry, ListOrder, KeyMap)
        /// Every row, in pages (for clicks, after the keys: ``fullScan(_:)``).
        case scan
    }

    /// How `rows(resource, limit:)` will get them now.
    func fetch(_ resource: Resource, limit: Int? = nil) -> Fetch {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) { return .cached(entry) }
        if let limit { return .first(limit) }
        if resource == .clicks, settings.useCache, let cached = cache.any(resource), let (order, map) = refreshable(cached) {
            return .refresh(cached, order, map)
        }
        return .scan
    }

    /// Rows for a pipeline that may stop early (`first N`) or need everything.
    /// `limit` asks for no more rows than that (one request where the server allows).
    func rows(_ resource: Resource, limit: Int? = nil) -> RecordBatches {
        let early = resource == .clicks && limit == nil ? keysWhileReadingDisk() : nil
        switch fetch(resource, limit: limit) {
        case .cached(let entry):
            early?.cancel()
            return RecordBatches.replay(limit.map { entry.records.rows(in: 0..<min($0, entry.records.count)) } ?? entry.records)
        case .first(let limit):
            return client.scan(resource, limit: min(limit, settings.pageSize), maxRows: limit, concurrency: settings.concurrency)
        case .refresh(let entry, let order, let map):
            return incremental(entry, order: order, map: map, keys: early)
        case .scan:
            return fullScan(resource, keys: early)
        }
    }

    /// A fetch of the clicks reads the keys (beside a refresh, before a scan). When the clicks
    /// are still to be read from disk and will be stale there, the keys are asked for now, while
    /// the disk is read (tens of milliseconds for a large log), not after.
    private func keysWhileReadingDisk() -> Task<[Record], any Error>? {
        guard settings.useCache, cache.staleOnDisk(.clicks, within: settings.freshness[.clicks] ?? .zero) else { return nil }
        let source = self
        return Task { try await source.keysAfresh() }
    }

    /// The keys fetched afresh: by `early` when it was begun (cancelled with the caller), else now.
    private func keysAfresh(_ early: Task<[Record], any Error>?) async throws -> [Record] {
        guard let early else { return try await keysAfresh() }
        return try await withTaskCancellationHandler { try await early.value } onCancel: { early.cancel() }
    }

    /// Every row of the list, read afresh, and kept in the cache when the scan completes. Clicks
    /// are read under the keys' names as they are before the scan begins (their ``Provenance``):
    /// a key renamed while it runs shows as a change at the next refresh.
    func fullScan(_ resource: Resource, keys early: Task<[Record], any Error>? = nil) -> RecordBatches {
        let source = self
        return RecordBatches { out in
            let started = ContinuousClock.now
            let requestsBefore = source.client.requestCount
            let keep = source.settings.useCache
            let keyMap = resource == .clicks && keep ? try await source.keyMapBeforeScan(early) : nil
            let began = Date().timeIntervalSince1970
            let progress = source.progress
            defer { progress?.finish() }
            let upstream = source.client.scan(resource, limit: source.settings.pageSize, concurrency: source.settings.concurrency,
                                              progress: progress?.reporter(for: resource, started: started))
            var all = PackedRows.Builder()
            for try await batch in upstream {
                if keep { all.append(contentsOf: batch) }
                try await out.send(batch)
            }
            // A cancelled stream ends quietly: never take that for the whole list.
            try Task.checkCancellation()
            progress?.finish()
            guard keep else { return }
            let rows = all.finish()
            let provenance = Provenance(keyMap: keyMap, keyNames: resource == .clicks ? Provenance.keyNames(rows) : nil,
                                        fullScanWall: began)
            source.cache.store(resource, records: rows, seconds: (ContinuousClock.now - started).inSeconds,
                               requests: source.client.requestCount - requestsBefore, provenance: provenance)
        }
    }

    /// The order a stale click log can be refreshed in with a few requests, and the keys'
    /// names it was read under; nil when it cannot (no order, no key names to check against,
    /// a full scan due by `set rescan`).
    private func refreshable(_ entry: SessionCache.Entry) -> (ListOrder, KeyMap)? {
        let now = Date().timeIntervalSince1970
        guard !entry.needsFullScan, let map = entry.provenance.keyMap,
              now - entry.provenance.fullScanWall < settings.rescan.inSeconds,
              let order = ListOrder.of(entry.records, field: "timestamp") else { return nil }
        return (order, map)
    }

    /// A stale click log brought up to date with a few requests (``ListRefresh``) when the rows
    /// prove that is right.
    ///
    /// The keys are fetched afresh at the same time: a key renamed or deleted since the clicks
    /// were read has relabelled its clicks on the server, in place, where neither end of the
    /// list shows it. Any key of the clicks' ``KeyMap`` with another name now (or gone), or a
    /// name on a click that no key has, means a full scan.
    private func incremental(_ entry: SessionCache.Entry, order: ListOrder, map: KeyMap,
                             keys early: Task<[Record], any Error>?) -> RecordBatches {
        let source = self
        // Deferred: the rows are known once the refresh is done, and then they are packed rows
        // a pipeline can read by columns (or, failing that, a full scan's stream).
        return RecordBatches.deferred {
            let started = ContinuousClock.now
            let requestsBefore = source.client.requestCount
            async let keysNow = source.keysAfresh(early)
            async let refreshed = ListRefresh(client: source.client, resource: .clicks).refresh(cached: entry.records, order: order)
            let current = KeyMap(keys: try await keysNow)
            let result = try await refreshed
            let names = entry.provenance.keyNames ?? Provenance.keyNames(entry.records)
            guard map.changed(in: current).isEmpty, names.isSubset(of: current.allNames), let result else {
                // Not provably current: read it all (after the keys, fetched just now).
                return source.fullScan(.clicks)
            }
            let n = result.rows.count
            let added = result.rows.rows(in: 0..<(order == .newestFirst ? result.added : 0))
                + result.rows.rows(in: (n - (order == .oldestFirst ? result.added : 0))..<n)
            let provenance = Provenance(keyMap: map.adding(newIn: current), keyNames: names.union(Provenance.keyNames(added)),
                                        fullScanWall: entry.provenance.fullScanWall)
            let seconds = (ContinuousClock.now - started).inSeconds
            let requests = source.client.requestCount - requestsBefore
            if result.added == 0, result.removed == 0 {
                // The same rows: fresh again, and the disk keeps them as they are.
                source.cache.renew(.clicks, seconds: seconds, requests: requests, provenance: provenance)
            } else {
                source.cache.store(.clicks, records: result.rows, seconds: seconds, requests: requests, provenance: provenance)
            }
            return RecordBatches.replay(result.rows)
        }
    }

    /// The keys' names for a scan of the clicks about to begin; nil when the keys cannot be
    /// read (the clicks are then kept without them, and the next refresh reads them all again).
    func keyMapBeforeScan(_ early: Task<[Record], any Error>? = nil) async throws -> KeyMap? {
        do {
            // Begun early, the keys are read afresh; else the cache's serve when fresh.
            let keys = if let early { try await keysAfresh(early) } else { try await all(.keys) }
            return KeyMap(keys: keys)
        } catch let error as APIError where error.kind != .cancelled {
            return nil
        }
    }

    /// Every key, fetched now whatever the cache holds (and kept in it).
    func keysAfresh() async throws -> [Record] {
        let started = ContinuousClock.now
        let requestsBefore = client.requestCount
        var keys: [Record] = []
        for try await batch in client.scan(.keys, limit: settings.pageSize, concurrency: settings.concurrency) {
            keys.append(contentsOf: batch)
        }
        try Task.checkCancellation()
        if settings.useCache {
            cache.store(.keys, records: PackedRows(keys), seconds: (ContinuousClock.now - started).inSeconds,
                        requests: client.requestCount - requestsBefore)
        }
        return keys
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

    /// Every row, packed: the cache's own when fresh, else after a fetch (for `follow`, which
    /// compares the log from poll to poll without making a record of every row).
    /// A list that changed under a scan in a way its rows could not place is read again, up to
    /// three times: nothing has been shown of it yet.
    func packedRows(_ resource: Resource) async throws -> PackedRows {
        if settings.useCache, let entry = cache.fresh(resource, within: settings.freshness[resource] ?? .zero) {
            return entry.records
        }
        var attempt = 1
        while true {
            do {
                let batches = try await rows(resource).resolved()
                if let packed = batches.packed { return packed }
                var builder = PackedRows.Builder()
                for try await batch in batches { builder.append(contentsOf: batch) }
                try Task.checkCancellation()
                return builder.finish()
            } catch let changed as ScanChanged where attempt < 3 {
                _ = changed
                attempt += 1
            }
        }
    }

    /// Rows already in memory, as one batch (sharing the cache's storage, not copying it).
    static func replay(_ records: [Record]) -> RecordBatches { RecordBatches.replay(records) }
}
