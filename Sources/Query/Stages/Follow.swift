import Records

/// `follow [--for DURATION]`: prints rows as they arrive, until Ctrl-C (the shell runs it).
public struct Follow: Stage, RendererStage, Equatable {
    public static let name = "follow"
    public static let synopsis = "follow [--for DURATION]"
    public static let summary = "print new clicks (or sessions that come and go) as they arrive"
    public static let help = """
        Watches the list and prints what is new, as it arrives, one line per record:
        clicks that match the stages before it (only where and select may stand there), or
        sessions as they appear (+) and disappear (-). It asks the server every
        'set follow.interval' (5s), fetching only the new clicks when their order and
        overlap prove that is enough, so no click is printed twice or skipped.
        Ctrl-C stops it and keeps the cache; --for 10m stops after that long (for scripts).
        """
    public static let examples = [
        StageExample("clicks | where port=6260 | follow", shows: "port 6260's clicks as they come", result: .live),
        StageExample("sessions | follow --for 1h", shows: "sessions that start or end in the next hour", result: .live),
    ]
    public static let kind = StageKind.renderer

    /// How long to follow; nil until Ctrl-C.
    public var duration: Duration?

    public init(for duration: Duration? = nil) { self.duration = duration }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Follow {
        let token = try arguments.parser.peek()
        guard token.kind == .word, token.text == "--for" else { return Follow() }
        _ = try arguments.parser.next()
        let value = try arguments.parser.peek()
        guard value.kind == .word, let duration = DurationText.duration(value.text), duration > .zero else {
            throw QueryError("follow --for needs a duration like \(DurationText.examples)", at: value.range)
        }
        _ = try arguments.parser.next()
        return Follow(for: duration)
    }

    public var description: String { duration.map { "follow --for \(DurationText.describe($0))" } ?? "follow" }

    /// Stages that may stand before it: they treat each record alone.
    public static let before: Set<String> = ["where", "select"]

    func makeWriter(_ options: RenderOptions) -> any TextWriter { FollowLineWriter() }
}

final class FollowLineWriter: TextWriter {
    func take(_ rows: [Record]) -> String { rows.map { FollowLine.line($0) + "\n" }.joined() }
    func finish() -> String { "" }
    func value(_ value: Value) -> String { TerminalSafe.escape(value.plainText) + "\n" }
}

/// One line per record, `field=value` pairs (values in quotes when they hold blanks),
/// control characters escaped: what `follow` prints.
public enum FollowLine {
    public static func line(_ r: Record) -> String {
        zip(r.fields, r.values).map { name, value in
            let text = value.isNull ? "null" : value.plainText
            let shown = text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) || text.isEmpty
                ? Quoting.doubleQuoted(text) : TerminalSafe.escape(text)
            return TerminalSafe.escape(name) + "=" + shown
        }.joined(separator: " ")
    }
}
