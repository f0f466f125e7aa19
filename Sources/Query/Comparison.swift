import Foundation
import Records

// Typed comparisons: what `field OP value` means for each kind of value a field can hold.
//
// The literal's meaning comes from the data it meets. `6260` is a number against a number
// and against text that reads as a number, `2021-11-15` is a whole UTC day against a
// timestamp, `10.0.0.1` an address against text that reads as one.
//
// | field holds | `=` / `<` `<=` `>` `>=` with |
// | --- | --- |
// | int, double | a number literal, numerically (ints exactly) |
// | timestamp | a date (the whole UTC day), a date-time (offsets honoured), `-24h` `-7d` `-30m` `-2w` `-10s`, `now` |
// | text | exact, case-sensitive text; as numbers when both read as numbers; as addresses when both read as IP addresses (`2001:db8::1 = 2001:0db8:0:0::1`); as instants against a date/time literal |
// | boolean | `true` / `false` |
// | null, or the field is missing | only `= null` is true and `!= null` false; every ordering is false |
//
// A date literal is the span of its UTC day: `= 2021-11-15` is any instant of that day,
// `< 2021-11-15` before it starts, `> 2021-11-15` after it ends, `<=`/`>=` include it.
// Every other time literal is a single instant.
//
// `!=` and `!~` are exactly `not =` and `not ~` (so `null != 5` holds).
// `~` is a regular expression that ignores case (write `(?-i)` to respect it);
// `contains` and `startswith` ignore case; `=` does not.

/// Where a field's value lies relative to a literal.
enum Placement {
    case below, inside, above
}

/// A literal with every meaning it can take worked out once, before any row is seen.
struct PreparedLiteral {
    let text: String
    let lowered: String
    /// `null`, unquoted.
    let isNull: Bool
    let bool: Bool?
    let int: Int?
    let number: Double?
    /// The instants it covers, in microseconds: one for an instant, a whole day for a date.
    let time: Range<Int64>?
    let ip: IPAddress?

    init(_ literal: Literal, now: Timestamp) {
        text = literal.text
        lowered = literal.text.lowercased()
        isNull = !literal.quoted && literal.text == "null"
        bool = literal.quoted ? nil : literal.text == "true" ? true : literal.text == "false" ? false : nil
        (int, number) = PreparedLiteral.number(literal.text)
        time = TimeLiteral.span(literal.text, now: now)
        ip = IPAddress(literal.text)
    }

    /// `6260` → (6260, 6260.0); `2.5` → (nil, 2.5); `-7d` → (nil, nil).
    static func number(_ text: String) -> (Int?, Double?) {
        if let i = Int(text) { return (i, Double(i)) }
        guard let first = text.utf8.first, (first >= 48 && first <= 57) || first == 45 || first == 43 || first == 46,
              let d = Double(text), d.isFinite else { return (nil, nil) }
        return (nil, d)
    }
}

/// Time literals: `now`, `-24h`, `2021-11-15`, `2021-11-15T18:23:34Z`.
public enum TimeLiteral {
    /// The span of instants a literal stands for, in microseconds since the epoch; nil when
    /// it is not a time. `-7d` is the instant 7 days before `now`; `2021-11-15` the whole day
    /// in UTC; `2021-11-15T18:23:34` without an offset is read as UTC.
    public static func span(_ text: String, now: Timestamp) -> Range<Int64>? {
        if text.lowercased() == "now" { return now.micros..<(now.micros + 1) }
        if let sign = text.first, sign == "-" || sign == "+", let ms = DurationText.milliseconds(String(text.dropFirst())) {
            let (delta, tooLong) = ms.multipliedReportingOverflow(by: 1_000)
            let (t, outOfRange) = sign == "-" ? now.micros.subtractingReportingOverflow(delta) : now.micros.addingReportingOverflow(delta)
            guard !tooLong, !outOfRange, t < Int64.max else { return nil }
            return t..<(t + 1)
        }
        let bytes = Array(text.utf8)
        if bytes.count == 10, bytes[4] == 45, bytes[7] == 45,
           let y = Int(text.prefix(4)), let m = Int(text.dropFirst(5).prefix(2)), let d = Int(text.suffix(2)),
           bytes.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 45 }),
           (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) {
            let start = Int64(Timestamp.daysFromCivil(year: y, month: m, day: d)) * 86_400_000_000
            return start..<(start + 86_400_000_000)
        }
        guard bytes.count >= 19, bytes.first.map({ $0 >= 48 && $0 <= 57 }) == true else { return nil }
        if let t = Timestamp(text) ?? (bytes.count <= 26 ? Timestamp(text + "Z") : nil) {
            return t.micros..<(t.micros + 1)
        }
        return nil
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

enum TypedComparison {
    /// Where `value` lies relative to `literal`; nil when they cannot be compared (null, or
    /// kinds that do not meet).
    static func placement(_ value: Value, _ literal: PreparedLiteral) -> Placement? {
        switch value {
        case .null:
            return nil
        case .int(let i):
            if let n = literal.int { return order(i, n) }
            if let n = literal.number { return order(Double(i), n) }
            return nil
        case .double(let d):
            if let n = literal.number { return order(d, n) }
            return nil
        case .string(let s):
            return placement(text: s, literal)
        case .time(let t):
            if let span = literal.time { return place(t.micros, in: span) }
            return nil
        case .bool(let b):
            if let lb = literal.bool { return b == lb ? .inside : (b ? .above : .below) }
            return nil
        case .list, .object:
            return JSONWriter.string(value) == literal.text ? .inside : nil
        }
    }

