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
        public var rows: [Record]
        /// Rows new since the cached copy, and old ones no longer listed (purged at the oldest end).
        public var added: Int
        public var removed: Int
        /// Where the middle page was read (its first row, in the cached list), if one was.
        public var sampled: Range<Int>?
    }

    let client: OpenportClient
    let resource: Resource

    public init(client: OpenportClient, resource: Resource) {
        self.client = client
        self.resource = resource
    }

    /// The requests a refresh of `cachedRows` sends at once (the ends and the middle page): for
    /// `explain` and the benchmark.
    public static func requests(cachedRows n: Int) -> Int { n >= 4 * overlap ? 3 : 2 }

    /// The list now, or nil when only a full scan is right. `sampleAt` picks the middle page's
    /// place (random when nil), for tests.
    public func refresh(cached: [Record], order: ListOrder, sampleAt: Int? = nil) async throws -> Result? {
        let k = ListRefresh.overlap
        let n = cached.count
        guard n >= 2 * k else { return nil }
        let page = max(2 * k, client.config.pageSize)
        let sampleSize = min(page, max(k, n / 4))
        let sample = n >= 4 * k ? min(n - k - sampleSize, max(k, sampleAt ?? Int.random(in: k...(n - k - sampleSize)))) : nil
        async let headRequest = client.page(resource, limit: order == .newestFirst ? page : k, offset: 0)
        async let tailRequest = client.page(resource, limit: page, offset: n - k)
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
    func newestFirst(_ cached: [Record], _ pages: Pages) async throws -> Result? {
        let n = cached.count
        let k = ListRefresh.overlap
        // The new rows are those before the cached first row.
        var head = pages.head.results
        var added = head.firstIndex(of: cached[0])
        if added == nil, !ListRefresh.ends(pages.head, at: 0, asked: pages.pageSize) {
            // More new rows than the page held: read on to where the count says the cached rows begin.
            let counted = (pages.head.count ?? n) - n
            guard counted < n / 2 else { return nil }
            let more = try await client.rows(resource, from: head.count, to: max(head.count, counted) + k)
            guard more.count != nil else { return nil }
            head += more.rows
            added = head.firstIndex(of: cached[0])
        }
        guard let a = added, ListRefresh.matches(head, from: 0, cached, shift: a) else { return nil }
        // The end of the list: where the cached rows end now (earlier when the oldest were purged).
        var tail = pages.tail
        var tailOffset = n - k
        if tail.results.isEmpty || !ListRefresh.ends(tail, at: tailOffset, asked: pages.pageSize) {
            // Past the end (a purge), or not at it (more new rows than the page took): ask where
            // the count says the end is now.
            let again = max(0, (pages.head.count ?? (n + a)) - k)
            guard again != tailOffset else { return nil }
            tailOffset = again
            tail = try await client.page(resource, limit: pages.pageSize, offset: tailOffset)
            guard !tail.results.isEmpty, ListRefresh.ends(tail, at: tailOffset, asked: pages.pageSize) else { return nil }
        }
        let end = tailOffset + tail.results.count - a
        guard end <= n, end > n / 2, ListRefresh.matches(tail.results, from: tailOffset, cached, shift: a, upTo: end) else { return nil }
        if let middle = pages.middle, let x = pages.sample {
            // (Past the end, a page can only have been read before a purge.)
            let listed = Array(middle.results.prefix(max(0, end + a - x)))
            guard listed.isEmpty || ListRefresh.matches(listed, from: x, cached, shift: a, upTo: end) else { return nil }
        }
        let rows = a == 0 && end == n ? cached : Array(head.prefix(a)) + cached.prefix(end)
        let sampled = pages.sample.map { ($0 - a)..<($0 - a + (pages.middle?.results.count ?? 0)) }
        return Result(rows: rows, added: a, removed: n - end, sampled: sampled)
    }

    /// Oldest first: new rows after the cached ones, the oldest possibly purged from the front.
    func oldestFirst(_ cached: [Record], _ pages: Pages) async throws -> Result? {
        let n = cached.count
        let k = ListRefresh.overlap
        // Rows purged from the front: the cached rows start later.
        guard let first = pages.head.results.first, let r = cached.firstIndex(of: first), r <= n / 2,
              ListRefresh.matches(pages.head.results, from: 0, cached, shift: -r) else { return nil }
        var tail = pages.tail
        var tailOffset = n - k
        if r > 0 {
            // The cached tail sits r rows earlier now.
            tailOffset = n - k - r
            tail = try await client.page(resource, limit: pages.pageSize, offset: tailOffset)
        }
        var rows = tail.results
        if !ListRefresh.ends(tail, at: tailOffset, asked: pages.pageSize) {
            // More new rows than the page held: read to the end.
            let more = try await client.rows(resource, from: tailOffset + rows.count, to: Int.max / 2)
            guard more.count != nil else { return nil }
            rows += more.rows
        }
        // The rows of the tail that are cached ones; after them, the new rows.
        let kept = n - r - tailOffset
        guard rows.count >= kept, ListRefresh.matches(Array(rows.prefix(kept)), from: tailOffset, cached, shift: -r) else { return nil }
        if let middle = pages.middle, let x = pages.sample {
            let cachedPart = Array(middle.results.prefix(max(0, n - r - x)))
            guard cachedPart.isEmpty || ListRefresh.matches(cachedPart, from: x, cached, shift: -r) else { return nil }
        }
        let new = rows.dropFirst(kept)
        let list = r == 0 && new.isEmpty ? cached : Array(cached[r...]) + new
        let sampled = pages.sample.map { ($0 + r)..<($0 + r + (pages.middle?.results.count ?? 0)) }
        return Result(rows: list, added: new.count, removed: r, sampled: sampled)
    }

    /// Whether a page read at `offset` shows the end of the list: it holds fewer rows than asked,
    /// and not fewer than its count says are there (the server may send fewer than asked only
    /// because it caps its pages; a count read apart from the rows only lags behind them).
    static func ends(_ page: Page, at offset: Int, asked: Int) -> Bool {
        page.results.count < asked && offset + page.results.count >= (page.count ?? 0)
    }

    /// Whether `rows`, read from server position `offset`, are the cached rows `shift` places
    /// later (the cached row of server position j is `cached[j - shift]`), for every position
    /// that has a cached row before `upTo`; at least one must.
    static func matches(_ rows: [Record], from offset: Int, _ cached: [Record], shift: Int, upTo: Int? = nil) -> Bool {
        let limit = upTo ?? cached.count
        var compared = 0
        for (i, row) in rows.enumerated() {
            let c = offset + i - shift
            guard c >= 0 else { continue }
            guard c < limit else { return false }
            guard cached[c] == row else { return false }
            compared += 1
        }
        return compared > 0
    }
}
