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
    var lines: [String] {
        let shown = Array(candidates.prefix(Self.limit))
        guard !shown.isEmpty else { return [] }
        let widths = shown.map(TerminalText.columns(of:))
        let gap = 2
        let cell = (widths.max() ?? 0) + gap
        let perRow = max(1, (max(width, 1) + gap) / cell)
        let rows = (shown.count + perRow - 1) / perRow
        var lines: [String] = []
        for row in 0..<rows {
            var line = ""
            var column = row
            while column < shown.count {
                let isLast = column + rows >= shown.count
                line += shown[column]
                if !isLast { line += String(repeating: " ", count: cell - widths[column]) }
                column += rows
            }
            lines.append(line)
        }
        if candidates.count > shown.count {
            lines.append("… and \(candidates.count - shown.count) more")
        }
        return lines
    }
}
