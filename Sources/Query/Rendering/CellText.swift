import Foundation
import Records

/// How a table shows one value to a person: a time in the zone `set timezone` names, and,
/// when the table is read at a terminal, a byte count in kB, MB, GB (as nushell's filesize
/// does) and a decimal rounded to what a person reads. JSON, JSONL and CSV, and a table
/// written to a file or a pipe, keep every number exact.
///
///     2021-11-15T18:23:34.113431+01:00   →  2021-11-15T17:23:34.113431Z (UTC)
///     bytes_this_month 440209754         →  440.2 MB
///     avg port 32299.68044741625         →  32299.68
public enum CellText {
    /// The text of `value` in a column (or of a reduction) named `field`.
    public static func text(_ value: Value, field: String?, options: RenderOptions) -> String {
        switch value {
        case .time(let t):
            guard let zone = options.zone else { return t.description }
            return shown(t, in: zone).description
        case .int(let i) where options.readableNumbers && isBytes(field):
            return bytes(Double(i), exact: i)
        case .double(let d) where options.readableNumbers:
            return isBytes(field) ? bytes(d, exact: nil) : rounded(d)
        default:
            return value.plainText
        }
    }

    /// The same instant, written with the zone's offset at that instant (`Z` in UTC).
    public static func shown(_ t: Timestamp, in zone: BucketZone) -> Timestamp {
        let seconds = Int(t.micros.quotient(dividingBy: 1_000_000))
        let offset = zone.offset(atSecond: seconds)
        return Timestamp(micros: t.micros, offsetMinutes: Int16(offset / 60), fractionDigits: t.fractionDigits,
                         zulu: zone.name == "UTC")
    }

    /// Whether a field counts bytes: `bytes`, `bytes_this_month`, `received_bytes`, also at the
    /// end of a path (`key.bytes_this_month`).
    static func isBytes(_ field: String?) -> Bool {
        guard let name = field?.split(separator: ".").last.map(String.init) else { return false }
        return name == "bytes" || name.hasPrefix("bytes_") || name.hasSuffix("_bytes")
    }

    static let byteUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]

    /// `512 B`, `440.2 MB`, `-9.2 EB`: powers of 1000, one decimal above bytes.
    static func bytes(_ n: Double, exact: Int?) -> String {
        var v = abs(n)
        var unit = 0
        while unit < byteUnits.count - 1, (v * 10).rounded() / 10 >= 1000 {
            v /= 1000
            unit += 1
        }
        let sign = n < 0 ? "-" : ""
        if unit == 0 { return exact.map { "\($0) B" } ?? sign + String(format: "%.1f B", v) }
        return sign + String(format: "%.1f ", v) + byteUnits[unit]
    }

    /// A decimal as a person reads it: two places from 1 up (`32299.68`, `2.5`), three
    /// significant digits below (`0.000123`); whole values keep their `.0`.
    static func rounded(_ d: Double) -> String {
        guard d.isFinite, d != d.rounded() else { return Value.double(d).plainText }
        if abs(d) >= 1 {
            var text = String(format: "%.2f", d)
            while text.hasSuffix("0"), !text.hasSuffix(".0") { text.removeLast() }
            return text
        }
        return String(format: "%.3g", d)
    }
}
