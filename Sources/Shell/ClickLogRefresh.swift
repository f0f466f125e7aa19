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
        var schema: Schema?
        var position: Int?
        for r in rows {
            if r.schema !== schema {
                schema = r.schema
                position = r.schema.position(of: field)
            }
            guard let p = position, case .time(let t) = r[position: p] else { continue }
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
    /// The requests a refresh sends at once, before it knows what is new.
    struct Plan {
        let order: Order
        /// The rows at the start of the list, and at its end.
        let head: (offset: Int, limit: Int)
        let tail: (offset: Int, limit: Int)
        /// How many requests that is (more follow only when more than a page is new).
        var requests: Int { 2 }
    }

    /// What a refresh of `cached` will ask for first; nil when it cannot prove anything
    /// (too few rows, or no order): the log is then scanned in full. `explain` reads this.
    static func plan(cached: [Record], pageSize: Int) -> Plan? {
        let k = overlap
        guard cached.count >= k, let order = order(of: cached) else { return nil }
        let page = max(k, pageSize)
        // Oldest first: new rows follow the cached tail; newest first: they come before the head.
        return Plan(order: order, head: (0, order == .newestFirst ? page : k),
                    tail: (cached.count - k, order == .oldestFirst ? page : k))
    }

    func refresh(_ resource: Resource, cached: [Record]) async throws -> [Record]? {
        let k = ClickLogRefresh.overlap
        guard let plan = ClickLogRefresh.plan(cached: cached, pageSize: client.config.pageSize) else { return nil }
        let order = plan.order
        let old = cached.count
        async let headRequest = client.page(resource, limit: plan.head.limit, offset: plan.head.offset)
        async let tailRequest = client.page(resource, limit: plan.tail.limit, offset: plan.tail.offset)
        let (head, tail) = try await (headRequest, tailRequest)
        guard let total = head.count, tail.count == total else { return nil } // the list changed between them
        guard total >= old else { return nil } // rows were removed: only a full fetch is right
        if total == old {
            // Same size: the rows at both ends must be the ones cached (nothing removed and added).
            guard Array(head.results.prefix(k)) == Array(cached.prefix(k)), tail.results == Array(cached.suffix(k)) else {
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
            guard fetched.count == added + k, Array(fetched.prefix(k)) == Array(cached.suffix(k)) else { return nil }
            return cached + fetched.dropFirst(k)
        case .newestFirst:
            // New rows at the start: the cached head must follow them.
            var fetched = head.results
            if fetched.count < added + k, !fetched.isEmpty {
                let rest = try await client.rows(resource, from: fetched.count, to: added + k)
                guard rest.count == total else { return nil }
                fetched += rest.rows
            }
            guard fetched.count >= added + k, Array(fetched[added..<(added + k)]) == Array(cached.prefix(k)) else { return nil }
            return Array(fetched.prefix(added)) + cached
        }
    }

    /// The distinct `key_name`s of some clicks (one lookup of the field per schema, not per row).
    static func keyNames(_ rows: ArraySlice<Record>) -> Set<String> {
        var names = Set<String>()
        var schema: Schema?
        var position: Int?
        for r in rows {
            if r.schema !== schema {
                schema = r.schema
                position = r.schema.position(of: "key_name")
            }
            if let p = position, case .string(let n) = r[position: p] { names.insert(n) }
        }
        return names
    }
}
