import Records

/// `uniq F`: the distinct values of a field, in the order first seen.
public struct Uniq: Stage, RecordStage, Equatable {
    public static let name = "uniq"
    public static let synopsis = "uniq F"
    public static let summary = "the distinct values of a field, first seen first"
    public static let help = """
        Gives one record per distinct value of the field, with that one field, in the order
        the values were first seen. Null counts as a value. To count them, use group.
        """
    public static let examples = [
        StageExample("clicks | uniq key_name", shows: "each key that was clicked through, once", result: .rows(301)),
    ]
    public static let kind = StageKind.records
    public static let reshapes = true
    public static let syntax = StageSyntax.fields

    public var field: FieldPath

    public init(_ field: FieldPath) { self.field = field }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Uniq {
        Uniq(try arguments.field())
    }

    public var description: String { "uniq \(field)" }
    public var fieldReferences: [FieldReference] { [FieldReference(path: field, stage: Self.name)] }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep {
        UniqStep(FieldAccessor(field, context: context), schema: Schema([field.description]))
    }
}

final class UniqStep: RowStep {
    let field: FieldAccessor
    let schema: Schema
    var seen: Set<Value> = []

    init(_ field: FieldAccessor, schema: Schema) {
        self.field = field
        self.schema = schema
    }

    func take(_ rows: [Record]) -> [Record] {
        var out: [Record] = []
        for row in rows {
            let v = field.value(of: row)
            if seen.insert(v).inserted { out.append(Record(schema: schema, values: [v])) }
        }
        return out
    }
}
