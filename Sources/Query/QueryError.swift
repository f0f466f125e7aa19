/// A mistake in a command line, or a stage that cannot run on the data it got, with the spot
/// in the line to point at.
///
/// ```
/// error: unknown stage 'wher' (did you mean 'where'?)
/// clicks | wher port=6260
///          ^~~~
/// ```
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in the user's words, without the "did you mean" part.
    public var message: String
    /// Where the mistake starts: a 0-based offset in `Character`s into the line.
    public var column: Int
    /// How many `Character`s the mistake spans; 0 points between two characters (at the end).
    public var length: Int
    /// The nearest valid word, shown as "(did you mean '…'?)".
    public var suggestion: String?

    public init(_ message: String, column: Int, length: Int = 1, suggestion: String? = nil) {
        self.message = message
        self.column = column
        self.length = length
        self.suggestion = suggestion
    }

    init(_ message: String, at range: Range<Int>, suggestion: String? = nil) {
        self.init(message, column: range.lowerBound, length: range.count, suggestion: suggestion)
    }

    /// The range of the line the error points at, in `Character` offsets.
    public var range: Range<Int> { column..<(column + length) }

    /// The message with its suggestion: `unknown stage 'wher' (did you mean 'where'?)`.
    public var description: String {
        guard let suggestion else { return message }
        return "\(message) (did you mean '\(suggestion)'?)"
    }

    /// Three lines: `error: …`, the line itself, and a caret line under the mistake.
    ///
    /// Carets line up under wide characters (CJK, emoji) because the offset is measured in
    /// display columns; control characters in the line are shown escaped.
    public func rendered(line: String) -> String {
        let chars = Array(line)
        let shown = chars.map { TerminalSafeCharacter.shown($0) }
        let start = min(column, chars.count)
        let end = min(column + length, chars.count)
        let indent = shown[..<start].reduce(0) { $0 + DisplayWidth.of($1) }
        let span = max(1, shown[start..<end].reduce(0) { $0 + DisplayWidth.of($1) })
        let carets = "^" + String(repeating: "~", count: span - 1)
        return "error: \(description)\n\(shown.joined())\n\(String(repeating: " ", count: indent))\(carets)"
    }
}

import Records

/// How one character of a command line is echoed under an error: tabs as a space (so the
/// caret stays aligned), other controls escaped.
enum TerminalSafeCharacter {
    static func shown(_ c: Character) -> String {
        if c == "\t" { return " " }
        return TerminalSafe.escape(String(c))
    }
}
