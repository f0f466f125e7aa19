import Records

/// `select F[,F...]`: keeps only the named fields, in the order given.
public struct Select: Stage, RecordStage, Equatable {
    public static let name = "select"
    public static let synopsis = "select F[,F...]"
    public static let summary = "keep only some fields, in the order given"
    public static let help = """
        Keeps the named fields, in the order given. A field the records do not have is an
        error that suggests the nearest one; a field that holds null shows null.
        A dotted path follows a nested object or a relation, and names its column:
        select port,key.name gives the columns port and key.name, and later stages
        read that column by the same name (| where key.name ~ "^pi").
        """
    public static let examples = [
        StageExample("clicks | select source_ip,port", shows: "two columns, source_ip first", result: .rows(178_268)),
        StageExample("sessions | select port,server,key.name", shows: "each session with its key's name", result: .rows(300)),
    ]
    public static let kind = StageKind.records
    public static let reshapes = true
    public static let syntax = StageSyntax.fields
    public var demand: StageDemand { .eachRow }

    public var fields: [FieldPath]

    public init(_ fields: [FieldPath]) { self.fields = fields }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Select {
        Select(try arguments.fieldList(allowDescending: false).map(\.0))
    }

    public var description: String { "select " + fields.map(\.description).joined(separator: ",") }

    public var fieldReferences: [FieldReference] { fields.map { FieldReference(path: $0, stage: Self.name) } }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep {
        SelectStep(fields.map { FieldAccessor($0, context: context) },
                   schema: Schema(fields.map(\.description)))
    }
}

final class SelectStep: RowStep {
    let fields: [FieldAccessor]
    let schema: Schema

    init(_ fields: [FieldAccessor], schema: Schema) {
        self.fields = fields
        self.schema = schema
    }

    func take(_ rows: [Record]) -> [Record] {
        var flat: [Value] = []
        flat.reserveCapacity(rows.count * fields.count)
        for row in rows {
            for f in fields { flat.append(f.value(of: row)) }
        }
        return Record.rows(schema: schema, values: flat)
    }
}
