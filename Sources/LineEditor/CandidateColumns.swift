import Shell

/// Lays out completion candidates in columns, like bash lists them (down, then across).
struct CandidateColumns {
    /// At most this many candidates are shown; the rest are counted.
    static let limit = 100

    var candidates: [String]
    var width: Int

    /// The lines to print, without trailing newlines.
    ///
    ///     CandidateColumns(candidates: ["clicks", "keys", "nodes"], width: 20).lines
    ///     // ["clicks  nodes", "keys"]
    ///
    /// A candidate wider than half the line does not set the columns' width (one long key
    /// name would make every name a line of its own): it is listed after the columns, alone
    /// on its line.
    var lines: [String] {
        let shown = Array(candidates.prefix(Self.limit))
        guard !shown.isEmpty else { return [] }
        let gap = 2
        let cap = max(1, (max(width, 1) - gap) / 2)
        let short = shown.filter { TerminalText.columns(of: $0) <= cap }
        let long = shown.filter { TerminalText.columns(of: $0) > cap }
        var lines = grid(short, gap: gap) + long
        if candidates.count > shown.count {
            lines.append("… and \(candidates.count - shown.count) more")
        }
        return lines
    }

    /// `items` in columns as wide as the widest, filled down then across.
    private func grid(_ items: [String], gap: Int) -> [String] {
        guard !items.isEmpty else { return [] }
        let widths = items.map(TerminalText.columns(of:))
        let cell = (widths.max() ?? 0) + gap
        let perRow = max(1, (max(width, 1) + gap) / cell)
        let rows = (items.count + perRow - 1) / perRow
        var lines: [String] = []
        for row in 0..<rows {
            var line = ""
            var column = row
            while column < items.count {
                let isLast = column + rows >= items.count
                line += items[column]
                if !isLast { line += String(repeating: " ", count: cell - widths[column]) }
                column += rows
            }
            lines.append(line)
        }
        return lines
    }
}
