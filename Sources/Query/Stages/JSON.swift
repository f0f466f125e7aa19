import Records

/// `json`: one JSON array of the records.
public struct JSON: Stage, FormatStage, Equatable {
    public static let name = "json"
    public static let synopsis = "json"
    public static let summary = "write records as one JSON array"
    public static let help = """
        Writes the records as one valid JSON array, fields in the server's order,
        timestamps as the server wrote them. Indented on a terminal, compact otherwise
        (the shell decides). A single value (after count) is written as itself.
        """
    public static let examples = [StageExample("keys | json", shows: "every key as JSON", result: .rows(1044))]
    public static let kind = StageKind.renderer

    public init() {}
    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> JSON { JSON() }
    public var description: String { "json" }

    func makeWriter(_ options: RenderOptions) -> any TextWriter { JSONWriterStep(pretty: options.prettyJSON) }
}

final class JSONWriterStep: TextWriter {
    let pretty: Bool
    var written = 0
    init(pretty: Bool) { self.pretty = pretty }

    func take(_ rows: [Record]) -> String {
        var out = ""
        for row in rows {
            out += written == 0 ? "[" : ","
            if pretty {
                out += "\n  " + JSONWriter.pretty(.object(row)).replacingAll("\n", with: "\n  ")
            } else {
                out += JSONWriter.string(.object(row))
            }
            written += 1
        }
        return out
    }

    func finish() -> String { written == 0 ? "[]\n" : pretty ? "\n]\n" : "]\n" }

    func value(_ value: Value) -> String {
        (pretty ? JSONWriter.pretty(value) : JSONWriter.string(value)) + "\n"
    }
}

extension String {
    /// Every `target` replaced (JSON text never holds a raw newline inside a string).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
