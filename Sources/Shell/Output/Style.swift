/// The terminal's escape codes, the only place the shell writes them: what a person at a
/// terminal sees as bold, dim, coloured, reversed, redrawn or erased.
enum Style {
    static func bold(_ s: String) -> String { "\u{1b}[1m\(s)\u{1b}[0m" }
    static func dim(_ s: String) -> String { "\u{1b}[2m\(s)\u{1b}[0m" }
    static func cyan(_ s: String) -> String { "\u{1b}[36m\(s)\u{1b}[0m" }
    static func boldCyan(_ s: String) -> String { "\u{1b}[1;36m\(s)\u{1b}[0m" }
    /// Red and bold: the `opsh:` of an error, and the caret under the mistake.
    static func error(_ s: String) -> String { "\u{1b}[1;31m\(s)\u{1b}[0m" }
    /// Reverse video: the lines `watch` marks as changed.
    static func reversed(_ s: String) -> String { "\u{1b}[7m\(s)\u{1b}[0m" }
    /// Cursor home, then the screen cleared: `watch` redraws from the top.
    static let homeAndClear = "\u{1b}[H\u{1b}[2J"
    /// Back to the start of the line, and the line erased: a progress line's redraw.
    static let eraseLine = "\r\u{1b}[2K"
}

/// How an error line begins, the same for every error opsh prints: `opsh: `, red and bold at
/// a terminal that takes colour.
public enum ErrorLine {
    /// `opsh: MESSAGE` and a newline.
    public static func text(_ message: String, color: Bool) -> String {
        prefix(color: color) + message + "\n"
    }

    /// `opsh: `, coloured or not.
    public static func prefix(color: Bool) -> String { color ? Style.error("opsh:") + " " : "opsh: " }
}
