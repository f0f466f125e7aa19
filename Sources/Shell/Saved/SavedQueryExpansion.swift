import Query
import Records

/// A line with the saved queries it uses replaced by their lines, and a map back from the
/// expanded text to what was typed, so that a mistake is shown where the user wrote it.
///
///     // saved: hits = clicks | where port=$1 | count
///     try SavedQueries.Expansion(of: "hits 6260 > n.txt", queries: saved)?.text
///     // "clicks | where port=6260 | count > n.txt"
public struct SavedQueryExpansion: Sendable, Equatable {
    /// A run of the expanded text: copied from what was typed, or a saved query's line.
    struct Piece: Sendable, Equatable {
        var expanded: Range<Int>
        var typed: Range<Int>
        /// The query that gave it (nil: copied as typed).
        var query: String?
    }

    public var text: String
    var pieces: [Piece]

    /// Saved queries inside saved queries go this deep at most.
    static let depthLimit = 8

    /// nil when the line uses no saved query. A mistake in how one is used (a stage where a
    /// line must be, too few or too many arguments, a loop) is a `QueryError` at its name.
    public init?(of line: String, queries: [SavedQuery]) throws(QueryError) {
        guard !queries.isEmpty else { return nil }
        let result = try Self.expand(Array(line), queries: queries, chain: [])
        guard result.pieces.contains(where: { $0.query != nil }) else { return nil }
        self.text = result.text
        self.pieces = result.pieces
    }

    private init(text: String, pieces: [Piece]) {
        self.text = text
        self.pieces = pieces
    }

    /// A failure of the expanded line, placed in the typed one: inside a saved query's line,
    /// the whole use of it is marked and the message says what it ran.
    public func placing(_ outcome: Outcome) -> Outcome {
        guard case .failed(let message, let column?, let length) = outcome else { return outcome }
        guard let piece = pieces.first(where: { $0.expanded.contains(column) || ($0.expanded.isEmpty && $0.expanded.lowerBound == column) })
                ?? pieces.last.flatMap({ column >= $0.expanded.upperBound ? $0 : nil }) else {
            return .failed(message, column: nil, length: length)
        }
        guard let name = piece.query else {
            return .failed(message, column: piece.typed.lowerBound + min(column - piece.expanded.lowerBound, piece.typed.count),
                           length: length)
        }
        let ran = String(Array(text)[piece.expanded]).trimmingCharacters(in: .whitespaces)
        return .failed("\(message) (in '\(name)', which ran: \(ran))", column: piece.typed.lowerBound, length: max(1, piece.typed.count))
    }

    private static func expand(_ chars: [Character], queries: [SavedQuery], chain: [String]) throws(QueryError) -> SavedQueryExpansion {
        // `watch 10 LINE`, `explain LINE`: the line inside is expanded as a line; `save NAME
        // LINE` keeps LINE as typed.
        let line = String(chars)
        let first = LineScan.words(chars, in: 0..<chars.count).first.map { String(chars[$0]) } ?? ""
        if case .nameThenLine? = CommandCatalog.syntax(of: first)?.arguments {
            return SavedQueryExpansion(text: line, pieces: [Piece(expanded: 0..<chars.count, typed: 0..<chars.count)])
        }
        if case .commandLine? = CommandCatalog.syntax(of: first)?.arguments,
           let inner = CompletionAnalyzer.innerLine(line, cursor: chars.count, commands: CommandCatalog.syntax), inner.offset > 0 {
            var out = try expand(Array(inner.text), queries: queries, chain: chain)
            out.shift(by: inner.offset)
            out.text = String(chars[..<inner.offset]) + out.text
            out.pieces.insert(Piece(expanded: 0..<inner.offset, typed: 0..<inner.offset), at: 0)
            return out
        }
        var out = SavedQueryExpansion(text: "", pieces: [])
        for (index, segment) in LineScan.segments(chars).enumerated() {
            if index > 0 { out.append("|", typed: (segment.lowerBound - 1)..<segment.lowerBound, query: nil) }
            let words = LineScan.words(chars, in: segment)
            guard let head = words.first, let query = use(String(chars[head]), at: index, queries: queries) else {
                out.append(String(chars[segment]), typed: segment, query: nil)
                continue
            }
            try check(query, at: index, range: head, chain: chain)
            // The segment read as a command: the query's name, its arguments, and after
            // them (in the last segment) a redirect, kept as typed.
            let parsed: Pipeline
            do {
                parsed = try Pipeline(parsing: String(chars[segment]))
            } catch {
                throw QueryError(error.message, column: segment.lowerBound + error.column, length: error.length,
                                 suggestion: error.suggestion)
            }
            let arguments = parsed.command.arguments
            let argumentsEnd = segment.lowerBound + (arguments.last?.range.upperBound ?? parsed.command.nameRange.upperBound)
            let values = try bind(query, arguments, offset: segment.lowerBound, name: head)
            let inner = try expand(Array(substitute(values, in: query.line)), queries: queries, chain: chain + [query.name])
            let lead = String(chars[segment.lowerBound..<head.lowerBound])
            out.append(lead, typed: segment.lowerBound..<head.lowerBound, query: nil)
            out.append(inner.text, typed: head.lowerBound..<argumentsEnd, query: query.name)
            out.append(String(chars[argumentsEnd..<segment.upperBound]), typed: argumentsEnd..<segment.upperBound, query: nil)
        }
        return out
    }

