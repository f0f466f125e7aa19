import Records

/// Where a scan's pages go: each is placed by its rows, never by its count alone.
///
/// Django REST Framework's `LimitOffsetPagination` answers a page with two queries, the
/// `count` first and the rows after it: rows added in between are in the page but not in its
/// count, so the count says only roughly how far the list has moved. Every page after the
/// first therefore asks for a few rows in front of its own (the `lead`), and sits where rows
/// already read reappear in it (its first or its last rows). A page none of whose rows is
/// known yet waits (it is parked) until a neighbour is placed; a gap the moving rows left is
/// read again; the end of the list is where a page comes back short, never where a count says.
/// What the rows cannot explain (a row that differs from the one read there before, rows
/// removed, rows that keep moving) ends the scan with ``ScanChanged``: the consumer starts again.
extension ScanRun {
    /// How far rows have moved down since the first page, going by `count` (newest first, rows
    /// added at the front push the others back), corrected by where the last page really sat.
    func shift(count: Int?) -> Int {
        let counted = (count.map { $0 - settings.start } ?? maxCount) - total
        return (order == .oldestFirst ? 0 : counted) + drift
    }

    var estimatedShift: Int { shift(count: nil) }

    /// Rows a unit after the first holds: a page less the rows asked in front and the one past the end.
    var unitSize: Int { ScanRun.unitSize(step: step, lead: lead) }

    /// Rows asked in front of each page after the first, for pages of `step` rows.
    static func lead(step: Int) -> Int { step >= 16 ? 3 : step >= 4 ? 2 : 0 }

    static func unitSize(step: Int, lead: Int) -> Int { max(1, step - lead - 1) }

    /// The first page: learns the total, the page size and the order, and plans the rest.
    /// True when the scan is complete already (or is followed link by link instead).
    func begin(with first: Page, unit: Unit) async throws -> Bool {
        started = true
        lastProgress = .now
        quota.arrived()
        window.succeeded()
        pagesArrived = 1
        step = first.results.count
        total = first.count.map { $0 - settings.start } ?? first.results.count
        maxCount = total
        try await output.send(first.results)
        delivered = first.results.count
        target = delivered
        progress?(ScanProgress(rows: delivered, total: first.count, waiting: nil, retries: quota.spent))
        // A page shorter than asked ends the list; a full one with no `next` may not (the count
        // that `next` comes from can be older than the rows).
        let full = first.results.count >= unit.end
        guard step > 0, delivered < settings.wanted, first.next != nil || full else {
            end = delivered
            return true
        }
        if let next = first.next, first.count == nil || OpenportClient.queryValue("offset", in: next) == nil {
            try await followLinks(from: next, first: first)
            return true
        }
        if let field = settings.orderField { order = ListOrder.of(first.results, field: field) }
        lead = ScanRun.lead(step: step)
        target = min(max(total, delivered), settings.wanted)
        for (i, row) in first.results.enumerated() { known[i] = row }
        noteTail(first.results, at: 0)
        quota.resize(retries: settings.policy.maxAttempts - 1, pages: pagesPlanned)
        plan(from: step, to: target)
        return false
    }

    /// Units over `start..<end`, each asking `lead` rows in front of its own; a re-read asks for
    /// a whole page, with a lead wide enough for the way rows have been moving.
    func plan(from start: Int, to end: Int, reread: Bool = false) {
        var s = start
        let front = reread ? min(step / 2, lead + 2 * abs(drift) + 2 + 8 * emptyPages) : lead
        while s < end {
            let e = min(end, s + max(1, step - front - 1))
            waiting.append(Unit(start: s, end: e, lead: front, wholePage: reread))
            s = e
        }
        waiting.sort { $0.start < $1.start }
    }

    /// Places a page by its rows, or parks it until a neighbour is known.
    func place(_ page: Page, request: PageRequest, unit: Unit) throws {
        lastProgress = .now
        quota.arrived()
        window.succeeded()
        pagesArrived += 1
        if let c = page.count { maxCount = max(maxCount, c - settings.start) }
        if page.results.isEmpty {
            // Past the end, but by how much the count cannot say: what is missing is read again,
            // asking further back.
            emptyPages += 1
            return
        }
        guard let at = locate(page.results, request: request, count: page.count) else {
            park(Parked(rows: page.results, request: request, count: page.count, unit: unit))
            return
        }
        try put(at.rows, at: at.position, request: request, count: page.count, unit: unit,
                short: page.results.count < request.limit, tailShift: at.tailShift)
        try unpark()
    }

