#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Lines from history, searched for the one to suggest as the user types (fish's
/// autosuggestions): the most recent line that starts with what is typed and goes on.
///
/// Lines are kept as UTF-8 bytes, newest last, so a search is a loop of `memcmp`s: 10,000
/// lines take microseconds, and it runs on every key.
struct HistorySuggestions {
    private var lines: [[UInt8]] = []
    /// How many lines are kept at most (history's own size).
    let limit: Int

    init(limit: Int = 1000) { self.limit = max(1, limit) }

    var count: Int { lines.count }

    /// The most recent line.
    var newest: String? { lines.last.map { String(decoding: $0, as: UTF8.self) } }

    /// Adds a line as the most recent (multi-line entries are never suggested).
    mutating func add(_ line: String) {
        guard !line.contains("\n") else { return }
        lines.append(Array(line.utf8))
        if lines.count > limit { lines.removeFirst(lines.count - limit) }
    }

    /// The rest of the most recent line that starts with `typed` and is longer; nil if none.
    ///
    ///     var h = HistorySuggestions()
    ///     h.add("clicks | where port=6260 | count")
    ///     h.suggestion(for: "clicks | wh")   // "ere port=6260 | count"
    func suggestion(for typed: String) -> String? {
        guard !typed.isEmpty else { return nil }
        var prefix = Array(typed.utf8)
        let n = prefix.count
        return prefix.withUnsafeMutableBytes { p -> String? in
            for line in lines.reversed() where line.count > n {
                let same = line.withUnsafeBytes { memcmp($0.baseAddress!, p.baseAddress!, n) == 0 }
                guard same else { continue }
                let rest = String(decoding: line[n...], as: UTF8.self)
                // A cut through a character (an accent after the same base letter) is no suggestion.
                guard (typed + rest).count == typed.count + rest.count else { continue }
                return rest
            }
            return nil
        }
    }

    /// The first word of a suggestion, with the blanks before it: what Alt-→ accepts.
    ///
    ///     HistorySuggestions.firstWord(of: " | where port=1")   // " |"
    static func firstWord(of suggestion: String) -> String {
        var end = suggestion.startIndex
        while end < suggestion.endIndex, suggestion[end].isWhitespace { end = suggestion.index(after: end) }
        while end < suggestion.endIndex, !suggestion[end].isWhitespace { end = suggestion.index(after: end) }
        return String(suggestion[..<end])
    }
}

/// Where a suggestion is drawn: dimmed after the cursor, on the cursor's row only (what does
/// not fit is cut with `…`), clear of the right prompt; then the cursor goes back.
struct SuggestionLayout: Equatable {
    /// The text drawn (possibly cut).
    var shown: String
    /// The columns it takes.
    var columns: Int

    /// nil when nothing fits. `cursorColumn` is where the cursor is on its row;
    /// `rightPromptColumns` what the right prompt takes on this row (0 when not drawn).
    init?(suggestion: String, cursorColumn: Int, width: Int, rightPromptColumns: Int) {
        // One column is left free at the end of the row (a character in the last column
        // leaves the cursor waiting to wrap), and one before the right prompt.
        let room = width - cursorColumn - 1 - (rightPromptColumns > 0 ? rightPromptColumns + 1 : 0)
        guard room >= 2 else { return nil }
        var shown = ""
        var columns = 0
        var cut = false
        for c in suggestion {
            let w = TerminalText.columns(of: String(c))
            if c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { cut = true; break }
            if columns + w > room { cut = true; break }
            shown.append(c)
            columns += w
        }
        if cut {
            while columns + 1 > room, let last = shown.popLast() { columns -= TerminalText.columns(of: String(last)) }
            shown += "…"
            columns += 1
        }
        guard !shown.isEmpty, shown != "…" else { return nil }
        self.shown = shown
        self.columns = columns
    }

    /// What is left on screen when the first character is typed over: the rest, which now
    /// starts at the cursor.
    init?(shifting drawn: SuggestionLayout) {
        guard let first = drawn.shown.first, drawn.shown.count > 1 else { return nil }
        shown = String(drawn.shown.dropFirst())
        columns = drawn.columns - TerminalText.columns(of: String(first))
    }

    /// What draws it: dim, the text, normal, the cursor back where it was.
    var drawing: String { "\u{1B}[2m" + shown + "\u{1B}[0m\u{1B}[\(columns)D" }

    /// What removes it: spaces over it, the cursor back.
    var erasing: String { String(repeating: " ", count: columns) + "\u{1B}[\(columns)D" }
}

/// Where the right prompt goes on the prompt's row: ending a column before the edge, with at
/// least one blank between it and the line; drawn by opsh itself (libedit's EL_RPROMPT
/// redraws the line a character at a time around it), dim, then the cursor back.
struct RightPromptLayout: Equatable {
    var text: String
    /// Its first column (from 0) and how many it takes.
    var start: Int
    var columns: Int

    /// nil when there is nothing to show or the line (ending at column `lineEnd` of the
    /// prompt's row) leaves no room.
    init?(text: String, lineEnd: Int, width: Int) {
        let columns = TerminalText.columns(of: text)
        let start = width - 1 - columns
        guard columns > 0, lineEnd + 1 < start else { return nil }
        self.text = text
        self.start = start
        self.columns = columns
    }

    /// Whether a line that ends at `lineEnd` still leaves it room.
    func leavesRoom(lineEnd: Int) -> Bool { lineEnd + 1 < start }

    func drawing(cursorColumn: Int) -> String { "\u{1B}[\(start + 1)G" + text + "\u{1B}[\(cursorColumn + 1)G" }

    func erasing(cursorColumn: Int) -> String {
        "\u{1B}[\(start + 1)G" + String(repeating: " ", count: columns) + "\u{1B}[\(cursorColumn + 1)G"
    }
}
