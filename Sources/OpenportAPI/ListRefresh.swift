import Records

/// A cached list brought up to date with a few requests, when the rows prove that is right.
///
/// The API promises no order and says nothing of what changed, so the order is read from the
/// cached rows (``ListOrder``), and three pages are asked for at once: the rows at the end where
/// new ones appear, the rows at the other end, and a page at a random place in the middle. The
/// list now is taken to be the cached one with rows added at one end and the oldest removed at
/// the other; every row of the three pages must be where that says, and the end of the list
/// must show (a page that comes back short). Anything else (a late row in the middle, a row
/// changed in place, rows removed from the middle where the sample saw them) gives nil: scan it
/// in full. What this cannot see is a change in the middle that leaves the count and both ends
/// as they were and that the sample missed; a full scan now and then bounds how long that lasts.
public struct ListRefresh: Sendable {
    /// How many cached rows must reappear unchanged next to the new ones, at each end.
    public static let overlap = 20

    /// What a refresh found.
    public struct Result: Sendable {
        /// The list now.
        public var rows: PackedRows
        /// Rows new since the cached copy, and old ones no longer listed (purged at the oldest end).
        public var added: Int
        public var removed: Int
        /// Where the middle page was read (its first row's position in the list now), if one was.
        public var sampled: Int?
    }

    let client: OpenportClient
    let resource: Resource
    /// The field whose order the list proves (``ListOrder``): rows without it sit at one end.
    let orderField: String?

    public init(client: OpenportClient, resource: Resource) {
        self.client = client
        self.resource = resource
        orderField = ListOrder.field(of: resource)
    }

    /// The requests a refresh of `cachedRows` sends at once (the ends and the middle page): for
    /// `explain` and the benchmark.
    public static func requests(cachedRows n: Int) -> Int { n >= 4 * overlap ? 3 : 2 }

    /// The list now, or nil when only a full scan is right. `sampleAt` picks the middle page's
    /// place (random when nil), for tests.
    public func refresh(cached: PackedRows, order: ListOrder, sampleAt: Int? = nil) async throws -> Result? {
        let k = ListRefresh.overlap
        let n = cached.count
        guard n >= 2 * k else { return nil }
        let page = max(2 * k, client.config.pageSize)
        let sampleSize = min(page, max(k, n / 4))
        let sample = n >= 4 * k ? min(n - k - sampleSize, max(k, sampleAt ?? Int.random(in: k...(n - k - sampleSize)))) : nil
        async let headRequest = client.page(resource, limit: order == .newestFirst ? page : k, offset: 0)
        // Oldest first, the new rows come before any undated ones at the end: ask from the last
        // dated rows.
        let v = order == .oldestFirst ? ListRefresh.undatedRun(cached, field: orderField, fromEnd: true) : 0
        async let tailRequest = client.page(resource, limit: page, offset: max(0, n - v - k))
        async let middleRequest = middlePage(at: sample, limit: sampleSize)
        let (head, tail, middle) = try await (headRequest, tailRequest, middleRequest)
        let pages = Pages(head: head, tail: tail, middle: middle, sample: sample, pageSize: page)
        switch order {
        case .newestFirst: return try await newestFirst(cached, pages)
        case .oldestFirst: return try await oldestFirst(cached, pages)
        }
    }

    func middlePage(at offset: Int?, limit: Int) async throws -> Page? {
        guard let offset else { return nil }
        return try await client.page(resource, limit: limit, offset: offset)
    }

    struct Pages {
        var head: Page
        var tail: Page
        var middle: Page?
        var sample: Int?
        var pageSize: Int
    }

    /// Newest first: new rows before the cached ones, the oldest possibly purged from the end.
    /// Rows without a time listed first (PostgreSQL sorts NULL first, newest first) stay there,
    /// the new dated rows come after them, and new rows without a time before them (ties by id,
    /// newest first).
    func newestFirst(_ cached: PackedRows, _ pages: Pages) async throws -> Result? {
        let n = cached.count
        let k = ListRefresh.overlap
        let u = ListRefresh.undatedRun(cached, field: orderField, fromEnd: false)
        guard u < n - k else { return nil }
        // The new rows are those between the undated ones and the cached first dated row.
        var head = pages.head.results
        var found = head.firstIndex(of: cached[u])
        if found == nil, !ListRefresh.ends(pages.head, at: 0, asked: pages.pageSize) {
            // More new rows than the page held: read on to where the count says the cached rows begin.
            let counted = (pages.head.count ?? n) - n
            guard counted < n / 2 else { return nil }
            let more = try await client.rows(resource, from: head.count, to: max(head.count, counted + u) + k)
            guard more.count != nil else { return nil }
            head += more.rows
            found = head.firstIndex(of: cached[u])
        }
        guard let at = found, at >= u else { return nil }
        let w = max(0, ListRefresh.undatedRun(head.prefix(at), field: orderField, fromEnd: false) - u)
        var layout = Layout(front: w, kept: u, added: at - u - w, end: n)
        guard layout.matches(head, from: 0, cached) else { return nil }
        // The end of the list: where the cached rows end now (earlier when the oldest were purged).
        var tail = pages.tail
        var tailOffset = n - k
        if tail.results.isEmpty || !ListRefresh.ends(tail, at: tailOffset, asked: pages.pageSize) {
            // Past the end (a purge), or not at it (more new rows than the page took): ask where
            // the count says the end is now.
            let again = max(0, (pages.head.count ?? (n + layout.new)) - k)
            guard again != tailOffset else { return nil }
            tailOffset = again
            tail = try await client.page(resource, limit: pages.pageSize, offset: tailOffset)
            guard !tail.results.isEmpty, ListRefresh.ends(tail, at: tailOffset, asked: pages.pageSize) else { return nil }
        }
        layout.end = tailOffset + tail.results.count - layout.new
        guard layout.end <= n, layout.end > n / 2, layout.matches(tail.results, from: tailOffset, cached) else { return nil }
        if let middle = pages.middle, let x = pages.sample {
            // (Past the end, a page can only have been read before a purge.)
            let listed = Array(middle.results.prefix(max(0, layout.end + layout.new - x)))
            guard listed.isEmpty || layout.matches(listed, from: x, cached, atLeastOne: false) else { return nil }
        }
        let rows = layout.new == 0 && layout.end == n ? cached
            : PackedRows(head[0..<w]) + cached.rows(in: 0..<u) + PackedRows(head[(w + u)..<at]) + cached.rows(in: u..<layout.end)
        return Result(rows: rows, added: layout.new, removed: n - layout.end, sampled: pages.sample)
    }

