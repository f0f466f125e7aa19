import Query

/// `set [NAME [VALUE]]`: show or change the settings (see ``Setting/all``).
struct SetCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "set", synopsis: "set [NAME [VALUE]]", summary: "show or change settings: format, pager, timing, ...",
        details: "set alone lists every setting, its value and what it means; set NAME shows one; set NAME VALUE changes it."
            + " Durations read 500ms, 30s, 5m, 2h, 1d (a bare number is seconds).\n"
            + Setting.all.map { "  " + $0.name.padding(toLength: 16, withPad: " ", startingAt: 0) + "  " + $0.meaning }.joined(separator: "\n"),
        examples: [StageExample("set timezone", shows: "the zone times are counted in, and what the setting means", result: .contains("UTC")),
                   StageExample("set format json", shows: "print JSON when no renderer is named", result: .quiet),
                   StageExample("set ttl.clicks 5m", shows: "keep clicks fresh for five minutes", result: .quiet)],
        arguments: .setting)

    enum Action: Equatable {
        /// Every setting, its value and what it means.
        case list
        /// `set NAME`: one setting.
        case show(name: String)
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
            guard case .assignment(let n, let v, _) = args[0].kind else {
                let name = args[0].text
                guard let setting = Setting.named(name) else {
                    var check = Settings()
                    try check.set(name, "")  // says there is no such setting, with the nearest one
                    throw spec.usage("'set' alone lists the settings")
                }
                return SetCommand(action: .show(name: setting.name))
            }
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
            try await context.pipelines.emit(listing(Setting.all, context, invocation.pipeline), pipeline: invocation.pipeline)
        case .show(let name):
            let one = Setting.all.filter { $0.name == name }
            try await context.pipelines.emit(listing(one, context, invocation.pipeline), pipeline: invocation.pipeline)
        case .change(let name, let value):
            try context.changeSetting(name, value)
        }
        return .ok
    }

    /// `name  value  what it means`, a setting a line; at a terminal the meaning is dim and
    /// wraps under itself. To a pipe or a file, the three tab-separated (as tables are).
    private func listing(_ settings: [Setting], _ context: CommandContext, _ pipeline: Pipeline) -> String {
        let rows = settings.map { ($0.name, $0.show(context.settings), $0.meaning) }
        let toTerminal = context.info.stdoutIsTerminal && pipeline.redirect == nil
        guard toTerminal else { return rows.map { "\($0)\t\($1)\t\($2)\n" }.joined() }
        let nameWidth = rows.map(\.0.count).max() ?? 0
        // A long value (geoip's files) does not widen the column: its meaning starts after it.
        let valueWidth = rows.map(\.1.count).filter { $0 <= 16 }.max() ?? 0
        let help = Help(color: context.info.color && toTerminal, width: toTerminal ? context.info.width() : nil)
        return rows.map { name, value, meaning in
            let head = name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + value.padding(toLength: max(valueWidth, value.count), withPad: " ", startingAt: 0) + "  "
            return help.hanging(head, meaning, dimmed: true)
        }.joined(separator: "\n") + "\n"
    }
}
