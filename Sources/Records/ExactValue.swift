/// A scalar value compared by what would be written back, byte for byte: text by its UTF-8
/// bytes (Swift's `==` on strings treats `é` and `e` + U+0301 as equal; the server does not),
/// numbers by their bits (`-0.0` is not `0.0`), a timestamp by its instant *and* its offset,
/// fraction digits and `Z`. Two values with one key print the same.
///
/// Lists and objects have no key (``init(_:)`` gives nil): they are stored each time.
enum ExactValue: Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(UInt64)
    case text(ExactText)
    case time(micros: Int64, offsetMinutes: Int16, fractionDigits: UInt8, zulu: Bool)

    init?(_ value: Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d.bitPattern)
        case .string(let s): self = .text(ExactText(s))
        case .time(let t): self = .time(micros: t.micros, offsetMinutes: t.offsetMinutes, fractionDigits: t.fractionDigits, zulu: t.zulu)
        case .list, .object: return nil
        }
    }
}

/// Text compared and hashed by its UTF-8 bytes.
struct ExactText: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: ExactText, b: ExactText) -> Bool {
        var (x, y) = (a.text, b.text)
        return x.withUTF8 { p in y.withUTF8 { q in p.count == q.count && (p.count == 0 || memoryEqual(p, q)) } }
    }

    func hash(into h: inout Hasher) {
        var s = text
        s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Whether two field lists are the same names, byte for byte.
    static func same(_ a: [String], _ b: [String]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { ExactText($0) == ExactText($1) }
    }
}

@inline(__always)
private func memoryEqual(_ p: UnsafeBufferPointer<UInt8>, _ q: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = p.count
    while i + 8 <= n {
        if UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self)
            != UnsafeRawPointer(q.baseAddress! + i).loadUnaligned(as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if p[i] != q[i] { return false }
        i += 1
    }
    return true
}
