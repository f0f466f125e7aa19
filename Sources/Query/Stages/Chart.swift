import Foundation
import Records

/// `chart`: horizontal bars for records of one label and one number (what `group` gives).
public struct Chart: Stage, RendererStage, Equatable {
    public static let name = "chart"
    public static let synopsis = "chart"
    public static let summary = "draw a bar chart of labels and numbers (after group)"
    public static let help = """
        Draws one bar per record, for records of a label and a number, as group gives (or
        select LABEL,NUMBER): the label, a bar as long as its share of the largest value (in
        eighths of a character), the value, and its share of the total. Fits the terminal's
        width; labels are cut with … and control characters in them are shown escaped.
        Records of more fields, or without a number, are an error that says so; so is a
        chart after count, sum, avg, min or max (one value, no bars).
        After group F by UNIT, a first line draws the whole series as a sparkline, with the
        total (the null bucket included, as in the shares), the least and the most.
        Plain ASCII (# bars) when the output cannot show Unicode (set charset ascii, or a
        locale that is not UTF-8). The bars are coloured only at a terminal without NO_COLOR.
        """
    public static let examples = [
        StageExample("clicks | group port | first 10 | chart", shows: "the 10 busiest ports as bars", result: .rows(10)),
        StageExample("clicks | where port=6260 | group timestamp by month | chart", shows: "port 6260's clicks per month, with a sparkline", result: .rows(25)),
    ]
    public static let kind = StageKind.renderer

    /// Where `chart` was written, for an error about the records it got.
    var range: Range<Int>

    public init() { range = 0..<0 }
    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Chart {
        var chart = Chart()
        chart.range = arguments.nameRange
        return chart
    }
    public var description: String { "chart" }
    /// Every chart is the same stage wherever it was written.
    public static func == (a: Chart, b: Chart) -> Bool { true }

    func makeWriter(_ options: RenderOptions) -> any TextWriter { ChartWriterStep(options, range: range) }
}

final class ChartWriterStep: TextWriter {
    let options: RenderOptions
    let range: Range<Int>
    var rows: [Record] = []

    init(_ options: RenderOptions, range: Range<Int> = 0..<0) {
        self.options = options
        self.range = range
    }

    func take(_ rows: [Record]) -> String {
        self.rows.append(contentsOf: rows)
        return ""
    }

    func value(_ value: Value) -> String { TerminalSafe.escape(value.plainText) + "\n" }

    func finish() throws(QueryError) -> String {
        guard let first = rows.first else { return "" }
        // A label and a number (the last numeric field), or a number alone.
        let fields = first.fields
        let listed = fields.count > 4 ? fields.prefix(3).joined(separator: ", ") + ", …" : fields.joined(separator: ", ")
        guard fields.count <= 2 else {
            throw QueryError("chart draws a label and a number per record, as group gives; these records have \(fields.count) fields (\(TerminalSafe.escape(listed))): keep two with select LABEL,NUMBER, or count them with group FIELD before chart",
                             at: range)
        }
        guard let numberField = fields.last(where: { first[$0].number != nil }) else {
            throw QueryError("chart needs a number in each record, and \(TerminalSafe.escape(listed)) holds none; try ... | group FIELD | chart",
                             at: range)
        }
        let labelField = fields.first { $0 != numberField }
        let items: [(label: String, value: Double, shown: String)] = rows.map { r in
            let label = labelField.map { r[$0].isNull ? "null" : TerminalSafe.escape(CellText.text(r[$0], field: $0, options: options)) } ?? ""
            let v = r[numberField]
            return (label, v.number ?? 0, v.isNull ? "null" : CellText.text(v, field: numberField, options: options))
        }
        // The series' sparkline leaves out the records whose time was null (counted last).
        let timed = rows.map { r in labelField.map { !r[$0].isNull } ?? true }
        return ChartDrawing(options: options).draw(items, labelHeader: labelField.map(TerminalSafe.escape),
                                                   series: labelField.map(ChartDrawing.isTimeSeries) ?? false, timed: timed)
    }
}

/// The drawing itself: pure, given the items and the width.
struct ChartDrawing {
    let options: RenderOptions

    static let eighths: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
    static let sparks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiSparks: [Character] = ["_", ".", "-", ":", "=", "+", "*", "#"]

