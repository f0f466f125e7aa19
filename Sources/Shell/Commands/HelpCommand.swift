import Query
import Records

/// `help [COMMAND|STAGE]`.
struct HelpCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "help", synopsis: "help [COMMAND|STAGE]", summary: "this list, or one command or stage with examples",
        examples: [StageExample("help where", shows: "the where stage, its operators and case rules", result: .contains("where EXPR"))],
        arguments: .topic)

    /// The command or stage asked about; nil for the list of them.
    let topic: String?

    static func parse(_ invocation: Invocation) throws -> HelpCommand {
        let args = invocation.arguments
        // `help keys add`: a subcommand's help is its command's.
        if args.count == 2, let command = CommandCatalog.named(args[0].text), command.subcommand(args[1].text) != nil {
            return HelpCommand(topic: args[0].text)
        }
        guard args.count <= 1 else { throw spec.usage("one topic at a time") }
        return HelpCommand(topic: args.first?.text)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let pipeline = invocation.pipeline
        let help = Help(color: context.info.color && pipeline.redirect == nil,
                        width: context.info.stdoutIsTerminal ? context.info.width() : nil, saved: context.saved.all)
        try await context.pipelines.emit(help.text(for: topic), pipeline: pipeline, prose: true)
        return .ok
    }
}

/// The text of `help`, `help COMMAND`, `help STAGE`: written from the command and stage
/// catalogues, the same lists that the parser, completion and "did you mean" use.
struct Help {
    let color: Bool
    /// The terminal's width: prose is wrapped to it (at most 100 columns). nil: 100.
    var width: Int? = nil
    /// The user's saved queries: listed after the stages, and topics of their own.
    var saved: [SavedQuery] = []

    /// Wraps `line` at spaces to the width, continuing with the line's own indentation.
    func wrap(_ line: Substring) -> String {
        let limit = min(width ?? 100, 100)
        guard line.count > limit else { return String(line) }
        let indent = String(line.prefix { $0 == " " })
        var out: [String] = []
        var current = ""
        for word in line.dropFirst(indent.count).split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty, (indent + current).count + 1 + word.count > limit {
                out.append(indent + current)
                current = String(word)
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        out.append(indent + current)
        return out.joined(separator: "\n")
    }

    private func bold(_ s: String) -> String { color ? Style.bold(s) : s }
    private func dim(_ s: String) -> String { color ? Style.dim(s) : s }
    private func example(_ s: String) -> String { color ? Style.cyan(s) : s }

    func text(for topic: String?) throws -> String {
        guard let topic else { return overview() }
        if let spec = CommandCatalog.named(topic) { return command(spec) }
        if let stage = StageCatalog.all.first(where: { $0.name == topic }) { return self.stage(stage) }
        if let query = saved.first(where: { $0.name == topic }) { return self.saved(query) }
        let names = CommandCatalog.names + StageCatalog.all.map { $0.name } + saved.map(\.name)
        let hint = Suggest.nearest(topic, among: names).map { " (did you mean '\($0)'?)" } ?? ""
        throw ShellError("no help on '\(TerminalSafe.escape(topic))'\(hint); 'help' lists the topics")
    }

    private func overview() -> String {
        var out = bold("Commands") + dim("  (a command, then | stages, then > FILE if you like)") + "\n"
        let w = max(CommandCatalog.all.map { $0.synopsis.count }.max() ?? 0, 24)
        for c in CommandCatalog.all {
            out += "  " + c.synopsis.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + c.summary + "\n"
        }
        out += "\n" + bold("Stages") + "\n"
        let sw = StageCatalog.all.map { $0.synopsis.count }.max() ?? 0
        for s in StageCatalog.all {
            out += "  " + s.synopsis.padding(toLength: sw, withPad: " ", startingAt: 0) + "  " + s.summary + "\n"
        }
        if !saved.isEmpty {
            out += "\n" + bold("Saved") + dim("  (yours: save NAME LINE)") + "\n"
            let uses = saved.map { $0.isStage ? "| " + $0.usage : $0.usage }
            let qw = uses.map(\.count).max() ?? 0
            for (use, q) in zip(uses, saved) {
                out += "  " + use.padding(toLength: qw, withPad: " ", startingAt: 0) + "  " + TerminalSafe.escape(q.line) + "\n"
            }
        }
        out += "\n" + bold("Try") + "\n"
        for line in ["clicks | where port=6260 | count",
                     "clicks | where timestamp > -7d | group source_ip | first 5",
                     "sessions | where local_port=22 | select port,server,key.name",
                     "keys | where name ~ pi | select id,name"] {
            out += "  " + example(line) + "\n"
        }
        out += "\n" + dim("help COMMAND or help STAGE for details; TAB completes; Ctrl-C cancels; Ctrl-D leaves.") + "\n"
        return out
    }

    /// A saved query: how it is used, its line, its parameters.
    private func saved(_ q: SavedQuery) -> String {
        let use = q.isStage ? "COMMAND | " + q.usage : q.usage
        var out = bold(use) + "\n  saved query: " + example(TerminalSafe.escape(q.line)) + "\n"
        if !q.parameters.isEmpty {
            let given = q.parameters.map { Int($0) != nil ? "$\($0)" : "$\($0) (or \($0)=VALUE)" }
            out += "\n" + wrap(Substring("  Arguments fill " + given.joined(separator: ", ") + " in order; each is one value, quoted as the language quotes it.")) + "\n"
        }
        out += "\n" + dim("  save \(q.name) LINE replaces it; saved rm \(q.name) forgets it.") + "\n"
        return out
    }

    private func command(_ c: CommandSpec) -> String {
        page(synopsis: c.synopsis, summary: c.summary, also: c.aliases, details: c.fullDetails,
             examples: c.examples.map { ($0.line, $0.showsWithResult) })
    }

    private func stage(_ s: any Stage.Type) -> String {
        page(synopsis: s.synopsis, summary: s.summary, also: [], details: s.help,
             examples: s.examples.map { ($0.line, $0.showsWithResult) })
    }

    /// One topic: synopsis, summary, details, then examples to try.
    private func page(synopsis: String, summary: String, also: [String], details: String,
                      examples: [(line: String, says: String)]) -> String {
        var out = bold(synopsis) + "\n  " + summary + "\n"
        if !also.isEmpty { out += "  also: " + also.joined(separator: ", ") + "\n" }
        if !details.isEmpty {
            out += "\n" + details.split(separator: "\n", omittingEmptySubsequences: false).map { wrap("  " + $0) }.joined(separator: "\n") + "\n"
        }
        if !examples.isEmpty {
            out += "\n" + bold("Examples") + "\n"
            for e in examples { out += "  " + example(e.line) + "\n    " + dim(e.says) + "\n" }
        }
        return out
    }
}
