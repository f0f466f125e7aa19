/// The condition of a `where` stage.
///
/// `and` binds tighter than `or`, `not` tighter than both; both are left-associative.
///
///     port = 6260 and (timestamp > -7d or key_name contains pi)
public indirect enum Condition: Sendable, Equatable, CustomStringConvertible {
    case compare(Comparison)
    case and(Condition, Condition)
    case or(Condition, Condition)
    case not(Condition)

    /// The canonical text, with parentheses only where grouping needs them.
    public var description: String {
        switch self {
        case .compare(let c): return c.description
        case .and(let a, let b): return "\(a.grouped(above: 1, right: false)) and \(b.grouped(above: 1, right: true))"
        case .or(let a, let b): return "\(a.grouped(above: 0, right: false)) or \(b.grouped(above: 0, right: true))"
        case .not(let a): return "not \(a.grouped(above: 2, right: true))"
        }
    }

    /// Every comparison in the condition, left to right.
    public var comparisons: [Comparison] {
        switch self {
        case .compare(let c): return [c]
        case .and(let a, let b), .or(let a, let b): return a.comparisons + b.comparisons
        case .not(let a): return a.comparisons
        }
    }

    private var precedence: Int {
        switch self {
        case .or: return 0
        case .and: return 1
        case .not: return 2
        case .compare: return 3
        }
    }

    /// Parenthesised when it binds looser than its parent (or as loose, on the right).
    private func grouped(above parent: Int, right: Bool) -> String {
        let needs = right ? precedence <= parent : precedence < parent
        return needs && precedence < 3 ? "(\(description))" : description
    }
}

/// `field OP value`: one test of a `where` condition.
public struct Comparison: Sendable, Equatable, CustomStringConvertible {
    public var field: FieldPath
    public var op: ComparisonOperator
    public var operand: Operand
    /// Where the operator was written, in `Character` offsets.
    public var opRange: Range<Int>

    public init(field: FieldPath, op: ComparisonOperator, operand: Operand, opRange: Range<Int> = 0..<0) {
        self.field = field
        self.op = op
        self.operand = operand
        self.opRange = opRange
    }

    public var description: String { "\(field) \(op.rawValue) \(operand)" }

    public static func == (a: Comparison, b: Comparison) -> Bool {
        a.field == b.field && a.op == b.op && a.operand == b.operand
    }
}

/// The operators of a comparison, spelled canonically (`==` parses as `.equal`).
public enum ComparisonOperator: String, Sendable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case matches = "~"
    case notMatches = "!~"
    case contains
    case startsWith = "startswith"
    case `in`

    /// Operators that are words rather than symbols.
    static let words: [String] = ["contains", "startswith", "in"]
}

/// The right-hand side of a comparison: one value, or `(V, V, ...)` after `in`.
public enum Operand: Sendable, Equatable, CustomStringConvertible {
    case value(Literal)
    case list([Literal])

    public var description: String {
        switch self {
        case .value(let v): return v.description
        case .list(let items): return "(" + items.map(\.description).joined(separator: ", ") + ")"
        }
    }

    public var literals: [Literal] {
        switch self {
        case .value(let v): return [v]
        case .list(let items): return items
        }
    }
}

/// A value as written: `6260`, `pi`, `"Pi London"`, `null`, `2021-11-15`, `-24h`,
/// `10.0.0.0/8`. What it means is decided when it meets a field's value (see `Comparison.swift`):
/// the same `6260` compares as a number with a number and as text with text.
public struct Literal: Sendable, Equatable, CustomStringConvertible {
    public var text: String
    /// Written in quotes: never a keyword (`"null"` is the text null).
    public var quoted: Bool
    public var range: Range<Int>

    public init(_ text: String, quoted: Bool = false, range: Range<Int> = 0..<0) {
        self.text = text
        self.quoted = quoted
        self.range = range
    }

    public var description: String { Quoting.word(text, quoted: quoted) }

    public static func == (a: Literal, b: Literal) -> Bool { a.text == b.text && a.quoted == b.quoted }
}
