/// Reads one field from records one after another, looking up where it sits once per schema
/// (records of a page share one), not once per record.
public struct FieldLookup {
    public let field: String
    private var schema: Schema?
    private var position: Int?

    public init(_ field: String) { self.field = field }

    /// The field's value in `r`, `.null` when `r` lacks it.
    @inline(__always)
    public mutating func value(in r: Record) -> Value {
        if r.schema !== schema {
            schema = r.schema
            position = r.schema.position(of: field)
        }
        return position.map { r[position: $0] } ?? .null
    }
}
