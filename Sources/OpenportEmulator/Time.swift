import Foundation
import Records

/// Timestamps as Django REST Framework renders them for a `TIME_ZONE = "Europe/Brussels"`
/// project: `datetime.isoformat()`, i.e. `2023-04-11T06:17:26.261628+02:00`, with the
/// fraction left out when the microseconds are zero (`2022-06-19T16:29:25+02:00`).
///
/// The calendar and the text are Records' ``Timestamp``: the emulator keeps only the zone's
/// rule (the Django app in `conformance/` renders the same instants with Python's zoneinfo,
/// and the differential tests compare the two).
enum BrusselsTime {
    /// Unix seconds of the last Sunday of a month at 01:00 UTC (EU DST switch instant).
    static func lastSundaySwitch(year: Int, month: Int) -> Int64 {
        let d = Timestamp.daysFromCivil(year: year, month: month, day: 31)  // March and October have 31 days
        let weekday = ((d % 7) + 11) % 7  // 0 = Sunday (1970-01-01 was a Thursday)
        return Int64(d - weekday) * 86400 + 3600
    }

    /// UTC offset in seconds at a UTC instant.
    static func offset(utcSeconds t: Int64) -> Int {
        let year = Timestamp.civilFromDays(Int(floorDiv(t, 86400))).year
        let start = lastSundaySwitch(year: year, month: 3)
        let end = lastSundaySwitch(year: year, month: 10)
        return (t >= start && t < end) ? 7200 : 3600
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The instant in µs with Brussels' offset at that instant, as DRF writes it.
    static func timestamp(micros: Int64) -> Timestamp {
        let seconds = floorDiv(micros, 1_000_000)
        return Timestamp(micros: micros, offsetMinutes: Int16(offset(utcSeconds: seconds) / 60),
                         fractionDigits: micros == seconds * 1_000_000 ? 0 : 6, zulu: false)
    }

    /// Appends the quoted timestamp (with the surrounding `"`) for a UTC instant in µs.
    static func appendQuoted(micros: Int64, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: timestamp(micros: micros).description.utf8)
        out.append(UInt8(ascii: "\""))
    }

    static func string(micros: Int64) -> String { timestamp(micros: micros).description }

    /// Unix µs for a UTC date and time (used for data-set bounds).
    static func utcMicros(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        (Int64(Timestamp.daysFromCivil(year: year, month: month, day: day)) * 86400 + Int64(hour * 3600 + minute * 60 + second)) * 1_000_000
    }

    static func nowMicros() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }
}
