import OpenportAPI
import Records
import Synchronization

/// Everything fetched in this session, reused by later commands, completion and joins.
///
/// A lock-protected class rather than an actor: completion runs synchronously inside the
/// line editor's callback and must read the cache without waiting, and every critical
/// section here is a dictionary read or write.
public final class SessionCache: Sendable {
    /// One resource's rows as last fetched in full.
    public struct Entry: Sendable {
        public var records: [Record]
        public var fetchedAt: ContinuousClock.Instant
        /// Wall time the fetch took, and the requests it made.
        public var fetchSeconds: Double
        public var requests: Int
        /// Lookups built on first use (by id, url, name, port), for joins and completion.
        var index: Index?
        /// Set by `refresh`: the rows are kept for an incremental fetch but are not fresh.
        public var stale = false
        /// Set when rows already fetched may have changed in place (the server relabels a
        /// key's clicks when the key is renamed or deleted): only a full scan is right.
        public var needsFullScan = false
        /// For clicks: the distinct `key_name`s the rows carry, when known.
        public var keyNames: Set<String>?
    }

    /// Lookups over cached rows.
    struct Index: Sendable {
        var byKey: [String: [Value: Int]] = [:]
    }

    private let entries = Mutex<[Resource: Entry]>([:])

    public init() {}

    /// The rows of `resource` if fetched less than `window` ago.
    public func fresh(_ resource: Resource, within window: Duration) -> Entry? {
        entries.withLock { e in
            guard let entry = e[resource], !entry.stale, ContinuousClock.now - entry.fetchedAt <= window else { return nil }
            return entry
        }
    }

    /// The rows of `resource`, however old (for completion, which may show stale names).
    public func any(_ resource: Resource) -> Entry? {
        entries.withLock { $0[resource] }
    }

    public func store(_ resource: Resource, records: [Record], seconds: Double, requests: Int, keyNames: Set<String>? = nil) {
        entries.withLock { e in
            if resource == .keys, let old = e[.keys], SessionCache.renamedOrRemoved(old.records, records) {
                // The server has relabelled those keys' clicks: the cached ones are out of date.
                SessionCache.requireFullScan(.clicks, in: &e)
            }
            e[resource] = Entry(records: records, fetchedAt: .now, fetchSeconds: seconds, requests: requests, keyNames: keyNames)
        }
    }

    /// Keeps the rows (for completion) but counts them as stale and changed in place: the
    /// next use scans the whole list again, never just its new rows.
    public func requireFullScan(_ resource: Resource) {
        entries.withLock { SessionCache.requireFullScan(resource, in: &$0) }
    }

    private static func requireFullScan(_ resource: Resource, in e: inout [Resource: Entry]) {
        guard var entry = e[resource] else { return }
        entry.fetchedAt = ContinuousClock.now - .seconds(1_000_000)
        entry.stale = true
        entry.needsFullScan = true
        e[resource] = entry
    }

    /// Whether a key of `old` is gone from `new`, or has another name there.
    static func renamedOrRemoved(_ old: [Record], _ new: [Record]) -> Bool {
        var names: [Value: Value] = [:]
        for k in new where !k["id"].isNull { names[k["id"]] = k["name"] }
        return old.contains { k in !k["id"].isNull && names[k["id"]] != k["name"] }
    }

    /// Keeps the rows but counts them as stale, so the next command refetches (and may
    /// fetch only what is new, see ``ClickLogRefresh``).
    public func markStale(_ resource: Resource) {
        entries.withLock { e in
            guard var entry = e[resource] else { return }
            entry.fetchedAt = ContinuousClock.now - .seconds(1_000_000)
            entry.stale = true
            e[resource] = entry
        }
    }

    public func markAllStale() {
        for r in Resource.allCases { markStale(r) }
    }

    /// Forgets one resource (after a write that changed it).
    public func invalidate(_ resource: Resource) {
        _ = entries.withLock { $0.removeValue(forKey: resource) }
    }

    /// Every resource held, for `cache`.
    public var snapshot: [(Resource, Entry)] {
        entries.withLock { e in Resource.allCases.compactMap { r in e[r].map { (r, $0) } } }
    }

    /// The first cached row of `resource` whose `field` equals `value`, through an index built once.
    public func lookup(_ resource: Resource, field: String, equals value: Value) -> Record? {
        entries.withLock { e -> Record? in
            guard var entry = e[resource] else { return nil }
            if entry.index?.byKey[field] == nil {
                var map = [Value: Int]()
                for (i, r) in entry.records.enumerated() {
                    let v = r[field]
                    if !v.isNull, map[v] == nil { map[v] = i }
                }
                var index = entry.index ?? Index()
                index.byKey[field] = map
                entry.index = index
                e[resource] = entry
            }
            return entry.index?.byKey[field]?[value].map { entry.records[$0] }
        }
    }
}

extension SessionCache.Entry {
    /// An estimate of the memory the rows hold, for `cache`.
    public var approximateBytes: Int {
        guard let first = records.first else { return 0 }
        var perRow = MemoryLayout<Record>.stride + first.values.count * MemoryLayout<Value>.stride
        for v in first.values {
            if case .string(let s) = v, s.utf8.count > 15 { perRow += s.utf8.count + 32 }
        }
        return perRow * records.count
    }
}
