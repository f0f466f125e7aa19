import Records

/// Lays records out as an aligned table: a header row, a separator line, then one line per
/// record; or, for a pipe or a file, as plain tab-separated rows.
///
///     port  source_ip    key_name
///     ────  ───────────  ─────────
///     6260  10.0.0.1     Pi London
///       22  2001:db8::1  null
///
/// - Columns are the fields of all records, in the order first seen.
/// - Numeric columns are right-aligned, the rest left-aligned; widths are display widths
///   (CJK and emoji count 2).
/// - Null shows as `null` (dim when coloured); a missing field shows as empty.
/// - Every string is made terminal-safe (``TerminalSafe``).
/// - With a width, a table wider than it shows the columns that fit, left to right, and
///   says which it left out. A number, a time or an address is never cut; a text column may
///   have its longest few cells (beyond what nine in ten need) cut with `…`. A table that a
///   pager will show (``RenderOptions/pagedFrom``) keeps its lines whole (the pager scrolls
///   sideways). Lines never wrap. Without a width nothing is cut.
/// - ``RenderOptions/plain``: no header, no rules: each record one line of values separated
///   by tabs (tabs and newlines in values shown as `\t` and `\n`), null and missing as empty.
public enum TableRenderer {
    public static func render(_ records: [Record], options: RenderOptions = RenderOptions()) -> String {
        let columns = columnNames(records)
        guard !columns.isEmpty else {
            if options.footer { return footer(records.count) }
            guard options.sayEmpty, records.isEmpty else { return "" }
            return (options.color ? "\u{1B}[2m(no rows)\u{1B}[0m" : "(no rows)") + "\n"
        }
        if options.plain { return plainRows(records, columns: columns, options: options) }
        let (cells, kinds) = cells(records, columns: columns, options: options)
        let headers = columns.map { Cell(TerminalSafe.escape($0)) }
        var widths = headers.map(\.width)
        for row in cells {
            for c in row.indices where row[c].width > widths[c] { widths[c] = row[c].width }
        }
        var shown = (columns: Array(columns.indices), widths: widths)
        let paged = options.pagedFrom.map { records.count + 2 >= $0 } ?? false
        if let total = options.width, !paged {
            shown = fit(widths, to: total, cells: cells, headers: headers, exact: kinds.map(\.exact))
        }
        let layout = Layout(columns: shown.columns, widths: shown.widths, rightAligned: kinds.map(\.numeric), color: options.color)
        var out = layout.line(headers, bold: true)
        out += shown.widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        for row in cells { out += layout.line(row, bold: false) }
        if shown.columns.count < columns.count {
            let left = columns.indices.filter { !shown.columns.contains($0) }.map { headers[$0].text }
            let note = "(not shown for the width: \(left.joined(separator: ", ")); 'select' chooses the columns)"
            for line in wrapped(note, width: options.width ?? Int.max) {
                out += (options.color ? "\u{1B}[2m\(line)\u{1B}[0m" : line) + "\n"
            }
        }
        if options.footer { out += footer(records.count) }
        return out
    }

    /// One cell's text, with its display width.
    struct Cell {
        var text: String
        var width: Int
        var null = false

        init(_ text: String, width: Int? = nil, null: Bool = false) {
            self.text = text
            self.width = width ?? DisplayWidth.of(text)
            self.null = null
        }
    }

    /// What a column holds, for laying it out: `numeric` columns are right-aligned (numbers
    /// only, and at least one); `exact` ones (numbers, times, booleans, IP addresses) are
    /// never cut.
    struct ColumnKind {
        var numeric = true
        var exact = true
        var anyValue = false
    }

    /// The cells of each record under `columns`, each value as ``CellText`` shows it, and
    /// what each column holds.
    static func cells(_ records: [Record], columns: [String], options: RenderOptions = RenderOptions())
        -> (cells: [[Cell]], kinds: [ColumnKind]) {
        var cells: [[Cell]] = []
        cells.reserveCapacity(records.count)
        var kinds = [ColumnKind](repeating: ColumnKind(), count: columns.count)
        var positions: (schema: Schema, map: [Int?])?
        for record in records {
            if positions?.schema !== record.schema {
                positions = (record.schema, columns.map { record.schema.position(of: $0) })
            }
            var row: [Cell] = []
            row.reserveCapacity(columns.count)
            for (c, position) in positions!.map.enumerated() {
                guard let position else {
                    row.append(Cell("", width: 0))
                    continue
                }
                let value = record[position: position]
                if case .null = value {
                    row.append(Cell("null", width: 4, null: true))
                    continue
                }
                kinds[c].note(value)
                row.append(Cell(TerminalSafe.escape(CellText.text(value, field: columns[c], options: options))))
            }
            cells.append(row)
        }
        for c in kinds.indices where !kinds[c].anyValue { kinds[c].numeric = false }
        return (cells, kinds)
    }

