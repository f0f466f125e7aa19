import Foundation
import Records

/// One scan in progress: which rows are known, which pages are wanted, and the pacing.
/// Lives inside the scan's task; only ``Event``s cross into the child tasks.
///
/// Positions count rows of the list as the first page showed it (0 is the first page's first
/// row). Every later page asks for a few rows in front of its own (its `lead`) and is placed by
/// those rows: where rows already read reappear, the page sits. A page's `count` only hints
/// where to ask and where to look, because a Django REST Framework server reads it in a query
/// of its own, apart from the rows (see ``ScanPlacement``).
final class ScanRun {
    /// A range of rows wanted, in positions of the list as the first page showed it.
    struct Unit {
        var start: Int
        var end: Int
        /// Rows asked for in front of `start`, to place the page by rows already read.
        var lead = 0
        /// Ask for a whole page (a re-read: rows that keep moving while it travels still land in it).
        var wholePage = false
        var tries = 0
        var notBefore: ContinuousClock.Instant = .now
    }

    enum Event: Sendable {
        case page(index: Int, request: PageRequest, sent: ContinuousClock.Instant, Result<Page, APIError>)
        case wake
    }

    /// Where a page was asked for, in the server's offsets.
    struct PageRequest: Sendable {
        var offset: Int
        var limit: Int
    }

    /// A page whose rows could not be placed yet: none of them is among the rows known.
    struct Parked {
        var rows: [Record]
        var request: PageRequest
        var count: Int?
        var unit: Unit
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
    /// Rows by position, from a little before the last one delivered to the furthest page read
    /// (memory stays bounded however long the list).
    var known = RowWindow()
    var parked: [Parked] = []
    /// Rows to deliver (the end as far as known, at most `settings.wanted`), and delivered so far.
    var target = 0
    var delivered = 0
    /// The count of the first page (a hint: the server may read it apart from the rows).
    var total = 0
    /// The largest count a page reported.
    var maxCount = 0
    /// The end of the list, once a page that came back short has shown it.
    var end: Int?
    /// The rows a full page holds (the server's page size), and the rows asked in front of each page.
    var step = 0
    var lead = 0
    /// How far the last placed page sat from where its count said (rows moving under the scan).
    var drift = 0
    var order: ListOrder?
    var started = false
    var pagesArrived = 0
    var waits = 0
    var rereads = 0
    var tailRounds = 0
    /// Oldest first by a field some rows lack (clicks with no time, which DRF on PostgreSQL
    /// lists after every dated one): the last position known to hold a row with a value there,
    /// and how far the rows after it (the undated tail) have moved down on the server since they
    /// were read, as new rows went in before them (see ``ScanRun/splice(_:request:)``).
    var lastDated = -1
    var tailShift = 0
    /// The first row of the undated tail, once a page showed undated rows after the last dated one.
    var tailStart: Int?
    /// The field that orders the list (a click's time), read from the rows a page brings.
    lazy var orderField = FieldLookup(settings.orderField ?? "")
    /// Pages that came back empty: asked past the end by a count that had moved.
    var emptyPages = 0
    /// Rows kept being added at the end while the scan read them: it stops at the list as it was
    /// a moment ago instead of chasing them.
    var settled = false
    /// The first page held everything (or the list was followed link by link).
    var complete = false

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

    var pagesPlanned: Int { step > 0 ? max(1, (target + step - 1) / step) : 1 }

    /// How many pages ahead of the rows delivered may be asked for: enough to keep the window
    /// full while one page is slow, few enough to keep memory bounded.
    var lookaheadPages: Int { max(16, 4 * window.ceiling) }

    /// Whether every row wanted is delivered and the list is known to end there (or no more are wanted).
    var finished: Bool {
        complete || started && delivered >= target && (target >= settings.wanted || end == target || stopsAtTarget)
    }

    /// Settled at the rows up to `target`: rows added at the end are not chased. An undated tail
    /// is read to its end all the same (new rows go in before it, not after).
    var stopsAtTarget: Bool { settled && tailStart == nil }

