import Query
import Records

/// `help [COMMAND|STAGE]`.
struct HelpCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "help", synopsis: "help [COMMAND|STAGE|keyboard]", summary: "this list, one command or stage with examples, or the keys at the prompt",
        examples: [StageExample("help where", shows: "the where stage, its operators and case rules", result: .contains("where EXPR")),
                   StageExample("help keyboard", shows: "the keys at the prompt: TAB, Ctrl-R, Ctrl-C, ...", result: .contains("Ctrl-R"))],
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

/// The text of `help`, `help COMMAND`, `help STAGE`, `help keyboard`: written from the
/// command and stage catalogues, the same lists that the parser, completion and "did you
/// mean" use.
struct Help {
    let color: Bool
    /// The terminal's width: prose is wrapped to it (at most 100 columns). nil: 100.
    var width: Int? = nil
    /// The user's saved queries: listed after the stages, and topics of their own.
    var saved: [SavedQuery] = []

    /// Topics that are neither a command nor a stage.
    static let topics = ["keyboard"]

    private var limit: Int { min(width ?? 100, 100) }

    /// Wraps `line` at spaces to the width, continuing with the line's own indentation.
    func wrap(_ line: Substring) -> String {
        guard line.count > limit else { return String(line) }
        let indent = String(line.prefix { $0 == " " })
        return words(line.dropFirst(indent.count), width: limit - indent.count).map { indent + $0 }.joined(separator: "\n")
    }

