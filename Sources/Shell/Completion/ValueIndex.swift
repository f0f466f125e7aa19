import OpenportAPI
import Records
import Synchronization

/// Distinct values of a field in the cache, most frequent first, built once per fetch.
final class ValueIndex: Sendable {
    private struct Key: Hashable { var resource: Resource; var field: String }
    private let built = Mutex<[Key: (at: ContinuousClock.Instant, values: [String])]>([:])

    func top(resource: Resource, field: String, cache: SessionCache, prefetch: (Resource) -> Void) -> [String] {
        guard let entry = cache.any(resource) else { prefetch(resource); return [] }
        let key = Key(resource: resource, field: field)
        if let hit = built.withLock({ $0[key] }), hit.at == entry.fetchedAt { return hit.values }
        var counts: [Value: Int] = [:]
        let path = field.split(separator: ".").map(String.init)
        if path.count == 1 {
            // Read from the field's column: a count per distinct value, no row made.
            counts = entry.records.valueCounts(of: field, where: ValueIndex.offered)
        } else {
            for r in entry.records {
                let v = r.value(at: path)
                if ValueIndex.offered(v) { counts[v, default: 0] += 1 }
            }
        }
        let values = ValueIndex.ranked(counts)
        built.withLock { $0[key] = (entry.fetchedAt, values) }
        return values
    }

    /// Builds the values of every top-level field of a freshly fetched resource in one pass, so
    /// that the first TAB after a fetch finds them ready. Run in the background.
    func warm(resource: Resource, cache: SessionCache) {
        guard let entry = cache.any(resource), let first = entry.records.first else { return }
        let fields = first.fields
        let counts = fields.map { entry.records.valueCounts(of: $0, where: ValueIndex.offered) }
        built.withLock { b in
            for (i, f) in fields.enumerated() where !counts[i].isEmpty {
                b[Key(resource: resource, field: f)] = (entry.fetchedAt, ValueIndex.ranked(counts[i]))
            }
        }
    }

    /// Whether TAB offers a value: text, numbers and booleans, not nulls, timestamps or nested values.
    static func offered(_ v: Value) -> Bool {
        switch v {
        case .null, .list, .object, .time: return false
        default: return true
        }
    }

    /// Every distinct value, most frequent first, then alphabetical. Not cut: completion
    /// filters by what was typed first, so a rare value that fits is never left out (the
    /// list shown is cut, the text inserted is common to every match).
    static func ranked(_ counts: [Value: Int]) -> [String] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.plainText < $1.key.plainText }
            .map { $0.key.plainText }
    }
}
