import Foundation
import OpenportAPI
import Query
import Records

/// What `set` can change, with the values opsh starts with. Each field has one entry in
/// ``Setting/all``, which `set`, the config file, TAB, `help set` and the manual read.
public struct Settings: Sendable {
    public var format: OutputFormat = .table
    public var pager = true
    public var pageSize = 1000
    public var concurrency = 8
    public var useCache = true
    /// How many times a failed GET, PUT or DELETE is tried again (0 = never).
    public var retries = 3
    /// How long one request may take, retries and their waits included.
    public var timeout: Duration = .seconds(30)
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
    /// MaxMind DB files (`.mmdb`) for `source_ip.country`, `.asn`, ...: `set geoip FILE[,FILE]`.
    public var geoip: [String] = []
    /// How long fetched rows count as fresh, per resource.
    public var freshness: [Resource: Duration] = [
        .sessions: .seconds(30), .keys: .seconds(300), .nodes: .seconds(3600), .clicks: .seconds(60),
    ]

    public init() {}

    /// How long fetched rows of `resource` count as fresh (`set ttl.clicks`).
    public subscript(freshness resource: Resource) -> Duration {
        get { freshness[resource] ?? .zero }
        set { freshness[resource] = newValue }
    }

    /// The client's retry policy for `retries` and `timeout`.
    public var retryPolicy: OpenportClient.RetryPolicy {
        OpenportClient.RetryPolicy(maxAttempts: retries + 1, budget: timeout.inSeconds)
    }

    /// Makes the client page, fetch at once and retry as these settings say, from its next
    /// request on (the click log's refresh included).
    public func apply(to client: OpenportClient) {
        client.retryPolicy = retryPolicy
        client.paging = .init(pageSize: pageSize, concurrency: concurrency)
    }

    /// One line per setting, for `set` without arguments.
    public var listing: [(name: String, value: String)] {
        Setting.all.map { ($0.name, $0.show(self)) }
    }

    /// Applies `set NAME VALUE`; the error says what values fit.
    public mutating func set(_ name: String, _ value: String) throws(ShellError) {
        guard let setting = Setting.named(name) else {
            let hint = Suggest.nearest(name, among: Setting.names).map { " (did you mean '\($0)'?)" } ?? ""
            throw ShellError("there is no setting '\(TerminalSafe.escape(name))'\(hint); 'set' lists them")
        }
        try setting.apply(value, &self)
    }

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
