import Foundation
import OpenportAPI
import Query
import Records

/// One command of the shell: one file under `Commands/`, one line in ``CommandCatalog``.
///
/// Its ``spec`` is all that `help`, the man page, "did you mean", TAB (the kinds of its
/// arguments, its subcommands) and the generated shell completions know of it; ``parse(_:)``
/// turns the invocation into the typed value it runs, so a usage mistake is reported before
/// anything is fetched; ``run(_:in:)`` does it, with only what ``CommandContext`` gives.
protocol ShellCommand: Sendable {
    static var spec: CommandSpec { get }
    static func parse(_ invocation: Invocation) throws -> Self
    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome
}

/// One use of a command: the line as typed and as parsed.
struct Invocation: Sendable {
    let pipeline: Pipeline
    let line: String

    init(pipeline: Pipeline, line: String) {
        self.pipeline = pipeline
        self.line = line
    }

    /// Parses `line` (for tests of a command's `parse`).
    init(_ line: String) throws {
        self.init(pipeline: try Pipeline(parsing: line), line: line)
    }

    var arguments: [CommandArgument] { pipeline.command.arguments }

    /// The line after the command's name, as typed (for a command that ``CommandSpec/readsLine``).
    var rawArguments: String {
        String(line.dropFirst(pipeline.command.nameRange.upperBound)).trimmingCharacters(in: .whitespaces)
    }

    /// For a command (or subcommand, `keys rm`) that prints no records: stages after it are an error.
    func refuseStages(after name: String) throws {
        guard let first = pipeline.stages.first else { return }
        throw QueryError("'\(name)' prints no records, so nothing can follow it with |",
                         column: first.range.lowerBound, length: max(1, first.range.count))
    }

    /// Resource names (`refresh clicks keys`, `cache clear keys`); a word that names none is
    /// one line with the nearest resource.
    static func resources(_ args: some Collection<CommandArgument>, for command: String) throws -> [Resource] {
        try args.map { a in
            guard let r = Resource(word: a.text) else {
                let hint = Suggest.nearest(a.text, among: Resource.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
                throw ShellError("'\(TerminalSafe.escape(a.text))' is not a resource\(hint); \(command) takes sessions, keys, clicks or nodes")
            }
            return r
        }
    }

    /// For commands that take none: an error pointing at the first argument.
    func expectNoArguments() throws {
        guard let extra = arguments.first else { return }
        throw QueryError("'\(pipeline.command.name)' takes no arguments; filter with | where ...",
                         column: extra.range.lowerBound, length: max(1, extra.range.count))
    }
}

/// What a command may use while it runs: the client and the cache, the settings as they were
/// when the line began, where output goes, and a few things of the session. Not the
/// interpreter: a command sees only this.
struct CommandContext: Sendable {
    let client: OpenportClient
    let cache: SessionCache
    /// The settings when the line began; `set` changes them through ``changeSetting``.
    let settings: Settings
    let changeSetting: @Sendable (String, String) throws -> Void
    /// Results (stdout) and messages (stderr), unbuffered: a command's own lines.
    let output: OutputSink
    let terminal: any Terminal
    /// A person at a terminal (confirmations are asked, not refused).
    let interactive: Bool
    /// `--yes`: confirmations answered yes.
    let assumeYes: Bool
    /// Asks a yes/no question (at a terminal).
    let ask: @Sendable (String) -> Bool
    /// Runs pipelines and writes output where the line sends it.
    let pipelines: PipelineRunner
    /// The lines run so far, for `history`.
    let history: [String]
    /// What TAB offers, for `__complete`.
    let completer: Completer
    /// The user's saved queries (`save`, `saved`, `help NAME`, `explain NAME ARGS`).
    let saved: SavedQueries

    /// Rows of the resources, through the cache.
    var source: RecordSource { pipelines.source }
    var info: TerminalInfo { terminal.info }
}