    /// Where a page's rows go: all of them where ``anchor(_:request:count:)`` finds them, or all
    /// but the new rows that went in before the undated tail since it was read (``splice(_:request:)``).
    struct Placement {
        var position: Int
        var rows: [Record]
        /// After a splice: how far down the server now lists the undated tail.
        var tailShift: Int?
    }

    func locate(_ rows: [Record], request: PageRequest, count: Int?) -> Placement? {
        if let p = anchor(rows, request: request, count: count) { return Placement(position: p, rows: rows) }
        return splice(rows, request: request)
    }

    /// Where a page's first row sits: the one position near where its count says at which its
    /// first or last row is a row already known, every row it shares with what is known is the
    /// same, and it shares at least two (a log can hold identical rows: one alone proves
    /// nothing). Nil when no position, or more than one, fits.
    func anchor(_ rows: [Record], request: PageRequest, count: Int?) -> Int? {
        var p0 = request.offset - settings.start - shift(count: count)
        if let t = tailStart, p0 - tailShift >= t { p0 -= tailShift }
        guard lead > 0 else { return p0 }
        let radius = max(64, 2 * abs(drift) + 4 * lead)
        var fits = Set<Int>()
        for i in Set([0, rows.count - 1]) {
            for q in (p0 + i - radius)...(p0 + i + radius) {
                guard let seen = known[q], seen == rows[i], !fits.contains(q - i) else { continue }
                if shared(rows, at: q - i).map({ $0 >= min(2, rows.count) }) ?? false { fits.insert(q - i) }
            }
        }
        return fits.count == 1 ? fits.first : nil
    }

    /// Oldest first, a server that sorts NULL last (PostgreSQL) lists the rows with no value in
    /// the order field (clicks with no time) after every dated one: a new row goes in before them,
    /// and this undated tail moves down. A page read since shows new rows between the last dated
    /// row known and the tail's first row. They are newer than the list as read so far, so they
    /// are left out, and the page's tail rows go where the tail was read: the answer stays the
    /// list at one instant. Only when the rows left out are dated and no older than the last
    /// dated row known, and every row the page shares with what is known is the same.
    func splice(_ rows: [Record], request: PageRequest) -> Placement? {
        guard let t = tailStart, let first = known[t], let newest = known[t - 1],
              let m = rows.firstIndex(of: first), m > 0,
              let sharedTail = shared(Array(rows[m...]), at: t)
        else { return nil }
        // The rows in front that are known end just before the tail; the rows between are new.
        var k = m - 1
        while k > 0 {
            if (0..<k).allSatisfy({ i in known[t - k + i].map { $0 == rows[i] } ?? (t - k + i < known.base) }) { break }
            k -= 1
        }
        // Two rows known at least, as for any page (a log can hold identical rows).
        guard k + sharedTail >= min(2, k + rows.count - m) else { return nil }
        let newestTime = orderValue(newest)
        guard rows[k..<m].allSatisfy({ isDated($0) && ListOrder.less(orderValue($0), newestTime) == false }) else { return nil }
        let kept: [Record] = Array(rows[0..<k]) + Array(rows[m...])
        let moved: Int = request.offset + m - settings.start - shift(count: nil) - t
        return Placement(position: t - k, rows: kept, tailShift: moved)
    }

    /// Oldest first by a field some rows lack: where the last dated row is, and whether undated
    /// rows follow it (the tail that moves down as new rows go in before it).
    func noteTail(_ rows: [Record], at p: Int) {
        guard order == .oldestFirst, settings.orderField != nil else { return }
        if let i = rows.lastIndex(where: isDated) { lastDated = max(lastDated, p + i) }
        if let t = tailStart, t <= lastDated {
            // Dated rows after it: undated rows among dated ones, which stay put.
            tailStart = nil
            tailShift = 0
        }
        if tailStart == nil, let r = known[lastDated + 1], !isDated(r) { tailStart = lastDated + 1 }
    }

    /// How far further down the server lists the row at position `j` than where it was read.
    func movedDown(at j: Int) -> Int {
        guard let t = tailStart, j >= t else { return 0 }
        return tailShift
    }