    /// A `group F by UNIT` column: `day (UTC)`.
    static func isTimeSeries(_ column: String) -> Bool {
        TimeUnit.allCases.contains { column.hasPrefix($0.rawValue + " (") && column.hasSuffix(")") }
    }

    func draw(_ items: [(label: String, value: Double, shown: String)], labelHeader: String?, series: Bool,
              timed: [Bool]? = nil) -> String {
        let width = max(options.width ?? 80, 30)
        let total = items.reduce(0) { $0 + max($1.value, 0) }
        let most = items.map(\.value).max() ?? 0
        let shares = items.map { total > 0 ? String(format: "%.1f%%", 100 * max($0.value, 0) / total) : "" }
        let valueWidth = items.map { DisplayWidth.of($0.shown) }.max() ?? 1
        let shareWidth = shares.map(\.count).max() ?? 0
        // Labels get what they need, up to a third of the line.
        let labelWidth = min(items.map { DisplayWidth.of($0.label) }.max() ?? 0, width / 3)
        let barWidth = max(4, width - labelWidth - valueWidth - shareWidth - 4)
        var out = ""
        if series, !items.isEmpty {
            let points = zip(items, timed ?? items.map { _ in true }).filter(\.1).map(\.0.value)
            // The total is the shares' total: the records without a time (null) are in it, and said.
            let untimed = zip(items, timed ?? items.map { _ in true }).filter { !$0.1 }.reduce(0) { $0 + max($1.0.value, 0) }
            if !points.isEmpty { out += sparkline(points, width: width, total: total, untimed: untimed) + "\n" }
        }
        for (item, share) in zip(items, shares) {
            let fits = DisplayWidth.of(item.label) <= labelWidth
            let (label, used) = fits ? (item.label, DisplayWidth.of(item.label)) : TableRenderer.cut(item.label, to: labelWidth)
            let bar = self.bar(most > 0 ? max(item.value, 0) / most : 0, width: barWidth)
            let coloured = options.color ? "\u{1B}[36m" + bar + "\u{1B}[0m" : bar
            out += label + String(repeating: " ", count: max(0, labelWidth - used)) + " " + coloured
                + String(repeating: " ", count: barWidth - bar.count + 1)
                + String(repeating: " ", count: valueWidth - DisplayWidth.of(item.shown)) + item.shown
                + " " + String(repeating: " ", count: shareWidth - share.count) + share + "\n"
        }
        return out
    }

    /// A bar of `fraction` × `width` characters, in eighths (or `#` in ASCII).
    func bar(_ fraction: Double, width: Int) -> String {
        let eighths = Int((fraction * Double(width) * 8).rounded())
        if options.ascii { return String(repeating: "#", count: (eighths + 4) / 8) }
        var out = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { out.append(Self.eighths[eighths % 8]) }
        return out
    }

    /// `▁▂▅█▃  total 1,234 · least 0 · most 97 · null 12`, the series squeezed into the width;
    /// `total` counts the records whose time is null too (`untimed` of them), as the shares do.
    func sparkline(_ values: [Double], width: Int, total: Double? = nil, untimed: Double = 0) -> String {
        let marks = options.ascii ? Self.asciiSparks : Self.sparks
        let least = values.min() ?? 0
        let most = values.max() ?? 0
        func number(_ d: Double) -> String {
            d == d.rounded() && abs(d) < 1e15 ? DigitGroups.text(Int(d)) : String(format: "%.2f", d)
        }
        let summary = "  total \(number(total ?? values.reduce(0, +))) · least \(number(least)) · most \(number(most))"
            + (untimed > 0 ? " · null \(number(untimed))" : "")
        let room = max(8, width - DisplayWidth.of(summary))
        // More values than room: each mark stands for the mean of its run.
        let per = max(1, (values.count + room - 1) / room)
        var line = ""
        for start in stride(from: 0, to: values.count, by: per) {
            let run = values[start..<min(values.count, start + per)]
            let v = run.reduce(0, +) / Double(run.count)
            let level = most > least ? Int(((v - least) / (most - least) * Double(marks.count - 1)).rounded()) : 0
            line.append(marks[max(0, min(marks.count - 1, level))])
        }
        return line + summary
    }
}

/// Thousands separators, as charts, progress lines and counts show them: 178268 → "178,268".
public enum DigitGroups {
    public static func text(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
