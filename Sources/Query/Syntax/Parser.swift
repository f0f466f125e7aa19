import Foundation

/// A token of a stage's arguments or a `where` condition.
struct Token: Equatable {
    enum Kind: Equatable {
        case word      // bare: port, 6260, key.name, -24h, 10.0.0.0/8
        case quoted    // "…" or '…', text unescaped
        case symbol    // = == != < <= > >= >> ~ !~
        case pipe, open, close, comma, end
    }

    var kind: Kind
    var text: String
    var range: Range<Int>

    func isKeyword(_ word: String) -> Bool {
        kind == .word && text.lowercased() == word
    }

    /// How the token reads in a message: `'foo'`, or "the end of the line".
    var quotedForMessage: String {
        switch kind {
        case .end: return "the end of the line"
        case .quoted: return Quoting.doubleQuoted(text)
        default: return "'\(text)'"
        }
    }
}

/// Recursive descent over the characters of one line, tokenising on demand: a command's
/// arguments and a stage's arguments split words differently, so the parser asks for the
/// kind of token it expects at each point.
struct Parser {
    let chars: [Character]
    var pos = 0

    init(_ line: String) { chars = Array(line) }

    // MARK: the line

    mutating func parseLine() throws(QueryError) -> Pipeline {
        skipSpaces()
        if pos == chars.count { throw QueryError("expected a command", column: pos, length: 0) }
        if chars[pos] == "|" || chars[pos] == ">" {
            throw QueryError("expected a command before '\(chars[pos])'", column: pos)
        }
        let command = try parseCommand()
        var stages: [PlacedStage] = []
        while true {
            skipSpaces()
            guard pos < chars.count, chars[pos] == "|" else { break }
            let bar = pos
            pos += 1
            stages.append(try parseStage(after: bar))
        }
        let redirect = try parseRedirect()
        skipSpaces()
        if pos < chars.count {
            let rest = String(chars[pos...])
            let range = pos..<chars.count
            if redirect != nil {
                throw QueryError("the redirect must come last, but '\(rest)' follows it", at: range)
            }
            throw QueryError("unexpected '\(rest)'", at: range)
        }
        try Self.checkOrder(stages)
        return Pipeline(command: command, stages: stages, redirect: redirect)
    }

    /// `count` leaves a value and a renderer leaves text: only a renderer that can show one
    /// value (not `chart`) may follow the first, nothing the second.
    static func checkOrder(_ stages: [PlacedStage]) throws(QueryError) {
        var previous: (any Stage.Type)?
        for placed in stages {
            let type = type(of: placed.stage)
            defer { previous = type }
            guard let before = previous else { continue }
            switch before.kind {
            case .renderer:
                throw QueryError("'\(type.name)' cannot follow '\(before.name)': \(before.name) renders the output, so it must be the last stage",
                                 at: placed.range)
            case .reduction where type == Chart.self:
                throw QueryError("'chart' draws a bar per record (a label and a number, as group gives), but '\(before.name)' leaves a single value; try ... | group FIELD | chart",
                                 at: placed.range)
            case .reduction where type.kind != .renderer:
                throw QueryError("'\(type.name)' needs records, but '\(before.name)' leaves a single value",
                                 at: placed.range)
            default: break
            }
        }
    }

    // MARK: the command

    mutating func parseCommand() throws(QueryError) -> Command {
        guard let head = try commandArgument() else {
            throw QueryError("expected a command", column: pos, length: 0)
        }
        guard case .word(let name, quoted: false) = head.kind else {
            throw QueryError("expected a command name, not \(head.description)", at: head.range)
        }
        var arguments: [CommandArgument] = []
        while let argument = try commandArgument() { arguments.append(argument) }
        return Command(name: name, nameRange: head.range, arguments: arguments)
    }

