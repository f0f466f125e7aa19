import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Shell
import Testing

@Suite("Incremental refresh of the click log")
struct IncrementalRefreshTests {
    /// Pages of the demo's 1,044 keys at 100 a page.
    static let keyPages = 11

    func count(_ shell: ShellHarness) async throws -> (answer: String, requests: Int, expected: String) {
        let r = await shell.runCountingRequests("clicks | where port > 0 | count")
        return (r.out, r.requests, try await shell.expectedPositivePortCount())
    }

    @Test("new clicks are fetched alone when the order and the overlap prove it", arguments: [ClickOrder.oldestFirst, .newestFirst])
    func fetchesOnlyWhatIsNew(order: ClickOrder) async throws {
        var options = EmulatorOptions.small
        options.clickOrder = order
        options.maxPageSize = 100
        let shell = try await ShellHarness.start(options)
        let full = try await count(shell)
        #expect(full.answer == full.expected)
        // The keys first (the names the clicks are read under), then the 5,000 clicks in pages
        // of 100 (a few more than 50: each page after the first also asks for the rows in front
        // of its own, to place it by them).
        #expect(full.requests >= Self.keyPages + 50 && full.requests <= Self.keyPages + 54, "\(full.requests)")

        shell.emulator.addClicks(150)
        let refreshed = await shell.runCountingRequests("refresh clicks")
        let after = try await count(shell)
        #expect(after.answer == after.expected)
        #expect(after.requests == 0, "refresh fetched it")
        // Both ends and a page from the middle, at once; the 150 new rows take more than the
        // server's page of 100 (one more request, and one for the end where the count says it
        // is); and the keys (11 pages of 100), read afresh: a key renamed or deleted meanwhile
        // has relabelled cached clicks in place, which new rows cannot show.
        #expect(refreshed.requests <= 5 + Self.keyPages, "\(refreshed.requests)")
        let cached = try #require(shell.interpreter.cache.any(.clicks))
        #expect(cached.records.count == 5_150)
        await shell.stop()
    }

    @Test("nothing new costs two small checks, not a scan")
    func nothingNew() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        let shell = try await ShellHarness.start(options)
        _ = try await count(shell)
        let refreshed = await shell.runCountingRequests("refresh clicks")
        let again = try await count(shell)
        #expect(again.answer == again.expected)
        // Both ends and a page from the middle, and the keys: always fetched afresh for the
        // check, whatever the cache holds.
        #expect(refreshed.requests == 3 + Self.keyPages)
        await shell.stop()
    }

    @Test("rows in no time order: a full fetch, never a guess")
    func unorderedFallsBack() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        let shell = try await ShellHarness.start(options)
        _ = try await count(shell)
        // Swap two cached rows: the cached list no longer proves an order.
        var rows = Array(try #require(shell.interpreter.cache.any(.clicks)).records)
        rows.swapAt(10, 4_000)
        let entry = try #require(shell.interpreter.cache.any(.clicks))
        shell.interpreter.cache.store(.clicks, records: PackedRows(rows), seconds: 0, requests: 0, provenance: entry.provenance)
        shell.emulator.addClicks(10)
        let refreshed = await shell.runCountingRequests("refresh clicks")
        let after = try await count(shell)
        #expect(after.answer == after.expected)
        #expect(refreshed.requests >= 51 && refreshed.requests <= 55, "no order to rely on: straight to a full scan of 5,010 rows (the keys are fresh): \(refreshed.requests)")
        await shell.stop()
    }

    @Test("a cached tail that does not match the server: a full fetch")
    func mismatchedOverlapFallsBack() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        let shell = try await ShellHarness.start(options)
        _ = try await count(shell)
        var rows = Array(try #require(shell.interpreter.cache.any(.clicks)).records)
        rows[rows.count - 1] = rows[rows.count - 1].setting("key_name", to: .string("changed since"))
        let entry = try #require(shell.interpreter.cache.any(.clicks))
        shell.interpreter.cache.store(.clicks, records: PackedRows(rows), seconds: 0, requests: 0, provenance: entry.provenance)
        shell.emulator.addClicks(10)
        let refreshed = await shell.runCountingRequests("refresh clicks")
        let after = try await count(shell)
        #expect(after.answer == after.expected)
        #expect(refreshed.requests > 50)
        let cached = try #require(shell.interpreter.cache.any(.clicks))
        #expect(cached.records.count == 5_010)
        #expect(!cached.records.contains { $0["key_name"] == .string("changed since") })
        await shell.stop()
    }
}
