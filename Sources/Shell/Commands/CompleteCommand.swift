/// `__complete LINE` (hidden): what TAB would offer for the line, one per line (for scripts
/// and the benchmark).
struct CompleteCommand: ShellCommand {
    static let spec = CommandSpec(name: "__complete", synopsis: "__complete LINE", summary: "what TAB offers for LINE",
                                  isSource: true)

    static func parse(_ invocation: Invocation) throws -> CompleteCommand { CompleteCommand() }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        let text = invocation.arguments.map(\.text).joined(separator: " ")
        let completion = shell.completer(text, text.count)
        shell.output.write(completion.candidates.map(\.display).joined(separator: "\n") + (completion.candidates.isEmpty ? "" : "\n"))
        return .ok
    }
}
