import Foundation

/// Parses a `where` condition: `or` of `and`s of (`not`) comparisons or parenthesised groups.
struct ConditionParser {
    var parser: Parser
    /// Parentheses and `not`s open around the current position.
    private var depth = 0
    /// Comparisons read so far.
    private var comparisons = 0

    /// Deeper nesting is refused, so that no input can exhaust the stack of the parser or
    /// of what walks the tree later (evaluation, printing).
    static let maxDepth = 64
    /// More comparisons in one condition are refused for the same reason: a chain of
    /// `and`s is a tree as deep as it is long. An `in (...)` list counts as one.
    static let maxComparisons = 256

    init(parser: Parser) { self.parser = parser }

    private mutating func enter(_ token: Token) throws(QueryError) {
        depth += 1
        guard depth <= Self.maxDepth else {
            throw QueryError("the condition nests deeper than \(Self.maxDepth) levels of '(' and 'not'; write it flatter",
                             column: token.range.lowerBound, length: token.range.count)
        }
    }

    static let operatorList = ComparisonOperator.allCases.map(\.rawValue).joined(separator: ", ")

    mutating func parseOr() throws(QueryError) -> Condition {
        var left = try parseAnd()
        while try parser.peek().isKeyword("or") {
            let word = try parser.next()
            left = .or(left, try parseAnd(after: word))
        }
        return left
    }

    mutating func parseAnd(after word: Token? = nil) throws(QueryError) -> Condition {
        var left = try parseNot(after: word)
        while try parser.peek().isKeyword("and") {
            let word = try parser.next()
            left = .and(left, try parseNot(after: word))
        }
        return left
    }

    mutating func parseNot(after word: Token?) throws(QueryError) -> Condition {
        if try parser.peek().isKeyword("not") {
            let not = try parser.next()
            try enter(not)
            defer { depth -= 1 }
            return .not(try parseNot(after: not))
        }
        return try parsePrimary(after: word)
    }

    mutating func parsePrimary(after word: Token?) throws(QueryError) -> Condition {
        let token = try parser.peek()
        switch token.kind {
        case .open:
            _ = try parser.next()
            try enter(token)
            defer { depth -= 1 }
            let inner = try parseOr()
            let close = try parser.peek()
            guard close.kind == .close else {
                throw QueryError("missing ')' to close the '(' at column \(token.range.lowerBound + 1)",
                                 column: close.range.lowerBound, length: close.kind == .end ? 0 : close.range.count)
            }
            _ = try parser.next()
            return inner
        case .word:
            comparisons += 1
            guard comparisons <= Self.maxComparisons else {
                throw QueryError("the condition has more than \(Self.maxComparisons) comparisons; use in (a, b, ...) for a list of values",
                                 column: token.range.lowerBound, length: token.range.count)
            }
            return .compare(try comparison())
        default:
            let after = word.map { " after '\($0.text)'" } ?? ""
            throw QueryError("expected a field name\(after), not \(token.quotedForMessage)",
                             column: token.range.lowerBound, length: token.kind == .end ? 0 : token.range.count)
        }
    }

    mutating func comparison() throws(QueryError) -> Comparison {
        let fieldToken = try parser.next()
        let field = try StageArguments.path(fieldToken)
        let opToken = try parser.peek()
        let op: ComparisonOperator
        switch opToken.kind {
        case .symbol where opToken.text != ">>":
            op = opToken.text == "==" ? .equal : ComparisonOperator(rawValue: opToken.text)!
        case .word where ComparisonOperator.words.contains(opToken.text.lowercased()):
            op = ComparisonOperator(rawValue: opToken.text.lowercased())!
        default:
            throw QueryError("expected an operator after '\(fieldToken.text)' (\(Self.operatorList))",
                             column: opToken.range.lowerBound, length: opToken.kind == .end ? 0 : opToken.range.count)
        }
        _ = try parser.next()
        let operand: Operand
        if op == .in {
            operand = try inOperand(opToken)
        } else {
            operand = .value(try value(after: opToken))
        }
        if op == .matches || op == .notMatches, case .value(let pattern) = operand {
            do {
                _ = try NSRegularExpression(pattern: pattern.text, options: [.caseInsensitive])
            } catch {
                throw QueryError("invalid regular expression \(Quoting.doubleQuoted(pattern.text))", at: pattern.range)
            }
        }
        return Comparison(field: field, op: op, operand: operand, opRange: opToken.range)
    }

    mutating func value(after op: Token) throws(QueryError) -> Literal {
        let token = try parser.peek()
        guard token.kind == .word || token.kind == .quoted else {
            throw QueryError("expected a value after '\(op.text)'",
                             column: token.range.lowerBound, length: token.kind == .end ? 0 : token.range.count)
        }
        _ = try parser.next()
        return Literal(token.text, quoted: token.kind == .quoted, range: token.range)
    }

    /// `(V, V, ...)` or a network: `10.0.0.0/8`, `2001:db8::/32`.
    mutating func inOperand(_ op: Token) throws(QueryError) -> Operand {
        let token = try parser.peek()
        if token.kind == .open {
            _ = try parser.next()
            var items: [Literal] = []
            while true {
                items.append(try value(after: items.isEmpty ? token : Token(kind: .comma, text: ",", range: 0..<0)))
                let next = try parser.next()
                if next.kind == .close { return .list(items) }
                guard next.kind == .comma else {
                    throw QueryError("expected ',' or ')' in the list after 'in'",
                                     column: next.range.lowerBound, length: next.kind == .end ? 0 : next.range.count)
                }
            }
        }
        let literal = try value(after: op)
        guard IPNetwork(literal.text) != nil else {
            throw QueryError("in needs a list like (22, 80) or a network like 10.0.0.0/8, not \(literal.quoted ? Quoting.doubleQuoted(literal.text) : "'\(literal.text)'")",
                             at: literal.range)
        }
        return .value(literal)
    }
}
