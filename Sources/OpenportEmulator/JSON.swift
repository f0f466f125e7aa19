import Foundation
import Records

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

/// A request body read by Records' JSON reader, its errors worded and placed as Python's
/// `json.loads` words them (DRF answers `JSON parse error - ` and that message).
enum RequestJSON {
    struct Failure: Error { let message: String }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> Value {
        do {
            return try JSONReader().parse(bytes)
        } catch {
            let (what, at) = pythonError(error, in: bytes)
            let prefix = bytes[..<min(at, bytes.count)]
            let line = prefix.filter { $0 == 0x0A }.count + 1
            let lineStart = prefix.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            throw Failure(message: "\(what): line \(line) column \(at - lineStart + 1) (char \(at))")
        }
    }

    /// Python's message for what the reader stopped at, and the offset Python reports.
    static func pythonError(_ e: JSONError, in b: [UInt8]) -> (String, Int) {
        switch e.reason {
        case "expected a field name": return ("Expecting property name enclosed in double quotes", e.offset)
        case "expected ':'": return ("Expecting ':' delimiter", e.offset)
        case "expected ',' or '}'", "expected ',' or ']'": return ("Expecting ',' delimiter", e.offset)
        case "unexpected text after the value": return ("Extra data", e.offset)
        case "control character in a string": return ("Invalid control character at", e.offset)
        case "invalid escape": return ("Invalid \\escape", e.offset - 1)
        case "invalid \\u escape":
            // Python points at the `u` of the escape.
            var u = min(e.offset, b.count - 1)
            while u > 0, !(b[u] == UInt8(ascii: "u") && b[u - 1] == UInt8(ascii: "\\")) { u -= 1 }
            return ("Invalid \\uXXXX escape", u)
        case "unterminated string": return ("Unterminated string starting at", openingQuote(b))
        case "invalid number": return invalidNumber(b, at: e.offset)
        default:  // the end of the input, or a character no value starts with
            let before = b[..<min(e.offset, b.count)].last { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
            switch before {
            case nil, UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["): return ("Expecting value", e.offset)
            case UInt8(ascii: "{"): return ("Expecting property name enclosed in double quotes", e.offset)
            default: return ("Expecting ',' delimiter", e.offset)
            }
        }
    }

    /// The last `"` not escaped: where an unterminated string began.
    static func openingQuote(_ b: [UInt8]) -> Int {
        var i = b.count - 1
        while i >= 0 {
            if b[i] == UInt8(ascii: "\"") {
                var slashes = 0
                while i - slashes - 1 >= 0, b[i - slashes - 1] == UInt8(ascii: "\\") { slashes += 1 }
                if slashes % 2 == 0 { return i }
            }
            i -= 1
        }
        return 0
    }

    /// `-` alone is no value; `1.` and `1e` are the number 1 followed by something else.
    static func invalidNumber(_ b: [UInt8], at offset: Int) -> (String, Int) {
        let numeric = Set("0123456789.eE+-".utf8)
        var start = min(offset, b.count)
        while start > 0, numeric.contains(b[start - 1]) { start -= 1 }
        var end = start
        if end < b.count, b[end] == UInt8(ascii: "-") { end += 1 }
        guard end < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[end]) else { return ("Expecting value", start) }
        while end < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[end]) { end += 1 }
        let nested = b.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } ?? false
        return (nested ? "Expecting ',' delimiter" : "Extra data", end)
    }
}

extension Value {
    /// The Python type `json.loads` gives this value, as DRF names it in messages.
    var pythonTypeName: String {
        switch self {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string, .time: return "str"
        case .list: return "list"
        case .object: return "dict"
        }
    }
}
