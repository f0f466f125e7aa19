/// `exit [STATUS]`.
struct ExitCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(name: "exit", aliases: ["quit"], synopsis: "exit [STATUS]",
                                  summary: "leave opsh, with an exit status if given (Ctrl-D works too)")

    let status: Int32?

    static func parse(_ invocation: Invocation) throws -> ExitCommand {
        let args = invocation.arguments
        guard let arg = args.first else { return ExitCommand(status: nil) }
        guard args.count == 1, let status = Int32(arg.text), (0...255).contains(status) else {
            throw spec.usage("a number from 0 to 255")
        }
        return ExitCommand(status: status)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome { .exit(status) }
}
