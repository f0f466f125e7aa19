/// Writes ``Value``s as JSON text: compact, UTF-8, field order kept, like DRF's renderer.
public enum JSONWriter {
    /// The compact JSON text of a value.
    public static func string(_ value: Value) -> String {
        var out = [UInt8]()
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented JSON, two spaces a level, for people to read.
    public static func pretty(_ value: Value) -> String {
        var out = [UInt8]()
        write(value, into: &out, indent: 0, pretty: true)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the JSON text of `value` to `out`.
    public static func write(_ value: Value, into out: inout [UInt8]) {
        write(value, into: &out, indent: 0, pretty: false)
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * 2))
    }

    private static func write(_ value: Value, into out: inout [UInt8], indent: Int, pretty: Bool) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: format(d).utf8)
        case .string(let s): writeString(s, into: &out)
        case .time(let t): writeString(t.description, into: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent + 1) }
                write(item, into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty, !items.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let r):
            out.append(UInt8(ascii: "{"))
            for (n, (name, v)) in zip(r.fields, r.values).enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(&out, indent + 1) }
                writeString(name, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(0x20) }
                write(v, into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty, !r.fields.isEmpty { newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `s` as a JSON string literal. Control characters (C0, DEL and C1) are escaped,
    /// so the output is inert in a terminal; everything else is written as UTF-8.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        @inline(__always) func hex(_ n: UInt8) -> UInt8 { n < 10 ? 48 + n : 87 + n }
        var afterC2 = false  // the previous byte was 0xC2, the lead byte of U+0080...U+00BF
        for c in s.utf8 {
            if afterC2 {
                afterC2 = false
                if c >= 0x80, c <= 0x9F {  // a C1 control: U+0080...U+009F
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 48, 48, hex(c >> 4), hex(c & 15)])
                    continue
                }
                out.append(0xC2)
            }
            switch c {
            case 0xC2: afterC2 = true
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 48, 48, hex(c >> 4), hex(c & 15)])
            default: out.append(c)
            }
        }
        if afterC2 { out.append(0xC2) }
        out.append(UInt8(ascii: "\""))
    }

    /// A double as JSON: integral values keep a `.0`, non-finite ones (not JSON) become null.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }
}
