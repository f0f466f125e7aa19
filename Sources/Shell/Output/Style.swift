/// The terminal's escape codes, the only place the shell writes them: what a person at a
/// terminal sees as bold, dim, coloured, reversed, redrawn or erased.
enum Style {
    static func bold(_ s: String) -> String { "\u{1b}[1m\(s)\u{1b}[0m" }
    static func dim(_ s: String) -> String { "\u{1b}[2m\(s)\u{1b}[0m" }
    static func cyan(_ s: String) -> String { "\u{1b}[36m\(s)\u{1b}[0m" }
    static func boldCyan(_ s: String) -> String { "\u{1b}[1;36m\(s)\u{1b}[0m" }
    /// Reverse video: the lines `watch` marks as changed.
    static func reversed(_ s: String) -> String { "\u{1b}[7m\(s)\u{1b}[0m" }
    /// Cursor home, then the screen cleared: `watch` redraws from the top.
    static let homeAndClear = "\u{1b}[H\u{1b}[2J"
    /// Back to the start of the line, and the line erased: a progress line's redraw.
    static let eraseLine = "\r\u{1b}[2K"
}