    /// One argument: bare and quoted parts run together up to a space, `|` or `>`.
    mutating func commandArgument() throws(QueryError) -> CommandArgument? {
        skipSpaces()
        let start = pos
        var parts: [(text: String, quoted: Bool)] = []
        while pos < chars.count, !chars[pos].isWhitespace, chars[pos] != "|", chars[pos] != ">" {
            if chars[pos] == "\"" || chars[pos] == "'" {
                parts.append((try quotedString(), true))
            } else {
                let runStart = pos
                while pos < chars.count, !Quoting.endsCommandWord(chars[pos]) { pos += 1 }
                parts.append((String(chars[runStart..<pos]), false))
            }
        }
        guard !parts.isEmpty else { return nil }
        let range = start..<pos
        let first = parts[0]
        if !first.quoted, let eq = first.text.firstIndex(of: "="), eq != first.text.startIndex {
            let name = String(first.text[..<eq])
            let value = String(first.text[first.text.index(after: eq)...]) + parts.dropFirst().map(\.text).joined()
            return CommandArgument(.assignment(name: name, value: value, quoted: parts.count > 1), range: range)
        }
        if parts.count == 1, !first.quoted, first.text.hasPrefix("--"), first.text.count > 2 {
            return CommandArgument(.flag(String(first.text.dropFirst(2))), range: range)
        }
        return CommandArgument(.word(parts.map(\.text).joined(), quoted: parts.contains { $0.quoted }), range: range)
    }

    // MARK: stages

    mutating func parseStage(after bar: Int) throws(QueryError) -> PlacedStage {
        let name = try peek()
        guard name.kind == .word else {
            if name.kind == .pipe, name.range.lowerBound == bar + 1 {
                throw QueryError("'||' is not a stage: conditions join with or, and | passes records to the next stage",
                                 column: bar, length: 2, suggestion: "or")
            }
            throw QueryError("expected a stage after '|'", column: name.kind == .end ? chars.count : name.range.lowerBound,
                             length: name.kind == .end ? 0 : name.range.count)
        }
        guard let type = StageCatalog.named(name.text) else {
            throw QueryError("unknown stage '\(name.text)'", at: name.range,
                             suggestion: Suggest.nearest(name.text, among: StageCatalog.names) ?? Suggest.stage(for: name.text))
        }
        pos = name.range.upperBound
        var arguments = StageArguments(parser: self, stage: type, nameRange: name.range)
        let stage = try type.parse(&arguments)
        self = arguments.parser
        let next = try peek()
        switch next.kind {
        case .pipe, .end: break
        case .symbol where next.text == ">" || next.text == ">>": break
        default:
            throw unexpected(next, after: stage)
        }
        return PlacedStage(stage, range: name.range.lowerBound..<lastNonSpace(before: pos))
    }

    /// What to say about a token a stage does not take. In `where`: `&&` is `and`, and a word
    /// after a value (`name = Pi London`) is the rest of a value with spaces, which needs quotes
    /// (not after a number: `port = 1 port` is a missing `and`, not a value).
    func unexpected(_ next: Token, after stage: any Stage) -> QueryError {
        let type = type(of: stage)
        let plain = QueryError("unexpected \(next.quotedForMessage) after \(type.name) (usage: \(type.synopsis))", at: next.range)
        if let sort = stage as? Sort, let last = sort.keys.last, next.kind == .word,
           let descending = ["desc": true, "descending": true, "asc": false, "ascending": false][next.text.lowercased()] {
            // SQL's `ORDER BY count DESC`: here a minus before the field says descending.
            var keys = sort.keys
            keys[keys.count - 1].descending = descending
            return QueryError("sort takes no \(next.quotedForMessage): -\(last.field) sorts descending, \(last.field) ascending",
                              at: next.range, suggestion: Sort(keys).description)
        }
        guard let condition = (stage as? Where)?.condition else { return plain }
        if next.text == "&&" { return QueryError("conditions join with and, not '&&'", at: next.range, suggestion: "and") }
        guard next.kind == .word, let last = condition.comparisons.last, case .value(let value) = last.operand, !value.quoted, Double(value.text) == nil,
              last.field.range.upperBound <= value.range.lowerBound, value.range.upperBound <= next.range.lowerBound else { return plain }
        // The words up to the next stage, the redirect or the end are the rest of the value.
        var end = next.range.upperBound
        while end < chars.count, chars[end] != "|", chars[end] != ">" { end += 1 }
        let words = String(chars[value.range.lowerBound..<end]).trimmingCharacters(in: .whitespaces)
        // As typed up to the value (`name = ` or `name=`), then the value in quotes.
        let written = String(chars[last.field.range.lowerBound..<value.range.lowerBound])
        return QueryError("unexpected \(next.quotedForMessage) after where: a value with spaces goes in quotes",
                          at: next.range, suggestion: written + Quoting.doubleQuoted(words))
    }

    // MARK: the redirect