    /// The value that orders the list (a click's time).
    func orderValue(_ r: Record) -> Value { orderField.value(in: r) }

    func isDated(_ r: Record) -> Bool { ListOrder.orders(orderValue(r)) }

    /// How many rows of `rows` placed at `p` are known already; nil when one of them differs.
    func shared(_ rows: [Record], at p: Int) -> Int? {
        var n = 0
        for (i, row) in rows.enumerated() {
            guard let seen = known[p + i] else { continue }
            guard seen == row else { return nil }
            n += 1
        }
        return n
    }

    /// Puts a placed page's rows in, learns how far the estimate was off, and asks again for
    /// what of its unit the moving rows carried out of its reach.
    func put(_ rows: [Record], at p: Int, request: PageRequest, count: Int?, unit: Unit, short: Bool,
             tailShift spliced: Int? = nil) throws {
        if let moved = spliced {
            // The rows in front of the tail did not move; the tail moved this far.
            tailShift = moved
        } else if let t = tailStart, p >= t {
            tailShift = request.offset - settings.start - shift(count: count) - p
        } else {
            drift += request.offset - settings.start - shift(count: count) - p
        }
        let ceiling = target + 4 * max(1, step)
        for (i, row) in rows.enumerated() {
            let j = p + i
            // Rows before the scan's first (added since, at the front) or long delivered: nothing to do.
            guard j >= 0, j >= known.base, j < ceiling else { continue }
            if let seen = known[j] {
                guard seen == row else {
                    throw ScanChanged(before: total, after: maxCount, reason: "row \(j) differs when read again at offset \(request.offset)")
                }
            } else {
                known[j] = row
            }
        }
        noteTail(rows, at: p)
        if short { try foundEnd(at: p + rows.count) }
        // (Rows another page asked for in front of its own will bring need no request of their own.)
        let missing = { (j: Int) in
            j >= self.delivered && j < self.target && self.known[j] == nil && j < (self.end ?? Int.max) && !self.covered(j)
        }
        guard let a = (unit.start..<unit.end).first(where: missing) else { return }
        let b = (unit.start..<unit.end).last(where: missing)! + 1
        try reread(from: a, to: b)
    }

    /// The list ends at position `e`, as a page that came back short shows.
    func foundEnd(at e: Int) throws {
        if let old = end, e != old {
            // Oldest first, the end moves on as rows are added; anything else is not explained.
            guard order == .oldestFirst, e > old else {
                throw ScanChanged(before: old, after: e, reason: "the list's end moved from row \(old) to row \(e)")
            }
        }
        // Without removals the list is at least as long as its first count.
        guard e >= min(total, target) else { throw ScanChanged(before: total, after: e, reason: "rows were removed") }
        end = max(end ?? e, e)
    }

    func reread(from a: Int, to b: Int) throws {
        rereads += 1
        guard rereads <= 2 * pagesPlanned + 100 else {
            throw ScanChanged(before: total, after: maxCount, reason: "rows kept moving (\(rereads) pages read again)")
        }
        plan(from: a, to: b, reread: true)
    }

    func park(_ page: Parked) {
        parked.append(page)
        // As many wait as can be asked for ahead of the rows delivered (see `lookaheadPages`),
        // so that a slow page does not make the ones after it be read again; one dropped all
        // the same is read again when the scan reaches it.
        if parked.count > lookaheadPages + window.ceiling { parked.removeFirst() }
    }

    /// Places the parked pages that a newly placed one made placeable, until none is.
    func unpark() throws {
        var placed = true
        while placed {
            placed = false
            for (i, page) in parked.enumerated() {
                guard let at = locate(page.rows, request: page.request, count: page.count) else { continue }
                parked.remove(at: i)
                try put(at.rows, at: at.position, request: page.request, count: page.count, unit: page.unit,
                        short: page.rows.count < page.request.limit, tailShift: at.tailShift)
                placed = true
                break
            }
        }
    }

