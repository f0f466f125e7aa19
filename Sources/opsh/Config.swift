import Foundation
import OpenportAPI
import Shell
import TOMLKit

/// A mistake in the configuration or in how a profile was asked for: one line, exit 2.
struct ConfigError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// One `[profiles.NAME]` table.
struct Profile: Equatable {
    var name: String
    var apiURL: String?
    var token: String?
    var tokenFile: String?
    /// Settings, as `set` names them (`format`, `page-size`, `ttl.clicks`, ...), with their
    /// values as text, checked.
    var settings: [Setting.Assignment] = []
    var caFile: String?
    var proxy: String?
    /// `disk`, `memory` or `off`.
    var cache: String?
    /// MaxMind DB files: `geoip = "FILE"` or `geoip = ["FILE", "FILE"]`.
    var geoip: [String]?

    /// `profile 'work' in ~/.config/opsh/config.toml`, for messages.
    func place(in file: ConfigFile?) -> String { "profile '\(name.shownSafely)' in \(file?.path ?? "the config file")" }
}

/// Where fetched rows are kept: on disk between processes (the default), in memory for
/// the session only, or nowhere (every command fetches).
enum CacheMode: String, CaseIterable {
    case disk, memory, off

    init(setting: String, origin: String) throws(ConfigError) {
        guard let mode = CacheMode(rawValue: setting.lowercased()) else {
            throw ConfigError("\(origin): cache is disk, memory or off, not '\(setting.shownSafely)'")
        }
        self = mode
    }
}

/// `$XDG_CONFIG_HOME/opsh/config.toml`, read with TOMLKit:
///
///     default_profile = "work"
///
///     [profiles.work]
///     api_url = "https://api.openport.io/api/v2/"
///     token_file = "~/.secrets/openport-token"
///     format = "table"                       # any setting `set` knows, by its name
///     page-size = 1000                       # (page_size too: - and _ are the same)
///     ttl.clicks = "5m"
///     ca_file = "~/corp-ca.pem"              # trust this authority instead of the system's
///     proxy = "http://proxy.corp:3128"       # HTTPS_PROXY and friends take precedence
struct ConfigFile {
    /// What a profile sets besides the settings of `set` (`geoip` is a setting too, but a
    /// profile's may be a list, and its files are found from the config's directory).
    static let profileKeys = ["api_url", "token", "token_file", "ca_file", "proxy", "cache", "geoip"]

    var path: String
    var text: String
    var defaultProfile: String?
    var profiles: [String: Profile]
    /// Things worth saying that do not stop opsh (unknown keys).
    var warnings: [String] = []

