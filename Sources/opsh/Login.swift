import ArgumentParser
import Foundation
import OpenportAPI
import Query
import Shell

/// `opsh login`: asks for a token without echoing it, tries it on the API, and keeps it in
/// the config file.
struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Check an API token and store it in the config file (typed without echo).",
        usage: "opsh login [--profile NAME] [--api-url URL] [--no-check] [< TOKEN-FILE]",
        discussion: """
        At a terminal the token is asked for and not shown as you type; otherwise it is the first line of stdin (opsh login < token.txt).

        The API URL is checked first (http or https; plain http:// only to this machine), then the token with one request: opsh says how many keys its account has, or that the server refused it, and stores nothing then. --no-check stores it without asking the server (offline).

        It goes into [profiles.NAME] of $XDG_CONFIG_HOME/opsh/config.toml (default ~/.config/opsh/config.toml), written with mode 0600 in a directory created 0700; the rest of the file (comments too) is kept. The profile is --profile NAME, else OPSH_PROFILE, else default_profile, else "default". The first profile stored becomes default_profile.
        """
    )

    @Option(help: ArgumentHelp("The profile to store the token in.", valueName: "NAME"),
            completion: .custom { _, _, _ in LineCompletion.profileNames() })
    var profile: String?

    @Option(name: .customLong("api-url"), help: ArgumentHelp("Also store this API base URL in the profile.", valueName: "URL"))
    var apiURL: String?

    @Flag(name: .customLong("no-check"), help: "Store the token without trying it on the API.")
    var noCheck = false

    @Flag(name: .customLong("allow-insecure-http"), help: "Allow a plain http:// API URL on another host (the token would cross the network in clear text).")
    var allowInsecureHTTP = false

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let output = StandardOutput()
        guard let path = ConfigFile.path(environment: environment) else {
            output.message("opsh: login: neither XDG_CONFIG_HOME nor HOME is set, so there is no config file to write\n")
            throw ExitCode(2)
        }
        let existing: ConfigFile?
        do {
            existing = try ConfigFile.load(path: path)
        } catch {
            output.message("opsh: \(error.message.shownSafely)\n")
            throw ExitCode(2)
        }
        let name = ResolvedConfig.selectedProfile(flag: profile, environment: environment, file: existing)?.name ?? "default"
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            output.message("opsh: login: a profile name is letters, digits, - and _ only\n")
            throw ExitCode(2)
        }
        // The URL is checked before the token is asked for: a mistake there costs no typing.
        var api = try apiConfig(profile: existing?.profiles[name], file: existing, environment: environment, output: output)

        let token = try readToken(profile: name, output: output)
        api.token = token
        let accepted = noCheck ? nil : try check(api, output: output)
        try store(token, profile: name, in: existing, path: path, output: output)
        if let accepted { output.message(accepted + "\n") }
        output.message("Stored the token\(noCheck ? " (not checked)" : "") in profile '\(name)' of \(path) (mode 0600).\n")
    }

    /// The API the token is for: `--api-url`, else OPENPORT_API_URL, else the profile's, else opsh's
    /// default; with the profile's authority and proxy. One line and exit 2 when it cannot be used.
    private func apiConfig(profile: Profile?, file: ConfigFile?, environment: [String: String], output: OutputSink) throws -> APIConfig {
        // A stand-in token, so that a plain http:// URL to another host is refused now.
        // The URL the token will be used with: the same order as every other command's.
        let (url, origin) = ResolvedConfig.apiURL(.init(apiURL: apiURL), environment: environment, profile: profile, file: file)
        var c = APIConfig(baseURL: url, token: "token")
        c.urlOrigin = origin
        c.allowInsecureHTTP = allowInsecureHTTP
        c.maxAttempts = 2
        c.retryBudget = 15
        let directory = file.map { ($0.path as NSString).deletingLastPathComponent } ?? ""
        let caFile = profile?.caFile.map { ResolvedConfig.expand($0, relativeTo: directory, environment: environment) }
        c.certificateAuthorities = CertificateAuthorities.chosen(cacert: nil, profileCAFile: caFile, environment: environment)
        do throws(APIError) {
            c.proxy = try ProxySelection.proxy(for: c.baseURL, environment: environment, profileProxy: profile?.proxy)
            try c.validate()
        } catch {
            output.message("opsh: login: \(error.message.shownSafely); nothing stored\n")
            throw ExitCode(2)
        }
        return c
    }

    /// Tries the token with one request (the count of the account's keys): the line to say
    /// when it works; one line and exit 1 when the server refuses it or cannot be asked.
    private func check(_ api: APIConfig, output: OutputSink) throws -> String {
        let answer = blocking { () -> Result<Int, APIError> in
            let client: OpenportClient
            do throws(APIError) { client = try OpenportClient(config: api) } catch { return .failure(error) }
            do throws(APIError) {
                let keys = try await client.count(.keys)
                await client.shutdown()
                return .success(keys)
            } catch {
                await client.shutdown()
                return .failure(error)
            }
        }
        switch answer {
        case .success(let keys):
            return "The token works on \(api.host): its account has \(DigitGroups.text(keys)) SSH key\(keys == 1 ? "" : "s")."
        case .failure(let error):
            let why: String
            switch error.kind {
            case .unauthorized: why = "\(api.host) refused this token (401): it is not an API token of any account there"
            case .forbidden: why = "\(api.host) knows this token but will not let its account use the API (403): the API needs a paying account"
            default: why = "could not try the token on \(api.host): \(error.message) ('opsh login --no-check' stores it untried)"
            }
            output.message("opsh: login: \(why.shownSafely); nothing stored\n")
            throw ExitCode(1)
        }
    }

    /// Writes the token (and `--api-url`) into the profile, keeping the rest of the file.
    private func store(_ token: String, profile name: String, in existing: ConfigFile?, path: String, output: OutputSink) throws {
        var text = existing?.text ?? ""
        text = ConfigEdit.set("token", to: ConfigText.quoted(token), removing: ["token_file"], inProfile: name, in: text)
        if let apiURL {
            text = ConfigEdit.set("api_url", to: ConfigText.quoted(apiURL), removing: [], inProfile: name, in: text)
        }
        if existing?.defaultProfile == nil, existing?.profiles.isEmpty ?? true, name != "default" {
            text = ConfigEdit.setTopLevel("default_profile", to: ConfigText.quoted(name), in: text)
        }
        // The edit is textual, to keep comments and layout; check that it says what we meant.
        guard let edited = try? ConfigFile.parse(text, path: path), edited.profiles[name]?.token == token,
              apiURL == nil || edited.profiles[name]?.apiURL == apiURL else {
            output.message("opsh: login: \(path) is laid out in a way opsh cannot edit safely; put token = \"...\" under [profiles.\(name)] yourself\n")
            throw ExitCode(1)
        }
        do {
            try PrivateFile.write(text, to: path)
        } catch {
            output.message("opsh: login: \(error)\n")
            throw ExitCode(1)
        }
    }

    /// The token, typed at the terminal without echo or read from stdin's first line; one
    /// line and an exit status when there is none, or it cannot be a token.
    private func readToken(profile name: String, output: OutputSink) throws -> String {
        let read: TokenReader.Outcome = isatty(0) != 0
            ? TokenReader.fromTerminal(prompt: "Token for profile '\(name)' (not shown): ", output: output)
            : TokenReader.firstLine()
        guard case .token(let token) = read else {
            output.message("opsh: login: cancelled; nothing stored\n")
            throw ExitCode(130)
        }
        guard !token.isEmpty else {
            output.message("opsh: login: no token given; nothing stored\n")
            throw ExitCode(1)
        }
        guard !token.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            output.message("opsh: login: that is not a token (it has spaces or control characters); nothing stored\n")
            throw ExitCode(1)
        }
        return token
    }
}

