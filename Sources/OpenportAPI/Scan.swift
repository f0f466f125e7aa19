import Foundation
import NIOHTTP1
import Records

/// Where a scan is, for a progress line.
public struct ScanProgress: Sendable, Equatable {
    /// Rows delivered, in order.
    public var rows: Int
    /// The total the server reported at the start of the scan.
    public var total: Int?
    /// Seconds of a wait the server asked for (429, or 503 with `Retry-After`), when one just began.
    public var waiting: Double?
    /// Retries spent so far.
    public var retries: Int
}

/// The order a list proves by a field that only grows with new rows (a click's timestamp, a
/// key's id): where rows added during a scan go.
public enum ListOrder: Sendable, Equatable {
    /// Oldest first: new rows are appended at the end; the offsets of the others stay put.
    case oldestFirst
    /// Newest first: new rows go in at the front and every other row moves down.
    case newestFirst

    /// The field whose order tells, per resource; nil when none is known.
    static func field(of resource: Resource) -> String? {
        switch resource {
        case .clicks: return "timestamp"
        case .keys: return "id"
        case .sessions, .nodes: return nil
        }
    }

    /// The order of `rows` by `field` (nulls skipped), if monotonic and not constant.
    public static func of(_ rows: [Record], field: String) -> ListOrder? {
        var ascending = true, descending = true, seen = 0
        var previous: Value?
        for r in rows {
            let v = r[field]
            switch v {
            case .time, .int: break
            default: continue
            }
            if let p = previous {
                guard let less = ListOrder.less(p, v) else { return nil }
                if less { descending = false } else if ListOrder.less(v, p) == true { ascending = false }
                if !ascending && !descending { return nil }
            }
            previous = v
            seen += 1
        }
        guard seen >= 2, ascending != descending else { return nil }
        return ascending ? .oldestFirst : .newestFirst
    }

    static func less(_ a: Value, _ b: Value) -> Bool? {
        switch (a, b) {
        case (.time(let x), .time(let y)): return x < y
        case (.int(let x), .int(let y)): return x < y
        default: return nil
        }
    }
}

extension OpenportClient {
    /// Every row of a resource, in pages, in order, as fast as the server allows.
    ///
    /// The first request asks for `limit` rows and learns the total and the page size the server
    /// really sends; the other pages are fetched up to `concurrency` at a time (fewer while the
    /// server throttles: see ``ConcurrencyWindow``) and delivered in order. A page that fails is
    /// tried again later while the others go on, out of a retry budget for the whole scan
    /// (``RetryQuota``); a wait the server asks for costs nothing but time. The scan gives up when
    /// no page arrived for the policy's `budget` seconds, or the quota is spent.
    ///
    /// Rows added while it runs: the first page proves the list's order (``ListOrder``). Oldest
    /// first, the scan finishes and then fetches the tail; newest first, it places each page by
    /// the shift its `count` shows and reads again only what moved, so the rows are the list as
    /// it was when the scan began. Each overlap is checked against what was read; when the data
    /// proves nothing (no order, rows removed, an overlap differs) the stream ends with
    /// ``ScanChanged``. A server that pages without `offset` is followed link by link. With
    /// `maxRows`, no page past that many rows is asked for. Stop iterating to cancel.
    public func scan(_ resource: Resource, limit: Int? = nil, maxRows: Int? = nil, concurrency: Int? = nil,
                     progress: (@Sendable (ScanProgress) -> Void)? = nil) -> RecordBatches {
        scan(scanSettings(path: resource.path, resource: resource, limit: limit, wanted: maxRows, concurrency: concurrency),
             progress: progress)
    }

    /// Every row of any list path (`get PATH`), scanned as a resource is: `keys/`,
    /// `clicks/?port=6260` (a filter the server may know). A body that is not a list ends the
    /// stream with an ``APIError/Kind/notAList`` error.
    public func scan(path: String, limit: Int? = nil, concurrency: Int? = nil) -> RecordBatches {
        let (relative, query) = relativePath(path)
        let resource = Resource(path: relative)
        return scan(scanSettings(path: relative, query: query, resource: resource, limit: limit, concurrency: concurrency),
                    progress: nil)
    }

    /// A scan of `path`, paced by this client's settings unless given; `resource`, when the
    /// path is one, tells whether the token goes along and which field proves the order.
    func scanSettings(path: String, query: [(String, String)] = [], resource: Resource?, start: Int = 0,
                      limit: Int? = nil, wanted: Int? = nil, concurrency: Int? = nil) -> ScanSettings {
        ScanSettings(path: path, query: query, needsToken: resource?.needsToken ?? true,
                     orderField: resource.flatMap(ListOrder.field(of:)), start: start,
                     pageSize: max(1, limit ?? config.pageSize), wanted: wanted ?? Int.max,
                     concurrency: max(1, concurrency ?? config.concurrency), policy: retryPolicy)
    }

