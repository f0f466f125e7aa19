import OpenportAPI
import Query

/// What `set` can change, with the values opsh starts with.
public struct Settings: Sendable {
    public var format: OutputFormat = .table
    public var pager = true
    public var pageSize = 1000
    public var concurrency = 8
    public var useCache = true
    /// How many times a failed GET, PUT or DELETE is tried again (0 = never).
    public var retries = 3
    /// Seconds one request may take, retries and their waits included.
    public var timeout = 30
    /// Print each command's wall time and HTTP requests on stderr.
    public var timing = false
    /// At the prompt, show the rest of the last matching history line after the cursor.
    public var suggest = true
    /// The zone `group F by day` counts in: UTC, local (TZ) or Area/City.
    public var zone: BucketZone = .utc
    /// `auto` (Unicode unless the locale says otherwise), `utf8` or `ascii`, for `chart`.
    public var charset = "auto"
    /// How often `follow` asks the server for what is new.
    public var followInterval: Duration = .seconds(5)
    /// How old the last full scan of the click log may grow: an incremental refresh checks both
    /// ends and one page in the middle, so a change elsewhere in the middle is seen by the next
    /// full scan at the latest.
    public var rescan: Duration = .seconds(3600)
    /// How long fetched rows count as fresh, per resource.
    public var freshness: [Resource: Duration] = [
        .sessions: .seconds(30), .keys: .seconds(300), .nodes: .seconds(3600), .clicks: .seconds(60),
    ]

    public init() {}

    /// The client's retry policy for `retries` and `timeout`.
    public var retryPolicy: OpenportClient.RetryPolicy {
        OpenportClient.RetryPolicy(maxAttempts: retries + 1, budget: Double(timeout))
    }

    /// One line per setting, for `set` without arguments.
    public var listing: [(name: String, value: String)] {
        var rows: [(String, String)] = [
            ("format", format.rawValue),
            ("pager", pager ? "on" : "off"),
            ("page-size", String(pageSize)),
            ("concurrency", String(concurrency)),
            ("cache", useCache ? "on" : "off"),
            ("retries", String(retries)),
            ("timeout", "\(timeout)s"),
            ("timing", timing ? "on" : "off"),
            ("suggest", suggest ? "on" : "off"),
            ("timezone", zone.name),
            ("charset", charset),
            ("follow.interval", Settings.describe(followInterval)),
            ("rescan", Settings.describe(rescan)),
        ]
        for r in Resource.allCases {
            rows.append(("ttl.\(r.rawValue)", Settings.describe(freshness[r] ?? .zero)))
        }
        return rows
    }

    /// The names `set` accepts, for completion and "did you mean".
    public static let names: [String] = ["format", "pager", "page-size", "concurrency", "cache", "retries", "timeout", "timing",
                                         "suggest", "timezone", "charset", "follow.interval", "rescan"]
        + Resource.allCases.map { "ttl.\($0.rawValue)" }

    /// Applies `set NAME VALUE`; the error says what values fit.
    public mutating func set(_ name: String, _ value: String) throws(ShellError) {
        func bool() throws(ShellError) -> Bool {
            switch value.lowercased() {
            case "on", "true", "yes", "1": return true
            case "off", "false", "no", "0": return false
            default: throw ShellError("\(name) is on or off, not '\(value)'")
            }
        }
        func int(_ range: ClosedRange<Int>) throws(ShellError) -> Int {
            guard let n = Int(value), range.contains(n) else {
                throw ShellError("\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'")
            }
            return n
        }
        switch name {
        case "format":
            guard let f = OutputFormat(rawValue: value.lowercased()) else {
                throw ShellError("format is one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
            }
            format = f
        case "pager": pager = try bool()
        case "page-size": pageSize = try int(1...100_000)
        case "concurrency": concurrency = try int(1...64)
        case "cache": useCache = try bool()
        case "retries": retries = try int(0...20)
        case "timeout":
            guard let d = Settings.parseDuration(value), d >= .seconds(1), d <= .seconds(3600) else {
                throw ShellError("timeout takes seconds from 1 to 3600 (30, 90s, 5m), not '\(value)'")
            }
            timeout = Int(d.components.seconds)
        case "timing": timing = try bool()
        case "suggest": suggest = try bool()
        case "timezone":
            guard let z = BucketZone(setting: value) else {
                throw ShellError("timezone is UTC, local or a zone name like Europe/Brussels, not '\(value)'")
            }
            zone = z
        case "follow.interval":
            guard let d = Settings.parseDuration(value), d >= .milliseconds(100), d <= .seconds(86_400) else {
                throw ShellError("follow.interval takes a duration from 100ms to 1d (5s, 1m), not '\(value)'")
            }
            followInterval = d
        case "rescan":
            guard let d = Settings.parseDuration(value), d <= .seconds(365 * 86_400) else {
                throw ShellError("rescan takes a duration like 1h, 30m or 0 (a full scan at every refresh), not '\(value)'")
            }
            rescan = d
        case "charset":
            guard ["auto", "utf8", "ascii"].contains(value.lowercased()) else {
                throw ShellError("charset is auto, utf8 or ascii, not '\(value)'")
            }
            charset = value.lowercased()
        default:
            if name.hasPrefix("ttl."), let r = Resource(word: String(name.dropFirst(4))) {
                guard let d = Settings.parseDuration(value) else {
                    throw ShellError("\(name) takes a duration like 30s, 5m or 1h, not '\(value)'")
                }
                freshness[r] = d
                return
            }
            let hint = Suggest.nearest(name, among: Settings.names).map { " (did you mean '\($0)'?)" } ?? ""
            throw ShellError("there is no setting '\(name)'\(hint); 'set' lists them")
        }
    }

    /// `90`, `90s`, `5m`, `2h` → a duration.
    static func parseDuration(_ text: String) -> Duration? {
        let t = text.lowercased()
        let units: [(String, Int)] = [("ms", 0), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, seconds) in units where t.hasSuffix(suffix) {
            // At most about 30 years: no arithmetic on what was typed can overflow.
            guard let n = Int(t.dropLast(suffix.count)), n >= 0, n <= 1_000_000_000 else { return nil }
            return seconds == 0 ? .milliseconds(n) : .seconds(n * seconds)
        }
        return Int(t).flatMap { $0 >= 0 && $0 <= 1_000_000_000 ? .seconds($0) : nil }
    }

    static func describe(_ d: Duration) -> String {
        let s = d.components.seconds
        if s >= 3600, s % 3600 == 0 { return "\(s / 3600)h" }
        if s >= 60, s % 60 == 0 { return "\(s / 60)m" }
        return "\(s)s"
    }
}

extension Settings {
    /// Whether drawings use plain ASCII: `set charset ascii`, or (auto) a locale that is set
    /// and is not UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as setlocale reads them).
    public func asciiDrawing(environment: [String: String]) -> Bool {
        switch charset {
        case "ascii": return true
        case "utf8": return false
        default:
            guard let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else {
                return false
            }
            let l = locale.lowercased()
            return !(l.contains("utf-8") || l.contains("utf8"))
        }
    }
}