/// Edits of the config's text that keep everything else as it was.
enum ConfigEdit {
    /// Sets `key = value` (value already TOML) in `[profiles.NAME]`, adding the table or the key
    /// when missing, and deletes the keys in `removing` from that table.
    static func set(_ key: String, to value: String, removing: [String], inProfile name: String, in text: String) -> String {
        var lines = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let assignment = "\(key) = \(value)"
        guard let header = lines.firstIndex(where: { ConfigText.header($0.trimmingCharacters(in: .whitespaces), names: name) }) else {
            if let last = lines.last, !last.trimmingCharacters(in: .whitespaces).isEmpty { lines.append("") }
            lines += ["[profiles.\(ConfigText.key(name))]", assignment]
            return lines.joined(separator: "\n") + "\n"
        }
        var end = lines[(header + 1)...].firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("[") } ?? lines.count
        var replaced = false
        var i = header + 1
        while i < end {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            if ConfigText.assigns(trimmed, key: key) {
                lines[i] = assignment
                replaced = true
            } else if removing.contains(where: { ConfigText.assigns(trimmed, key: $0) }) {
                lines.remove(at: i)
                end -= 1
                continue
            }
            i += 1
        }
        if !replaced {
            var at = end
            while at > header + 1, lines[at - 1].trimmingCharacters(in: .whitespaces).isEmpty { at -= 1 }
            lines.insert(assignment, at: at)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Sets a top-level `key = value`, before the first table.
    static func setTopLevel(_ key: String, to value: String, in text: String) -> String {
        var lines = text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let firstTable = lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix("[") } ?? lines.count
        if let i = lines[..<firstTable].firstIndex(where: { ConfigText.assigns($0.trimmingCharacters(in: .whitespaces), key: key) }) {
            lines[i] = "\(key) = \(value)"
        } else {
            lines.insert(contentsOf: ["\(key) = \(value)", ""], at: 0)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Reads a token: from the terminal without echo, or the first line of a pipe.
enum TokenReader {
    enum Outcome { case token(String), interrupted }

    /// The first line of stdin, trimmed.
    static func firstLine() -> Outcome {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 || byte == 0x0A { break }
            bytes.append(byte)
        }
        return .token(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Asks on stderr and reads keys with echo and signals off: Enter ends, Backspace and
    /// Ctrl-U edit, Ctrl-C (or Ctrl-D on an empty line) gives up. The terminal is restored.
    static func fromTerminal(prompt: String, output: OutputSink) -> Outcome {
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { return firstLine() }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
        quiet.c_iflag |= tcflag_t(ICRNL)
        withUnsafeMutableBytes(of: &quiet.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        // Echo goes off before the prompt shows, so nothing typed after it is ever echoed, and
        // nothing typed ahead is thrown away.
        tcsetattr(0, TCSANOW, &quiet)
        output.message(prompt)
        defer {
            tcsetattr(0, TCSADRAIN, &saved)
            output.message("\n")
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            switch byte {
            case 0x0A, 0x0D: return .token(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
            case 0x03: return .interrupted
            case 0x04: if bytes.isEmpty { return .token("") }
            case 0x7F, 0x08: if !bytes.isEmpty { bytes.removeLast() }
            case 0x15: bytes.removeAll()
            default: bytes.append(byte)
            }
        }
        return .token(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
    }
}