    /// `$XDG_CONFIG_HOME/opsh/config.toml`, else `~/.config/opsh/config.toml`; nil without either.
    static func path(environment: [String: String]) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/opsh/config.toml" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/opsh/config.toml"
    }

    /// The file at `path`, or nil when there is none.
    static func load(path: String) throws(ConfigError) -> ConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(path): not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses and checks a configuration; errors name the file and the line.
    static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("\(path):\(error.source.begin.line): \(error.description.shownSafely)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
        var file = ConfigFile(path: path, text: text, defaultProfile: nil, profiles: [:])
        for key in table.keys.sorted() {
            switch key {
            case "default_profile":
                guard let name = table[key]?.string else {
                    throw file.error("default_profile must be a quoted profile name", key: key, in: nil)
                }
                file.defaultProfile = name
            case "profiles":
                guard let profiles = table[key]?.table else {
                    throw file.error("profiles must be tables: [profiles.NAME]", key: key, in: nil)
                }
                for name in profiles.keys.sorted() {
                    guard let entries = profiles[name]?.table else {
                        throw file.error("profiles.\(name) must be a table: [profiles.\(name)]", key: name, in: nil)
                    }
                    file.profiles[name] = try file.profile(name, entries)
                }
            default:
                file.warnings.append("warning: " + file.place(key: key, in: nil)
                    + ": unknown setting '\(key)' ignored (opsh knows default_profile and [profiles.NAME])")
            }
        }
        return file
    }

    private mutating func profile(_ name: String, _ entries: TOMLTable) throws(ConfigError) -> Profile {
        var profile = Profile(name: name)
        func string(_ key: String) throws(ConfigError) -> String {
            guard let s = entries[key]?.string else { throw error("\(key) must be a quoted string", key: key, in: name) }
            return s
        }
        for key in entries.keys.sorted() {
            switch key {
            case "api_url": profile.apiURL = try string(key)
            case "token": profile.token = try string(key)
            case "token_file": profile.tokenFile = try string(key)
            case "ca_file": profile.caFile = try string(key)
            case "proxy": profile.proxy = try string(key)
            case "geoip": profile.geoip = try geoipFiles(entries[key], profile: name)
            case "cache":
                let value = try string(key)
                guard CacheMode(rawValue: value.lowercased()) != nil else {
                    throw error("cache is \"disk\", \"memory\" or \"off\", not '\(value.shownSafely)'", key: key, in: name)
                }
                profile.cache = value.lowercased()
            default:
                try setting(key, entries[key], profile: &profile)
            }
        }
        if profile.token != nil, profile.tokenFile != nil {
            throw error("profile '\(name)' has both token and token_file: keep one", key: "token_file", in: name)
        }
        return profile
    }

    /// `geoip = "FILE[,FILE]"` (read as `set geoip` reads it) or `geoip = ["FILE", "FILE"]`.
    private func geoipFiles(_ node: (any TOMLValueConvertible)?, profile: String) throws(ConfigError) -> [String] {
        if let list = node?.array {
            let files = list.compactMap(\.string)
            guard files.count == list.count else {
                throw error("geoip must be a quoted file name or a list of them", key: "geoip", in: profile)
            }
            return files
        }
        guard let text = node?.string else { throw error("geoip must be a quoted file name or a list of them", key: "geoip", in: profile) }
        var settings = Settings()
        do { try settings.set("geoip", text) } catch { throw self.error(error.message, key: "geoip", in: profile) }
        return settings.geoip
    }

    /// A setting of `set` in a profile: checked as `set` checks it. A dotted name
    /// (`ttl.clicks = "5m"`) reads in TOML as a table (`ttl`) of keys.
    private mutating func setting(_ key: String, _ node: (any TOMLValueConvertible)?, profile: inout Profile) throws(ConfigError) {
        if let table = node?.table {
            for inner in table.keys.sorted() { try setting(key + "." + inner, table[inner], profile: &profile) }
            return
        }
        guard Setting.named(key) != nil else {
            warnings.append("warning: " + place(key: key.split(separator: ".").first.map(String.init) ?? key, in: profile.name)
                + ": unknown setting '\(key.shownSafely)' in profile '\(profile.name)' ignored"
                + " (a profile takes \(ConfigFile.profileKeys.joined(separator: ", ")), and what 'set' lists)")
            return
        }
        let text = node?.string ?? node?.int.map(String.init) ?? node?.bool.map { $0 ? "on" : "off" } ?? node?.double.map { String($0) } ?? ""
        var check = Settings()
        do {
            try check.set(key, text)
        } catch {
            throw self.error(error.message, key: key.split(separator: ".").first.map(String.init) ?? key, in: profile.name)
        }
        profile.settings.append(.init(name: key, value: text))
    }

    /// `FILE:LINE` for a key, or `FILE` when the line cannot be found.
    func place(key: String, in profile: String?) -> String {
        line(of: key, in: profile).map { "\(path):\($0)" } ?? path
    }

    func error(_ message: String, key: String, in profile: String?) -> ConfigError {
        ConfigError(place(key: key, in: profile) + ": " + message)
    }

    /// The 1-based line where `key` is set: top level, or in `[profiles.NAME]`.
    func line(of key: String, in profile: String?) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var inSection = profile == nil
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                inSection = profile.map { ConfigText.header(line, names: $0) } ?? false
                if profile == nil, key != "profiles", ConfigText.header(line, names: key) { return i + 1 }
                if profile == nil, key == "profiles", line.hasPrefix("[profiles") { return i + 1 }
                continue
            }
            if inSection, ConfigText.assigns(line, key: key) { return i + 1 }
        }
        return nil
    }

    var profileList: String {
        profiles.isEmpty ? "it defines none" : "profiles: " + profiles.keys.sorted().map(\.shownSafely).joined(separator: ", ")
    }

    /// Whether any profile keeps its token in this file.
    var holdsToken: Bool { profiles.values.contains { $0.token != nil } }
}

