import Records

/// `table`: an aligned table that fits the terminal.
public struct Table: Stage, FormatStage, Equatable {
    public static let name = "table"
    public static let synopsis = "table"
    public static let summary = "show records as an aligned table (the default)"
    public static let help = """
        Shows records as a table: a header, a separator line, a line per record. Numbers are
        right-aligned; null shows as null (dim in colour); a field a record lacks is blank.
        Long cells are cut with … so that each line fits the terminal. Control characters in
        the data are shown escaped (\\e, \\n, \\x7f), never sent to the terminal.
        A single value (after count) shows as just the value.
        """
    public static let examples = [
        StageExample("clicks | first 3 | table", shows: "three clicks as a table", result: .rows(3)),
        StageExample("clicks | count | table", shows: "just the number", result: .value("178268")),
    ]
    public static let kind = StageKind.renderer

    public init() {}
    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Table { Table() }
    public var description: String { "table" }

    func makeWriter(_ options: RenderOptions) -> any TextWriter { TableWriterStep(options) }
}

final class TableWriterStep: TextWriter {
    let options: RenderOptions
    var rows: [Record] = []
    init(_ options: RenderOptions) { self.options = options }

    func take(_ rows: [Record]) -> String {
        self.rows.append(contentsOf: rows)
        return ""
    }

    func finish() -> String { TableRenderer.render(rows, options: options) }

    func value(_ value: Value) -> String { self.value(value, field: nil) }

    func value(_ value: Value, field: String?) -> String {
        let text = TerminalSafe.escape(CellText.text(value, field: field, options: options))
        return (value.isNull && options.color ? "\u{1B}[2mnull\u{1B}[0m" : text) + "\n"
    }
}