    /// The saved query a segment's first word names there, if any: commands and stages come first.
    private static func use(_ word: String, at index: Int, queries: [SavedQuery]) -> SavedQuery? {
        if index == 0, CommandCatalog.command(named: word) != nil { return nil }
        if index > 0, StageCatalog.named(word) != nil { return nil }
        return queries.first { $0.name == word }
    }

    private static func check(_ query: SavedQuery, at index: Int, range: Range<Int>, chain: [String]) throws(QueryError) {
        if chain.contains(query.name) || chain.count >= depthLimit {
            let loop = (chain + [query.name]).joined(separator: " → ")
            throw QueryError("saved queries run each other in a loop: \(loop); change one with save", column: range.lowerBound, length: range.count)
        }
        if index == 0, query.isStage {
            throw QueryError("'\(query.name)' is a saved stage: use it after |, like: clicks | \(query.name)",
                             column: range.lowerBound, length: range.count)
        }
        if index > 0, !query.isStage {
            throw QueryError("'\(query.name)' is a saved line, not stages, so it cannot follow |",
                             column: range.lowerBound, length: range.count)
        }
    }

    /// The text each parameter stands for: `name=VALUE` fills a named parameter, the other
    /// arguments fill the rest in order (`$1`, `$2`, ..., then the named ones). Each value is
    /// written as the language reads it back: quoted when it was, or when it must be.
    /// `offset` is where the arguments' line starts in the typed one, `name` where the query's name is.
    static func bind(_ query: SavedQuery, _ arguments: [CommandArgument], offset: Int, name: Range<Int>) throws(QueryError) -> [String: String] {
        let parameters = query.parameters
        var values: [String: String] = [:]
        var positional: [CommandArgument] = []
        for argument in arguments {
            if case .assignment(let n, let v, let quoted) = argument.kind, Int(n) == nil, parameters.contains(n), values[n] == nil {
                values[n] = written(v, quoted: quoted)
            } else {
                positional.append(argument)
            }
        }
        let open = parameters.filter { values[$0] == nil }
        let usage = "usage: \(query.usage)"
        if positional.count > open.count {
            let extra = positional[open.count]
            let takes = parameters.isEmpty ? "takes no arguments" : "takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s")"
            throw QueryError("'\(query.name)' \(takes); \(usage)", column: offset + extra.range.lowerBound,
                             length: max(1, extra.range.count))
        }
        if positional.count < open.count {
            let missing = open[positional.count...].map { "$" + $0 }.joined(separator: ", ")
            throw QueryError("'\(query.name)' needs a value for \(missing); \(usage)", column: name.lowerBound, length: name.count)
        }
        for (parameter, argument) in zip(open, positional) {
            values[parameter] = text(of: argument)
        }
        return values
    }

    /// An argument as the language writes it again.
    private static func text(of argument: CommandArgument) -> String {
        switch argument.kind {
        case .word(let s, let quoted): return written(s, quoted: quoted)
        case .assignment(let n, let v, let quoted): return n + "=" + written(v, quoted: quoted)
        case .flag(let f): return "--" + f
        }
    }

    /// A value as the language reads it back: in quotes when it was given in them, or needs them.
    private static func written(_ value: String, quoted: Bool) -> String {
        quoted ? Quoting.doubleQuoted(value) : Quoting.word(value)
    }

    /// `line` with each `$NAME` outside quotes replaced by its value.
    static func substitute(_ values: [String: String], in line: String) -> String {
        var chars = Array(line)
        for (name, range) in LineScan.parameters(chars).reversed() {
            if let value = values[name] { chars.replaceSubrange(range, with: Array(value)) }
        }
        return String(chars)
    }

    private mutating func append(_ piece: String, typed: Range<Int>, query: String?) {
        let start = text.count
        text += piece
        pieces.append(Piece(expanded: start..<(start + piece.count), typed: typed, query: query))
    }

    private mutating func shift(by offset: Int) {
        pieces = pieces.map { Piece(expanded: ($0.expanded.lowerBound + offset)..<($0.expanded.upperBound + offset),
                                    typed: ($0.typed.lowerBound + offset)..<($0.typed.upperBound + offset), query: $0.query) }
    }
}

