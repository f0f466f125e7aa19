/// `__complete LINE` (hidden): what TAB would offer for the line, one per line (for scripts
/// and the benchmark).
struct CompleteCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(name: "__complete", synopsis: "__complete LINE", summary: "what TAB offers for LINE",
                                  isSource: true)

    /// The line to complete, at its end.
    let text: String

    static func parse(_ invocation: Invocation) throws -> CompleteCommand {
        CompleteCommand(text: invocation.arguments.map(\.text).joined(separator: " "))
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let completion = context.completer(text, text.count)
        context.output.write(completion.candidates.map(\.display).joined(separator: "\n") + (completion.candidates.isEmpty ? "" : "\n"))
        return .ok
    }
}
