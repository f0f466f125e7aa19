import Foundation
import OpenportAPI
import Query
import Records

/// One command of the shell: one file under `Commands/`, one line in ``CommandCatalog``.
///
/// Its ``spec`` is all that `help`, the man page, "did you mean", TAB (the kinds of its
/// arguments) and the generated shell completions know of it; ``parse(_:)`` reads its
/// arguments, so a usage mistake is reported before anything is fetched; ``run(_:in:)`` does it.
protocol ShellCommand: Sendable {
    static var spec: CommandSpec { get }
    static func parse(_ invocation: Invocation) throws -> Self
    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome
}

/// One use of a command: the line as typed and as parsed.
struct Invocation: Sendable {
    let pipeline: Pipeline
    let line: String

    var arguments: [CommandArgument] { pipeline.command.arguments }

    /// The line after the command's name, as typed (for a command that ``CommandSpec/readsLine``).
    var rawArguments: String {
        String(line.dropFirst(pipeline.command.nameRange.upperBound)).trimmingCharacters(in: .whitespaces)
    }

    /// For a command (or subcommand, `keys rm`) that prints no records: stages after it are an error.
    static func refuseStages(_ pipeline: Pipeline, after name: String) throws {
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
    func expectNoArguments(hint: String = "filter with | where ...") throws {
        guard let extra = arguments.first else { return }
        throw QueryError("'\(pipeline.command.name)' takes no arguments; \(hint)",
                         column: extra.range.lowerBound, length: max(1, extra.range.count))
    }
}