    func scan(_ run: ScanSettings, progress: (@Sendable (ScanProgress) -> Void)?) -> RecordBatches {
        RecordBatches { out in
            let scan = ScanRun(client: self, settings: run, output: out, progress: progress)
            // Added to the tally however it ends, before the stream does.
            defer { scan.record() }
            do {
                try await scan.run()
            } catch is CancellationError {
                throw APIError(.cancelled, "cancelled")
            } catch {
                throw Task.isCancelled ? APIError(.cancelled, "cancelled") : error
            }
        }
    }
}

struct ScanSettings: Sendable {
    /// The list's path, and any query of its own (`port=6260`).
    let path: String
    let query: [(String, String)]
    let needsToken: Bool
    /// A field that only grows with new rows, to read the list's order by (``ListOrder``).
    let orderField: String?
    /// The position of the first row wanted; positions in the scan count from there.
    let start: Int
    let pageSize: Int
    let wanted: Int
    let concurrency: Int
    let policy: OpenportClient.RetryPolicy
}

/// One scan in progress: which rows are known, which pages are wanted, and the pacing.
/// Lives inside the scan's task; only ``Event``s cross into the child tasks.
final class ScanRun {
    /// A range of rows, in the coordinates of the list as it was at the first page.
    struct Unit {
        var start: Int
        var end: Int
        /// Ask for one row more in front, to check it against what is known.
        var overlap = false
        var tries = 0
        var notBefore: ContinuousClock.Instant = .now
    }

    enum Event: Sendable {
        case page(index: Int, offset: Int, sent: ContinuousClock.Instant, Result<Page, APIError>)
        case wake
    }

    let client: OpenportClient
    let settings: ScanSettings
    /// Where rows go, in order; waits while the consumer is behind, which holds the scan back.
    let output: RecordBatches.Producer
    let progress: (@Sendable (ScanProgress) -> Void)?

    var quota: RetryQuota
    var window: ConcurrencyWindow
    var lastProgress = ContinuousClock.now
    var pauseUntil = ContinuousClock.now
    /// Units waiting to be sent, by start; those in flight by a running index.
    var waiting: [Unit] = []
    var inFlight: [Int: Unit] = [:]
    var nextIndex = 0
    /// Rows of the list at the first page, by position, from a little before the last one
    /// delivered to the furthest page read (memory stays bounded however long the list).
    var known = RowWindow()
    var target = 0
    var delivered = 0
    /// From the first page.
    var total = 0
    var step = 0
    var order: ListOrder?
    var maxCount = 0
    var started = false
    var pagesArrived = 0
    var waits = 0
    var rereads = 0
    var tailRounds = 0

    init(client: OpenportClient, settings: ScanSettings, output: RecordBatches.Producer,
         progress: (@Sendable (ScanProgress) -> Void)?) {
        self.client = client
        self.settings = settings
        self.output = output
        self.progress = progress
        quota = RetryQuota(retries: settings.policy.maxAttempts - 1, pages: 1)
        window = ConcurrencyWindow(ceiling: settings.concurrency)
    }

    /// Adds this scan to the client's tally (for `set timing on`).
    func record() {
        let (spent, waits, rereads, limit, lowest) = (quota.spent, self.waits, self.rereads, window.limit, window.lowest)
        client.tally.withLock {
            $0.scans += 1
            $0.retries += spent
            $0.waits += waits
            $0.rereads += rereads
            $0.concurrency = limit
            $0.lowestConcurrency = lowest
        }
    }

    var shift: Int { order == .newestFirst ? maxCount - total : 0 }
    var pagesPlanned: Int { step > 0 ? max(1, (target + step - 1) / step) : 1 }

    func run() async throws {
        let first = min(settings.pageSize, settings.wanted)
        waiting = [Unit(start: 0, end: first)]
        try await withThrowingTaskGroup(of: Event.self) { group in
            loop: while true {
                try Task.checkCancellation()
                launchReady(&group)
                if inFlight.isEmpty && waiting.isEmpty {
                    if started, extendTail() { continue }
                    break
                }
                guard let event = try await group.next() else { break }
                switch event {
                case .wake: continue
                case .page(let index, let offset, let sent, let result):
                    guard let unit = inFlight.removeValue(forKey: index) else { continue }
                    switch result {
                    case .success(let page):
                        if !started {
                            if try await begin(with: page, unit: unit) { break loop }
                        } else {
                            try place(page, offset: offset, unit: unit)
                        }
                        try await deliver()
                    case .failure(let error):
                        try retry(unit, after: error, sent: sent, group: &group)
                    }
                }
                if started, delivered >= settings.wanted { break }
            }
            group.cancelAll()
        }
    }

