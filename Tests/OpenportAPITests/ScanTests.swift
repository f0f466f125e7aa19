import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpenportAPI
import OpenportEmulator
import Records
import Synchronization
import Testing

/// Issue 13: a long scan finishes through faults, throttling and rows arriving meanwhile.
@Suite("Scans that finish", .serialized)
struct ScanTests {
    /// Scans while 20 clicks a second arrive; each answer must be the list as it was at one
    /// instant: every row listed before the scan, none twice, in the list's order, and only rows
    /// of the list after it. (New clicks land next to the newest dated one, or among the undated
    /// ones at one end: not always at an end of the list.)
    func busyAccount(_ order: ClickOrder, scans: Int, faults: Double = 0) async throws {
        var options = ScanFixture.mixed(faults)
        options.clickOrder = order
        try await withEmulator(options) { emulator, client in
            ScanFixture.configure(client)
            var grew = false
            for _ in 0..<scans {
                let before = try await collect(client.scan(.clicks))
                emulator.setAppendRate(20)
                let rows = try await collect(client.scan(.clicks))
                emulator.setAppendRate(0)
                let after = try await collect(client.scan(.clicks))
                grew = grew || after.count > before.count
                #expect(ScanFixture.isInstant(rows, before: before, after: after), "\(order): \(rows.count) rows, \(before.count)…\(after.count)")
            }
            #expect(grew, "rows arrived during the scans")
        }
    }

    @Test("20 clicks a second appended at the end (oldest first): every scan completes, consistent")
    func appendedAtEnd() async throws {
        try await busyAccount(.oldestFirst, scans: 4)
    }

    @Test("20 clicks a second inserted at the front (newest first): every scan completes, consistent")
    func insertedAtFront() async throws {
        try await busyAccount(.newestFirst, scans: 4)
    }

    @Test("a busy account and a 20 % fault mix together, both orders")
    func busyAndFaulty() async throws {
        try await busyAccount(.newestFirst, scans: 2, faults: 0.2)
        try await busyAccount(.oldestFirst, scans: 2, faults: 0.2)
    }

