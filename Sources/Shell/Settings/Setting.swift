import AddressLookups
import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// One setting: its name, what it means, how its value is read and shown, and what TAB
/// offers for it. ``all`` is the one table of them: `set`, the config file, completion,
/// `help set` and the manual read it. A new setting is a field of ``Settings`` and one
/// entry here.
public struct Setting: Sendable {
    public let name: String
    /// One line for `help set`.
    public let meaning: String
    /// What TAB offers for the value, given what is typed of it.
    public let candidates: @Sendable (_ typed: String) -> [String]
    let show: @Sendable (Settings) -> String
    let apply: @Sendable (String, inout Settings) throws(ShellError) -> Void

    /// A setting stored at `field`, read and shown as `kind` says.
    init<V>(_ name: String, _ field: WritableKeyPath<Settings, V> & Sendable, _ kind: SettingKind<V>, _ meaning: String) {
        self.name = name
        self.meaning = meaning
        candidates = kind.candidates
        show = { kind.show($0[keyPath: field]) }
        apply = { (text: String, settings: inout Settings) throws(ShellError) in
            guard let value = kind.parse(text) else {
                throw ShellError("\(name) \(kind.expected), not '\(TerminalSafe.escape(text))'")
            }
            settings[keyPath: field] = value
        }
    }

    /// Every setting, in the order `set` lists them.
    public static let all: [Setting] = [
        Setting("format", \.format, .format, "how records are printed when no renderer stage is named"),
        Setting("pager", \.pager, .onOff, "output taller than the screen goes through $PAGER (at a terminal)"),
        Setting("page-size", \.pageSize, .wholeNumber(1...100_000), "rows asked for in one request"),
        Setting("concurrency", \.concurrency, .wholeNumber(1...64), "requests in flight at once while a list is fetched"),
        Setting("cache", \.useCache, .onOff, "reuse fetched rows while they are fresh (off: fetch every time)"),
        Setting("retries", \.retries, .wholeNumber(0...20), "how many times a failed request is tried again"),
        Setting("timeout", \.timeout, .duration(.seconds(1) ... .seconds(3600)), "how long one request may take, retries included"),
        Setting("timing", \.timing, .onOff, "print each line's time and requests (per list) on stderr"),
        Setting("suggest", \.suggest, .onOff, "at the prompt, the rest of the last history line that fits, dim after the cursor"),
        Setting("timezone", \.zone, .timezone,
                "the zone of every time: tables show times in it, group F by day counts its days, where reads a bare date as its day (UTC, local or Area/City)"),
        Setting("charset", \.charset, .choice(["auto", "utf8", "ascii"]), "chart's drawing characters (auto: from the locale)"),
        Setting("follow.interval", \.followInterval, .duration(.milliseconds(100) ... .seconds(86_400)),
                "how often follow asks the server for what is new"),
        Setting("rescan", \.rescan, .duration(.zero ... .seconds(365 * 86_400)),
                "how old the click log's last full scan may grow before a refresh reads it all (0: every refresh)"),
        Setting("geoip", \.geoip, .files, "MaxMind DB (.mmdb) files for source_ip.country, .city, .asn, .org (none: no files)"),
    ] + Resource.allCases.map { r in
        Setting("ttl.\(r.rawValue)", \Settings.[freshness: r], .duration(.zero ... .seconds(1_000_000_000)),
                "how long fetched \(r.rawValue) count as fresh")
    }

    /// `NAME VALUE`, as `set` and a profile in the config file give it.
    public struct Assignment: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Every name, for completion and "did you mean".
    public static let names = all.map(\.name)

    /// The setting a name means; `page_size` is `page-size` (the config file's spelling).
    public static func named(_ name: String) -> Setting? {
        let spelled = name.lowercased().replacingOccurrences(of: "_", with: "-")
        return all.first { $0.name == spelled }
    }
}

/// How a setting's value is read from text and shown, and what TAB offers for it.
struct SettingKind<V>: Sendable {
    /// What fits, after the setting's name: "is on or off", "takes a whole number from 1 to 64".
    let expected: String
    let candidates: @Sendable (_ typed: String) -> [String]
    let parse: @Sendable (String) -> V?
    let show: @Sendable (V) -> String
}