    // MARK: sending

    func launchReady(_ group: inout ThrowingTaskGroup<Event, any Error>) {
        let now = ContinuousClock.now
        guard pauseUntil <= now else { return }
        let lookahead = delivered + max(16, 4 * window.ceiling) * max(1, step)
        var i = 0
        while inFlight.count < window.limit, i < waiting.count {
            let u = waiting[i]
            guard u.notBefore <= now, u.start < lookahead else {
                i += 1
                continue
            }
            waiting.remove(at: i)
            launch(u, &group)
        }
    }

    func launch(_ u: Unit, _ group: inout ThrowingTaskGroup<Event, any Error>) {
        let back = u.overlap && u.start > 0 ? 1 : 0
        let offset = max(0, settings.start + u.start + shift - back)
        // A re-read asks for a whole page: rows that keep moving while it travels still land in it.
        let ask = started ? (u.overlap ? step : min(step, u.end - u.start)) : u.end
        var query = settings.query + [("limit", String(ask))]
        if offset > 0 { query.append(("offset", String(offset))) }
        let url = client.url(settings.path, query: query, withToken: settings.needsToken)
        let deadline = max(1, settings.policy.budget - (ContinuousClock.now - lastProgress).inSeconds)
        let index = nextIndex
        nextIndex += 1
        inFlight[index] = u
        let client = self.client
        group.addTask {
            let sent = ContinuousClock.now
            do throws(APIError) {
                let page = try await client.pageOnce(url: url, deadline: deadline, reader: JSONReader())
                return .page(index: index, offset: offset, sent: sent, .success(page))
            } catch {
                return .page(index: index, offset: offset, sent: sent, .failure(error))
            }
        }
    }

    func enqueue(_ u: Unit) {
        let at = waiting.firstIndex { $0.start > u.start } ?? waiting.endIndex
        waiting.insert(u, at: at)
    }

    func wake(after seconds: Double, _ group: inout ThrowingTaskGroup<Event, any Error>) {
        group.addTask {
            try? await Task.sleep(for: .milliseconds(Int((seconds * 1000).rounded(.up))))
            return .wake
        }
    }

    /// The first backoff step of a page (then doubling, full jitter). Shorter than a single
    /// request's: the other pages keep arriving meanwhile, so a page that failed once is most
    /// likely a fault of its own, and the scan's end waits for its slowest page.
    var firstBackoff: Double { min(settings.policy.baseDelay, 0.02) }

    /// Schedules a failed unit again, or gives up with one line.
    func retry(_ unit: Unit, after error: APIError, sent: ContinuousClock.Instant,
               group: inout ThrowingTaskGroup<Event, any Error>) throws {
        if error.kind == .cancelled || Task.isCancelled { throw CancellationError() }
        guard OpenportClient.retryable(error, method: .GET) else { throw error }
        let now = ContinuousClock.now
        let quiet = (now - lastProgress).inSeconds
        let budget = settings.policy.budget
        var u = unit
        if let asked = error.retryAfter, error.kind == .throttled || error.status == 503 {
            window.overloaded(sentAt: sent, now: now)
            waits += 1
            if asked < 0.05 {
                // "Retry-After: 0": again now, at no cost in tries. Only this page waits, a
                // moment at random, and the halved window slows the rest: a server that keeps
                // saying 0 is not hammered, and one 429 does not stall every other page.
                let wait = Double.random(in: 0...firstBackoff)
                guard quiet + wait < budget else {
                    throw gaveUp(error, because: "no page arrived for \(Int(quiet)) s, the server kept throttling")
                }
                u.notBefore = now + .milliseconds(Int(wait * 1000))
                enqueue(u)
                wake(after: wait, &group)
                return
            }
            // The server said when: the whole scan waits that long (capped), at no cost in tries.
            let wait = min(asked, settings.policy.retryAfterCap)
            guard quiet + wait < budget else {
                throw gaveUp(error, because: quiet + min(wait, 1) >= budget
                    ? "no page arrived for \(Int(quiet)) s, the server kept throttling"
                    : "the server asks to wait \(Int(asked.rounded(.up))) s, longer than 'set timeout' allows")
            }
            pauseUntil = max(pauseUntil, now + .milliseconds(Int(wait * 1000)))
            u.notBefore = pauseUntil
            enqueue(u)
            wake(after: wait, &group)
            progress?(ScanProgress(rows: delivered, total: started ? total : nil, waiting: wait, retries: quota.spent))
            return
        }
        if error.status == 429 || error.status == 503 || error.transport?.suggestsOverload == true {
            window.overloaded(sentAt: sent, now: now)
        }
        guard quiet < budget else {
            throw gaveUp(error, because: "no page arrived for \(Int(quiet)) s")
        }
        guard quota.take() else {
            throw gaveUp(error, because: "the scan spent its \(quota.spent) retries")
        }
        u.tries += 1
        // Full jitter: anywhere from 0 to the exponential step.
        let ceiling = min(8.0, firstBackoff * pow(2.0, Double(u.tries - 1)))
        let delay = Double.random(in: 0...max(0, ceiling))
        u.notBefore = now + .milliseconds(Int(delay * 1000))
        enqueue(u)
        wake(after: delay, &group)
    }

