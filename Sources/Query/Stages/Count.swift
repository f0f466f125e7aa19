import Records

/// `count`: the number of records.
public struct Count: Stage, ReductionStage, Equatable {
    public static let name = "count"
    public static let synopsis = "count"
    public static let summary = "the number of records"
    public static let help = """
        Counts the records and gives the number. No rows are kept: clicks | count makes a
        single request and reads the total the server reports; after a filter it counts as
        the pages stream by.
        """
    public static let examples = [
        StageExample("clicks | count", shows: "how many clicks there are", result: .value("178268")),
        StageExample("clicks | where port=6260 | count", shows: "how many clicks were on port 6260", result: .value("5874")),
    ]
    public static let kind = StageKind.reduction
    public var demand: StageDemand { .count }

    public init() {}

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Count { Count() }

    public var description: String { "count" }

    func makeReducer(_ context: EvaluationContext, range: Range<Int>) -> any Reducer { CountReducer() }
}

final class CountReducer: Reducer {
    var n = 0
    func take(_ rows: [Record]) { n += rows.count }
    func result() -> Value { .int(n) }
}
