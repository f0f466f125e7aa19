/// An instant with the UTC offset it was written in, as DRF writes datetimes.
///
/// `2021-11-15T18:23:34.113431+01:00` parses to the instant plus the offset `+01:00` and six
/// fraction digits, and prints back to exactly the same text. Comparison and equality are by
/// instant: `2021-11-15T18:23:34+01:00 == 2021-11-15T17:23:34Z`.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var micros: Int64
    /// The offset from UTC the text was written with, in minutes.
    public var offsetMinutes: Int16
    /// How many fraction digits the text had (0 to 6).
    public var fractionDigits: UInt8
    /// Whether the text said `Z` rather than `+00:00`.
    public var zulu: Bool

    public init(micros: Int64, offsetMinutes: Int16 = 0, fractionDigits: UInt8 = 0, zulu: Bool = true) {
        self.micros = micros
        self.offsetMinutes = offsetMinutes
        self.fractionDigits = min(fractionDigits, 6)
        self.zulu = zulu && offsetMinutes == 0
    }

    /// Seconds since the Unix epoch, as a Double.
    public var secondsSinceEpoch: Double { Double(micros) / 1_000_000 }

    public static func == (a: Timestamp, b: Timestamp) -> Bool { a.micros == b.micros }
    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.micros < b.micros }
    public func hash(into h: inout Hasher) { h.combine(micros) }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)`; anything else gives nil.
    /// A space may stand for the `T`; `±HHMM` is accepted and printed back as `±HH:MM`.
    public init?(_ text: some StringProtocol) {
        var copy = String(text)
        let parsed: Timestamp? = copy.withUTF8 { Timestamp(utf8: $0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses from UTF-8 bytes; see ``init(_:)``.
    public init?(utf8 b: UnsafeBufferPointer<UInt8>) {
        let n = b.count
        guard n >= 20, n <= 35 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let c = b[i]
            return c >= 48 && c <= 57 ? Int(c - 48) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int? {
            guard let a = digit(i), let c = digit(i + 1) else { return nil }
            return a * 10 + c
        }
        guard let y1 = two(0), let y2 = two(2), b[4] == 45, let month = two(5), b[7] == 45,
              let day = two(8), b[10] == 84 || b[10] == 32, let hour = two(11), b[13] == 58,
              let minute = two(14), b[16] == 58, let second = two(17)
        else { return nil }
        let year = y1 * 100 + y2
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        var i = 19
        var fraction = 0
        var digits = 0
        if i < n, b[i] == 46 {
            i += 1
            while i < n, let d = digit(i) {
                guard digits < 6 else { return nil }
                fraction = fraction * 10 + d
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
        }
        for _ in digits..<6 { fraction *= 10 }
        guard i < n else { return nil }
        var offset = 0
        var zulu = false
        if b[i] == 90 {
            zulu = true
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            let sign = b[i] == 45 ? -1 : 1
            guard i + 5 <= n, let oh = two(i + 1) else { return nil }
            var j = i + 3
            if j < n, b[j] == 58 { j += 1 }
            guard j + 2 <= n, let om = two(j), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 60 + om)
            i = j + 2
        } else {
            return nil
        }
        guard i == n else { return nil }
        let days = Timestamp.daysFromCivil(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let utc = local - Int64(offset * 60)
        self.init(micros: utc * 1_000_000 + Int64(fraction), offsetMinutes: Int16(offset),
                  fractionDigits: UInt8(digits), zulu: zulu)
    }

    /// The text form, as DRF writes it.
    public var description: String {
        var out = [UInt8]()
        out.reserveCapacity(32)
        let localMicros = micros + Int64(offsetMinutes) * 60_000_000
        let (secs, frac) = Timestamp.floorDivMod(localMicros, 1_000_000)
        let (days, sod) = Timestamp.floorDivMod(secs, 86_400)
        let (y, m, d) = Timestamp.civilFromDays(Int(days))
        func put(_ v: Int, width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var v = abs(v)
            var k = width - 1
            while k >= 0 { digits[k] = UInt8(48 + v % 10); v /= 10; k -= 1 }
            out.append(contentsOf: digits)
        }
        if y < 0 { out.append(45) }
        put(y, width: 4); out.append(45); put(m, width: 2); out.append(45); put(d, width: 2)
        out.append(84)
        let s = Int(sod)
        put(s / 3600, width: 2); out.append(58); put(s / 60 % 60, width: 2); out.append(58); put(s % 60, width: 2)
        if fractionDigits > 0 {
            out.append(46)
            var f = Int(frac)
            for _ in Int(fractionDigits)..<6 { f /= 10 }
            put(f, width: Int(fractionDigits))
        }
        if zulu {
            out.append(90)
        } else {
            let o = Int(offsetMinutes)
            out.append(o < 0 ? 45 : 43)
            put(abs(o) / 60, width: 2); out.append(58); put(abs(o) % 60, width: 2)
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 { q -= 1; r += b }
        return (q, r)
    }
}
