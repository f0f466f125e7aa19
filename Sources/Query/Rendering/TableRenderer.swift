import Records

/// Lays records out as an aligned table: a header row, a separator line, then one line per
/// record.
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
/// - With a width, the widest columns are cut with `…` until each line fits; lines never
///   wrap. Without one nothing is cut.
public enum TableRenderer {
    public static func render(_ records: [Record], options: RenderOptions = RenderOptions()) -> String {
        let columns = columnNames(records)
        guard !columns.isEmpty else {
            if options.footer { return footer(records.count) }
            guard options.sayEmpty, records.isEmpty else { return "" }
            return (options.color ? "\u{1B}[2m(no rows)\u{1B}[0m" : "(no rows)") + "\n"
        }
        let (cells, rightAligned) = cells(records, columns: columns)
        let headers = columns.map { Cell(TerminalSafe.escape($0)) }
        var widths = headers.map(\.width)
        for row in cells {
            for c in row.indices where row[c].width > widths[c] { widths[c] = row[c].width }
        }
        if let total = options.width { widths = fit(widths, to: total, cells: cells, headers: headers) }

        let layout = Layout(widths: widths, rightAligned: rightAligned, color: options.color)
        var out = layout.line(headers, bold: true)
        out += widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ") + "\n"
        for row in cells { out += layout.line(row, bold: false) }
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

    /// The cells of each record under `columns`, and which columns are right-aligned
    /// (numbers only, and at least one).
    static func cells(_ records: [Record], columns: [String]) -> (cells: [[Cell]], rightAligned: [Bool]) {
        var cells: [[Cell]] = []
        cells.reserveCapacity(records.count)
        var numeric = [Bool](repeating: true, count: columns.count)
        var anyValue = [Bool](repeating: false, count: columns.count)
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
                switch value {
                case .null:
                    row.append(Cell("null", width: 4, null: true))
                    continue
                case .int, .double: anyValue[c] = true
                default: anyValue[c] = true; numeric[c] = false
                }
                row.append(Cell(TerminalSafe.escape(value.plainText)))
            }
            cells.append(row)
        }
        return (cells, zip(numeric, anyValue).map { $0 && $1 })
    }

    /// Widths that fit `total` columns: the widest columns capped; columns that cannot get
    /// one cell dropped (fewer widths than columns).
    static func fit(_ widths: [Int], to total: Int, cells: [[Cell]], headers: [Cell]) -> [Int] {
        var shown = widths.count
        while shown > 1, 2 * shown - 1 > total { shown -= 1 }
        let widths = Array(widths.prefix(shown))
        let room = total - 2 * (shown - 1)
        guard widths.reduce(0, +) > room else { return widths }
        // A few outliers (one 200-character name) should not claim a column's width: fit on
        // what most cells need (the 90th percentile), then hand back what is left.
        let typical = (0..<shown).map { c -> Int in
            var ws = cells.map { $0[c].width }
            guard ws.count >= 10 else { return widths[c] }
            ws.sort()
            return max(headers[c].width, ws[ws.count * 9 / 10])
        }
        var cap = max(1, typical.max() ?? 1)
        while cap > 1, typical.reduce(0, { $0 + min($1, cap) }) > room { cap -= 1 }
        var fitted = typical.map { min($0, cap) }
        var spare = room - fitted.reduce(0, +)
        // Spare room goes to the columns that lose the least when given it: narrowest first.
        for c in fitted.indices.sorted(by: { widths[$0] < widths[$1] }) where spare > 0 && widths[c] > fitted[c] {
            let extra = min(spare, widths[c] - fitted[c])
            fitted[c] += extra
            spare -= extra
        }
        return fitted
    }

    /// How the lines of one table are laid out: the columns shown, their widths and alignment.
    struct Layout {
        let widths: [Int]
        let rightAligned: [Bool]
        let color: Bool

        /// One row: cells cut to their column's width and padded, two spaces apart.
        func line(_ cells: [Cell], bold: Bool) -> String {
            var out = ""
            let shown = widths.count
            for c in 0..<shown {
                var (text, width) = (cells[c].text, cells[c].width)
                if width > widths[c] { (text, width) = cut(text, to: widths[c]) }
                let pad = String(repeating: " ", count: widths[c] - width)
                let dim = cells[c].null
                let styled = color && (dim || bold) ? (bold ? "\u{1B}[1m" : "\u{1B}[2m") + text + "\u{1B}[0m" : text
                if c > 0 { out += "  " }
                if rightAligned[c] {
                    out += pad + styled
                } else {
                    out += styled
                    if c < shown - 1 { out += pad }
                }
            }
            while out.hasSuffix(" ") { out.removeLast() }  // an empty last cell leaves no trailing spaces
            return out + "\n"
        }
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
