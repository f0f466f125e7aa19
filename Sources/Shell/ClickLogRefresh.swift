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
    static func order(of rows: PackedRows, field: String = "timestamp") -> Order? {
        var ascending = true, descending = true, seen = 0
        var previous: Timestamp?
        for v in rows.values(of: field) {
            guard case .time(let t) = v else { continue }
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
    ///
    /// Two requests go out at once: the rows at the end where new ones appear, a whole page
    /// of them (the count comes with it, and it holds what is new when that is less than a
    /// page), and the rows at the other end. Nothing new costs those two; more than a page,
    /// what is left of it.
    func refresh(_ resource: Resource, cached: PackedRows) async throws -> PackedRows? {
        let k = ClickLogRefresh.overlap
        guard cached.count >= k, let order = ClickLogRefresh.order(of: cached) else { return nil }
        let old = cached.count
        let page = max(k, client.config.pageSize)
        // Oldest first: new rows follow the cached tail; newest first: they come before the head.
        async let headRequest = client.page(resource, limit: order == .newestFirst ? page : k, offset: 0)
        async let tailRequest = client.page(resource, limit: order == .oldestFirst ? page : k, offset: old - k)
        let (head, tail) = try await (headRequest, tailRequest)
        guard let total = head.count, tail.count == total else { return nil } // the list changed between them
        guard total >= old else { return nil } // rows were removed: only a full fetch is right
        if total == old {
            // Same size: the rows at both ends must be the ones cached (nothing removed and added).
            guard Array(head.results.prefix(k)) == cached.records(in: 0..<k), tail.results == cached.records(in: (old - k)..<old) else {
                return nil
            }
            return cached
        }
        let added = total - old
        switch order {
        case .oldestFirst:
            // New rows at the end: the cached tail must be where it was.
            var fetched = tail.results
            if old - k + fetched.count < total, !fetched.isEmpty {
                let rest = try await client.rows(resource, from: old - k + fetched.count, to: total)
                guard rest.count == total else { return nil }
                fetched += rest.rows
            }
            guard fetched.count == added + k, Array(fetched.prefix(k)) == cached.records(in: (old - k)..<old) else { return nil }
            return cached + PackedRows(fetched.dropFirst(k))
        case .newestFirst:
            // New rows at the start: the cached head must follow them.
            var fetched = head.results
            if fetched.count < added + k, !fetched.isEmpty {
                let rest = try await client.rows(resource, from: fetched.count, to: added + k)
                guard rest.count == total else { return nil }
                fetched += rest.rows
            }
            guard fetched.count >= added + k, Array(fetched[added..<(added + k)]) == cached.records(in: 0..<k) else { return nil }
            return PackedRows(fetched.prefix(added)) + cached
        }
    }

    /// The distinct `key_name`s of some clicks (read from the column, not row by row).
    static func keyNames(_ rows: PackedRows) -> Set<String> {
        Set(rows.valueCounts(of: "key_name").keys.compactMap(\.string))
    }
}
