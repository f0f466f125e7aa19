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
        #expect(full.requests == 50)

        shell.emulator.addClicks(150)
        await shell.run("refresh clicks")
        let after = try await count(shell)
        #expect(after.answer == after.expected)
        // One request for the count (with the first rows), two pages of 100 for 150 new rows and the 20-row overlap,
        // and the keys (11 pages of 100): a key renamed or deleted meanwhile has relabelled
        // cached clicks in place, which new rows cannot show.
        #expect(after.requests == 3 + Self.keyPages)
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
        await shell.run("refresh clicks")
        let again = try await count(shell)
        #expect(again.answer == again.expected)
        #expect(again.requests == 2 + Self.keyPages)
        // With the keys fresh, the two small checks alone: the first rows (which carry the
        // count) and the last ones.
        await shell.run("refresh clicks")
        #expect(try await count(shell).requests == 2)
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
        shell.interpreter.cache.store(.clicks, records: PackedRows(rows), seconds: 0, requests: 0)
        shell.emulator.addClicks(10)
        await shell.run("refresh clicks")
        let after = try await count(shell)
        #expect(after.answer == after.expected)
        #expect(after.requests == 51 + Self.keyPages, "no order to rely on: straight to a full scan of 5,010 rows")
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
        shell.interpreter.cache.store(.clicks, records: PackedRows(rows), seconds: 0, requests: 0)
        shell.emulator.addClicks(10)
        await shell.run("refresh clicks")
        let after = try await count(shell)
        #expect(after.answer == after.expected)
        #expect(after.requests > 50)
        let cached = try #require(shell.interpreter.cache.any(.clicks))
        #expect(cached.records.count == 5_010)
        #expect(!cached.records.contains { $0["key_name"] == .string("changed since") })
        await shell.stop()
    }
}
