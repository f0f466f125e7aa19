import Foundation

/// Timestamps as Django REST Framework renders them for a `TIME_ZONE = "Europe/Brussels"`
/// project: `datetime.isoformat()`, i.e. `2023-04-11T06:17:26.261628+02:00`, with the
/// fraction left out when the microseconds are zero (`2022-06-19T16:29:25+02:00`).
enum BrusselsTime {
    /// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(days z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Unix seconds of the last Sunday of a month at 01:00 UTC (EU DST switch instant).
    static func lastSundaySwitch(year: Int, month: Int) -> Int64 {
        let lastDay = month == 3 ? 31 : 31  // March and October both have 31 days
        let d = days(year: year, month: month, day: lastDay)
        let weekday = ((d % 7) + 11) % 7  // 0 = Sunday (1970-01-01 was a Thursday)
        return Int64(d - weekday) * 86400 + 3600
    }

    /// UTC offset in seconds at a UTC instant.
    static func offset(utcSeconds t: Int64) -> Int {
        let year = civil(days: Int(floorDiv(t, 86400))).year
        let start = lastSundaySwitch(year: year, month: 3)
        let end = lastSundaySwitch(year: year, month: 10)
        return (t >= start && t < end) ? 7200 : 3600
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Appends the quoted timestamp (with the surrounding `"`) for a UTC instant in µs.
    static func appendQuoted(micros: Int64, to out: inout [UInt8]) {
        let secs = floorDiv(micros, 1_000_000)
        let frac = Int(micros - secs * 1_000_000)
        let off = offset(utcSeconds: secs)
        let local = secs + Int64(off)
        let dayNumber = floorDiv(local, 86400)
        let sod = Int(local - dayNumber * 86400)
        let (y, m, d) = civil(days: Int(dayNumber))
        out.append(UInt8(ascii: "\""))
        pad(y, 4, &out); out.append(UInt8(ascii: "-"))
        pad(m, 2, &out); out.append(UInt8(ascii: "-"))
        pad(d, 2, &out); out.append(UInt8(ascii: "T"))
        pad(sod / 3600, 2, &out); out.append(UInt8(ascii: ":"))
        pad(sod / 60 % 60, 2, &out); out.append(UInt8(ascii: ":"))
        pad(sod % 60, 2, &out)
        if frac != 0 {
            out.append(UInt8(ascii: "."))
            pad(frac, 6, &out)
        }
        out.append(UInt8(ascii: "+"))
        pad(off / 3600, 2, &out)
        out.append(contentsOf: ":00\"".utf8)
    }

    static func string(micros: Int64) -> String {
        var out: [UInt8] = []
        appendQuoted(micros: micros, to: &out)
        return String(decoding: out.dropFirst().dropLast(), as: UTF8.self)
    }

    static func pad(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var div = 1
        for _ in 1..<max(width, 1) { div *= 10 }
        while v / div >= 10 { div *= 10 }
        while div > 0 {
            out.append(UInt8(ascii: "0") &+ UInt8(v / div % 10))
            div /= 10
        }
    }

    /// Unix µs for a Brussels wall-clock-ish UTC date (used for data-set bounds).
    static func utcMicros(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        (Int64(days(year: year, month: month, day: day)) * 86400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000
    }

    static func nowMicros() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }
}
