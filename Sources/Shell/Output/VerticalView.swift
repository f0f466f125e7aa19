import Query
import Records

/// A record as `field  value` lines: one key at a time, each value as a table cell shows it
/// (``CellText``: times in the zone, bytes readable at a terminal). At a terminal, values
/// longer than the line (a public key) are cut with `…` so the two columns stay two columns.
struct VerticalView {
    /// The terminal's width, or nil to cut nothing.
    var columns: Int?
    /// How values are shown: the zone, and whether numbers are made readable.
    var options = RenderOptions()

    /// As a command shows a record: cut to the terminal's width, values in the line's zone.
    init(for context: CommandContext) {
        let terminal = context.info.stdoutIsTerminal
        columns = terminal ? context.info.width() : nil
        options = RenderOptions(zone: context.settings.zone, readableNumbers: terminal)
    }

    init(columns: Int?) { self.columns = columns }

    static func nameWidth(of r: Record) -> Int { max(8, r.fields.map { DisplayWidth.of($0) }.max() ?? 0) }

    func render(_ r: Record) -> String {
        let w = VerticalView.nameWidth(of: r)
        return zip(r.fields, r.values).map { name, value in
            line(name, value.isNull ? "null" : CellText.text(value, field: name, options: options), nameWidth: w)
        }.joined()
    }

    func line(_ name: String, _ value: String, nameWidth: Int) -> String {
        let n = TerminalSafe.escape(name)
        var v = TerminalSafe.escape(value)
        if let columns, columns > nameWidth + 4, DisplayWidth.of(v) > columns - nameWidth - 2 {
            v = TableRenderer.cut(v, to: columns - nameWidth - 2).0
        }
        return n + String(repeating: " ", count: max(0, nameWidth - DisplayWidth.of(n))) + "  " + v + "\n"
    }
}
