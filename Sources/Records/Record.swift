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

/// One record: a row of a resource (a key, a click, ...) or a nested JSON object.
///
/// Field order is kept as the server sent it. A missing field reads as `.null`, never fails.
public struct Record: Sendable, Hashable {
    public let schema: Schema
    public private(set) var values: [Value]

    public init(schema: Schema, values: [Value]) {
        precondition(schema.fields.count == values.count, "a record needs one value per field")
        self.schema = schema
        self.values = values
    }

    /// A record from (name, value) pairs, in order.
    public init(_ pairs: [(String, Value)]) {
        self.init(schema: Schema(pairs.map(\.0)), values: pairs.map(\.1))
    }

    public var fields: [String] { schema.fields }

    /// The field's value, `.null` when the record has no such field.
    @inline(__always)
    public subscript(field: String) -> Value {
        guard let i = schema.position(of: field) else { return .null }
        return values[i]
    }

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
    public func has(_ field: String) -> Bool { schema.position(of: field) != nil }

    /// The pairs, in order.
    public var pairs: [(String, Value)] { Array(zip(schema.fields, values)) }

    /// A copy with `field` set to `value` (added at the end when absent).
    public func setting(_ field: String, to value: Value) -> Record {
        if let i = schema.position(of: field) {
            var copy = self
            copy.values[i] = value
            return copy
        }
        return Record(schema: Schema(schema.fields + [field]), values: values + [value])
    }

    public static func == (a: Record, b: Record) -> Bool {
        a.schema == b.schema && a.values == b.values
    }
    public func hash(into h: inout Hasher) {
        h.combine(schema)
        h.combine(values)
    }
}
