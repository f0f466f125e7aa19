import Records

/// One stage of a pipeline: `where`, `select`, `count`, `table`, ...
///
/// Each stage is one file under `Stages/`, registered in ``StageCatalog/all``. The static
/// members are its documentation (what `help` prints), `parse` reads its arguments, and an
/// instance is one use of it in a line (`first 5`). ``examples`` are run by the tests.
public protocol Stage: Sendable, CustomStringConvertible {
    /// The word that names it: `where`.
    static var name: String { get }
    /// How it is written: `where EXPR`.
    static var synopsis: String { get }
    /// One line for the list of stages.
    static var summary: String { get }
    /// A few paragraphs for `help where`.
    static var help: String { get }
    /// Lines to try, each with what it shows. `help` prints them; a test runs them.
    static var examples: [StageExample] { get }
    /// What it takes and gives: records to records, records to a value, or to text.
    static var kind: StageKind { get }
    /// Whether the records it gives have fields of its own making (`select`, `group`,
    /// `uniq`): later stages name those, not the source's.
    static var reshapes: Bool { get }

    /// What its arguments are, for completion.
    static var syntax: StageSyntax { get }

    /// How much of its input it needs: the shell fetches no more than that (``FetchHint``).
    var demand: StageDemand { get }

    /// Reads the stage's arguments after its name.
    static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Self

    /// The fields it reads, with where they were written.
    var fieldReferences: [FieldReference] { get }

    /// Whether `other` is the same stage with the same arguments (positions aside).
    func isSame(as other: any Stage) -> Bool
}

extension Stage where Self: Equatable {
    public func isSame(as other: any Stage) -> Bool { (other as? Self) == self }
}

extension Stage {
    public var fieldReferences: [FieldReference] { [] }
    public static var reshapes: Bool { false }
    public var demand: StageDemand { Self.kind == .renderer ? .eachRow : .everything }
    public static var syntax: StageSyntax { .none }
}

/// What a stage's arguments are, for completion: TAB reads this, so a new stage completes
/// with no other edit.
public enum StageSyntax: Sendable, Equatable {
    /// Nothing to complete (`count`, `table`, `first 5`).
    case none
    /// Field names, comma-separated (`select`, `sort`, `sum`).
    case fields
    /// A condition: fields, operators, values, `and`/`or` (`where`).
    case condition
    /// One field, then optionally `by` and one of these words (`group F by day`).
    case fieldBy([String])
}

/// How much of its input a stage needs, read from the start of a line to fetch no more:
/// `clicks | select port | count` needs only the count, `clicks | first 10` only 10 rows.
public enum StageDemand: Sendable, Equatable {
    /// One row out for each row in, in order (`select`, renderers): what follows decides.
    case eachRow
    /// Only how many rows there are (`count`).
    case count
    /// The first N rows (`first N`).
    case first(Int)
    /// Every row (`where`, `sort`, `group`, ...).
    case everything
}

/// What a stage takes and gives.
public enum StageKind: Sendable, Equatable {
    /// Records in, records out: `where`, `select`, `sort`, `first`, `uniq`, `group`, ...
    case records
    /// Records in, one value out: `count`, `sum`, `avg`, `min`, `max`.
    case reduction
    /// Records or a value in, text out; must be last: `table`, `json`, `jsonl`, `csv`.
    case renderer
}

/// A line that shows a stage (or a shell command) at work, for `help` and for the tests,
/// with what it gives on the demo data (`opsh --demo`), which a test checks (nushell's `result:`).
public struct StageExample: Sendable, Equatable {
    /// A whole command line: `clicks | where port=6260 | count`.
    public var line: String
    /// What it shows, in a few words.
    public var shows: String
    /// What it gives on the demo data.
    public var result: ExampleResult

    public init(_ line: String, shows: String, result: ExampleResult) {
        self.line = line
        self.shows = shows
        self.result = result
    }

    /// What it shows, with its result on the demo data: "how many clicks there are (demo: 178268)".
    public var showsWithResult: String {
        switch result {
        case .value(let v): return "\(shows) (demo: \(v))"
        case .rows(let n): return "\(shows) (demo: \(DigitGroups.text(n)) row\(n == 1 ? "" : "s"))"
        case .live, .quiet, .contains: return shows
        }
    }
}

