import Records

/// `csv`: RFC 4180 comma-separated values.
public struct CSV: Stage, FormatStage, Equatable {
    public static let name = "csv"
    public static let synopsis = "csv"
    public static let summary = "write records as CSV (RFC 4180)"
    public static let help = """
        Writes a header row of the first record's fields, then a row per record, lines
        ending in CRLF as RFC 4180 says. Fields holding a comma, a double quote, CR or LF
        are quoted, quotes doubled. Null and missing fields are empty; lists and objects are
        JSON. Fields a later record adds are left out.
        """
    public static let examples = [
        StageExample("clicks | select port,source_ip | csv", shows: "two columns as CSV", result: .rows(178_268)),
    ]
    public static let kind = StageKind.renderer

    public init() {}
    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> CSV { CSV() }
    public var description: String { "csv" }

    func makeWriter(_ options: RenderOptions) -> any TextWriter { CSVWriterStep(escapeControls: options.escapeControls) }
}

final class CSVWriterStep: TextWriter {
    let escapeControls: Bool
    var columns: [String]?
    var positions: (schema: Schema, map: [Int?])?

    init(escapeControls: Bool) { self.escapeControls = escapeControls }

    func take(_ rows: [Record]) -> String {
        var out = ""
        for row in rows {
            if columns == nil {
                columns = row.fields
                out += row.fields.map(field).joined(separator: ",") + "\r\n"
            }
            if positions?.schema !== row.schema {
                positions = (row.schema, columns!.map { row.schema.position(of: $0) })
            }
            out += positions!.map.map { position in
                guard let position else { return "" }
                let value = row[position: position]
                return value.isNull ? "" : field(value.plainText)
            }.joined(separator: ",")
            out += "\r\n"
        }
        return out
    }

    func finish() -> String { "" }

    func value(_ value: Value) -> String { (value.isNull ? "" : field(value.plainText)) + "\r\n" }

    /// One field, quoted when it holds `,` `"` CR or LF.
    func field(_ raw: String) -> String {
        let text = escapeControls ? Self.escapeKeepingLineBreaks(raw) : raw
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else { return text }
        var out = "\""
        for c in text.unicodeScalars {
            if c == "\"" { out += "\"\"" } else { out.unicodeScalars.append(c) }
        }
        return out + "\""
    }

    /// Controls escaped, except CR and LF, which CSV quoting carries.
    static func escapeKeepingLineBreaks(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { TerminalSafe.needsEscape($0) && $0 != "\n" && $0 != "\r" }) else { return s }
        return s.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: "\r", omittingEmptySubsequences: false).map { TerminalSafe.escape(String($0)) }.joined(separator: "\r")
        }.joined(separator: "\n")
    }
}
