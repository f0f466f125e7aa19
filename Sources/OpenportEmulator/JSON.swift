import Foundation

/// JSON output exactly as DRF's `JSONRenderer` writes it: compact separators (`,` and `:`),
/// `ensure_ascii=False` (non-ASCII written as UTF-8), Python's `json` escapes for `"`, `\`,
/// `\b \f \n \r \t`, `\u00XX` (lowercase hex) for the other control characters, and
/// U+2028/U+2029 escaped as DRF does after dumping.
enum JSONOut {
    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20, 0x2028, 0x2029:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                out.append(hex[Int(v >> 12) & 15]); out.append(hex[Int(v >> 8) & 15])
                out.append(hex[Int(v >> 4) & 15]); out.append(hex[Int(v) & 15])
            default:
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func quoted(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return out
    }

    static func appendOptionalString(_ s: String?, to out: inout [UInt8]) {
        if let s { appendString(s, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    static func appendInt(_ v: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(v).utf8)
    }

    static func appendKey(_ k: String, to out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        appendString(k, to: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// `{"detail":"..."}`
    static func detail(_ message: String) -> [UInt8] {
        var out: [UInt8] = Array("{\"detail\":".utf8)
        appendString(message, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"field":["msg",...],...}` in the given (serializer field) order.
    static func fieldErrors(_ errors: [(String, [String])]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, (field, messages)) in errors.enumerated() {
            appendKey(field, to: &out, first: i == 0)
            out.append(UInt8(ascii: "["))
            for (j, m) in messages.enumerated() {
                if j > 0 { out.append(UInt8(ascii: ",")) }
                appendString(m, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// A parsed JSON request body (only what the key serializer needs).
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(String)  // the literal text, Python `str()`-like
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: return false
        }
    }

    var pythonTypeName: String {
        switch self {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .number(let n): return n.contains(where: { ".eE".contains($0) }) ? "float" : "int"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }
}

/// A strict JSON parser with error messages shaped like Python's `json.loads`
/// (`Expecting value: line 1 column 1 (char 0)`), which DRF puts after "JSON parse error - ".
struct JSONParser {
    struct Failure: Error { let message: String }

    private let bytes: [UInt8]
    private var i = 0

    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skipWS()
        let v = try p.value()
        p.skipWS()
        if p.i < bytes.count { throw p.fail("Extra data") }
        return v
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ what: String, at pos: Int? = nil) -> Failure {
        let pos = pos ?? i
        let prefix = bytes[..<min(pos, bytes.count)]
        let line = prefix.filter { $0 == 0x0A }.count + 1
        let lastNL = prefix.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return Failure(message: "\(what): line \(line) column \(pos - lastNL + 1) (char \(pos))")
    }

    private mutating func skipWS() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard i < bytes.count else { throw fail("Expecting value") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("Expecting value")
        }
    }

    private mutating func literal(_ word: String, _ v: JSONValue) throws(Failure) -> JSONValue {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("Expecting value") }
        i += w.count
        return v
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.i]) { p.i += 1 }
            return p.i - s
        }
        guard i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) else {
            throw fail("Expecting value", at: start)
        }
        if bytes[i] == UInt8(ascii: "0") { i += 1 } else { _ = digits(&self) }
        var isFloat = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "."), i + 1 < bytes.count,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i + 1]) {
            i += 1; _ = digits(&self); isFloat = true
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            let save = i
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            if digits(&self) == 0 { i = save } else { isFloat = true }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if isFloat, let d = Double(text) { return .number(d.description) }
        if let n = Int(text) { return .number(String(n)) }
        return .number(text)
    }

    private mutating func string() throws(Failure) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("Unterminated string starting at", at: start) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw fail("Invalid control character at") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw fail("Unterminated string starting at", at: start) }
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
                guard var u = hex4() else { throw fail("Invalid \\uXXXX escape", at: i - 2) }
                if (0xD800..<0xDC00).contains(u), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                    bytes[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    if let lo = hex4(), (0xDC00..<0xE000).contains(lo) {
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    } else {
                        i = save
                    }
                }
                let scalar = Unicode.Scalar(u) ?? "\u{FFFD}"
                out.append(contentsOf: String(scalar).utf8)
            default:
                throw fail("Invalid \\escape", at: i - 2)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let d = hexDigit(bytes[i + k]) else { return nil }
            v = v << 4 | d
        }
        i += 4
        return v
    }

    private func hexDigit(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipWS()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipWS()
            items.append(try value())
            skipWS()
            guard i < bytes.count else { throw fail("Expecting ',' delimiter") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("Expecting ',' delimiter")
        }
    }

    private mutating func object() throws(Failure) -> JSONValue {
        i += 1
        var members: [(String, JSONValue)] = []
        skipWS()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipWS()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw fail("Expecting property name enclosed in double quotes")
            }
            let k = try string()
            skipWS()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("Expecting ':' delimiter") }
            i += 1
            skipWS()
            let v = try value()
            if let idx = members.firstIndex(where: { $0.0 == k }) { members[idx].1 = v } else { members.append((k, v)) }
            skipWS()
            guard i < bytes.count else { throw fail("Expecting ',' delimiter") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail("Expecting ',' delimiter")
        }
    }
}