/// What an example gives on the demo data.
public enum ExampleResult: Sendable, Equatable {
    /// One value, as printed: `5874`.
    case value(String)
    /// This many records (rows of a table, lines of JSON, groups, bars).
    case rows(Int)
    /// It runs until stopped (`follow`, `watch`).
    case live
    /// It prints nothing and changes something (`set format json`, `refresh clicks`).
    case quiet
    /// Its output holds this text (`open 6260` shows the session's links).
    case contains(String)
}

/// Reads the arguments of one stage; handed to ``Stage/parse(_:)``.
public struct StageArguments {
    var parser: Parser
    let stage: any Stage.Type
    /// Where the stage's name was written.
    let nameRange: Range<Int>

    func usageError(_ what: String, at token: Token) -> QueryError {
        let range = token.kind == .end ? token.range.lowerBound..<token.range.lowerBound : token.range
        return QueryError("\(stage.name) needs \(what), like: \(stage.examples.first.map { exampleStage($0.line) } ?? stage.synopsis)",
                          at: range)
    }

    /// The part of an example line from this stage's name on: `where port=6260`.
    private func exampleStage(_ line: String) -> String {
        let pieces = line.components(separatedBy: " | ")
        return pieces.first { $0.hasPrefix(stage.name + " ") || $0 == stage.name } ?? stage.synopsis
    }

    /// One field path: `port`, `key.name`.
    mutating func field() throws(QueryError) -> FieldPath {
        let token = try parser.peek()
        guard token.kind == .word, !Self.ends(token) else { throw usageError("a field", at: token) }
        parser.pos = token.range.upperBound
        return try Self.path(token)
    }

    /// `a,b,c` (spaces around the commas allowed); with `allowDescending`, `-a` too.
    mutating func fieldList(allowDescending: Bool) throws(QueryError) -> [(FieldPath, descending: Bool)] {
        var fields: [(FieldPath, descending: Bool)] = []
        while true {
            let token = try parser.peek()
            guard token.kind == .word, !Self.ends(token) else {
                throw usageError(fields.isEmpty ? "fields" : "a field after ','", at: token)
            }
            parser.pos = token.range.upperBound
            if allowDescending, token.text.hasPrefix("-"), token.text.count > 1 {
                var rest = token
                rest.text.removeFirst()
                rest.range = (token.range.lowerBound + 1)..<token.range.upperBound
                fields.append((try Self.path(rest), true))
            } else {
                fields.append((try Self.path(token), false))
            }
            guard try parser.peek().kind == .comma else { return fields }
            _ = try parser.next()
        }
    }

    /// An optional whole number of rows: `first`, `first 5`.
    mutating func optionalCount() throws(QueryError) -> Int? {
        let token = try parser.peek()
        guard token.kind == .word || token.kind == .quoted else { return nil }
        guard let n = Int(token.text), n >= 0 else {
            throw QueryError("\(stage.name) needs a number of rows, not \(token.quotedForMessage)", at: token.range)
        }
        parser.pos = token.range.upperBound
        return n
    }

    /// A `where` condition.
    mutating func condition() throws(QueryError) -> Condition {
        let token = try parser.peek()
        if token.kind == .end || token.kind == .pipe || (token.kind == .symbol && (token.text == ">" || token.text == ">>")) {
            throw usageError("a condition", at: token)
        }
        var reader = ConditionParser(parser: parser)
        let condition = try reader.parseOr()
        parser = reader.parser
        return condition
    }

    /// A word that cannot be a field because it ends the stage.
    private static func ends(_ token: Token) -> Bool { token.kind == .end }

    static func path(_ token: Token) throws(QueryError) -> FieldPath {
        let path = FieldPath(token.text, range: token.range)
        if path.components.contains(where: \.isEmpty) || token.text.hasPrefix("-") {
            throw QueryError("'\(token.text)' is not a field name", at: token.range)
        }
        return path
    }
}
