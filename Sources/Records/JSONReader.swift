/// A JSON parse error, with the byte offset where parsing stopped.
public struct JSONError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// Reads JSON text into ``Value``s.
///
/// Objects become ``Record``s; records with the same field names share one ``Schema``
/// (a reader keeps the schemas it has seen, so reuse one reader across the pages of a
/// resource). Strings in DRF's datetime form become ``Timestamp``s.
public final class JSONReader {
    private var schemas: [[String]: Schema] = [:]
    private var lastSchema: Schema?

    public init() {}

    /// Parses one JSON document. Whitespace around it is allowed; anything else is an error.
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> Value {
        let result: Result<Value, JSONError> = bytes.withContiguousStorageIfAvailable { buf in
            parse(buffer: buf)
        } ?? Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }
        return try result.get()
    }

    /// Parses JSON text.
    public func parse(_ text: String) throws(JSONError) -> Value {
        var copy = text
        let result = copy.withUTF8 { parse(buffer: $0) }
        return try result.get()
    }

    private func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<Value, JSONError> {
        var cursor = Cursor(bytes: buffer, reader: self)
        do throws(JSONError) {
            cursor.skipSpace()
            let v = try cursor.value(depth: 0)
            cursor.skipSpace()
            guard cursor.i == buffer.count else { throw cursor.fail("unexpected text after the value") }
            return .success(v)
        } catch {
            return .failure(error)
        }
    }

    fileprivate func schema(for fields: [String]) -> Schema {
        if let last = lastSchema, last.fields == fields { return last }
        if let known = schemas[fields] {
            lastSchema = known
            return known
        }
        let s = Schema(fields)
        if schemas.count < 10_000 { schemas[fields] = s }
        lastSchema = s
        return s
    }
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let reader: JSONReader
    var i = 0
    static let maxDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>, reader: JSONReader) {
        self.bytes = bytes
        self.reader = reader
    }

    func fail(_ reason: String) -> JSONError { JSONError(offset: i, reason: reason) }

    @inline(__always) mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONError) -> Value {
        guard depth < Cursor.maxDepth else { throw fail("nested too deeply") }
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""):
            let (s, start, end, plain) = try string()
            if plain, end - start >= 20, end - start <= 35, bytes[start + 4] == 45, bytes[start + 10] == 84 || bytes[start + 10] == 32,
               let t = Timestamp(utf8: UnsafeBufferPointer(rebasing: bytes[start..<end])) {
                return .time(t)
            }
            return .string(s)
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw fail("unexpected end of input") }
        let w = word.utf8Start
        for k in 0..<n where bytes[i + k] != w[k] { throw fail("unexpected character") }
        i += n
    }

    mutating func object(depth: Int) throws(JSONError) -> Value {
        i += 1
        var names: [String] = []
        var values: [Value] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            return .object(Record(schema: reader.schema(for: []), values: []))
        }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a field name") }
            let name = try string().0
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            let v = try value(depth: depth + 1)
            if let dup = names.firstIndex(of: name) {
                values[dup] = v // the last one wins, as in Python's json
            } else {
                names.append(name)
                values.append(v)
            }
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; break }
            throw fail("expected ',' or '}'")
        }
        return .object(Record(schema: reader.schema(for: names), values: values))
    }

    mutating func array(depth: Int) throws(JSONError) -> Value {
        i += 1
        var items: [Value] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return .list(items)
        }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; break }
            throw fail("expected ',' or ']'")
        }
        return .list(Cursor.packed(items))
    }

    /// A list of objects of one schema (a page of rows) moved into one shared storage.
    static func packed(_ items: [Value]) -> [Value] {
        guard items.count > 1, case .object(let first) = items[0] else { return items }
        let schema = first.schema
        var flat: [Value] = []
        flat.reserveCapacity(items.count * schema.fields.count)
        for item in items {
            guard case .object(let r) = item, r.schema === schema else { return items }
            flat.append(contentsOf: r.values)
        }
        return Record.rows(schema: schema, values: flat).map { .object($0) }
    }

    /// Returns the string, the byte range of its body, and whether it had no escapes.
    mutating func string() throws(JSONError) -> (String, Int, Int, Bool) {
        i += 1
        let start = i
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return (s, start, i - 1, true)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in a string") }
            i += 1
        }
        guard i < bytes.count else { throw fail("unterminated string") }
        // Slow path: escapes.
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return (String(decoding: out, as: UTF8.self), start, i - 1, false)
            }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { break }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00 {
                    // A high surrogate: a low one should follow.
                    if i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        if low >= 0xDC00, low < 0xE000 {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                i -= 1
                throw fail("invalid escape")
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(JSONError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("unexpected end of input") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    mutating func number() throws(JSONError) -> Value {
        let start = i
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 else { throw fail("invalid number") }
        // Accumulated negative, so that Int.min (whose magnitude no Int holds) reads exactly.
        var integer: Int = 0
        var overflow = false
        if bytes[i] == 48 {
            i += 1
        } else {
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                let (m, o1) = integer.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.subtractingReportingOverflow(Int(bytes[i] - 48))
                overflow = overflow || o1 || o2
                integer = a
                i += 1
            }
        }
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 else { throw fail("invalid number") }
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 else { throw fail("invalid number") }
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
        }
        if isInteger, !overflow, negative || integer != .min { return .int(negative ? integer : -integer) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let d = Double(text) else { throw JSONError(offset: start, reason: "invalid number") }
        return .double(d)
    }
}
