import Query
import Records

/// `saved [rm NAME...]`: the saved queries, or forgetting some.
struct SavedCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "saved", synopsis: "saved [rm NAME]", summary: "the queries kept with save; rm forgets one",
        examples: [StageExample("saved", shows: "each saved query's name, how it is used, and its line",
                                result: .contains("clicks | where port=$port | count"))],
        subcommands: [SubcommandSpec("rm", synopsis: "saved rm NAME...", summary: "forget saved queries", arguments: .savedQueries)])

    /// The names to forget (none: list them).
    let remove: [String]

    static func parse(_ invocation: Invocation) throws -> SavedCommand {
        let words = invocation.arguments.map(\.text)
        guard let first = words.first else { return SavedCommand(remove: []) }
        guard first == "rm", words.count > 1 else { throw spec.usage("saved rm NAME forgets a saved query") }
        return SavedCommand(remove: Array(words.dropFirst()))
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let saved = context.saved
        guard remove.isEmpty else {
            for name in remove {
                guard try saved.remove(name) else {
                    let hint = Suggest.nearest(name, among: saved.all.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                    throw ShellError("there is no saved query '\(TerminalSafe.escape(name))'\(hint); 'saved' lists them")
                }
                context.output.message("forgot '\(name)'\n")
            }
            return .ok
        }
        let queries = saved.all
        guard !queries.isEmpty else {
            try await context.pipelines.emit("no saved queries yet: save NAME LINE keeps one (help save)\n", pipeline: invocation.pipeline)
            return .ok
        }
        let uses = queries.map { $0.isStage ? "| " + $0.usage : $0.usage }
        let width = uses.map(\.count).max() ?? 0
        let text = zip(uses, queries).map { use, q in
            use.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + TerminalSafe.escape(q.line) + "\n"
        }.joined()
        try await context.pipelines.emit(text, pipeline: invocation.pipeline)
        return .ok
    }
}
