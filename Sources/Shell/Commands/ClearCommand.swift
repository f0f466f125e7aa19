import Query

/// `clear`: clears the screen, as the shell's own `clear` does (Ctrl-L too).
struct ClearCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(name: "clear", synopsis: "clear", summary: "clear the screen (Ctrl-L too)",
                                  examples: [StageExample("clear", shows: "an empty screen with the prompt at the top", result: .quiet)])

    static func parse(_ invocation: Invocation) throws -> ClearCommand {
        try invocation.expectNoArguments()
        return ClearCommand()
    }

    /// Nothing when output is not a terminal: a script's output gets no escape codes.
    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        if context.info.stdoutIsTerminal { context.output.write(Style.homeAndClear) }
        return .ok
    }
}