    static func placement(text s: String, _ literal: PreparedLiteral) -> Placement? {
        if s == literal.text { return .inside }
        if let n = literal.number, let d = Double(s), d.isFinite { return order(d, n) }
        if let ip = literal.ip, let other = IPAddress(s) { return order(other, ip) }
        if let span = literal.time, let t = Timestamp(s) ?? Timestamp(s + "Z") { return place(t.micros, in: span) }
        return order(s, literal.text)
    }

    @inline(__always)
    static func order<T: Comparable>(_ a: T, _ b: T) -> Placement {
        a < b ? .below : a == b ? .inside : .above
    }

    @inline(__always)
    static func place(_ t: Int64, in span: Range<Int64>) -> Placement {
        t < span.lowerBound ? .below : t < span.upperBound ? .inside : .above
    }

    static func equal(_ value: Value, _ literal: PreparedLiteral) -> Bool {
        if literal.isNull { return value.isNull }
        return placement(value, literal) == .inside
    }

    /// The text a value shows to `~`, `contains` and `startswith`; nil for null.
    static func text(_ value: Value) -> String? {
        switch value {
        case .null: return nil
        case .string(let s): return s
        default: return value.plainText
        }
    }
}

extension Comparison {
    /// The test of one field value, with the literal prepared and the regex compiled once.
    func valueTest(now: Timestamp) -> (Value) -> Bool {
        let literals = operand.literals.map { PreparedLiteral($0, now: now) }
        let literal = literals[0]
        switch op {
        case .equal, .notEqual:
            let negate = op == .notEqual
            if let n = literal.int {
                return { value in
                    if case .int(let i) = value { return (i == n) != negate }
                    return TypedComparison.equal(value, literal) != negate
                }
            }
            return { TypedComparison.equal($0, literal) != negate }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            return orderTest(literal)
        case .matches, .notMatches:
            let negate = op == .notMatches
            guard let regex = try? NSRegularExpression(pattern: literal.text, options: [.caseInsensitive]) else {
                return { _ in negate }
            }
            return { value in
                guard let s = TypedComparison.text(value) else { return negate }
                let found = regex.firstMatch(in: s, range: NSRange(location: 0, length: s.utf16.count)) != nil
                return found != negate
            }
        case .contains:
            return { value in
                if case .list(let items) = value { return items.contains { TypedComparison.equal($0, literal) } }
                guard let s = TypedComparison.text(value) else { return false }
                return CaseInsensitive.contains(s, literal.lowered)
            }
        case .startsWith:
            return { value in
                guard let s = TypedComparison.text(value) else { return false }
                return CaseInsensitive.hasPrefix(s, literal.lowered)
            }
        case .in:
            // Each item is a value, or a network that an address field falls in:
            // `in 10.0.0.0/8`, `in (10.0.0.0/8, 192.168.0.0/16, 2001:db8::/32, 8.8.8.8)`;
            // a network (`source_ip.net16`) is in one when all of it is.
            let networks = operand.literals.compactMap { IPNetwork($0.text) }
            let values = zip(operand.literals, literals).filter { IPNetwork($0.0.text) == nil }.map(\.1)
            if networks.isEmpty { return { value in values.contains { TypedComparison.equal(value, $0) } } }
            return { value in
                if values.contains(where: { TypedComparison.equal(value, $0) }) { return true }
                guard let s = TypedComparison.text(value) else { return false }
                if let ip = IPAddress(s) { return networks.contains { $0.contains(ip) } }
                guard let inner = IPNetwork(s) else { return false }
                return networks.contains { $0.contains(inner.address) && inner.prefixLength >= $0.prefixLength }
            }
        }
    }
}

extension Comparison {
    /// `<`, `<=`, `>`, `>=`: where the value lies against the literal, with whole numbers
    /// compared directly.
    func orderTest(_ literal: PreparedLiteral) -> (Value) -> Bool {
        let accepted: Set<Placement> = switch op {
        case .less: [.below]
        case .lessOrEqual: [.below, .inside]
        case .greater: [.above]
        default: [.inside, .above]
        }
        if literal.isNull { return { _ in false } }
        if let n = literal.int {
            let (below, inside, above) = (accepted.contains(.below), accepted.contains(.inside), accepted.contains(.above))
            return { value in
                if case .int(let i) = value { return i < n ? below : i == n ? inside : above }
                return TypedComparison.placement(value, literal).map(accepted.contains) ?? false
            }
        }
        return { TypedComparison.placement($0, literal).map(accepted.contains) ?? false }
    }
}

/// `contains` and `startswith`: ignoring case, without copying when both sides are ASCII.
enum CaseInsensitive {
    /// Whether `s` holds `needle`, which is already lowercased.
    static func contains(_ s: String, _ needle: String) -> Bool {
        ascii(s, needle, prefixOnly: false) ?? s.lowercased().contains(needle)
    }

    /// Whether `s` starts with `prefix`, which is already lowercased.
    static func hasPrefix(_ s: String, _ prefix: String) -> Bool {
        ascii(s, prefix, prefixOnly: true) ?? s.lowercased().hasPrefix(prefix)
    }

    /// The answer when both sides are ASCII; nil otherwise (Unicode lowercasing decides).
    private static func ascii(_ s: String, _ needle: String, prefixOnly: Bool) -> Bool? {
        var s = s
        var needle = needle
        return s.withUTF8 { hay in
            needle.withUTF8 { n -> Bool? in
                guard hay.allSatisfy({ $0 < 0x80 }), n.allSatisfy({ $0 < 0x80 }) else { return nil }
                guard n.count <= hay.count else { return false }
                @inline(__always) func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
                for start in 0...(prefixOnly ? 0 : hay.count - n.count) {
                    var j = 0
                    while j < n.count, lower(hay[start + j]) == n[j] { j += 1 }
                    if j == n.count { return true }
                }
                return false
            }
        }
    }
}
