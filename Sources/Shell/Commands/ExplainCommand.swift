import OpenportAPI
import Query
import Records

/// `explain LINE`: what LINE will cost, and why, without running it.
struct ExplainCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "explain", synopsis: "explain LINE", summary: "what LINE will cost and why, without running it",
        details: """
        Says which lists LINE reads and how many requests each takes: none from a fresh cache,
        1 for a count (the server's count comes with one row), one per page for a scan (about
        rows / page-size; the click log after the keys), the keys and 2 or 3 pages for a stale
        click log brought up to date; what the cache holds and how old it is; and which
        stages run where (all of them in opsh; a count or first N only changes what is asked). When it needs the size of a list that
        is not cached it asks for it (1 request each, said and not counted). 'set timing on'
        then shows the same figures measured after each line, to compare.
        """,
        examples: [StageExample("explain clicks | where port=6260 | count", shows: "the requests that count takes, and why",
                                result: .contains("requests  ")),
                   StageExample("explain clicks | count", shows: "a count: one request for one row, or none from the cache",
                                result: .contains("requests  "))],
        arguments: .commandLine(flagsWithValue: []), readsLine: true, reads: .line)

    static func parse(_ invocation: Invocation) throws -> ExplainCommand {
        guard !invocation.rawArguments.isEmpty else {
            throw ShellError("usage: explain LINE (for example: explain clicks | where port=6260 | count)")
        }
        return ExplainCommand()
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let offset = invocation.pipeline.command.nameRange.upperBound
        let text = String(invocation.line.dropFirst(offset))
        let line = try ExplainCommand.expanded(text, saved: context.saved, offset: offset)
        let pipeline = try ExplainCommand.checked(line, offset: line == text ? offset : nil)
        var estimator = CostEstimator(source: context.source)
        var estimate = estimator.estimate(pipeline, line: line)
        var probes: [Resource: Int] = [:]
        for resource in estimate.unknownSizes.sorted(by: { $0.rawValue < $1.rawValue }) {
            let page = try await context.client.page(resource, limit: 1)
            probes[resource] = page.count ?? page.results.count
        }
        if !probes.isEmpty {
            estimator.sizes = probes
            estimate = estimator.estimate(pipeline, line: line)
        }
        let shown = line.trimmingCharacters(in: .whitespaces)
        try await context.pipelines.emit(estimate.report(line: TerminalSafe.escape(shown), probes: probes),
                                         pipeline: Pipeline(command: Command(name: "explain")))
        return .ok
    }

    /// The line with its saved queries written out; a mistake placed in the typed line.
    static func expanded(_ text: String, saved: SavedQueries, offset: Int) throws -> String {
        do {
            return try SavedQueryExpansion(of: text, queries: saved.all)?.text ?? text
        } catch {
            throw QueryError(error.message, column: offset + error.column, length: error.length, suggestion: error.suggestion)
        }
    }

    /// The line parsed, with a command that exists and arguments it takes: what running it
    /// would refuse first, explain refuses too. `offset` places a mistake in the typed line
    /// (nil: the line is a saved query's, written out, and the message says so).
    static func checked(_ line: String, offset: Int?) throws -> Pipeline {
        func placed(_ error: QueryError) -> Error {
            guard let offset else { return ShellError("\(error.description) (in the line it runs: \(line.trimmingCharacters(in: .whitespaces)))") }
            return QueryError(error.message, column: offset + error.column, length: error.length, suggestion: error.suggestion)
        }
        do {
            let pipeline = try Interpreter.pipeline(of: line)
            _ = try Interpreter.parse(Invocation(pipeline: pipeline, line: line))
            return pipeline
        } catch let error as QueryError {
            throw placed(error)
        }
    }
}
