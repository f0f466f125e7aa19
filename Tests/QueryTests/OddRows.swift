import Records

/// Rows with every shape a server may send, made from a seed: a field's values change type
/// from row to row (numbers, text, timestamps, nulls, lists, objects), records gain, lose,
/// reorder and repeat fields, names differ only in Unicode normalisation, integers pass
/// 2^53, text holds addresses of every family, control characters and timestamps' look-alikes.
struct OddRows {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Field names: the click fields, and odd ones (é precomposed and decomposed, empty, a
    /// dot, a space, an emoji).
    static let names = ["port", "source_ip", "timestamp", "key_name", "caf\u{e9}", "cafe\u{301}", "", "key.name", "a b", "🎉"]

    static let texts: [String] = [
        "", "1.2.3.4", "10.0.0.1", "2001:db8::1", "2001:0DB8:0:0::1", "::ffff:10.0.0.1", "::1", "fe80::1%eth0",
        "caf\u{e9}", "cafe\u{301}", "Pi London", "pi", "PI", "6260", "6260.0", "-0", "1e3", "null", "true",
        "2021-11-15", "2021-11-15T18:23:34Z", "2021-11-15 18:23:34+0100", "\u{1b}[31mred", "tab\there", "日本",
        "a|b=c#d", "\u{202e}bidi", "0x1F",
    ]

    static let times = [
        "2021-11-15T18:23:34.113431+01:00", "2021-11-15T17:23:34.113431Z", "2021-11-15T17:23:34.113431+00:00",
        "2021-03-28T02:30:00Z", "2021-10-31T02:30:00.1+02:00", "2021-10-31T02:30:00.1+01:00", "2022-12-31T23:59:59-09:30",
        "1969-12-31T23:59:59.999999Z", "2021-11-16T00:00:00Z", "2021-11-15T00:00:00+14:00",
    ].compactMap { Timestamp($0) }

    /// A value of any kind; `kind` leans it to one (0 numbers, 1 text, 2 timestamps).
    mutating func value(leaning kind: Int, depth: Int = 0) -> Value {
        let roll = below(100)
        if roll < 8 { return .null }
        if roll < 80 {
            switch kind {
            case 0: return .int(pick([6260, 22, 8080, 0, -1, 65535, 9_007_199_254_740_993, Int.max, Int.min, below(40)]))
            case 1: return .string(pick(OddRows.texts))
            default:
                var t = pick(OddRows.times)
                t.micros += Int64(below(5)) * 86_400_000_000 + Int64(below(1000))
                return .time(t)
            }
        }
        switch below(8) {
        case 0: return .bool(chance(0.5))
        case 1: return .double(pick([0.0, -0.0, 1.5, 6260.0, 1.5e300, -2.5e-308, 0.1]))
        case 2 where depth < 2: return .list((0..<below(3)).map { _ in value(leaning: below(3), depth: depth + 1) })
        case 3 where depth < 2:
            return .object(Record([("name", value(leaning: 1, depth: depth + 1)), ("id", value(leaning: 0, depth: depth + 1))]))
        case 4: return .time(pick(OddRows.times))
        case 5: return .int(below(70_000))
        default: return .string(pick(OddRows.texts) + String(below(50)))
        }
    }

    /// `count` records: mostly one schema, some with fields added, missing, reordered or
    /// repeated; each field leaning to one kind of value.
    mutating func records(_ count: Int, schemas: Int = 6) -> [Record] {
        var fieldLists: [[String]] = [["port", "source_ip", "timestamp", "key_name"]]
        for _ in 1..<max(1, schemas) {
            var fields = fieldLists[0].filter { _ in !chance(0.2) }
            for _ in 0..<below(3) { fields.insert(pick(OddRows.names), at: below(fields.count + 1)) }
            if chance(0.3) { fields.shuffle(using: &self) }
            fieldLists.append(fields)
        }
        let shared = fieldLists.map(Schema.init)
        // Keyed by bytes: as Swift strings, the two spellings of café are one key.
        let lean: [[UInt8]: Int] = [Array("port".utf8): 0, Array("source_ip".utf8): 1, Array("timestamp".utf8): 2,
                                    Array("key_name".utf8): 1, Array("caf\u{e9}".utf8): 0, Array("cafe\u{301}".utf8): 1]
        return (0..<count).map { _ in
            let s = chance(0.85) ? 0 : below(shared.count)
            // A schema made for the row alone now and then (pages parse into schemas of their own).
            let schema = chance(0.05) ? Schema(fieldLists[s]) : shared[s]
            return Record(schema: schema, values: schema.fields.map { value(leaning: lean[Array($0.utf8)] ?? below(3)) })
        }
    }
}

extension OddRows: RandomNumberGenerator {}

/// Whether two values are the same byte for byte: text by its UTF-8, numbers by their bits
/// and kind, timestamps by instant, offset, digits and `Z`, records by field names too.
func same(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.int(let x), .int(let y)): return x == y
    case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
    case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.time(let x), .time(let y)):
        return x.micros == y.micros && x.offsetMinutes == y.offsetMinutes && x.fractionDigits == y.fractionDigits && x.zulu == y.zulu
    case (.list(let x), .list(let y)): return x.count == y.count && zip(x, y).allSatisfy(same)
    case (.object(let x), .object(let y)): return same(x, y)
    default: return false
    }
}

func same(_ a: Record, _ b: Record) -> Bool {
    a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
        && zip(a.values, b.values).allSatisfy(same)
}

func same(_ a: some Sequence<Record>, _ b: some Sequence<Record>) -> Bool {
    let (x, y) = (Array(a), Array(b))
    return x.count == y.count && zip(x, y).allSatisfy(same)
}
