import Records

/// `first [N]`: the first N records (10 when N is left out), then stops fetching.
public struct First: Stage, RecordStage, Equatable {
    public static let name = "first"
    public static let synopsis = "first [N]"
    public static let summary = "the first N records (default 10)"
    public static let help = """
        Passes the first N records, 10 when N is left out, and stops the fetch as soon as it
        has them: clicks | first 10 asks for one page, and
        clicks | where port=6260 | first 5 stops paging once 5 have matched.
        """
    public static let examples = [
        StageExample("clicks | first", shows: "the first 10 clicks", result: .rows(10)),
        StageExample("clicks | where port=6260 | first 2", shows: "the first 2 matches; fetching stops there", result: .rows(2)),
    ]
    public static let kind = StageKind.records
    public var demand: StageDemand { .first(rows) }
    /// N when it is left out.
    public static let defaultRows = 10

    /// N as written; nil when left out.
    public var count: Int?
    /// How many rows it passes.
    public var rows: Int { count ?? Self.defaultRows }

    public init(_ count: Int? = nil) { self.count = count }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> First {
        First(try arguments.optionalCount())
    }

    public var description: String { count.map { "first \($0)" } ?? "first" }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep { FirstStep(rows) }
}

final class FirstStep: RowStep {
    var remaining: Int
    init(_ n: Int) { remaining = n }

    var isSatisfied: Bool { remaining == 0 }

    func take(_ rows: [Record]) -> [Record] {
        guard remaining > 0 else { return [] }
        if rows.count <= remaining {
            remaining -= rows.count
            return rows
        }
        defer { remaining = 0 }
        return Array(rows.prefix(remaining))
    }
}
