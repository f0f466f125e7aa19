import OpenportEmulator
import Query
import Shell
import Testing

/// `explain LINE` says what LINE will cost before it runs: checked against the requests the
/// emulator then answers, for every example line, in the states the cache goes through.
@Suite("explain: the estimate is what the line then costs", .serialized) struct ExplainTests {
    /// The requests `explain` promises for `line` (nil when it gives no exact figure).
    static func estimated(_ line: String, in shell: ShellHarness) async -> (requests: Int?, report: String) {
        let r = await shell.run("explain " + line)
        guard r.outcome == .ok else { return (nil, "\(r)") }
        let figure = r.out.split(separator: "\n").first { $0.hasPrefix("requests  ") }
            .flatMap { $0.dropFirst("requests  ".count).split(separator: " ").first }.flatMap { Int($0) }
        return (figure, r.out)
    }

    /// Explains `line`, runs it, and compares the two; returns the requests measured.
    @discardableResult
    static func check(_ line: String, in shell: ShellHarness, sourceLocation: SourceLocation = #_sourceLocation) async -> Int {
        let (estimate, report) = await estimated(line, in: shell)
        let measured = await shell.runCountingRequests(line)
        #expect(measured.outcome == .ok, "\(line): \(measured)", sourceLocation: sourceLocation)
        #expect(estimate == measured.requests, "\(line): explain said\n\(report)\nthe line sent \(measured.requests)",
                sourceLocation: sourceLocation)
        return measured.requests
    }

    /// Every example of every command and stage: each runs (but those that run until stopped),
    /// in catalogue order, so the cache is cold, fresh, stale and cleared along the way.
    static var exampleLines: [String] {
        let commands = CommandCatalog.all.filter { $0.name != "watch" }.flatMap { $0.examples.map(\.line) }
        let stages = StageCatalog.all.flatMap { $0.examples }.filter { $0.result != .live }.map(\.line)
        return commands + stages
    }

    @Test func everyExampleLineOnTheDemoData() async throws {
        try await ShellHarness.with(EmulatorOptions()) { shell in
            for line in Self.exampleLines { await Self.check(line, in: shell) }
        }
    }

    @Test func coldFreshStaleAndCacheOff() async throws {
        try await ShellHarness.with(EmulatorOptions()) { shell in
            // Cold: a count is one request; a scan is a page per 1000 rows (1,044 keys: 2).
            #expect(await Self.check("clicks | count", in: shell) == 1)
            #expect(await Self.check("keys | where id > 0 | count", in: shell) == 2)
            #expect(await Self.check("clicks | first 10", in: shell) == 1)
            // The click log is read under the keys' names: the keys first (fresh here).
            #expect(await Self.check("clicks | where port=6260 | count", in: shell) == 179)
            // Fresh: nothing.
            #expect(await Self.check("clicks | group port | first 3", in: shell) == 0)
            // A refresh: the keys afresh, both ends and a middle page of the click log.
            #expect(await Self.check("refresh clicks", in: shell) == 5)
            #expect(await Self.check("clicks | where port=6260 | count", in: shell) == 0)
            #expect(await Self.check("refresh", in: shell) == 5)
            #expect(await Self.check("refresh --full clicks", in: shell) == 179)
            // Cold again, with joins: the keys for key.*, then the sessions' first page.
            _ = await shell.run("cache clear")
            #expect(await Self.check("sessions | select port,key.name | first 3", in: shell) == 3)
            #expect(await Self.check("clicks | where port=6260 | count", in: shell) == 179)
            // Without the cache every read is a fetch, even one already made by the same line.
            _ = await shell.run("set cache off")
            #expect(await Self.check("nodes | count", in: shell) == 1)
            #expect(await Self.check("sessions | select key.name | count", in: shell) == 3)
            #expect(await Self.check("clicks | where port=6260 | count", in: shell) == 179)
        }
    }

    @Test func theReportSaysWhyAndWhere() async throws {
        try await ShellHarness.with { shell in
            let cold = await shell.run("explain clicks | where port=6260 | count")
            #expect(cold.outcome == .ok)
            // Pages after the first ask for a few rows in front of theirs and one past: 6 for 5,000.
            #expect(cold.out.contains("requests  8 (keys 2, clicks 6)\n"), "\(cold.out)")
            #expect(cold.out.contains("a scan of 5,000 rows, 6 pages of up to 1,000"), "\(cold.out)")
            #expect(cold.out.contains("where port = 6260, count: here, in opsh, over every row"), "\(cold.out)")
            #expect(cold.out.contains("asked the server how many clicks there are (5,000): 1 request, not counted above"), "\(cold.out)")
            let count = await shell.run("explain clicks | count")
            #expect(count.out.contains("the server's count answers it"), "\(count.out)")
            _ = await shell.run("clicks | where port > 0 | count")
            let warm = await shell.run("explain clicks | where port=6260 | count")
            #expect(warm.out.contains("requests  0\n") && warm.out.contains("in the cache: 5,000 rows fetched"), "\(warm.out)")
            #expect(!warm.out.contains("asked the server"), "\(warm.out)")
        }
    }

    @Test func aSavedQueryIsExplainedAsTheLineItRuns() async throws {
        try await ShellHarness.with { shell in
            _ = await shell.run("save hits clicks | where port=$1 | count")
            let r = await shell.run("explain hits 6260")
            #expect(r.out.hasPrefix("clicks | where port=6260 | count\nrequests  8 (keys 2, clicks 6)\n"), "\(r)")
            #expect(await Self.check("hits 6260", in: shell) == 8)
        }
    }

    @Test func mistakesAreTheLinesOwn() async throws {
        try await ShellHarness.with { shell in
            let unknown = await shell.run("explain clikcs | count")
            #expect(unknown.outcome == .failed("unknown command 'clikcs' (did you mean 'clicks'?)", column: 8, length: 6), "\(unknown)")
            let usage = await shell.run("explain")
            #expect(usage.outcome == .failed("usage: explain LINE (for example: explain clicks | where port=6260 | count)"))
            let stage = await shell.run("explain clicks | wher port=1")
            if case .failed(let message, let column, _) = stage.outcome {
                #expect(message.contains("unknown stage 'wher'") && column == 17, "\(stage)")
            } else {
                Issue.record("\(stage)")
            }
            // Nothing was sent for any of them.
            #expect(shell.emulator.requestCount == 0)
        }
    }
}
