import Query
import Records

/// A record as `field  value` lines: one key at a time. At a terminal, values longer than
/// the line (a public key) are cut with `…` so the two columns stay two columns.
struct VerticalView {
    /// The terminal's width, or nil to cut nothing.
    var columns: Int?

    static func nameWidth(of r: Record) -> Int { max(8, r.fields.map { DisplayWidth.of($0) }.max() ?? 0) }

    func render(_ r: Record) -> String {
        let w = VerticalView.nameWidth(of: r)
        return zip(r.fields, r.values).map { line($0.0, $0.1.isNull ? "null" : $0.1.plainText, nameWidth: w) }.joined()
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
