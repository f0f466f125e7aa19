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
    func offsetSuffix(at seconds: Int) -> String {
        guard name != "UTC" else { return "" }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let sign = offset < 0 ? "-" : "+"
        let m = abs(offset) / 60
        return String(format: "%@%02d:%02d", sign, m / 60, m % 60)
    }

    /// The zone's offset for each UTC hour already asked about: offsets change on the hour
    /// (or half hour) at most, and a series reads many rows per hour.
    final class OffsetCache {
        var hour = Int.min
        var offset = 0
    }

    /// Local civil time of an instant: days since 1970-01-01 and seconds into the day.
    func civil(_ micros: Int64, cache: OffsetCache? = nil) -> (days: Int, seconds: Int) {
        let seconds = Int(micros.quotient(dividingBy: 1_000_000))
        let offset: Int
        if name == "UTC" {
            offset = 0  // no lookup: the usual case
        } else if let cache, cache.hour == seconds.quotient(dividingBy: 1800) {
            offset = cache.offset
        } else {
            offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
            cache?.hour = seconds.quotient(dividingBy: 1800)
            cache?.offset = offset
        }
        let local = seconds + offset
        let days = local.quotient(dividingBy: 86_400)
        return (days, local - days * 86_400)
    }
}

extension BinaryInteger {
    /// Division rounding toward negative infinity (instants before 1970 bucket correctly).
    func quotient(dividingBy d: Self) -> Self {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
