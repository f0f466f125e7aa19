import Foundation
import Records

/// `where EXPR`: keeps the records for which the condition holds.
public struct Where: Stage, RecordStage, Equatable {
    public static let name = "where"
    public static let synopsis = "where EXPR"
    public static let summary = "keep the records that match a condition"
    public static let help = """
        Keeps the records for which EXPR holds. A condition compares a field with a value:
          FIELD OP VALUE      port=6260   timestamp > -7d   key.name contains pi
        and joins with and, or, not and parentheses (not binds tightest, then and, then or).

        Operators: = (or ==)  !=  <  <=  >  >=  ~ (regex)  !~  contains  startswith
                   in (V, V, ...)  in CIDR (10.0.0.0/8, 2001:db8::/32)
                   in (10.0.0.0/8, 192.168.0.0/16, 8.8.8.8)  values and networks mixed
        Values: 6260  word  "quoted"  'quoted'  null  true  false
                2021-11-15  2021-11-15T18:23:34Z  -24h  -7d  -30m  now
        Spaces around operators are optional; quote a value that holds spaces, |, = or quotes.

        Types come from the data: numbers compare as numbers, timestamps as instants (offsets
        honoured), IP addresses as addresses (2001:db8::1 = 2001:0db8:0:0::1). A date is its
        whole UTC day: timestamp = 2021-11-15 matches any time that day, > 2021-11-15 after it.
        An instant without an offset is UTC too (2021-11-15T18:23:34 = ...T18:23:34Z), even
        though the server shows times in the account's zone: write the offset to mean local
        time (2021-11-15T18:23:34+01:00). -24h, -7d, -30m, -2w, -10s count back from now.

        An address has fields after a dot, in every stage: source_ip.net (its /24, or /48
        for IPv6), source_ip.net16 (any length), source_ip.host (reverse DNS), and with
        'set geoip FILE' (a MaxMind .mmdb file) source_ip.country, .country_name, .city,
        .asn and .org:  where source_ip.country = BE   group source_ip.net

        Case: = and != are exact and case-sensitive. ~ ignores case; use (?-i) to respect it.
        contains and startswith ignore case.

        Null: a missing field reads as null. Only "= null" matches it, "!= null" excludes it,
        and every ordering (<, >, ...) with null is false. != and !~ are exactly not = and
        not ~, so null != 5 holds.
        """
    public static let examples = [
        StageExample("clicks | where port=6260", shows: "the clicks on port 6260", result: .rows(5874)),
        StageExample("clicks | where port = 6260 and timestamp > 2022-12-01", shows: "port 6260's clicks since a day", result: .rows(349)),
        StageExample("clicks | where source_ip in 217.81.0.0/16", shows: "clicks from one network", result: .rows(11769)),
        StageExample("clicks | where source_ip in (10.0.0.0/8, 2001:db8::/32)", shows: "clicks from either of two networks, v4 or v6", result: .rows(1672)),
        StageExample("clicks | where key_name ~ \"^pi\"", shows: "clicks through keys whose name starts with pi, any case", result: .rows(1086)),
        StageExample("clicks | where timestamp = 2021-11-15", shows: "the clicks of one UTC day", result: .rows(268)),
        StageExample("clicks | where key_name in (laptop, \"Pi London\")", shows: "clicks through either of two keys", result: .rows(377)),
        StageExample("clicks | where not (port = 22 or source_ip = null)", shows: "negation and grouping", result: .rows(178_268)),
    ]
    public static let kind = StageKind.records
    public static let syntax = StageSyntax.condition

    public var condition: Condition

    public init(_ condition: Condition) { self.condition = condition }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Where {
        Where(try arguments.condition())
    }

    public var description: String { "where \(condition)" }

    public var fieldReferences: [FieldReference] {
        condition.comparisons.map { FieldReference(path: $0.field, stage: Self.name) }
    }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep {
        WhereStep(condition.makeTest(context), checks: try literalChecks(context))
    }

    /// The checks that each literal fits the values it meets (and that each regular
    /// expression compiles: an error now, before any row is read).
    func literalChecks(_ context: EvaluationContext) throws -> [LiteralCheck] {
        var checks: [LiteralCheck] = []
        for c in condition.comparisons {
            guard case .value(let literal) = c.operand else { continue }
            if c.op == .matches || c.op == .notMatches {
                do {
                    _ = try NSRegularExpression(pattern: literal.text, options: [.caseInsensitive])
                } catch {
                    throw QueryError("'\(literal.text)' is not a valid regular expression", column: literal.range.lowerBound,
                                     length: max(1, literal.range.count))
                }
            }
            let ordering: [ComparisonOperator] = [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
            if ordering.contains(c.op) {
                checks.append(LiteralCheck(field: FieldAccessor(c.field, context: context), name: c.field.description,
                                           literal: literal, prepared: PreparedLiteral(literal, now: context.now)))
            }
        }
        return checks
    }
}

/// A comparison whose literal must fit the field's values: `port=62a0` on a numeric field,
/// or `timestamp > yesterday`, is a mistake to point at, not a silent empty answer. Checked
/// against the first non-null value of the field.
struct LiteralCheck {
    let field: FieldAccessor
    let name: String
    let literal: Literal
    let prepared: PreparedLiteral

    /// nil when the literal fits `value`, else the error.
    func problem(with value: Value) -> QueryError? {
        if prepared.isNull { return nil }
        let fits: Bool
        let what: String
        switch value {
        case .int, .double:
            fits = prepared.number != nil
            what = "\(name) holds numbers, and '\(literal.text)' is not one"
        case .time:
            fits = prepared.time != nil
            what = "\(name) holds times, and '\(literal.text)' is not one (try -24h, -7d, now, 2021-11-15 or 2021-11-15T18:00:00Z)"
        default:
            return nil
        }
        return fits ? nil : QueryError(what, column: literal.range.lowerBound, length: max(1, literal.range.count))
    }
}

final class WhereStep: RowStep {
    let test: (Record) -> Bool
    private var pending: [LiteralCheck]

    init(_ test: @escaping (Record) -> Bool, checks: [LiteralCheck] = []) {
        self.test = test
        self.pending = checks
    }

    func take(_ rows: [Record]) throws -> [Record] {
        if !pending.isEmpty { try check(rows) }
        return rows.filter(test)
    }

    private func check(_ rows: [Record]) throws {
        var left: [LiteralCheck] = []
        for c in pending {
            guard let value = rows.lazy.map({ c.field.value(of: $0) }).first(where: { !$0.isNull }) else {
                left.append(c)
                continue
            }
            if let problem = c.problem(with: value) { throw problem }
        }
        pending = left
    }
}

extension Condition {
    /// The condition as one closure over a record, built once per run.
    func makeTest(_ context: EvaluationContext) -> (Record) -> Bool {
        switch self {
        case .compare(let c):
            let field = FieldAccessor(c.field, context: context)
            let test = c.valueTest(now: context.now)
            return { test(field.value(of: $0)) }
        case .and(let a, let b):
            let (ta, tb) = (a.makeTest(context), b.makeTest(context))
            return { ta($0) && tb($0) }
        case .or(let a, let b):
            let (ta, tb) = (a.makeTest(context), b.makeTest(context))
            return { ta($0) || tb($0) }
        case .not(let a):
            let ta = a.makeTest(context)
            return { !ta($0) }
        }
    }
}