    /// Oldest first: new rows after the cached ones, the oldest possibly purged from the front.
    /// Rows without a time listed last (PostgreSQL sorts NULL last, oldest first) stay there,
    /// the new dated rows come before them, and new rows without a time after them (ties by id).
    func oldestFirst(_ cached: PackedRows, _ pages: Pages) async throws -> Result? {
        let n = cached.count
        let k = ListRefresh.overlap
        let v = ListRefresh.undatedRun(cached, field: orderField, fromEnd: true)
        guard v < n - k else { return nil }
        // Rows purged from the front: the cached rows start later.
        guard let first = pages.head.results.first, let r = cached.firstIndex(of: first), r <= n / 2 else { return nil }
        var layout = Layout(removed: r, kept: n - v, added: 0, end: n)
        guard layout.matches(pages.head.results, from: 0, cached) else { return nil }
        var tail = pages.tail
        var tailOffset = max(0, n - v - k)
        if r > 0 {
            // The last dated rows sit r rows earlier now.
            tailOffset = max(0, n - v - k - r)
            tail = try await client.page(resource, limit: pages.pageSize, offset: tailOffset)
        }
        var rows = tail.results
        if !ListRefresh.ends(tail, at: tailOffset, asked: pages.pageSize) {
            // More new rows than the page held: read to the end.
            let more = try await client.rows(resource, from: tailOffset + rows.count, to: Int.max / 2)
            guard more.count != nil else { return nil }
            rows += more.rows
        }
        // The tail: cached dated rows, the new ones, the undated ones again, then new undated ones.
        let dated = n - v - r - tailOffset
        let w = max(0, ListRefresh.undatedRun(rows, field: orderField, fromEnd: true) - v)
        let undatedNew = rows.suffix(w)
        rows.removeLast(w)
        layout.added = rows.count - dated - v
        guard layout.added >= 0, layout.matches(rows, from: tailOffset, cached) else { return nil }
        if let middle = pages.middle, let x = pages.sample {
            guard layout.matches(middle.results, from: x, cached, atLeastOne: false) else { return nil }
        }
        let new = rows[dated..<(dated + layout.added)]
        let list = r == 0 && new.isEmpty && w == 0 ? cached
            : cached.rows(in: r..<(n - v)) + PackedRows(new) + cached.rows(in: (n - v)..<n) + PackedRows(undatedNew)
        return Result(rows: list, added: new.count + w, removed: r, sampled: pages.sample)
    }

    /// The list now, as the cached one changed: `front` new rows first, the first `removed`
    /// cached rows gone, `added` new rows put in before cached row `kept` (counted in the cached
    /// list), and the cached rows from `end` on gone.
    struct Layout {
        var front = 0
        var removed = 0
        var kept: Int
        var added: Int
        var end: Int

        /// The new rows before the cached ones that stay.
        var new: Int { front + added }

        /// The cached row at position `j` of the list now; nil for a new row.
        func cached(at j: Int) -> Int? {
            guard j >= front else { return nil }
            let c = j - front + removed
            if c < kept { return c }
            if c < kept + added { return nil }
            return c - added
        }

        /// Whether `rows`, read from position `offset` of the list now, are where this layout
        /// puts them: each the cached row it says (none past `end`), or a new one; with
        /// `atLeastOne`, at least one a cached row.
        func matches(_ rows: [Record], from offset: Int, _ cached: PackedRows, atLeastOne: Bool = true) -> Bool {
            var compared = 0
            for (i, row) in rows.enumerated() {
                guard let c = self.cached(at: offset + i) else { continue }
                guard c < end, cached[c] == row else { return false }
                compared += 1
            }
            return compared > 0 || !atLeastOne
        }
    }

    /// How many rows at one end of `rows` have no value in `field` (rows without a time, which
    /// a database sorts before or after every dated one).
    static func undatedRun<Rows: BidirectionalCollection<Record>>(_ rows: Rows, field: String?, fromEnd: Bool) -> Int {
        guard let field else { return 0 }
        let undated = { (r: Record) in r[field].isNull }
        return fromEnd ? rows.reversed().prefix(while: undated).count : rows.prefix(while: undated).count
    }

    /// Whether a page read at `offset` shows the end of the list: it holds fewer rows than asked,
    /// and not fewer than its count says are there (the server may send fewer than asked only
    /// because it caps its pages; a count read apart from the rows only lags behind them).
    static func ends(_ page: Page, at offset: Int, asked: Int) -> Bool {
        page.results.count < asked && offset + page.results.count >= (page.count ?? 0)
    }
}