    func gaveUp(_ error: APIError, because reason: String) -> APIError {
        var e = error
        let pages = started ? "\(pagesArrived) of \(pagesPlanned) pages arrived" : "the first page did not arrive"
        e.message += " — opsh gave up: \(reason); \(pages). Try again later, or 'set retries N' and 'set timeout SECONDS' to allow more"
        return e
    }

    // MARK: placing rows

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
        let wanted = settings.wanted
        try await output.send(first.results)
        delivered = first.results.count
        target = delivered
        progress?(ScanProgress(rows: delivered, total: first.count, waiting: nil, retries: quota.spent))
        guard let next = first.next, step > 0, delivered < wanted else { return true }
        guard first.count != nil, OpenportClient.queryValue("offset", in: next) != nil else {
            try await followLinks(from: next, first: first)
            return true
        }
        if let field = settings.orderField { order = ListOrder.of(first.results, field: field) }
        target = min(total, wanted)
        for (i, row) in first.results.enumerated() { known[i] = row }
        quota.resize(retries: settings.policy.maxAttempts - 1, pages: pagesPlanned)
        plan(from: step, to: target, overlapFirst: false)
        return false
    }

    /// Units of one page each over `start..<end`; with `overlapFirst`, the first asks for the row before.
    func plan(from start: Int, to end: Int, overlapFirst: Bool) {
        var s = start
        var first = overlapFirst
        while s < end {
            let e = min(end, s + step - (first && s > 0 ? 1 : 0))
            waiting.append(Unit(start: s, end: max(e, s + 1), overlap: first))
            first = false
            s = max(e, s + 1)
        }
    }

    /// Puts a page's rows where they were when the scan began, checking every overlap.
    func place(_ page: Page, offset: Int, unit: Unit) throws {
        lastProgress = .now
        quota.arrived()
        window.succeeded()
        pagesArrived += 1
        let count = page.count.map { $0 - settings.start } ?? total
        if count < total { throw ScanChanged(before: total, after: count, reason: "rows were removed") }
        let shift: Int
        if count == total {
            shift = 0
        } else {
            guard let order else { throw ScanChanged(before: total, after: count, reason: "the rows show no order") }
            shift = order == .newestFirst ? count - total : 0
        }
        maxCount = max(maxCount, count)
        for (i, row) in page.results.enumerated() {
            let j = offset - settings.start - shift + i
            // Rows delivered long ago are forgotten: nothing to check them against, nothing to do.
            guard j >= 0, j < target, j >= known.base else { continue }
            if let seen = known[j] {
                guard seen == row else {
                    throw ScanChanged(before: total, after: count, reason: "row \(j) differs when read again at offset \(offset)")
                }
            } else {
                known[j] = row
            }
        }
        // Rows that moved out of the page's reach: read them again, with a row of overlap.
        let missing = { (j: Int) in j >= self.delivered && self.known[j] == nil }
        guard let a = (unit.start..<unit.end).first(where: missing) else { return }
        let b = (unit.start..<unit.end).last(where: missing)! + 1
        rereads += 1
        guard rereads <= 2 * pagesPlanned + 100 else {
            throw ScanChanged(before: total, after: count, reason: "rows kept moving (\(rereads) pages read again)")
        }
        plan(from: a, to: b, overlapFirst: true)
        waiting.sort { $0.start < $1.start }
    }

    /// Yields the rows known in order from the last one delivered.
    func deliver() async throws {
        var end = delivered
        while end < target, known[end] != nil { end += 1 }
        guard end > delivered else { return }
        try await output.send((delivered..<end).map { known[$0]! })
        delivered = end
        // Two pages behind are kept, to check the overlap of pages that moved.
        known.forget(below: delivered - 2 * max(1, step))
        progress?(ScanProgress(rows: delivered, total: total, waiting: nil, retries: quota.spent))
    }

    /// Oldest first, rows appended while scanning: read them too (once), checked by an overlap.
    /// The answer is then the list as it was when the count read `maxCount`.
    func extendTail() -> Bool {
        guard order == .oldestFirst, maxCount > target, target < settings.wanted, tailRounds < 3 else { return false }
        tailRounds += 1
        let end = min(maxCount, settings.wanted)
        let start = target
        target = end
        plan(from: start, to: end, overlapFirst: true)
        return true
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
