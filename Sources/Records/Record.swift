/// The ordered field names shared by many records.
///
/// Records of one resource nearly always carry the same fields in the same order, so they
/// share one schema instance instead of each holding its own copy of the names.
public final class Schema: Sendable, Hashable {
    public let fields: [String]
    private let index: [String: Int]

    public init(_ fields: [String]) {
        self.fields = fields
        var index = [String: Int](minimumCapacity: fields.count)
        for (i, f) in fields.enumerated() where index[f] == nil { index[f] = i }
        self.index = index
    }

    /// Where a field sits, or nil when records of this schema lack it.
    @inline(__always)
    public func position(of field: String) -> Int? { index[field] }

    public static func == (a: Schema, b: Schema) -> Bool { a === b || a.fields == b.fields }
    public func hash(into h: inout Hasher) { h.combine(fields) }
}

/// The values of one or more records of one schema, stored one row after another.
///
/// A page of a thousand clicks is one storage, not a thousand arrays: each row then costs
/// its values and nothing more (about 64 bytes less a row than an array each, which is what
/// keeps 178,268 cached clicks within the memory budget).
public final class RowStorage: Sendable {
    public let schema: Schema
    let values: [Value]

    init(schema: Schema, values: [Value]) {
        self.schema = schema
        self.values = values
    }
}

/// One record: a row of a resource (a key, a click, ...) or a nested JSON object.
///
/// Field order is kept as the server sent it. A missing field reads as `.null`, never fails.
public struct Record: Sendable, Hashable {
    let storage: RowStorage
    let start: Int

    public init(schema: Schema, values: [Value]) {
        precondition(schema.fields.count == values.count, "a record needs one value per field")
        self.storage = RowStorage(schema: schema, values: values)
        self.start = 0
    }

    init(storage: RowStorage, start: Int) {
        self.storage = storage
        self.start = start
    }

    /// Records that share `schema`, built over one storage: `values` holds row after row.
    public static func rows(schema: Schema, values: [Value]) -> [Record] {
        let width = schema.fields.count
        guard width > 0 else { return [] }
        precondition(values.count % width == 0, "rows need one value per field each")
        let storage = RowStorage(schema: schema, values: values)
        return stride(from: 0, to: values.count, by: width).map { Record(storage: storage, start: $0) }
    }

    /// A record from (name, value) pairs, in order.
    public init(_ pairs: [(String, Value)]) {
        self.init(schema: Schema(pairs.map(\.0)), values: pairs.map(\.1))
    }

    public var schema: Schema { storage.schema }
    public var fields: [String] { storage.schema.fields }

    /// The values, in field order.
    public var values: RecordValues { RecordValues(storage: storage, start: start, count: storage.schema.fields.count) }

    /// The field's value, `.null` when the record has no such field.
    @inline(__always)
    public subscript(field: String) -> Value {
        guard let i = storage.schema.position(of: field) else { return .null }
        return storage.values[start + i]
    }

    /// The value at a position of the schema.
    @inline(__always)
    public subscript(position position: Int) -> Value { storage.values[start + position] }

    /// Follows a dotted path through nested objects: `["key", "name"]`.
    /// A missing step, or a step into something that is not an object, gives `.null`.
    public func value(at path: some Collection<String>) -> Value {
        var current = Value.object(self)
        for step in path {
            guard case .object(let r) = current else { return .null }
            current = r[step]
        }
        return current
    }

    /// Whether the record has the field at all (as opposed to having it with `null`).
    public func has(_ field: String) -> Bool { storage.schema.position(of: field) != nil }

    /// The pairs, in order.
    public var pairs: [(String, Value)] { Array(zip(fields, values)) }

    /// A copy with `field` set to `value` (added at the end when absent).
    public func setting(_ field: String, to value: Value) -> Record {
        var copy = Array(values)
        if let i = schema.position(of: field) {
            copy[i] = value
            return Record(schema: schema, values: copy)
        }
        return Record(schema: Schema(fields + [field]), values: copy + [value])
    }

    public static func == (a: Record, b: Record) -> Bool {
        a.schema == b.schema && a.values.elementsEqual(b.values)
    }
    public func hash(into h: inout Hasher) {
        h.combine(schema)
        for v in values { h.combine(v) }
    }
}

/// The values of one record, indexed from 0 in field order.
public struct RecordValues: RandomAccessCollection, Sendable {
    let storage: RowStorage
    let start: Int
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    @inline(__always)
    public subscript(position: Int) -> Value { storage.values[start + position] }
}
