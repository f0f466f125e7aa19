import Query
import Records

/// `history [N]`: the lines typed so far.
struct HistoryCommand: ShellCommand {
    static let spec = CommandSpec(name: "history", synopsis: "history [N]", summary: "the lines typed so far (the last N)")

    let last: Int?

    static func parse(_ invocation: Invocation) throws -> HistoryCommand {
        let args = invocation.arguments
        guard let arg = args.first else { return HistoryCommand(last: nil) }
        guard args.count == 1, let n = Int(arg.text), n >= 0 else { throw ShellError("usage: history [N] (the last N lines)") }
        return HistoryCommand(last: n)
    }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        let all = shell.history
        let numbered = all.enumerated().suffix(last ?? all.count)
        let text = numbered.map {
            "\(String($0.offset + 1).leftPad(5))  \(TerminalSafe.escape(shell.client.redactor.redact($0.element)))\n"
        }.joined()
        try await shell.emit(text, pipeline: invocation.pipeline)
        return .ok
    }
}
