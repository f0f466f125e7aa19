import Foundation
import Records

/// A span of civil time that `group F by UNIT` counts in: an hour, a day, an ISO week
/// (starting Monday), a month or a year, in a time zone.
public enum TimeUnit: String, Sendable, CaseIterable {
    case hour, day, week, month, year

    /// The civil start of the bucket holding local time (days since 1970-01-01, seconds of day).
    func start(days: Int, seconds: Int) -> (days: Int, seconds: Int) {
        switch self {
        case .hour: return (days, seconds - seconds % 3600)
        case .day: return (days, 0)
        case .week:
            // 1970-01-01 was a Thursday: Monday is 3 days before.
            let weekday = ((days % 7) + 7 + 3) % 7  // 0 = Monday
            return (days - weekday, 0)
        case .month:
            let (y, m, _) = Timestamp.civilFromDays(days)
            return (Timestamp.daysFromCivil(year: y, month: m, day: 1), 0)
        case .year:
            let (y, _, _) = Timestamp.civilFromDays(days)
            return (Timestamp.daysFromCivil(year: y, month: 1, day: 1), 0)
        }
    }

    /// The civil start of the next bucket.
    func next(days: Int, seconds: Int) -> (days: Int, seconds: Int) {
        switch self {
        case .hour: return seconds + 3600 >= 86_400 ? (days + 1, 0) : (days, seconds + 3600)
        case .day: return (days + 1, 0)
        case .week: return (days + 7, 0)
        case .month:
            let (y, m, _) = Timestamp.civilFromDays(days)
            return (m == 12 ? Timestamp.daysFromCivil(year: y + 1, month: 1, day: 1) : Timestamp.daysFromCivil(year: y, month: m + 1, day: 1), 0)
        case .year:
            let (y, _, _) = Timestamp.civilFromDays(days)
            return (Timestamp.daysFromCivil(year: y + 1, month: 1, day: 1), 0)
        }
    }

    /// How a bucket is labelled: `2021-11-15T18:00`, `2021-11-15`, `2021-11` or `2021`
    /// (a week by its Monday).
    func label(days: Int, seconds: Int) -> String {
        let (y, m, d) = Timestamp.civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = y < 0 ? "-\(String(format: "%04d", -y))" : String(format: "%04d", y)
        switch self {
        case .hour: return "\(year)-\(two(m))-\(two(d))T\(two(seconds / 3600)):00"
        case .day, .week: return "\(year)-\(two(m))-\(two(d))"
        case .month: return "\(year)-\(two(m))"
        case .year: return year
        }
    }
}

/// The time zone buckets are counted in, with the name shown in a column's header.
public struct BucketZone: Sendable, Equatable {
    public var zone: TimeZone
    public var name: String

    public static let utc = BucketZone(zone: TimeZone(identifier: "UTC")!, name: "UTC")

    public init(zone: TimeZone, name: String) {
        self.zone = zone
        self.name = name
    }

    /// `UTC`, `local` (from `TZ`, else the system's), or an `Area/City` name; nil if unknown.
    public init?(setting: String) {
        switch setting.lowercased() {
        case "utc", "z": self = .utc
        case "local":
            let zone = TimeZone.current
            self.init(zone: zone, name: zone.identifier)
        default:
            guard let zone = TimeZone(identifier: setting) else { return nil }
            self.init(zone: zone, name: zone.identifier)
        }
    }

    /// `+01:00` for a labelled hour outside UTC (the offset tells the repeated hour of a DST
    /// change from the first); empty in UTC.
    func offsetSuffix(_ offset: Int) -> String {
        guard name != "UTC" else { return "" }
        let sign = offset < 0 ? "-" : "+"
        let m = abs(offset) / 60
        return String(format: "%@%02d:%02d", sign, m / 60, m % 60)
    }

    /// The zone's offset for each quarter of a UTC hour already asked about: offsets change at
    /// most every quarter hour (on the quarter), and a series reads many rows per hour.
    final class OffsetCache {
        var quarter = Int.min
        var offset = 0
    }

    /// The offset from UTC in force at a second since 1970, in seconds east.
    func offset(atSecond t: Int, cache: OffsetCache? = nil) -> Int {
        if name == "UTC" { return 0 }  // no lookup: the usual case
        let quarter = t.quotient(dividingBy: 900)
        if let cache, cache.quarter == quarter { return cache.offset }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))
        cache?.quarter = quarter
        cache?.offset = offset
        return offset
    }

    /// Local civil time of an instant: days since 1970-01-01 and seconds into the day.
    func civil(_ micros: Int64, cache: OffsetCache? = nil) -> (days: Int, seconds: Int) {
        let seconds = Int(micros.quotient(dividingBy: 1_000_000))
        let local = seconds + offset(atSecond: seconds, cache: cache)
        let days = local.quotient(dividingBy: 86_400)
        return (days, local - days * 86_400)
    }

    /// The instant a wall-clock time of this zone stands for, in seconds since 1970 (local
    /// seconds in, UTC out): in an hour the clocks repeat, the first; in one they skip, the
    /// moment they jumped (as if the clock had not).
    public func instant(ofLocalSecond local: Int) -> Int {
        let before = offset(atSecond: local - 86_400)
        let after = offset(atSecond: local + 86_400)
        let fits = [before, after].map { local - $0 }.filter { offset(atSecond: $0) + $0 == local }
        return fits.min() ?? local - before
    }
}

/// An hour as the clock showed it: the local hour and the offset in force. The hour that
/// clocks repeat when they go back is two of them (`02:00+02:00`, `02:00+01:00`), and where an
/// offset moves by 30 or 45 minutes (Lord Howe, Chatham) the hour the clock jumped in is
/// split, each part labelled with its real offset.
struct LocalHour: Hashable {
    /// Hours since 1970-01-01T00:00 of local time.
    let hour: Int
    /// Seconds east of UTC.
    let offset: Int

    init(second t: Int, zone: BucketZone, cache: BucketZone.OffsetCache? = nil) {
        offset = zone.offset(atSecond: t, cache: cache)
        hour = (t + offset).quotient(dividingBy: 3600)
    }

    /// One integer for a dictionary: the hour above 17 bits of offset (±14 h fits in 16).
    var key: Int { hour << 17 | (offset + 65_536) }

    /// `2021-11-15T18:00+01:00` (no offset in UTC).
    func label(zone: BucketZone) -> String {
        let days = hour.quotient(dividingBy: 24)
        return TimeUnit.hour.label(days: days, seconds: (hour - days * 24) * 3600) + zone.offsetSuffix(offset)
    }

    /// The first second after `t` in another local hour: the clock's next hour, or sooner
    /// where the offset changes (found by halving the span: offsets change at most once an hour).
    static func boundary(after t: Int, zone: BucketZone) -> Int {
        let offset = zone.offset(atSecond: t)
        let next = t + 3600 - (t + offset - (t + offset).quotient(dividingBy: 3600) * 3600)
        guard zone.offset(atSecond: next) != offset else { return next }
        var (same, changed) = (t, next)
        while changed - same > 1 {
            let mid = same + (changed - same) / 2
            if zone.offset(atSecond: mid) == offset { same = mid } else { changed = mid }
        }
        return changed
    }
}

extension BinaryInteger {
    /// Division rounding toward negative infinity (instants before 1970 bucket correctly).
    func quotient(dividingBy d: Self) -> Self {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
