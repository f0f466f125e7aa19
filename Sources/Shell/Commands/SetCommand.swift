/// `set [NAME VALUE]`: show or change the settings.
struct SetCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "set", synopsis: "set [NAME VALUE]", summary: "show or change settings: format, pager, timing, ...",
        examples: [("set format json", "print JSON when no renderer is named"), ("set ttl.clicks 5m", "keep clicks fresh for five minutes")],
        arguments: .setting)

    /// nil: list them.
    let change: (name: String, value: String)?

    static func parse(_ invocation: Invocation) throws -> SetCommand {
        let args = invocation.arguments
        if args.isEmpty { return SetCommand(change: nil) }
        if args.count == 1, case .assignment(let n, let v, _) = args[0].kind { return SetCommand(change: (n, v)) }
        if args.count == 2 { return SetCommand(change: (args[0].text, args[1].text)) }
        throw ShellError("usage: set NAME VALUE (for example: set format json); 'set' alone lists the settings")
    }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        guard let change else {
            let rows = shell.settings.listing
            let width = rows.map(\.name.count).max() ?? 0
            let text = rows.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }.joined(separator: "\n") + "\n"
            try await shell.emit(text, pipeline: invocation.pipeline)
            return .ok
        }
        try shell.changeSetting(change.name, change.value)
        return .ok
    }
}