/// TAB in the arguments of a saved query: where a parameter stands for a field's value
/// (`where port=$1`), the values of that field, as if the line were typed out.
enum SavedQueryCompletion {
    /// The line to analyse instead of `line` (cut at `cursor`): the saved line up to the
    /// parameter the cursor is on, then what was typed of its value (after the typed line's
    /// command, for a saved stage); and how many characters to add to its positions to get
    /// the typed line's. nil when the cursor is not in a saved query's arguments.
    static func standIn(_ line: String, cursor: Int, queries: [SavedQuery]) -> (text: String, shift: Int)? {
        guard !queries.isEmpty else { return nil }
        let chars = Array(line.prefix(cursor))
        guard let segment = LineScan.segments(chars).last else { return nil }
        let words = LineScan.words(chars, in: segment)
        let index = LineScan.segments(chars).count - 1
        guard let head = words.first, head.upperBound < chars.count,
              let query = queries.first(where: { $0.name == String(chars[head]) }),
              query.isStage == (index > 0) else { return nil }
        // The word being typed: the last, unless a blank follows it.
        let typing = chars.last.map { !$0.isWhitespace } ?? false
        let before = Array(words.dropFirst().dropLast(typing ? 1 : 0))
        var start = typing ? words.last!.lowerBound : chars.count
        var typed = String(chars[start...])
        var parameter: String?
        if let eq = typed.firstIndex(of: "="), query.parameters.contains(String(typed[..<eq])) {
            parameter = String(typed[..<eq])
            start += typed.distance(from: typed.startIndex, to: eq) + 1
            typed = String(typed[typed.index(after: eq)...])
        } else {
            let named = Set(before.compactMap { r -> String? in
                let w = String(chars[r])
                return w.firstIndex(of: "=").map { String(w[..<$0]) }.flatMap { query.parameters.contains($0) ? $0 : nil }
            })
            let open = query.parameters.filter { !named.contains($0) }
            let position = before.count - named.count
            parameter = position < open.count ? open[position] : nil
        }
        guard let parameter, let place = LineScan.parameters(Array(query.line)).first(where: { $0.name == parameter }) else { return nil }
        let lead = query.isStage ? String(chars[..<segment.lowerBound]) + " " : ""
        let text = lead + String(Array(query.line)[..<place.range.lowerBound]) + typed
        return (text, start - (text.count - typed.count))
    }
}