    /// Keeps the scan going where pages alone would not: to the end a short page showed (or
    /// past the count, where rows were found beyond it), and at the first row still missing
    /// when no request will bring it.
    func planProgress() throws {
        if let e = end {
            if e < target {
                target = max(e, delivered)
            } else if e > target, target < settings.wanted {
                extend(to: min(e, settings.wanted))
            }
        } else if target < settings.wanted, known[target] != nil {
            // Rows past the count: the list goes on. Take what is known, then ask past it.
            var t = target
            while t < settings.wanted, known[t] != nil { t += 1 }
            extend(to: t)
        }
        guard !finished else { return }
        if delivered < target {
            guard known[delivered] == nil, !covered(delivered) else { return }
            try reread(from: delivered, to: min(target, delivered + unitSize))
        } else if end == nil, target < settings.wanted, !covered(target), anotherRound() {
            // Every row up to the count is here: ask past it, to see where the list ends.
            plan(from: target, to: target + unitSize)
        }
    }

    /// Reads on to `t` (the rows not known yet).
    func extend(to t: Int) {
        guard t > target, !stopsAtTarget else { return }
        var from = target
        while from < t, known[from] != nil { from += 1 }
        if from < t {
            guard anotherRound() else { return }
            plan(from: from, to: t)
        }
        target = t
        quota.resize(retries: settings.policy.maxAttempts - 1, pages: pagesPlanned)
    }

    /// Whether to read past the rows planned once more. Oldest first, rows may keep being added
    /// at the end while the scan reads them: after three rounds it stops at the list as it was
    /// a moment ago (every row up to `target`, which the list had then).
    func anotherRound() -> Bool {
        tailRounds += 1
        if order == .oldestFirst, tailRounds > 3 { settled = true }
        // (An undated tail is read to its end: new rows go in before it, not after. A tail
        // still not placed after a few more rounds ends the scan, to be started again.)
        return !settled || tailStart != nil && tailRounds <= 20
    }

    /// Whether a unit waiting or in flight is meant to bring position `j` (its rows, or those
    /// it asks for in front of them).
    func covered(_ j: Int) -> Bool {
        let brings = { (u: Unit) in u.start - u.lead <= j && j < u.end }
        return waiting.contains(where: brings) || inFlight.values.contains(where: brings)
    }

    /// Yields the rows known in order from the last one delivered.
    func deliver() async throws {
        var last = delivered
        while last < target, known[last] != nil { last += 1 }
        guard last > delivered else { return }
        try await output.send((delivered..<last).map { known[$0]! })
        delivered = last
        // Two pages behind are kept, to place pages that moved.
        known.forget(below: delivered - 2 * max(1, step))
        parked.removeAll { $0.request.offset - settings.start - shift(count: $0.count) + $0.rows.count < known.base }
        progress?(ScanProgress(rows: delivered, total: total, waiting: nil, retries: quota.spent))
    }

    /// A list paged by links only (no `offset`): one page after another.
    func followLinks(from next: String, first: Page) async throws {
        var link: String? = next
        let reader = JSONReader()
        while let u = link {
            try Task.checkCancellation()
            let p = try await client.page(url: client.rebased(u), reader: reader)
            delivered += p.results.count
            try await output.send(p.results)
            progress?(ScanProgress(rows: delivered, total: first.count, waiting: nil, retries: quota.spent))
            link = p.results.isEmpty || delivered >= settings.wanted ? nil : p.next
        }
    }
}

/// Rows by position in a window that slides with the scan: set ahead, forgotten behind.
struct RowWindow {
    /// The first position held.
    private(set) var base = 0
    private var rows: [Record?] = []

    subscript(_ j: Int) -> Record? {
        get { j >= base && j < base + rows.count ? rows[j - base] : nil }
        set {
            precondition(j >= base, "a forgotten row is set again")
            if j - base >= rows.count { rows += repeatElement(nil, count: j - base - rows.count + 1) }
            rows[j - base] = newValue
        }
    }

    /// Drops the rows before `j`, a few thousand at a time.
    mutating func forget(below j: Int) {
        let n = min(rows.count, j - base)
        guard n >= 4096 else { return }
        rows.removeFirst(n)
        base += n
    }
}

extension OpenportClient {
    /// The requests a scan of `rows` rows sends when nothing changes under it and the server
    /// sends `pageSize` rows a page (`explain` reads this): the first page; then pages of the
    /// rows after it, each a page less its lead and the row past its end; one more past a
    /// first page that was full and held every row, to see the end.
    public static func scanRequests(rows: Int, pageSize: Int) -> Int {
        let step = max(1, pageSize)
        guard rows >= step else { return 1 }
        let unit = ScanRun.unitSize(step: step, lead: ScanRun.lead(step: step))
        return 1 + max(1, (rows - step + unit - 1) / unit)
    }
}