/// Small textual helpers over TOML lines, for finding lines and for `login`'s edits.
enum ConfigText {
    /// Whether `line` (trimmed) is the header `[profiles.NAME]` (or `[NAME]` for a top-level table).
    static func header(_ line: String, names name: String) -> Bool {
        guard line.hasPrefix("["), !line.hasPrefix("[["), let close = line.firstIndex(of: "]") else { return false }
        let inner = line[line.index(after: line.startIndex)..<close].split(separator: ".", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let unquoted = inner.map { part -> String in
            if part.count >= 2, let f = part.first, f == "\"" || f == "'", part.last == f { return String(part.dropFirst().dropLast()) }
            return part
        }
        if unquoted.count == 2 { return unquoted[0] == "profiles" && unquoted[1] == name }
        return unquoted.count == 1 && unquoted[0] == name
    }

    /// Whether `line` (trimmed) sets `key`: `key = ...`.
    static func assigns(_ line: String, key: String) -> Bool {
        guard line.hasPrefix(key) else { return false }
        let rest = line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
        return rest.hasPrefix("=")
    }

    /// A TOML basic string.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\u%04X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// A profile name as a TOML key: bare when it can be.
    static func key(_ name: String) -> String {
        let bare = !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return bare ? name : quoted(name)
    }
}

/// What opsh runs with, after the command line, the environment and the profile are weighed.
///
/// Precedence, highest first: the command line (`--token`, `--api-url`, `--format`), then
/// the environment (`OPENPORT_TOKEN`, `OPENPORT_API_URL`), then the profile, then opsh's
/// defaults. The profile is `--profile NAME`, else `OPSH_PROFILE`, else the config's
/// `default_profile`, else a profile named `default` if there is one, else none.
struct ResolvedConfig {
    /// The profile used, if any.
    var profile: String?
    var apiURL: String
    var token: String?
    /// The settings the profile makes, then `--format`: applied in order.
    var settings: [Setting.Assignment] = []
    /// The profile's `ca_file`, its path expanded (below `--cacert`, above `SSL_CERT_FILE`).
    var caFile: String?
    /// The profile's `proxy` (below `HTTPS_PROXY` and the other variables).
    var proxy: String?
    /// `OPSH_CACHE`, else the profile's `cache`, else disk (`--no-cache` is applied after).
    var cache: CacheMode = .disk
    /// The profile's `geoip` files, paths expanded, with where they were set (for messages).
    var geoip: [String] = []
    var geoipPlace: String?
    /// One-line warnings for stderr (without `opsh: `).
    var warnings: [String] = []
    /// Where the token and the API URL came from, for messages (a 401 names them).
    var tokenOrigin: ConfigOrigin?
    var urlOrigin: ConfigOrigin?

    struct CommandLine {
        var profile: String?
        var apiURL: String?
        var token: String?
        var format: String?
    }

    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }

    /// The profile to use: its name and where the choice came from (for messages).
    static func selectedProfile(flag: String?, environment: [String: String], file: ConfigFile?) -> (name: String, from: String)? {
        if let flag = nonEmpty(flag) { return (flag, "--profile") }
        if let env = nonEmpty(environment["OPSH_PROFILE"]) { return (env, "OPSH_PROFILE") }
        if let name = nonEmpty(file?.defaultProfile) { return (name, "default_profile") }
        if file?.profiles["default"] != nil { return ("default", "the default profile") }
        return nil
    }

    static func resolve(_ commandLine: CommandLine, environment: [String: String],
                        configPath: String?) throws(ConfigError) -> ResolvedConfig {
        let file = try configPath.flatMap { path throws(ConfigError) in try ConfigFile.load(path: path) }
        var resolved = ResolvedConfig(apiURL: APIConfig.defaultBaseURL)
        resolved.warnings += file?.warnings ?? []

        var profile: Profile?
        if let (name, from) = selectedProfile(flag: commandLine.profile, environment: environment, file: file) {
            guard let file else {
                throw ConfigError("no profile '\(name.shownSafely)' (from \(from)): \(configPath ?? "the config file") does not exist;"
                    + " 'opsh login --profile NAME' creates it")
            }
            guard let found = file.profiles[name] else {
                throw ConfigError("no profile '\(name.shownSafely)' (from \(from)) in \(file.path); \(file.profileList)")
            }
            profile = found
            resolved.profile = name
        }
        if let file, file.holdsToken, let warning = PermissionCheck.warning(for: file.path, holding: "a token") {
            resolved.warnings.append(warning)
        }

        (resolved.apiURL, resolved.urlOrigin) = apiURL(commandLine, environment: environment, profile: profile, file: file)
        resolved.settings = (profile?.settings ?? []) + (commandLine.format.map { [.init(name: "format", value: $0)] } ?? [])
        if let env = nonEmpty(environment["OPSH_CACHE"]) {
            resolved.cache = try CacheMode(setting: env, origin: "OPSH_CACHE")
        } else if let mode = profile?.cache.flatMap(CacheMode.init(rawValue:)) {
            resolved.cache = mode
        }
        if let profile, let file {
            let dir = (file.path as NSString).deletingLastPathComponent
            resolved.caFile = profile.caFile.map { expand($0, relativeTo: dir, environment: environment) }
            resolved.proxy = profile.proxy
            resolved.geoip = (profile.geoip ?? []).map { expand($0, relativeTo: dir, environment: environment) }
            resolved.geoipPlace = file.place(key: "geoip", in: profile.name)
        }

        try resolved.readToken(commandLine, environment: environment, profile: profile, file: file)
        return resolved
    }