    func run() async throws {
        let first = min(settings.pageSize, settings.wanted)
        waiting = [Unit(start: 0, end: first)]
        try await withThrowingTaskGroup(of: Event.self) { group in
            loop: while true {
                try Task.checkCancellation()
                if started {
                    // Rows a plan made deliverable are delivered before what is missing is asked for.
                    var before = -1
                    while before != delivered {
                        before = delivered
                        try planProgress()
                        try await deliver()
                    }
                    if finished { break }
                }
                launchReady(&group)
                if inFlight.isEmpty && waiting.isEmpty { break }
                guard let event = try await group.next() else { break }
                guard case .page(let index, let request, let sent, let result) = event,
                      let unit = inFlight.removeValue(forKey: index) else { continue }
                switch result {
                case .success(let page):
                    if !started {
                        if try await begin(with: page, unit: unit) {
                            complete = true
                            break loop
                        }
                    } else {
                        try place(page, request: request, unit: unit)
                    }
                    try await deliver()
                case .failure(let error):
                    try retry(unit, after: error, sent: sent, group: &group)
                }
            }
            group.cancelAll()
        }
        try Task.checkCancellation()
        guard finished else {
            throw ScanChanged(before: total, after: maxCount, reason: "rows \(delivered) to \(target) could not be placed")
        }
    }

    // MARK: sending

    func launchReady(_ group: inout ThrowingTaskGroup<Event, any Error>) {
        let now = ContinuousClock.now
        guard pauseUntil <= now else { return }
        let lookahead = delivered + lookaheadPages * max(1, step)
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
        let request = pageRequest(for: u)
        var query = settings.query + [("limit", String(request.limit))]
        if request.offset > 0 { query.append(("offset", String(request.offset))) }
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
                return .page(index: index, request: request, sent: sent, .success(page))
            } catch {
                return .page(index: index, request: request, sent: sent, .failure(error))
            }
        }
    }

    /// The server offset and limit that fetch a unit: its rows, the `lead` rows in front of them,
    /// and one row past the last row expected (so that a page ending the list shows it, short).
    func pageRequest(for u: Unit) -> PageRequest {
        guard started else { return PageRequest(offset: settings.start, limit: u.end) }
        let shift = estimatedShift + movedDown(at: u.start - u.lead)
        let front = min(u.lead, settings.start + u.start + shift)
        let offset = max(0, settings.start + u.start + shift - front)
        let probe = end == nil && u.end >= target ? 1 : 0
        let rows = u.end - u.start + front + probe
        return PageRequest(offset: offset, limit: u.wholePage ? max(step, rows) : rows)
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

    // MARK: failures

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
        if let asked = error.retryAfter, error.kind == .throttled || error.status == 503 {
            try waitAsAsked(unit, asked: asked, error: error, sent: sent, quiet: quiet, group: &group)
            return
        }
        if error.status == 429 || error.status == 503 || error.transport?.suggestsOverload == true {
            window.overloaded(sentAt: sent, now: now)
        }
        guard quiet < settings.policy.budget else {
            throw gaveUp(error, because: "no page arrived for \(Int(quiet)) s")
        }
        guard quota.take() else {
            throw gaveUp(error, because: "the scan spent its \(quota.spent) retries")
        }
        var u = unit
        u.tries += 1
        // Full jitter: anywhere from 0 to the exponential step.
        let ceiling = min(8.0, firstBackoff * pow(2.0, Double(u.tries - 1)))
        let delay = Double.random(in: 0...max(0, ceiling))
        u.notBefore = now + .milliseconds(Int(delay * 1000))
        enqueue(u)
        wake(after: delay, &group)
    }

    /// A 429, or a 503 with `Retry-After`: waits as the server asks, at no cost in tries.
    func waitAsAsked(_ unit: Unit, asked: Double, error: APIError, sent: ContinuousClock.Instant, quiet: Double,
                     group: inout ThrowingTaskGroup<Event, any Error>) throws {
        let now = ContinuousClock.now
        let budget = settings.policy.budget
        var u = unit
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
    }

    func gaveUp(_ error: APIError, because reason: String) -> APIError {
        var e = error
        let pages = started ? "\(pagesArrived) of \(pagesPlanned) pages arrived" : "the first page did not arrive"
        e.message += " — opsh gave up: \(reason); \(pages). Try again later, or 'set retries N' and 'set timeout SECONDS' to allow more"
        return e
    }
}
