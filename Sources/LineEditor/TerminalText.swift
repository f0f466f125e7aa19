import CEditLine

/// How text occupies terminal columns: ANSI escapes take none, wide characters two.
enum TerminalText {
    /// Wraps each ANSI escape sequence (CSI `ESC [ … final`, OSC `ESC ] … BEL|ST`, or a
    /// two-byte `ESC x`) between two `ignore` characters, as EL_PROMPT_ESC expects.
    ///
    ///     markingEscapes("\u{1B}[1mopsh\u{1B}[0m> ", ignore: "\u{01}")
    ///     // "\u{01}\u{1B}[1m\u{01}opsh\u{01}\u{1B}[0m\u{01}> "
    static func markingEscapes(_ text: String, ignore: Unicode.Scalar) -> String {
        var out = String.UnicodeScalarView()
        forEachRun(in: text) { run, isEscape in
            if isEscape { out.append(ignore) }
            out.append(contentsOf: run)
            if isEscape { out.append(ignore) }
        }
        return String(out)
    }

    /// The text without ANSI escape sequences.
    static func strippingEscapes(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        forEachRun(in: text) { run, isEscape in
            if !isEscape { out.append(contentsOf: run) }
        }
        return String(out)
    }

    /// Columns `text` takes on a terminal (escapes ignored; wcwidth per scalar, controls 0).
    static func columns(of text: String) -> Int {
        var total = 0
        forEachRun(in: text) { run, isEscape in
            guard !isEscape else { return }
            for scalar in run {
                let width = ceditline_wcwidth(scalar.value)
                total += width > 0 ? Int(width) : (scalar.value >= 0x20 && width < 0 ? 1 : 0)
            }
        }
        return total
    }

    /// The row (from 0) the end of `text` is on, starting at `startColumn` of row 0, when the
    /// terminal wraps at `width` and breaks at newlines (libedit's layout: a row filled to
    /// its last column puts the cursor on the next one; a wide character that does not fit
    /// goes to the next row).
    static func rowOfEnd(_ text: String, startColumn: Int, width: Int) -> Int {
        let width = max(1, width)
        var row = startColumn / width
        var column = startColumn % width
        for c in text {
            if c == "\n" {
                row += 1
                column = 0
                continue
            }
            let w = columns(of: String(c))
            if column + w > width {
                row += 1
                column = 0
            }
            column += w
            if column >= width {
                row += 1
                column = 0
            }
        }
        return row
    }

    /// Calls `body` with consecutive runs of plain text and single escape sequences.
    private static func forEachRun(in text: String, _ body: (ArraySlice<Unicode.Scalar>, Bool) -> Void) {
        let scalars = Array(text.unicodeScalars)
        var plainStart = 0
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "\u{1B}" else { i += 1; continue }
            if plainStart < i { body(scalars[plainStart..<i], false) }
            let end = escapeEnd(scalars, from: i)
            body(scalars[i..<end], true)
            i = end
            plainStart = end
        }
        if plainStart < scalars.count { body(scalars[plainStart...], false) }
    }

    /// The index just past the escape sequence starting at `start` (an ESC).
    private static func escapeEnd(_ s: [Unicode.Scalar], from start: Int) -> Int {
        var i = start + 1
        guard i < s.count else { return i }
        switch s[i] {
        case "[":  // CSI: parameters and intermediates, then a final byte 0x40–0x7E.
            i += 1
            while i < s.count, !(0x40...0x7E).contains(s[i].value) { i += 1 }
            return min(i + 1, s.count)
        case "]":  // OSC: up to BEL or ESC \.
            i += 1
            while i < s.count {
                if s[i] == "\u{07}" { return i + 1 }
                if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "\\" { return i + 2 }
                i += 1
            }
            return i
        default:
            return i + 1
        }
    }
}