    /// `text`'s words in lines of at most `width` characters (a longer word alone on its line).
    private func words(_ text: Substring, width: Int) -> [String] {
        var out: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty, current.count + 1 + word.count > width {
                out.append(current)
                current = String(word)
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        out.append(current)
        return out
    }

    /// `head` then `text`, wrapped so that its lines continue under its first (dim at a
    /// terminal when `dimmed`); below `head` when that leaves too little room.
    func hanging(_ head: String, _ text: String, dimmed: Bool = false) -> String {
        let style = { (line: String) in dimmed ? self.dim(line) : line }
        let room = limit - head.count
        guard room >= 24 else {
            return head.trimmingCharacters(in: .whitespaces) + "\n" + words(Substring(text), width: limit - 4).map { "    " + style($0) }.joined(separator: "\n")
        }
        let lines = words(Substring(text), width: room)
        let pad = String(repeating: " ", count: head.count)
        return lines.enumerated().map { i, line in (i == 0 ? head : pad) + style(line) }.joined(separator: "\n")
    }

    /// `text` indented by `indent` and wrapped, dim at a terminal.
    private func dimWrapped(_ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return words(Substring(text), width: limit - indent).map { pad + dim($0) }.joined(separator: "\n")
    }

    /// Prose as written in the catalogues (lines broken near 90 columns) joined into
    /// paragraphs and wrapped to the width, so that lines break between phrases, not after
    /// a word or two. A line with a run of spaces in it is laid out by hand (a table, a list
    /// of operators) and stays a line of its own; a blank line or a change of indentation
    /// starts a new paragraph, as does a line that opens with `Word:`.
    func reflow(_ text: String) -> String {
        var out: [String] = []
        var paragraph: (indent: String, text: String)?
        func flush() {
            if let p = paragraph { out.append(wrap(Substring(p.indent + p.text))) }
            paragraph = nil
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = String(raw.prefix { $0 == " " })
            let body = String(raw.dropFirst(indent.count))
            let laidOut = body.contains("  ")
            let opensSection = body.firstMatch(of: /^[A-Z][a-z]+:\s/) != nil
            if body.isEmpty || laidOut || opensSection || paragraph?.indent != indent { flush() }
            if body.isEmpty {
                out.append("")
            } else if laidOut {
                out.append(wrapLaidOut(String(raw)))
            } else if let p = paragraph {
                paragraph = (p.indent, p.text + " " + body)
            } else {
                paragraph = (indent, body)
            }
        }
        flush()
        return out.joined(separator: "\n")
    }

    /// A line laid out in columns (`keys add ...   create a key`), wrapped so that its last
    /// column continues under itself.
    private func wrapLaidOut(_ line: String) -> String {
        guard line.count > limit, let gap = line.ranges(of: /\s\s+/).last(where: { line[..<$0.lowerBound].contains { $0 != " " } }),
              line.distance(from: line.startIndex, to: gap.upperBound) <= limit - 24
        else { return wrap(Substring(line)) }
        return hanging(String(line[..<gap.upperBound]), String(line[gap.upperBound...]))
    }

    private func bold(_ s: String) -> String { color ? Style.bold(s) : s }
    private func dim(_ s: String) -> String { color ? Style.dim(s) : s }
    private func example(_ s: String) -> String { color ? Style.cyan(s) : s }

    func text(for topic: String?) throws -> String {
        guard let topic else { return overview() }
        if topic == "keyboard" { return keyboard() }
        if let spec = CommandCatalog.named(topic) { return command(spec) }
        if let stage = StageCatalog.all.first(where: { $0.name == topic }) { return self.stage(stage) }
        if let query = saved.first(where: { $0.name == topic }) { return self.saved(query) }
        let names = CommandCatalog.names + StageCatalog.all.map { $0.name } + Help.topics + saved.map(\.name)
        let hint = Suggest.nearest(topic, among: names).map { " (did you mean '\($0)'?)" } ?? ""
        throw ShellError("no help on '\(TerminalSafe.escape(topic))'\(hint); 'help' lists the topics")
    }

    private func overview() -> String {
        var out = bold("Commands") + dim("  (a command, then | stages, then > FILE if you like)") + "\n"
        let w = max(CommandCatalog.all.map { $0.synopsis.count }.max() ?? 0, 24)
        for c in CommandCatalog.all {
            out += hanging("  " + c.synopsis.padding(toLength: w, withPad: " ", startingAt: 0) + "  ", c.summary) + "\n"
        }
        out += "\n" + bold("Stages") + "\n"
        let sw = StageCatalog.all.map { $0.synopsis.count }.max() ?? 0
        for s in StageCatalog.all {
            out += hanging("  " + s.synopsis.padding(toLength: sw, withPad: " ", startingAt: 0) + "  ", s.summary) + "\n"
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
        out += "\n" + dimWrapped("help COMMAND or help STAGE for details, help keyboard for the keys. TAB completes; Ctrl-C cancels; Ctrl-D leaves.", indent: 0) + "\n"
        return out
    }

    /// `help keyboard`: the keys at the prompt.
    private func keyboard() -> String {
        var out = bold("Keys at the prompt") + dim("  (emacs keys; 'bind -v' in ~/.editrc for vi's)") + "\n"
        let w = KeyBinding.all.map(\.keys.count).max() ?? 0
        for binding in KeyBinding.all {
            out += hanging("  " + binding.keys.padding(toLength: w, withPad: " ", startingAt: 0) + "  ", binding.does) + "\n"
        }
        out += "\n" + reflow("""
            While a command runs, Ctrl-C cancels it (its requests too) and the prompt comes back; \
            what was fetched stays cached. Output taller than the screen goes through $PAGER \
            (less: q leaves it, the arrows scroll, / searches). Lines in ~/.editrc change the \
            keys: 'opsh:bind ^U vi-kill-line-prev' (see editrc(5)).
            """) + "\n"
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
        var out = bold(synopsis) + "\n" + wrap(Substring("  " + summary)) + "\n"
        if !also.isEmpty { out += "  also: " + also.joined(separator: ", ") + "\n" }
        if !details.isEmpty {
            out += "\n" + reflow(details.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")) + "\n"
        }
        if !examples.isEmpty {
            out += "\n" + bold("Examples") + "\n"
            for e in examples { out += "  " + example(e.line) + "\n" + dimWrapped(e.says, indent: 4) + "\n" }
        }
        return out
    }
}

/// A key at the prompt and what it does, for `help keyboard`: libedit's emacs keys and the
/// ones opsh binds (TAB, Ctrl-C, Ctrl-R).
struct KeyBinding {
    let keys: String
    let does: String

    static let all = [
        KeyBinding(keys: "TAB", does: "complete what fits at the cursor: commands, stages, fields, values, key names, files; when several fit, a list (a second TAB does not repeat it)"),
        KeyBinding(keys: "Enter", does: "run the line"),
        KeyBinding(keys: "Ctrl-C", does: "drop the line; while a command runs, cancel it"),
        KeyBinding(keys: "Ctrl-D", does: "leave opsh (on an empty line); else delete the character under the cursor"),
        KeyBinding(keys: "Up, Down", does: "the previous and the next line of history (also Ctrl-P, Ctrl-N)"),
        KeyBinding(keys: "Ctrl-R", does: "search history backwards as you type; Enter runs what it found, Ctrl-R again goes further back"),
        KeyBinding(keys: "Left, Right", does: "move a character (also Ctrl-B, Ctrl-F)"),
        KeyBinding(keys: "Alt-B, Alt-F", does: "move a word back, forward"),
        KeyBinding(keys: "Ctrl-A, Ctrl-E", does: "go to the start, the end of the line (also Home, End)"),
        KeyBinding(keys: "Right, End", does: "at the end of the line, take the dimmed suggestion from history (Alt-Right: its next word)"),
        KeyBinding(keys: "Ctrl-K", does: "delete from the cursor to the end of the line (Ctrl-Y puts it back)"),
        KeyBinding(keys: "Ctrl-U", does: "delete the whole line"),
        KeyBinding(keys: "Ctrl-W", does: "delete the word before the cursor (Alt-Backspace too)"),
        KeyBinding(keys: "Ctrl-L", does: "clear the screen (so does the command clear)"),
        KeyBinding(keys: "Ctrl-X Ctrl-E", does: "edit the line in $EDITOR; what the file holds when the editor exits runs"),
    ]
}