    /// The API URL and where it was set: `--api-url`, else OPENPORT_API_URL, else the
    /// profile's, else opsh's default (no origin).
    static func apiURL(_ commandLine: CommandLine, environment: [String: String], profile: Profile?,
                       file: ConfigFile?) -> (String, ConfigOrigin?) {
        if let url = nonEmpty(commandLine.apiURL) { return (url, ConfigOrigin("--api-url")) }
        if let url = nonEmpty(environment["OPENPORT_API_URL"]) { return (url, ConfigOrigin("OPENPORT_API_URL")) }
        if let profile, let url = profile.apiURL { return (url, ConfigOrigin(profile.place(in: file))) }
        return (APIConfig.defaultBaseURL, nil)
    }

    /// The token and where it was set: `--token`, else OPENPORT_TOKEN, else the profile's
    /// token, else its token_file (read now; a warning when others may read it).
    mutating func readToken(_ commandLine: CommandLine, environment: [String: String], profile: Profile?,
                            file: ConfigFile?) throws(ConfigError) {
        if let token = ResolvedConfig.nonEmpty(commandLine.token) {
            self.token = token
            tokenOrigin = ConfigOrigin("--token", remedy: "give --token your account's API token")
        } else if let token = ResolvedConfig.nonEmpty(environment["OPENPORT_TOKEN"]) {
            self.token = token
            tokenOrigin = ConfigOrigin("OPENPORT_TOKEN", remedy: "set OPENPORT_TOKEN to your account's API token")
        } else if let profile, let token = profile.token {
            self.token = token
            tokenOrigin = ConfigOrigin(profile.place(in: file), remedy: "'opsh login --profile \(profile.name.shownSafely)' stores a new one")
        } else if let profile, let tokenFile = profile.tokenFile, let file {
            let path = ResolvedConfig.expand(tokenFile, relativeTo: (file.path as NSString).deletingLastPathComponent, environment: environment)
            let place = file.place(key: "token_file", in: profile.name)
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
                throw ConfigError("\(place): token_file \(path) \(reason)")
            }
            let token = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !token.isEmpty else { throw ConfigError("\(place): token_file \(path) is empty") }
            self.token = token
            tokenOrigin = ConfigOrigin("\(path) (token_file of \(profile.place(in: file)))",
                                       remedy: "put your account's API token in \(path), or 'opsh login --profile \(profile.name.shownSafely)' stores one")
            if let warning = PermissionCheck.warning(for: path, holding: "the token of profile '\(profile.name)'") {
                warnings.append(warning)
            }
        }
    }

    /// `~/x` from HOME, `x` from the config's directory.
    static func expand(_ path: String, relativeTo dir: String, environment: [String: String]) -> String {
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] { return home + path.dropFirst() }
        if path.hasPrefix("/") { return path }
        return dir + "/" + path
    }
}

/// A file holding a secret that group or others may read.
enum PermissionCheck {
    /// `warning: FILE holds a token and can be read by other users (mode 0644); chmod 600 FILE`, or nil.
    static func warning(for path: String, holding what: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = info.st_mode & 0o777
        guard mode & 0o044 != 0 else { return nil }
        return "warning: \(path) holds \(what) and can be read by other users (mode \(String(mode, radix: 8).leftPadded(4))); chmod 600 \(path)"
    }
}

extension String {
    /// Control characters (escape sequences among them) shown as `?`, newlines as spaces.
    var shownSafely: String {
        String(String.UnicodeScalarView(unicodeScalars.map { u -> Unicode.Scalar in
            u == "\n" ? " " : (u.value < 0x20 || (0x7F...0x9F).contains(u.value) ? "?" : u)
        }))
    }

    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
