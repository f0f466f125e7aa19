/// `help [COMMAND|STAGE]`.
struct HelpCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "help", synopsis: "help [COMMAND|STAGE]", summary: "this list, or one command or stage with examples",
        examples: [("help where", "the where stage, its operators and case rules")],
        arguments: .topic)

    static func parse(_ invocation: Invocation) throws -> HelpCommand { HelpCommand() }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        let pipeline = invocation.pipeline
        let help = Help(color: shell.terminal.color && pipeline.redirect == nil,
                        width: shell.terminal.stdoutIsTerminal ? shell.terminal.width() : nil, saved: shell.saved.all)
        try await shell.emit(help.text(for: invocation.arguments.first?.text), pipeline: pipeline, prose: true)
        return .ok
    }
}
