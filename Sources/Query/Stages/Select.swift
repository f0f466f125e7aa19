import Records

/// `select F[,F...]`: keeps only the named fields, in the order given; `*` is every field.
public struct Select: Stage, RecordStage, Equatable {
    public static let name = "select"
    public static let synopsis = "select F[,F...]"
    public static let summary = "keep only some fields, in the order given (* for every field)"
    public static let help = """
        Keeps the named fields, in the order given. A field the records do not have is an
        error that suggests the nearest one; a field that holds null shows null.
        * stands for every field of the records, in their order: a table of keys, sessions or
        clicks shows a few columns at first, and select * shows them all.
        A dotted path follows a nested object or a relation, and names its column:
        select port,key.name gives the columns port and key.name, and later stages
        read that column by the same name (| where key.name ~ "^pi").
        """
    public static let examples = [
        StageExample("clicks | select source_ip,port", shows: "two columns, source_ip first", result: .rows(178_268)),
        StageExample("sessions | select port,server,key.name", shows: "each session with its key's name", result: .rows(300)),
        StageExample("keys | select * | first 3", shows: "every field of three keys", result: .rows(3)),
    ]
    public static let kind = StageKind.records
    public static let reshapes = true
    public static let syntax = StageSyntax.fields
    public var demand: StageDemand { .eachRow }

    public var fields: [FieldPath]
    /// Fields whose first step the records lack are left out rather than shown as null: the
    /// columns a table shows by default (the shell's), not a `select` anyone typed.
    public var onlyPresent = false

    public init(_ fields: [FieldPath], onlyPresent: Bool = false) {
        self.fields = fields
        self.onlyPresent = onlyPresent
    }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Select {
        Select(try arguments.fieldList(allowDescending: false).map(\.0))
    }

    public var description: String { "select " + fields.map(\.description).joined(separator: ",") }

    /// `*` names no field of its own.
    public var fieldReferences: [FieldReference] {
        fields.filter { !$0.isEvery }.map { FieldReference(path: $0, stage: Self.name) }
    }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep {
        guard onlyPresent || fields.contains(where: \.isEvery) else {
            return SelectStep(fields.map { FieldAccessor($0, context: context) },
                              schema: Schema(fields.map(\.description)))
        }
        return SchemaSelectStep(self, context: context)
    }

    /// The fields to keep from records of `schema`: `*` spelled out, and, when
    /// ``onlyPresent``, without those whose first step the records lack.
    func fields(for schema: Schema) -> [FieldPath] {
        var out: [FieldPath] = []
        for f in fields {
            if f.isEvery {
                out += schema.fields.map { FieldPath([$0]) }
            } else if !onlyPresent || schema.position(of: f.components[0]) != nil {
                out.append(f)
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.description).inserted }
    }
}

extension FieldPath {
    /// `*`: every field.
    var isEvery: Bool { components == ["*"] }
}

/// A `select` whose columns depend on the records' fields (`*`, or the default columns):
/// worked out again for each schema that arrives.
final class SchemaSelectStep: RowStep {
    let select: Select
    let context: EvaluationContext
    private var current: (input: Schema, step: SelectStep)?

    init(_ select: Select, context: EvaluationContext) {
        self.select = select
        self.context = context
    }

    func take(_ rows: [Record]) -> [Record] {
        var out: [Record] = []
        var start = rows.startIndex
        while start < rows.endIndex {
            let schema = rows[start].schema
            let end = rows[start...].firstIndex { $0.schema !== schema } ?? rows.endIndex
            if current?.input !== schema {
                let fields = select.fields(for: schema)
                current = fields.isEmpty ? nil
                    : (schema, SelectStep(fields.map { FieldAccessor($0, context: context) }, schema: Schema(fields.map(\.description))))
            }
            // Records with none of the fields (only possible for the default columns) pass as they are.
            out += current.map { $0.step.take(Array(rows[start..<end])) } ?? Array(rows[start..<end])
            start = end
        }
        return out
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
