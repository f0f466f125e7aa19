import Records

/// Reads one field path from records, remembering where the field sits for the last schema
/// it saw, so a batch of records sharing a schema costs one dictionary lookup.
final class FieldAccessor {
    let path: [String]
    private let relation: @Sendable (String, Value) -> Record?
    private var schema: Schema?
    private var position: Int?
    /// Related records already looked up, per step of the path: one call of `relation` per
    /// distinct value in a run.
    private var related: [[Value: Record?]]
    /// A last step that names a field of an address (`source_ip.country`), and its values
    /// already worked out, per address text (nil: that text is no address).
    private let addressField: AddressField?
    private let addresses: any AddressLookup
    private var derived: [String: Value?] = [:]

    init(_ path: FieldPath, relation: @escaping @Sendable (String, Value) -> Record?,
         addresses: any AddressLookup = NoAddressLookup()) {
        self.path = path.components
        self.relation = relation
        self.related = Array(repeating: [:], count: path.components.count)
        self.addressField = path.components.count > 1 ? AddressField(name: path.components[path.components.count - 1]) : nil
        self.addresses = addresses
    }

    /// An accessor that follows the context's relations and address lookups.
    convenience init(_ path: FieldPath, context: EvaluationContext) {
        self.init(path, relation: context.relation, addresses: context.addresses)
    }

    /// Where a column named by the whole dotted path sits (`key.name` after `select
    /// port,key.name`): such a column is the value itself, read as it is.
    private var wholePosition: Int?

    @inline(__always)
    func value(of record: Record) -> Value {
        if record.schema !== schema {
            schema = record.schema
            position = record.schema.position(of: path[0])
            wholePosition = path.count > 1 ? record.schema.position(of: path.joined(separator: ".")) : nil
        }
        if let wholePosition { return record[position: wholePosition] }
        guard let position else { return path.count == 1 ? .null : join(record) }
        let head = record[position: position]
        return path.count == 1 ? head : follow(head)
    }

    /// A dotted path whose first field the record lacks (`key.name` on a click, which has only
    /// `key_name`): `relation` gets the whole record to find the related one from.
    private func join(_ record: Record) -> Value {
        guard let related = relation(path[0], .object(record)) else { return .null }
        return follow(.object(related))
    }

    /// The rest of a dotted path: into nested objects, or through `relation` when a step
    /// holds something else (a URL, an id).
    private func follow(_ head: Value) -> Value {
        var current = head
        for i in 1..<path.count {
            switch current {
            case .object(let r):
                current = r[path[i]]
            case .null:
                return .null
            case .string(let text) where i == path.count - 1 && addressField != nil:
                if let known = derived[text] {
                    if let known { return known }
                } else if let address = IPAddress(text), let field = addressField {
                    let value = field.value(of: address, lookup: addresses)
                    derived[text] = .some(value)
                    return value
                } else {
                    derived[text] = .some(nil)
                }
                fallthrough
            default:
                let record: Record?
                if let known = related[i][current] {
                    record = known
                } else {
                    record = relation(path[i - 1], current)
                    related[i][current] = .some(record)
                }
                guard let record else { return .null }
                current = record[path[i]]
            }
        }
        return current
    }
}

/// A value made ready for ordering: text that reads as an IP address carries the address,
/// parsed once, so `sort source_ip` orders as `where` compares; a network (`10.1.2.0/24`,
/// as `source_ip.net` gives) orders by its address.
struct OrderKey {
    let value: Value
    let ip: IPAddress?

    @inline(__always)
    init(_ value: Value) {
        self.value = value
        if case .string(let s) = value, let first = s.utf8.first, first == 58 || (first >= 48 && first <= 57) || (first | 0x20 >= 97 && first | 0x20 <= 102) {
            ip = IPAddress(s) ?? IPNetwork(s)?.address
        } else {
            ip = nil
        }
    }

    var isNull: Bool { value.isNull }
}

/// The order `sort`, `min` and `max` use.
///
/// Within a kind: numbers numerically (ints and doubles together), timestamps as instants,
/// text by Unicode order (case-sensitive), false before true. Text that reads as an IP
/// address orders by address (IPv4 before IPv6, an IPv4-mapped `::ffff:a.b.c.d` among the
/// IPv6 ones, as `where` compares) and before other text. Across kinds: booleans, numbers,
/// timestamps, text, lists, objects. Nulls are handled by the callers (always last).
enum ValueOrder {
    /// -1, 0 or 1, with addresses in text compared as addresses.
    @inline(__always)
    static func compare(_ a: OrderKey, _ b: OrderKey) -> Int {
        switch (a.ip, b.ip) {
        case (let x?, let y?): return x < y ? -1 : x == y ? 0 : 1
        case (.some, nil): if case .string = b.value { return -1 }
        case (nil, .some): if case .string = a.value { return 1 }
        case (nil, nil): break
        }
        return compare(a.value, b.value)
    }

    static func rank(_ v: Value) -> Int {
        switch v {
        case .bool: return 0
        case .int, .double: return 1
        case .time: return 2
        case .string: return 3
        case .list: return 4
        case .object: return 5
        case .null: return 6
        }
    }

    /// -1, 0 or 1.
    @inline(__always)
    static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.time(let x), .time(let y)): return x.micros < y.micros ? -1 : x.micros == y.micros ? 0 : 1
        case (.string(let x), .string(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.double(let x), .double(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.int(let x), .double(let y)): return Double(x) < y ? -1 : Double(x) == y ? 0 : 1
        case (.double(let x), .int(let y)): return x < Double(y) ? -1 : x == Double(y) ? 0 : 1
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        default:
            let (ra, rb) = (rank(a), rank(b))
            if ra != rb { return ra < rb ? -1 : 1 }
            let (ta, tb) = (a.plainText, b.plainText)
            return ta < tb ? -1 : ta == tb ? 0 : 1
        }
    }
}
