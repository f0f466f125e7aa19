import OpenportAPI
import Records

/// Refreshes a large cached list by fetching only what is new, when the data proves that is
/// enough: the API promises no order, so the order is read from the cached rows' timestamps,
/// and the rows next to the new ones must match what is cached. Otherwise: nil, fetch it all.
struct ClickLogRefresh {
    enum Order: Equatable { case oldestFirst, newestFirst }

    /// How many cached rows must reappear unchanged next to the new ones.
    static let overlap = 20

    let client: OpenportClient

    /// The order of `rows` by `timestamp` (nulls skipped), if it is monotonic and not constant.
    static func order(of rows: [Record], field: String = "timestamp") -> Order? {
        var ascending = true, descending = true, seen = 0
        var previous: Timestamp?
        for r in rows {
            guard case .time(let t) = r[field] else { continue }
            if let p = previous {
                if t < p { ascending = false }
                if t > p { descending = false }
                if !ascending && !descending { return nil }
            }
            previous = t
            seen += 1
        }
        guard seen >= 2, ascending != descending else { return nil }
        return ascending ? .oldestFirst : .newestFirst
    }

    /// The whole list now, or nil when fetching only the new rows cannot be proved right.
    func refresh(_ resource: Resource, cached: [Record]) async throws -> [Record]? {
        guard cached.count >= ClickLogRefresh.overlap, let order = ClickLogRefresh.order(of: cached) else { return nil }
        // The first rows and the count in one request (the count alone would cost one too).
        let first = try await client.rows(resource, from: 0, to: ClickLogRefresh.overlap)
        guard let total = first.count else { return nil }
        let old = cached.count
        guard total >= old else { return nil } // rows were removed: only a full fetch is right
        if total == old {
            // Same size: the rows at both ends must be the ones cached (nothing removed and added).
            let head = first.rows
            let tail = try await client.rows(resource, from: old - ClickLogRefresh.overlap, to: old).rows
            guard head == Array(cached.prefix(ClickLogRefresh.overlap)), tail == Array(cached.suffix(ClickLogRefresh.overlap)) else {
                return nil
            }
            return cached
        }
        let added = total - old
        switch order {
        case .oldestFirst:
            // New rows at the end: the cached tail must be where it was.
            let fetched = try await client.rows(resource, from: old - ClickLogRefresh.overlap, to: total)
            guard fetched.count == total, fetched.rows.count == added + ClickLogRefresh.overlap,
                  Array(fetched.rows.prefix(ClickLogRefresh.overlap)) == Array(cached.suffix(ClickLogRefresh.overlap))
            else { return nil }
            return cached + fetched.rows.dropFirst(ClickLogRefresh.overlap)
        case .newestFirst:
            // New rows at the start: the cached head must follow them.
            let fetched = try await client.rows(resource, from: 0, to: added + ClickLogRefresh.overlap)
            guard fetched.count == total, fetched.rows.count == added + ClickLogRefresh.overlap,
                  Array(fetched.rows.suffix(ClickLogRefresh.overlap)) == Array(cached.prefix(ClickLogRefresh.overlap))
            else { return nil }
            return Array(fetched.rows.prefix(added)) + cached
        }
    }
}
