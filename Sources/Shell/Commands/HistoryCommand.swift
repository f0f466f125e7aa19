import Query
import Records

/// `history [N]`: the lines typed so far.
struct HistoryCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(name: "history", synopsis: "history [N]", summary: "the lines typed so far (the last N)")

    let last: Int?

    static func parse(_ invocation: Invocation) throws -> HistoryCommand {
        let args = invocation.arguments
        guard let arg = args.first else { return HistoryCommand(last: nil) }
        guard args.count == 1, let n = Int(arg.text), n >= 0 else { throw spec.usage("the last N lines") }
        return HistoryCommand(last: n)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let all = context.history
        let numbered = all.enumerated().suffix(last ?? all.count)
        let text = numbered.map {
            "\(String(repeating: " ", count: max(0, 5 - String($0.offset + 1).count)))\($0.offset + 1)  \(TerminalSafe.escape(context.client.redactor.redact($0.element)))\n"
        }.joined()
        try await context.pipelines.emit(text, pipeline: invocation.pipeline)
        return .ok
    }
}