    /// Issue 20: a Django REST Framework server reads a page's count in a query of its own,
    /// before the rows; clicks that arrive in between are in the rows but not the count.
    /// Ten new clicks a second (the emulator's count query takes 20 ms): five scans in each
    /// order, each the list at one instant.
    @Test("a busy account on a DRF server (count read apart from the rows): 5 of 5 scans right, both orders",
          arguments: [ClickOrder.newestFirst, .oldestFirst])
    func countReadApartFromRows(order: ClickOrder) async throws {
        var options = ScanFixture.fullLog
        options.clicks = 30_000
        options.maxPageSize = 100
        options.clickOrder = order
        options.appendRate = 10
        options.latency = .milliseconds(2)
        options.appendRate = 0
        try await withEmulator(options, configure: { $0.pageSize = 100 }) { emulator, client in
            ScanFixture.configure(client)
            var grew = false
            for _ in 0..<5 {
                let before = try await collect(client.scan(.clicks))
                emulator.setAppendRate(10)
                let rows = try await collect(client.scan(.clicks))
                emulator.setAppendRate(0)
                let after = try await collect(client.scan(.clicks))
                grew = grew || after.count > before.count
                #expect(ScanFixture.isInstant(rows, before: before, after: after),
                        "\(order): the rows of the log at one instant, none twice, none missing")
            }
            #expect(grew, "clicks arrived during the scans")
        }
    }

    /// Oldest first by time, as DRF on PostgreSQL lists them, the clicks with no time come last
    /// (NULL sorts above every time): a new click goes in before them, so the rows at the end move
    /// down while the rows before stay put. Timed by the emulator's own pages (one request at a
    /// time, 100 rows a page): new clicks after each page from the one before the last page of
    /// the first count, so that the last page ends among the undated rows, and the ones after it
    /// find them moved. The scan must give the list at one instant, every undated click.
    /// Also with an undated tail longer than a page (150 more clicks with no time), still and busy.
    @Test("oldest first with undated clicks last: new clicks go in before them, and every one is read",
          arguments: [(1, 0), (2, 0), (3, 0), (0, 150), (2, 150)])
    func undatedTailMovesDown(perPage: Int, moreUndated: Int) async throws {
        try await scanWithUndatedClicks(.oldestFirst, moreUndated: moreUndated, concurrency: 1) { options, before in
            #expect(before.suffix(before.count { $0["timestamp"] == .null }).allSatisfy { $0["timestamp"] == .null },
                    "the data set ends with clicks with no time")
            // The first page, then units of 96 rows (100 less 3 in front and 1 past the end).
            let pages = 1 + (before.count - 100 + 95) / 96
            options.newClicksPerPage = perPage
            options.newClicksFromPage = pages - 1
        }
    }

    /// The same list newest first: the clicks with no time lead it (150 more than the data set's,
    /// more than a page), and new clicks go in after them, not at the front.
    @Test("newest first with undated clicks first, longer than a page: new clicks go in after them",
          arguments: [1, 4])
    func undatedHeadStaysPut(concurrency: Int) async throws {
        try await scanWithUndatedClicks(.newestFirst, moreUndated: 150, concurrency: concurrency) { options, before in
            let undated = before.count { $0["timestamp"] == .null }
            #expect(undated > 100 && before.prefix(undated).allSatisfy { $0["timestamp"] == .null },
                    "the data set starts with more than a page of clicks with no time")
            options.newClicksPerPage = 3
            options.newClicksFromPage = 1
        }
    }

    /// Scans the small data set (`moreUndated` of its clicks made undated ones, in 100-row pages)
    /// once still, then once with the new clicks `busy` sets up from the rows it saw; the busy
    /// scan must read every undated click, once, in order, and be the list at one instant.
    func scanWithUndatedClicks(_ order: ClickOrder, moreUndated: Int, concurrency: Int,
                               busy: (inout EmulatorOptions, [Record]) -> Void) async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        options.clickOrder = order
        options.undatedClicksLast = true
        options.clicks -= moreUndated
        let before = try await withEmulator(options) { emulator, client in
            emulator.addUndatedClicks(moreUndated)
            return try await collect(client.scan(.clicks))
        }
        let undated = before.filter { $0["timestamp"] == .null }
        try #require(undated.count >= 2, "the data set has clicks with no time")
        busy(&options, before)
        try await withEmulator(options, configure: { $0.pageSize = 100; $0.concurrency = concurrency }) { emulator, client in
            ScanFixture.configure(client)
            emulator.addUndatedClicks(moreUndated)
            let rows = try await collect(client.scan(.clicks))
            let after = try await collect(client.scan(.clicks))
            #expect(after.count > before.count || options.newClicksPerPage == 0, "clicks arrived during the scan")
            let read = rows.filter { $0["timestamp"] == .null }
            #expect(read == undated, "every click with no time, once, in order: \(read.count) read of \(undated.count)")
            let instant = ScanFixture.isInstant(rows, before: before, after: after)
            #expect(instant, "the list at one instant: \(rows.count) rows, \(before.count)…\(after.count)")
        }
    }

    @Test("many clicks between each count and its rows: pages are placed by their rows, not their counts")
    func countFarBehindTheRows() async throws {
        var options = ScanFixture.fullLog
        options.clicks = 20_000
        options.maxPageSize = 100
        options.clickOrder = .newestFirst
        options.countQueryTime = .milliseconds(30)
        options.latency = .milliseconds(1)
        try await withEmulator(options, configure: { $0.pageSize = 100 }) { emulator, client in
            ScanFixture.configure(client)
            let before = try await collect(client.scan(.clicks))
            emulator.setAppendRate(400)
            let rows = try await collect(client.scan(.clicks))
            emulator.setAppendRate(0)
            let after = try await collect(client.scan(.clicks))
            #expect(ScanFixture.isInstant(rows, before: before, after: after), "the list as it was at one instant")
        }
    }

    @Test("rows inserted at the front are placed by the shift, and only what moved is read again")
    func frontShiftRereads() async throws {
        var options = EmulatorOptions.small
        options.clicks = 20_000
        options.maxPageSize = 100
        options.clickOrder = .newestFirst
        options.latency = .milliseconds(2)
        try await withEmulator(options) { emulator, client in
            let old = try await collect(client.scan(.clicks))
            let before = client.scanTally
            emulator.setAppendRate(500)
            emulator.resetRequestCount()
            let rows = try await collect(client.scan(.clicks))
            let requests = emulator.requestCount
            emulator.setAppendRate(0)
            let now = try await collect(client.scan(.clicks))
            #expect(ScanFixture.isInstant(rows, before: old, after: now), "the list as it was at the first page")
            #expect(client.scanTally.rereads > before.rereads, "pages that moved were read again")
            print("front inserts at 500/s over 200 pages of 100: \(requests) requests, \(client.scanTally.rereads - before.rereads) re-reads")
        }
    }

    @Test("a fault-free scan keeps the full concurrency and retries nothing")
    func healthyServer() async throws {
        try await withEmulator(ScanFixture.fullLog, configure: { $0.concurrency = 8 }) { emulator, client in
            emulator.resetRequestCount()
            let rows = try await collect(client.scan(.clicks))
            #expect(rows.count == 178_268)
            #expect(emulator.requestCount == 179)
            #expect(client.scanTally.retries == 0)
            #expect(client.scanTally.concurrency == 8)
            #expect(client.scanTally.lowestConcurrency == 8)
        }
    }

    @Test("throttling halves the requests in flight; waits cost no retries")
    func throttlingHalves() async throws {
        var options = ScanFixture.fullLog
        options.clicks = 30_000
        options.faults.throttleRate = 0.3
        try await withEmulator(options) { _, client in
            client.retryPolicy = .init(maxAttempts: 1, budget: 30, baseDelay: 0.02, retryAfterCap: 0.01)
            let rows = try await collect(client.scan(.clicks))
            #expect(rows.count == 30_000, "no retries allowed, yet every 429 was waited out")
            #expect(client.scanTally.retries == 0)
            #expect(client.scanTally.waits > 0)
            #expect(client.scanTally.lowestConcurrency < 8)
        }
    }

    @Test("when the server keeps failing: one line with what failed, the pages that arrived, what to do")
    func givingUp() async throws {
        var options = ScanFixture.fullLog
        options.clicks = 30_000
        options.faults.serverErrorRate = 1
        try await withEmulator(options) { _, client in
            ScanFixture.configure(client)
            let error = await apiError { _ = try await collect(client.scan(.clicks)) }
            let message = error?.message ?? ""
            #expect(error?.kind == .server, "\(message)")
            #expect(message.contains("openforiplinkclicks/"), "\(message)")
            #expect(message.contains("gave up"), "\(message)")
            #expect(message.contains("the first page did not arrive"), "\(message)")
            #expect(message.contains("set retries"), "\(message)")
            #expect(!message.contains("\n"))
            #expect(!message.contains(EmulatorAccounts.demoToken))
        }
        // Part-way: the message counts the pages that arrived.
        options.faults.serverErrorRate = 0.6
        options.seed = 1
        try await withEmulator(options) { _, client in
            client.retryPolicy = .init(maxAttempts: 4, budget: 30, baseDelay: 0.001)
            let error = await apiError { _ = try await collect(client.scan(.clicks)) }
            let message = error?.message ?? ""
            #expect(message.contains(" of 30 pages arrived"), "\(message)")
        }
    }

    @Test("Ctrl-C cancels within 200 ms, also during a wait the server asked for")
    func cancelDuringRetryAfter() async throws {
        var options = ScanFixture.fullLog
        options.clicks = 30_000
        options.faults.throttleRate = 1
        options.faults.retryAfterSeconds = 30
        try await withEmulator(options) { _, client in
            client.retryPolicy = .init(maxAttempts: 4, budget: 120)
            // Cancel once the scan reports the wait the server asked for, however slow the
            // machine (a fixed delay after the first request was not always enough in CI).
            let waiting = Flag()
            let task = Task {
                try await collect(client.scan(.clicks, progress: { if $0.waiting != nil { waiting.raise() } }))
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while !waiting.isRaised, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(waiting.isRaised, "the scan began to wait as the server asked")
            try await Task.sleep(for: .milliseconds(50))
            let cancelled = ContinuousClock.now
            task.cancel()
            // A cancelled consumer's stream ends quietly (no rows) or with "cancelled".
            let error = await apiError {
                let rows = try await task.value
                #expect(rows.isEmpty)
            }
            let took = ContinuousClock.now - cancelled
            #expect(error == nil || error?.kind == .cancelled, "\(error?.message ?? "")")
            #expect(took < .milliseconds(200), "\(took)")
            // The scan's own task adds to the tally as it ends, just after the consumer has
            // seen the end; wait for it.
            let recorded = ContinuousClock.now + .seconds(5)
            while client.scanTally.scans < 1, ContinuousClock.now < recorded { try await Task.sleep(for: .milliseconds(10)) }
            #expect(client.scanTally.waits >= 1, "it was waiting as the server asked")
        }
    }

    @Test("a range of rows is one scan: the rows at those positions, the total, and faults retried")
    func rangeOfRows() async throws {
        var options = ScanFixture.fullLog
        options.clicks = 10_000
        options.maxPageSize = 700
        options.faults.serverErrorRate = 0.2
        try await withEmulator(options, configure: { $0.pageSize = 700 }) { _, client in
            ScanFixture.configure(client)
            let all = try await collect(client.scan(.clicks))
            #expect(all.count == 10_000)
            let range = try await client.rows(.clicks, from: 2_500, to: 7_300)
            #expect(range.count == 10_000)
            #expect(range.rows == Array(all[2_500..<7_300]), "the rows at positions 2,500 to 7,299")
            let tail = try await client.rows(.clicks, from: 9_990, to: 12_000)
            #expect(tail.rows == Array(all[9_990...]), "a range past the end gives what there is")
            #expect(try await client.rows(.clicks, from: 5, to: 5).rows.isEmpty)
        }
    }

    @Test("a request that times out is tried again")
    func timeoutsRetried() async throws {
        var options = ScanFixture.fullLog
        options.clicks = 10_000
        options.faults.spikeRate = 0.25
        options.faults.spikeLatency = .milliseconds(1500)
        try await withEmulator(options, configure: {
            $0.connectTimeout = 0.2
            $0.readTimeout = 0.3
        }) { _, client in
            ScanFixture.configure(client)
            let rows = try await collect(client.scan(.clicks))
            #expect(rows.count == 10_000)
            #expect(client.scanTally.retries > 0)
            // One request, through send(): a timeout is retried there too.
            #expect(try await client.count(.keys) == 1044)
        }
    }

    @Test("the retry quota is sized to the scan and refilled by pages that arrive")
    func retryQuota() {
        var q = RetryQuota(retries: 3, pages: 179)
        #expect(q.capacity == 72)
        var taken = 0
        while q.take() { taken += 1 }
        #expect(taken == 72)
        q.arrived()
        q.arrived()
        let again = q.take()
        #expect(again)
        #expect(q.spent == 73)
        #expect(RetryQuota(retries: 0, pages: 1000).capacity == 0)
        var first = RetryQuota(retries: 3, pages: 1)
        #expect(first.capacity == 6)
        first.resize(retries: 3, pages: 179)
        #expect(first.capacity == 72 && first.tokens == 72)
    }

    @Test("the concurrency window halves once per round trip and grows by one per run of successes a quarter as long")
    func concurrencyWindow() {
        var w = ConcurrencyWindow(ceiling: 8)
        let t0 = ContinuousClock.now
        w.overloaded(sentAt: t0, now: t0 + .milliseconds(10))
        #expect(w.limit == 4)
        w.overloaded(sentAt: t0, now: t0 + .milliseconds(11))  // sent before the cut: same congestion
        #expect(w.limit == 4)
        w.overloaded(sentAt: t0 + .milliseconds(20), now: t0 + .milliseconds(30))
        #expect(w.limit == 2 && w.lowest == 2)
        // One more after each run of successes a quarter of the window long (at least one).
        w.succeeded()
        #expect(w.limit == 3)
        for _ in 0..<5 { w.succeeded() }
        #expect(w.limit == 8)
        var wide = ConcurrencyWindow(ceiling: 32)
        wide.overloaded(sentAt: t0, now: t0)
        #expect(wide.limit == 16)
        for _ in 0..<3 { wide.succeeded() }
        #expect(wide.limit == 16, "16 / 4 = 4 successes for one more")
        wide.succeeded()
        #expect(wide.limit == 17)
        for _ in 0..<100 { w.succeeded() }
        #expect(w.limit == 8)
    }

    @Test("transport errors are told apart by type, and no Foundation wording reaches the user")
    func transportClassification() {
        typealias F = TransportFailure
        #expect(F.classify(HTTPClientError.cancelled, answerStarted: false, cancelled: false) == .timedOut)
        #expect(F.classify(HTTPClientError.cancelled, answerStarted: false, cancelled: true) == .cancelled)
        #expect(F.classify(HTTPClientError.deadlineExceeded, answerStarted: false, cancelled: false) == .timedOut)
        #expect(F.classify(HTTPClientError.readTimeout, answerStarted: true, cancelled: false) == .timedOut)
        #expect(F.classify(HTTPClientError.connectTimeout, answerStarted: false, cancelled: false) == .connectTimeout)
        #expect(F.classify(HTTPClientError.remoteConnectionClosed, answerStarted: false, cancelled: false) == .closed)
        #expect(F.classify(HTTPClientError.remoteConnectionClosed, answerStarted: true, cancelled: false) == .cutOff)
        #expect(F.classify(HTTPParserError.invalidEOFState, answerStarted: true, cancelled: false) == .cutOff)
        #expect(F.classify(ChannelError.eof, answerStarted: false, cancelled: false) == .closed)
        #expect(F.classify(IOError(errnoCode: 111, reason: "connect"), answerStarted: false, cancelled: false) == .refused)
        #expect(F.classify(IOError(errnoCode: 104, reason: "read"), answerStarted: true, cancelled: false) == .cutOff)
        struct Odd: Error {}
        let odd = F.classify(Odd(), answerStarted: false, cancelled: false)
        #expect(odd.isTransient)
        let cut = F.cutOff.apiError(host: "api.openport.io", what: "GET keys/")
        #expect(cut.message.contains("cut off"), "\(cut.message)")
        #expect(!cut.message.contains("cannot reach"))
        for failure in [F.timedOut, .closed, .cutOff, .refused, odd, F.classify(NSError(domain: "x", code: 1), answerStarted: false, cancelled: false)] {
            let message = failure.apiError(host: "h", what: "GET keys/").message
            #expect(!message.contains("could not be completed"), "\(message)")
            #expect(!message.contains("\n"))
        }
    }
}

/// A flag one task raises and another reads.
final class Flag: Sendable {
    private let raised = Atomic<Bool>(false)
    func raise() { raised.store(true, ordering: .relaxed) }
    var isRaised: Bool { raised.load(ordering: .relaxed) }
}
