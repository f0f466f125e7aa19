import Query

/// `set [NAME VALUE]`: show or change the settings (see ``Setting/all``).
struct SetCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "set", synopsis: "set [NAME VALUE]", summary: "show or change settings: format, pager, timing, ...",
        details: "Durations read 500ms, 30s, 5m, 2h, 1d (a bare number is seconds).\n"
            + Setting.all.map { "  " + $0.name.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + $0.meaning }.joined(separator: "\n"),
        examples: [StageExample("set format json", shows: "print JSON when no renderer is named", result: .quiet),
                   StageExample("set ttl.clicks 5m", shows: "keep clicks fresh for five minutes", result: .quiet)],
        arguments: .setting)

    enum Action: Equatable {
        /// Every setting and its value.
        case list
        /// `set NAME VALUE` (or `NAME=VALUE`).
        case change(name: String, value: String)
    }

    let action: Action

    static func parse(_ invocation: Invocation) throws -> SetCommand {
        let args = invocation.arguments
        let change: (String, String)
        switch args.count {
        case 0: return SetCommand(action: .list)
        case 1:
            guard case .assignment(let n, let v, _) = args[0].kind else { throw spec.usage("'set' alone lists the settings") }
            change = (n, v)
        case 2: change = (args[0].text, args[1].text)
        default: throw spec.usage("'set' alone lists the settings")
        }
        // The name and the value are checked now; the change is made when the line runs.
        var check = Settings()
        try check.set(change.0, change.1)
        return SetCommand(action: .change(name: change.0, value: change.1))
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        switch action {
        case .list:
            let rows = context.settings.listing
            let width = rows.map(\.name.count).max() ?? 0
            let text = rows.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }.joined(separator: "\n") + "\n"
            try await context.pipelines.emit(text, pipeline: invocation.pipeline)
        case .change(let name, let value):
            try context.changeSetting(name, value)
        }
        return .ok
    }
}
