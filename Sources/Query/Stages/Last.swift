import Records

/// `last [N]`: the last N records (10 when N is left out).
public struct Last: Stage, RecordStage, Equatable {
    public static let name = "last"
    public static let synopsis = "last [N]"
    public static let summary = "the last N records (default 10)"
    public static let help = """
        Passes the last N records, 10 when N is left out. It needs the whole input, and
        keeps only N records while it reads. The server's order of clicks is unspecified:
        sort first when order matters (sort timestamp | last 5).
        """
    public static let examples = [
        StageExample("clicks | sort timestamp | last 3", shows: "the 3 latest clicks, oldest of them first", result: .rows(3)),
    ]
    public static let kind = StageKind.records

    public var count: Int?
    public var rows: Int { count ?? First.defaultRows }

    public init(_ count: Int? = nil) { self.count = count }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Last {
        Last(try arguments.optionalCount())
    }

    public var description: String { count.map { "last \($0)" } ?? "last" }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep { LastStep(rows) }
}

final class LastStep: RowStep {
    let n: Int
    var kept: [Record] = []
    init(_ n: Int) { self.n = n }

    func take(_ rows: [Record]) -> [Record] {
        guard n > 0 else { return [] }
        kept.append(contentsOf: rows.suffix(n))
        // Trim once twice n are held (n can be as large as Int.max: no 2 * n).
        if kept.count > n, kept.count - n > n { kept.removeFirst(kept.count - n) }
        return []
    }

    func flush() -> [Record] { Array(kept.suffix(n)) }
}