    mutating func parseRedirect() throws(QueryError) -> Redirect? {
        skipSpaces()
        guard pos < chars.count, chars[pos] == ">" else { return nil }
        let arrow = pos
        pos += 1
        let append = pos < chars.count && chars[pos] == ">"
        if append { pos += 1 }
        let arrowText = append ? ">>" : ">"
        skipSpaces()
        guard let file = try commandArgument() else {
            throw QueryError("expected a file name after '\(arrowText)'", column: pos, length: 0)
        }
        switch file.kind {
        case .word(let path, let quoted):
            return Redirect(path: path, append: append, quoted: quoted, range: file.range)
        default:
            _ = arrow
            return Redirect(path: file.description, append: append, quoted: false, range: file.range)
        }
    }

    // MARK: tokens

    mutating func skipSpaces() {
        while pos < chars.count, chars[pos].isWhitespace { pos += 1 }
    }

    func lastNonSpace(before end: Int) -> Int {
        var e = end
        while e > 0, chars[e - 1].isWhitespace { e -= 1 }
        return e
    }

    /// The next token of a stage's arguments, without consuming it.
    func peek() throws(QueryError) -> Token {
        var copy = self
        return try copy.next()
    }

    /// Consumes and returns the next token of a stage's arguments.
    mutating func next() throws(QueryError) -> Token {
        skipSpaces()
        let start = pos
        guard pos < chars.count else { return Token(kind: .end, text: "", range: pos..<pos) }
        let c = chars[pos]
        func single(_ kind: Token.Kind) -> Token {
            pos += 1
            return Token(kind: kind, text: String(c), range: start..<pos)
        }
        func symbol(_ text: String) -> Token {
            pos += text.count
            return Token(kind: .symbol, text: text, range: start..<pos)
        }
        let following: Character? = pos + 1 < chars.count ? chars[pos + 1] : nil
        switch c {
        case "|": return single(.pipe)
        case "(": return single(.open)
        case ")": return single(.close)
        case ",": return single(.comma)
        case "\"", "'":
            let text = try quotedString()
            return Token(kind: .quoted, text: text, range: start..<pos)
        case "=": return symbol(following == "=" ? "==" : "=")
        case "~": return symbol("~")
        case "<": return symbol(following == "=" ? "<=" : "<")
        case ">": return symbol(following == "=" ? ">=" : following == ">" ? ">>" : ">")
        case "!":
            if following == "=" { return symbol("!=") }
            if following == "~" { return symbol("!~") }
            throw QueryError("'!' must be followed by '=' or '~'", column: pos)
        default:
            while pos < chars.count, !Quoting.endsExpressionWord(chars[pos]) { pos += 1 }
            return Token(kind: .word, text: String(chars[start..<pos]), range: start..<pos)
        }
    }

    /// A string in double quotes (with `\"`, `\\`, `\n`, `\t`, `\r`, `\e` (ESC) and
    /// `\u{202E}` escapes; any other backslash is kept, so regexes read naturally) or in single
    /// quotes (no escapes).
    mutating func quotedString() throws(QueryError) -> String {
        let quote = chars[pos]
        let start = pos
        pos += 1
        var text = ""
        while pos < chars.count {
            let c = chars[pos]
            if c == quote {
                pos += 1
                return text
            }
            if quote == "\"", c == "\\", pos + 1 < chars.count {
                let e = chars[pos + 1]
                switch e {
                case "\\", "\"": text.append(e)
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case "e": text.append("\u{1B}")
                case "u" where pos + 2 < chars.count && chars[pos + 2] == "{":
                    // \u{1F680}: one Unicode scalar by its hex value.
                    var end = pos + 3
                    while end < chars.count, end - pos <= 10, chars[end].isHexDigit { end += 1 }
                    if end < chars.count, chars[end] == "}", end > pos + 3,
                       let v = UInt32(String(chars[(pos + 3)..<end]), radix: 16), let scalar = Unicode.Scalar(v) {
                        text.unicodeScalars.append(scalar)
                        pos = end + 1
                        continue
                    }
                    text.append("\\"); text.append(e)
                default: text.append("\\"); text.append(e)
                }
                pos += 2
                continue
            }
            text.append(c)
            pos += 1
        }
        throw QueryError("unterminated string: missing closing \(quote)", column: start, length: chars.count - start)
    }
}