extension SettingKind where V == Bool {
    static var onOff: SettingKind {
        SettingKind(expected: "is on or off", candidates: { _ in ["on", "off"] }, parse: { text in
            switch text.lowercased() {
            case "on", "true", "yes", "1": return true
            case "off", "false", "no", "0": return false
            default: return nil
            }
        }, show: { $0 ? "on" : "off" })
    }
}

extension SettingKind where V == Int {
    static func wholeNumber(_ range: ClosedRange<Int>) -> SettingKind {
        SettingKind(expected: "takes a whole number from \(range.lowerBound) to \(range.upperBound)", candidates: { _ in [] },
                    parse: { Int($0).flatMap { range.contains($0) ? $0 : nil } }, show: { String($0) })
    }
}

extension SettingKind where V == Duration {
    /// A duration in opsh's one grammar (``DurationText``); a bare number is seconds.
    static func duration(_ range: ClosedRange<Duration>) -> SettingKind {
        let bounds = range.upperBound >= .seconds(1_000_000_000) ? "a duration"
            : "a duration from \(DurationText.describe(range.lowerBound)) to \(DurationText.describe(range.upperBound))"
        return SettingKind(expected: "takes \(bounds) (\(DurationText.examples); a bare number is seconds)", candidates: { _ in [] },
                           parse: { DurationText.duration($0, bareSeconds: true).flatMap { range.contains($0) ? $0 : nil } },
                           show: { DurationText.describe($0) })
    }
}

extension SettingKind where V == OutputFormat {
    /// A renderer that can render any records (table, json, jsonl, csv).
    static var format: SettingKind {
        let names = OutputFormat.allCases.map(\.rawValue)
        return SettingKind(expected: "is one of \(names.joined(separator: ", "))", candidates: { _ in names },
                           parse: { OutputFormat(rawValue: $0.lowercased()) }, show: { $0.rawValue })
    }
}

extension SettingKind where V == String {
    static func choice(_ names: [String]) -> SettingKind {
        SettingKind(expected: "is \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "")", candidates: { _ in names },
                    parse: { names.contains($0.lowercased()) ? $0.lowercased() : nil }, show: { $0 })
    }
}

extension SettingKind where V == [String] {
    /// Files, `FILE[,FILE]`; `none` (or `off`) is none. TAB completes the first file's path
    /// (the completion analyser reads a comma as an operator, so not the files after one).
    static var files: SettingKind {
        SettingKind(expected: "takes files, FILE[,FILE], or none", candidates: { FileNames.matching($0).map(\.path) }, parse: { text in
            if ["none", "off", ""].contains(text.lowercased()) { return [] }
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }, show: { $0.isEmpty ? "none" : $0.joined(separator: ",") })
    }
}

extension SettingKind where V == BucketZone {
    static var timezone: SettingKind {
        SettingKind(expected: "is UTC, local or a zone name like Europe/Brussels",
                    candidates: { _ in ["UTC", "local"] + TimeZone.knownTimeZoneIdentifiers.sorted() },
                    parse: { BucketZone(setting: $0) }, show: { $0.name })
    }
}

/// The settings of one shell, changed by `set` while lines run: a change reaches the client
/// at once (paging, retries), so every fetch after it, the click log's refresh included,
/// uses it; a change of `geoip` reaches the address book once its files are open.
final class LiveSettings: Sendable {
    private let state: Mutex<Settings>
    private let client: OpenportClient
    private let addresses: AddressBook

    /// The client is left as it was made until the first `set` (the executable makes it
    /// with these settings applied; a test may give it a policy of its own); so is the
    /// address book (the executable opens the profile's files).
    init(_ settings: Settings, client: OpenportClient, addresses: AddressBook) {
        state = Mutex(settings)
        self.client = client
        self.addresses = addresses
    }

    var current: Settings { state.withLock { $0 } }

    /// `set NAME VALUE`. New `geoip` files are opened before they replace those in use: one
    /// that cannot be used is one line saying why, and the setting stays as it was.
    func set(_ name: String, _ value: String) throws(ShellError) {
        let changed = try state.withLock { (s: inout Settings) throws(ShellError) -> Settings in
            var changed = s
            try changed.set(name, value)
            if changed.geoip != s.geoip { try useDatabases(changed.geoip) }
            s = changed
            return s
        }
        changed.apply(to: client)
    }

    private func useDatabases(_ files: [String]) throws(ShellError) {
        do { try addresses.useDatabases(files) } catch { throw ShellError(error.message) }
    }
}
