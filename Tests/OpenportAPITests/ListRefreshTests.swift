import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Testing

/// Issue 20: a cached list brought up to date with a few requests only when the rows prove it,
/// against an emulator whose data changes between the reads in every way DESIGN.md lists.
@Suite("Refreshing a cached list")
struct ListRefreshTests {
    static func options(_ order: ClickOrder) -> EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = 5_000
        o.maxPageSize = 100
        o.clickOrder = order
        return o
    }

    /// The cached rows, the server changed by `change`, then a refresh and the list as it is now.
    static func refreshAfter(_ order: ClickOrder, sampleAt: Int? = nil, _ change: (Emulator) -> Void) async throws
        -> (result: ListRefresh.Result?, now: [Record], requests: Int) {
        try await withEmulator(options(order), configure: { $0.pageSize = 100 }) { emulator, client in
            let cached = try await collect(client.scan(.clicks))
            change(emulator)
            emulator.resetRequestCount()
            let listOrder = try #require(ListOrder.of(cached, field: "timestamp"))
            let result = try await ListRefresh(client: client, resource: .clicks).refresh(cached: PackedRows(cached), order: listOrder, sampleAt: sampleAt)
            let requests = emulator.requestCount
            return (result, try await collect(client.scan(.clicks)), requests)
        }
    }

    @Test("nothing new: three requests at once, the same rows", arguments: [ClickOrder.oldestFirst, .newestFirst])
    func nothingNew(order: ClickOrder) async throws {
        let r = try await Self.refreshAfter(order) { _ in }
        let result = try #require(r.result)
        #expect(Array(result.rows) == r.now)
        #expect(result.added == 0 && result.removed == 0)
        #expect(r.requests == ListRefresh.requests(cachedRows: 5_000))
        #expect(r.requests == 3, "both ends and a page from the middle")
    }

    @Test("new clicks at the end where they appear are added", arguments: [ClickOrder.oldestFirst, .newestFirst])
    func newRows(order: ClickOrder) async throws {
        let r = try await Self.refreshAfter(order) { $0.addClicks(40) }
        let result = try #require(r.result)
        #expect(Array(result.rows) == r.now)
        #expect(result.added == 40)
        #expect(r.requests == 3)
    }

    @Test("new clicks without a time, listed after every other (oldest first) or before (newest first), are added",
          arguments: [ClickOrder.oldestFirst, .newestFirst])
    func newUndatedRows(order: ClickOrder) async throws {
        for (dated, undated) in [(30, 2), (0, 1), (150, 3)] {
            let r = try await Self.refreshAfter(order) { e in
                e.addClicks(dated)
                e.addUndatedClicks(undated)
            }
            let result = try #require(r.result, "\(dated) new clicks and \(undated) without a time")
            #expect(Array(result.rows) == r.now, "the list now, row for row")
            #expect(result.added == dated + undated)
            // A full scan is 50 pages; more new rows than a page take a page or two more.
            #expect(r.requests <= 3 + (dated + undated + 99) / 100, "no full scan: \(r.requests) requests")
        }
    }

    @Test("the oldest clicks purged and new ones added: both ends move, the rows prove it", arguments: [ClickOrder.oldestFirst, .newestFirst])
    func purgeAndGrowth(order: ClickOrder) async throws {
        let r = try await Self.refreshAfter(order) { e in
            e.purgeOldestClicks(30)
            e.addClicks(30)
        }
        let result = try #require(r.result)
        #expect(Array(result.rows) == r.now, "the list now, row for row")
        #expect(result.removed == 30 && result.added == 30)
    }

    @Test("late clicks in the middle with the oldest purged, so the count grows as if new: a full scan", arguments: [ClickOrder.oldestFirst, .newestFirst])
    func lateRowsLookingLikeGrowth(order: ClickOrder) async throws {
        let r = try await Self.refreshAfter(order) { e in
            e.purgeOldestClicks(3)
            e.insertLateClicks(3)
            e.addClicks(5)
        }
        #expect(r.result == nil, "the rows at the end moved by other than the new rows: not provable")
    }

    /// Clicks removed from the middle and as many late ones written there: the count and both
    /// ends are as they were. The page from the middle sees it where it covers rows that moved;
    /// elsewhere this refresh misses it (the documented miss, bounded by `set rescan`).
    @Test("a change in the middle that leaves both ends and the count: seen by the middle page where it covers it, missed elsewhere",
          arguments: [ClickOrder.oldestFirst, .newestFirst])
    func middleChange(order: ClickOrder) async throws {
        try await withEmulator(Self.options(order), configure: { $0.pageSize = 100 }) { emulator, client in
            let cached = try await collect(client.scan(.clicks))
            emulator.removeMiddleClicks(3)
            emulator.insertLateClicks(3)
            let now = try await collect(client.scan(.clicks))
            #expect(now.count == cached.count)
            let first = try #require(cached.indices.first { cached[$0] != now[$0] }, "the list changed")
            let refresh = ListRefresh(client: client, resource: .clicks)
            let listOrder = try #require(ListOrder.of(cached, field: "timestamp"))
            let across = try await refresh.refresh(cached: PackedRows(cached), order: listOrder, sampleAt: first)
            #expect(across == nil, "the middle page covers a row that moved")
            // The first 5 % of the list did not change: a page read there sees nothing.
            let clear = try await refresh.refresh(cached: PackedRows(cached), order: listOrder, sampleAt: 20)
            #expect(clear.map { Array($0.rows) } == cached, "the miss: the cached rows are taken for the list now")
        }
    }

    @Test("a row changed in place at an end: a full scan")
    func changedInPlace() async throws {
        try await withEmulator(Self.options(.newestFirst), configure: { $0.pageSize = 100 }) { _, client in
            var cached = try await collect(client.scan(.clicks))
            cached[3] = cached[3].setting("key_name", to: .string("not what the server says"))
            let r = try await ListRefresh(client: client, resource: .clicks).refresh(cached: PackedRows(cached), order: .newestFirst)
            #expect(r == nil)
        }
    }
}