    /// The columns to show and their widths, within `total`: all of them when they fit; else,
    /// left to right, each column that still fits at the least width it may have (a number,
    /// a time or an address its whole width; text what nine in ten of its cells need), with
    /// the room left handed back to the text columns that were cut. When not even the first
    /// column fits, every column at its whole width (the lines are left whole).
    static func fit(_ widths: [Int], to total: Int, cells: [[Cell]], headers: [Cell], exact: [Bool]) -> (columns: [Int], widths: [Int]) {
        let whole = (Array(widths.indices), widths)
        guard widths.reduce(0, +) + 2 * (widths.count - 1) > total else { return whole }
        let least = widths.indices.map { c in exact[c] ? widths[c] : typicalWidth(c, cells: cells, header: headers[c].width, whole: widths[c]) }
        var shown: [Int] = []
        var used = 0
        for c in widths.indices {
            let need = least[c] + (shown.isEmpty ? 0 : 2)
            if used + need <= total {
                shown.append(c)
                used += need
            } else if shown.isEmpty {
                return whole
            }
        }
        var fitted = shown.map { least[$0] }
        var spare = total - used
        // Spare room goes to the cut columns that lose the least when given it: narrowest first.
        for i in shown.indices.sorted(by: { widths[shown[$0]] < widths[shown[$1]] }) where spare > 0 {
            let extra = min(spare, widths[shown[i]] - fitted[i])
            fitted[i] += extra
            spare -= extra
        }
        return (shown, fitted)
    }

    /// What most cells of a text column need: a few outliers (one 200-character name) should
    /// not claim a column's width. With fewer than ten rows, its whole width.
    static func typicalWidth(_ c: Int, cells: [[Cell]], header: Int, whole: Int) -> Int {
        guard cells.count >= 10 else { return whole }
        var ws = cells.map { $0[c].width }
        ws.sort()
        return max(header, ws[ws.count * 9 / 10])
    }

    /// How the lines of one table are laid out: the columns shown, their widths and alignment.
    struct Layout {
        /// The columns shown, by index, and the width of each.
        let columns: [Int]
        let widths: [Int]
        /// Per column of the table (shown or not).
        let rightAligned: [Bool]
        let color: Bool

        /// One row: cells cut to their column's width and padded, two spaces apart.
        func line(_ cells: [Cell], bold: Bool) -> String {
            var out = ""
            for (i, c) in columns.enumerated() {
                var (text, width) = (cells[c].text, cells[c].width)
                if width > widths[i] { (text, width) = cut(text, to: widths[i]) }
                let pad = String(repeating: " ", count: widths[i] - width)
                let dim = cells[c].null
                let styled = color && (dim || bold) ? (bold ? "\u{1B}[1m" : "\u{1B}[2m") + text + "\u{1B}[0m" : text
                if i > 0 { out += "  " }
                if rightAligned[c] {
                    out += pad + styled
                } else {
                    out += styled
                    if i < columns.count - 1 { out += pad }
                }
            }
            while out.hasSuffix(" ") { out.removeLast() }  // an empty last cell leaves no trailing spaces
            return out + "\n"
        }
    }

    /// Tab-separated rows, no header: for a pipe or a file (what `gh` writes when stdout is
    /// not a terminal). Values as they are (exact numbers and times), made safe to split on.
    static func plainRows(_ records: [Record], columns: [String], options: RenderOptions = RenderOptions()) -> String {
        var out = ""
        var positions: (schema: Schema, map: [Int?])?
        for record in records {
            if positions?.schema !== record.schema {
                positions = (record.schema, columns.map { record.schema.position(of: $0) })
            }
            let fields = positions!.map.enumerated().map { c, position -> String in
                guard let position else { return "" }
                let value = record[position: position]
                return value.isNull ? "" : TerminalSafe.escape(CellText.text(value, field: columns[c], options: options))
            }
            out += fields.joined(separator: "\t") + "\n"
        }
        return out
    }

    /// `text` in lines of at most `width` display columns, broken at spaces.
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return lines + [line]
    }

    /// `(1 row)`, `(3 rows)`.
    static func footer(_ n: Int) -> String { n == 1 ? "(1 row)\n" : "(\(n) rows)\n" }

    /// The fields of all records, in the order first seen.
    static func columnNames(_ records: [Record]) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        var lastSchema: Schema?
        for record in records where record.schema !== lastSchema {
            lastSchema = record.schema
            for f in record.fields where seen.insert(f).inserted { names.append(f) }
        }
        return names
    }

    /// `text` cut to `width` display columns, ending in `…` when cut.
    public static func cut(_ text: String, to width: Int) -> (String, Int) {
        guard width > 0 else { return ("", 0) }
        var out = ""
        var used = 0
        for c in text {
            let w = DisplayWidth.of(c)
            if used + w > width - 1 { break }
            out.append(c)
            used += w
        }
        while let last = out.last, last == " " {
            out.removeLast()
            used -= 1
        }
        return (out + "…", used + 1)
    }
}

extension TableRenderer.ColumnKind {
    /// Counts one value that is not null.
    mutating func note(_ value: Value) {
        anyValue = true
        switch value {
        case .int, .double: return
        case .time, .bool: numeric = false
        case .string(let s):
            numeric = false
            if exact, IPAddress(s) == nil { exact = false }
        default:
            numeric = false
            exact = false
        }
    }
}
