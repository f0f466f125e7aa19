/// Durations as opsh reads and writes them, in one grammar: a whole number and a unit,
/// `500ms`, `30s`, `5m`, `2h`, `1d`, `1w`. `set` reads them (where a bare number means
/// seconds: `set timeout 30`), `follow --for` and relative times in `where` (`-7d`) too, and
/// `set` shows them the same way.
public enum DurationText {
    /// The units, in milliseconds; `ms` before `m` and `s`, so that `500ms` is not read as minutes.
    static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
    ]

    /// Examples for messages: "500ms, 30s, 5m, 2h or 1d".
    public static let examples = "500ms, 30s, 5m, 2h or 1d"

    /// The milliseconds `text` stands for, or nil when it is not a duration. With
    /// `bareSeconds`, digits alone are seconds. At most about 30 years: nothing overflows.
    public static func milliseconds(_ text: String, bareSeconds: Bool = false) -> Int64? {
        let t = text.lowercased()
        for unit in units where t.hasSuffix(unit.suffix) {
            return count(t.dropLast(unit.suffix.count)).flatMap { multiply($0, unit.milliseconds) }
        }
        guard bareSeconds else { return nil }
        return count(Substring(t)).flatMap { multiply($0, 1_000) }
    }

    /// `text` as a ``Duration``; nil when it is not one.
    public static func duration(_ text: String, bareSeconds: Bool = false) -> Duration? {
        milliseconds(text, bareSeconds: bareSeconds).map { .milliseconds($0) }
    }

    /// A duration in the largest unit that divides it exactly: `500ms`, `90s`, `5m`, `1d`.
    public static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        guard ms != 0 else { return "0s" }
        for unit in units.dropFirst().reversed() where ms % unit.milliseconds == 0 {
            return "\(ms / unit.milliseconds)\(unit.suffix)"
        }
        return "\(ms)ms"
    }

    /// Digits only (no sign), at most 1,000,000,000.
    private static func count(_ digits: Substring) -> Int64? {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits), n <= 1_000_000_000 else {
            return nil
        }
        return n
    }

    private static func multiply(_ n: Int64, _ unit: Int64) -> Int64? {
        let (product, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? nil : product
    }
}
