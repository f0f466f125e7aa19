import Records

/// `group F`: how many records hold each value of a field, most frequent first.
public struct Group: Stage, RecordStage, Equatable {
    public static let name = "group"
    public static let synopsis = "group F"
    public static let summary = "count the records per value of a field, most frequent first"
    public static let help = """
        Gives one record per distinct value of the field: {F: value, count: n}, most
        frequent first; values with equal counts keep the order they were first seen in.
        Null counts as a value. Keeps one counter per distinct value, not the records.
        """
    public static let examples = [
        StageExample("clicks | group source_ip | first 5", shows: "the 5 addresses that clicked most"),
        StageExample("clicks | where timestamp > -7d | group port", shows: "this week's clicks per port"),
    ]
    public static let kind = StageKind.records
    public static let reshapes = true

    public var field: FieldPath

    public init(_ field: FieldPath) { self.field = field }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Group {
        Group(try arguments.field())
    }

    public var description: String { "group \(field)" }
    public var fieldReferences: [FieldReference] { [FieldReference(path: field, stage: Self.name)] }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep { makeStep(context, limit: nil) }

    /// With a `limit` (from a `first N` right after), orders only the top N groups.
    func makeStep(_ context: EvaluationContext, limit: Int?) -> any RowStep {
        GroupStep(FieldAccessor(field, relation: context.relation), schema: Schema([field.description, "count"]), limit: limit)
    }
}

final class GroupStep: RowStep {
    let field: FieldAccessor
    let schema: Schema
    /// With a `first N` right after: only the top N groups are ordered.
    let limit: Int?
    /// Text values (the usual case) hash faster as plain strings.
    var textIndex: [String: Int] = [:]
    var otherIndex: [Value: Int] = [:]
    var values: [Value] = []
    var counts: [Int] = []

    init(_ field: FieldAccessor, schema: Schema, limit: Int? = nil) {
        self.field = field
        self.schema = schema
        self.limit = limit
    }

    func take(_ rows: [Record]) -> [Record] {
        for row in rows {
            let v = field.value(of: row)
            if case .string(let s) = v {
                if let i = textIndex[s] {
                    counts[i] += 1
                } else {
                    textIndex[s] = values.count
                    values.append(v)
                    counts.append(1)
                }
            } else if let i = otherIndex[v] {
                counts[i] += 1
            } else {
                otherIndex[v] = values.count
                values.append(v)
                counts.append(1)
            }
        }
        return []
    }

    func flush() -> [Record] {
        let counts = self.counts
        func before(_ a: Int, _ b: Int) -> Bool { counts[a] != counts[b] ? counts[a] > counts[b] : a < b }
        var order: [Int]
        if let limit, limit < values.count / 4 {
            // Keep the best `limit` in order; most candidates lose to the worst kept at once.
            order = []
            order.reserveCapacity(limit + 1)
            for i in values.indices {
                if order.count == limit, let worst = order.last, !before(i, worst) { continue }
                var lo = 0
                var hi = order.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if before(i, order[mid]) { hi = mid } else { lo = mid + 1 }
                }
                order.insert(i, at: lo)
                if order.count > limit { order.removeLast() }
            }
        } else {
            order = values.indices.sorted(by: before)
        }
        return order.map { Record(schema: schema, values: [values[$0], .int(counts[$0])]) }
    }
}
