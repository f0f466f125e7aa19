#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The config file, profiles, the precedence of flags, environment and profile, warnings
/// about readable secrets, and `opsh login`: as a user sees them, through real processes
/// against a local emulator.
@Suite struct ConfigTests {
    /// A home directory with `.config/opsh/config.toml`, removed at the end.
    final class Home {
        let path: String
        var configDir: String { path + "/.config/opsh" }
        var configFile: String { configDir + "/config.toml" }

        init() throws { path = try CLI.temporaryDirectory() }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func writeConfig(_ text: String, mode: mode_t = 0o600) throws {
            try FileManager.default.createDirectory(atPath: configDir, withIntermediateDirectories: true)
            try text.write(toFile: configFile, atomically: false, encoding: .utf8)
            chmod(configFile, mode)
        }

        func run(_ arguments: [String], stdin: String = "", _ env: [String: String] = [:]) throws -> CLI.Result {
            try CLI.run(CLI.executable("opsh"), arguments, environment: CLI.environment(home: path, env), stdin: stdin)
        }
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    /// Nothing on either stream may show the token.
    func expectNoToken(_ result: CLI.Result, _ token: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!result.stdout.contains(token), "token on stdout\n\(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains(token), "token on stderr\n\(result)", sourceLocation: sourceLocation)
    }

    /// A closed port: any request there fails at once.
    static let deadURL = "http://127.0.0.1:9/api/v2/"

    @Test func aProfileSuppliesURLTokenFormatAndTheDefaultProfileIsUsed() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let home = try Home()
        try home.writeConfig("""
            # opsh settings
            default_profile = "local"

            [profiles.local]
            api_url = "\(emulator.baseURL)"
            token = "\(emulator.token)"
            format = "json"

            [profiles.dead]
            api_url = "\(ConfigTests.deadURL)"
            token = "\(emulator.token)"
            """)
        let keys = try home.run(["-c", "keys | count"])
        #expect(keys.status == 0, "\(keys)")
        #expect(keys.stdout == "1044\n", "\(keys)")
        #expect(keys.stderr.isEmpty, "\(keys)")
        // format = "json" in the profile: the default renderer.
        let nodes = try home.run(["-c", "nodes | select name | first 1"])
        #expect(nodes.stdout.hasPrefix("[{\"name\":"), "\(nodes)")
        // The other profile, by flag and by environment.
        let dead = try home.run(["--profile", "dead", "-c", "keys | count"])
        #expect(dead.status == 1, "\(dead)")
        let deadByEnv = try home.run(["-c", "keys | count"], ["OPSH_PROFILE": "dead"])
        #expect(deadByEnv.status == 1, "\(deadByEnv)")
        // --profile wins over OPSH_PROFILE.
        let flagWins = try home.run(["--profile", "local", "-c", "keys | count"], ["OPSH_PROFILE": "dead"])
        #expect(flagWins.status == 0, "\(flagWins)")
        for r in [keys, nodes, dead, deadByEnv, flagWins] { expectNoToken(r, emulator.token) }
    }

    @Test func commandLineBeatsEnvironmentBeatsProfile() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let home = try Home()
        try home.writeConfig("""
            [profiles.default]
            api_url = "\(ConfigTests.deadURL)"
            token = "wrong-token"
            format = "json"
            """)
        // The profile alone: the dead URL.
        #expect(try home.run(["-c", "nodes | count"]).status == 1)
        // OPENPORT_API_URL beats the profile's api_url; the profile's (wrong) token is refused.
        let envURL = try home.run(["-c", "keys | count"], ["OPENPORT_API_URL": emulator.baseURL])
        #expect(envURL.status == 1, "\(envURL)")
        // OPENPORT_TOKEN beats the profile's token.
        let envBoth = try home.run(["-c", "keys | count"],
                                   ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        #expect(envBoth.status == 0 && envBoth.stdout == "1044\n", "\(envBoth)")
        // --api-url beats OPENPORT_API_URL; --token beats OPENPORT_TOKEN (with a warning).
        let flags = try home.run(["--api-url", emulator.baseURL, "--token", emulator.token, "-c", "keys | count"],
                                 ["OPENPORT_API_URL": ConfigTests.deadURL, "OPENPORT_TOKEN": "wrong-token"])
        #expect(flags.status == 0 && flags.stdout == "1044\n", "\(flags)")
        #expect(flags.stderrLines.count == 1 && flags.stderr.contains("--token is visible to other users"), "\(flags)")
        // --format beats the profile's format.
        let csv = try home.run(["--format", "csv", "-c", "nodes | select name | first 1"], ["OPENPORT_API_URL": emulator.baseURL])
        #expect(csv.stdout.hasPrefix("name\r\n"), "\(csv)")
        let json = try home.run(["-c", "nodes | select name | first 1"], ["OPENPORT_API_URL": emulator.baseURL])
        #expect(json.stdout.hasPrefix("[{"), "\(json)")
        for r in [envURL, envBoth, flags, csv, json] { expectNoToken(r, emulator.token) }
    }

    @Test func anUnknownProfileIsAUsageErrorNamingTheProfiles() throws {
        let home = try Home()
        try home.writeConfig("[profiles.work]\napi_url = \"\(ConfigTests.deadURL)\"\n\n[profiles.home]\n")
        for (args, env) in [(["--profile", "wrok", "-c", "nodes"], [:]), (["-c", "nodes"], ["OPSH_PROFILE": "wrok"])] {
            let r = try home.run(args, env)
            #expect(r.status == 2, "\(r)")
            #expect(r.stderrLines.count == 1, "\(r)")
            #expect(r.stderr.contains("no profile 'wrok'") && r.stderr.contains("profiles: home, work"), "\(r)")
            #expect(r.stdout.isEmpty)
        }
        // Without a config file at all.
        let bare = try Home()
        let r = try bare.run(["--profile", "work", "-c", "nodes"])
        #expect(r.status == 2 && r.stderr.contains("config.toml does not exist"), "\(r)")
    }

    @Test func aMalformedConfigIsOneLineWithFileAndLine() throws {
        let home = try Home()
        let cases: [(String, String)] = [
            ("# ok\n[profiles.a]\napi_url = \"http://x\n", ":3: "),           // unterminated string
            ("[profiles.a]\nformat = \"xml\"\n", ":2: format is one of"),     // a value opsh refuses
            ("[profiles.a]\npage_size = \"big\"\n", ":2: page-size takes a whole number from 1 to 100000, not 'big'"),
            ("[profiles.a]\ntoken = \"t\"\ntoken_file = \"f\"\n", "both token and token_file"),
        ]
        for (text, expected) in cases {
            try home.writeConfig(text)
            let r = try home.run(["-c", "nodes"])
            #expect(r.status == 2, "\(text)\n\(r)")
            #expect(r.stderrLines.count == 1, "\(text)\n\(r)")
            #expect(r.stderr.hasPrefix("opsh: \(home.configFile)"), "\(text)\n\(r)")
            #expect(r.stderr.contains(expected), "\(text)\n\(r)")
        }
    }

    @Test func secretsOthersCanReadAreWarnedAboutWithoutShowingThem() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let home = try Home()
        // A token file, relative to the config's directory.
        try FileManager.default.createDirectory(atPath: home.configDir, withIntermediateDirectories: true)
        let tokenFile = home.configDir + "/token"
        try (emulator.token + "\n").write(toFile: tokenFile, atomically: false, encoding: .utf8)
        chmod(tokenFile, 0o644)
        try home.writeConfig("[profiles.default]\napi_url = \"\(emulator.baseURL)\"\ntoken_file = \"token\"\n", mode: 0o644)
        let readable = try home.run(["-c", "keys | count"])
        #expect(readable.status == 0 && readable.stdout == "1044\n", "\(readable)")
        // The config holds no token: only the token file is named.
        #expect(readable.stderrLines.count == 1, "\(readable)")
        let shownPath = tokenFile.replacingOccurrences(of: "//", with: "/")
        #expect(readable.stderr.contains("warning: \(shownPath) holds") && readable.stderr.contains("mode 0644"), "\(readable)")
        expectNoToken(readable, emulator.token)

        chmod(tokenFile, 0o600)
        let quiet = try home.run(["-c", "keys | count"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet)")

        // A token in a config that group can read.
        try home.writeConfig("[profiles.default]\napi_url = \"\(emulator.baseURL)\"\ntoken = \"\(emulator.token)\"\n", mode: 0o640)
        let config = try home.run(["-c", "keys | count"])
        #expect(config.status == 0, "\(config)")
        #expect(config.stderrLines.count == 1 && config.stderr.contains("warning: \(home.configFile)")
                && config.stderr.contains("mode 0640"), "\(config)")
        expectNoToken(config, emulator.token)
    }

    @Test func loginFromStdinCreatesAPrivateConfigAndKeepsWhatWasThere() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let home = try Home()
        // First login: no directory, no file.
        let first = try home.run(["login", "--profile", "work", "--api-url", emulator.baseURL], stdin: emulator.token + "\n")
        #expect(first.status == 0, "\(first)")
        expectNoToken(first, emulator.token)
        #expect(ConfigTests.mode(home.path + "/.config") == 0o700)
        #expect(ConfigTests.mode(home.configDir) == 0o700)
        #expect(ConfigTests.mode(home.configFile) == 0o600)
        // The first profile stored is the default: plain `opsh` uses it.
        let keys = try home.run(["-c", "keys | count"])
        #expect(keys.status == 0 && keys.stdout == "1044\n" && keys.stderr.isEmpty, "\(keys)")

        // A second login into an existing, hand-written file (0644): comments and other
        // profiles stay, the token is replaced, and the file becomes 0600.
        try home.writeConfig("""
            # my settings
            default_profile = "work"

            [profiles.work]
            # the local emulator
            api_url = "\(emulator.baseURL)"
            token = "old-token"
            format = "csv"

            [profiles.other]
            api_url = "\(ConfigTests.deadURL)"
            """, mode: 0o644)
        let second = try home.run(["login"], stdin: emulator.token + "\n")
        #expect(second.status == 0 && second.stderr.contains("profile 'work'"), "\(second)")
        expectNoToken(second, emulator.token)
        #expect(ConfigTests.mode(home.configFile) == 0o600)
        let text = try String(contentsOfFile: home.configFile, encoding: .utf8)
        for kept in ["# my settings", "# the local emulator", "format = \"csv\"", "[profiles.other]"] {
            #expect(text.contains(kept), "lost \(kept):\n\(text)")
        }
        #expect(!text.contains("old-token"))
        let csv = try home.run(["-c", "nodes | select name | first 1"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("name\r\n") && csv.stderr.isEmpty, "\(csv)")

        // Nothing read: nothing stored, exit 1.
        let empty = try home.run(["login"], stdin: "")
        #expect(empty.status == 1 && empty.stderr.contains("no token"), "\(empty)")
    }

    @Test func loginAtATerminalDoesNotEchoTheToken() throws {
        let home = try Home()
        // --no-check: this is about the terminal; trying the token is loginChecks... (FirstHourTests).
        let session = try PTYSession(executable: try CLI.executable("opsh"), arguments: ["login", "--profile", "pty", "--no-check"],
                                     environment: CLI.environment(home: home.path))
        try session.waitFor("(not shown): ")
        session.send("s3cret-tok")
        session.sendKeys(.backspace)
        session.send("en\r")
        #expect(try session.waitForExit() == 0, "\(session.plainText)")
        #expect(!session.output.contains("s3cret"), "the token was echoed:\n\(session.plainText)")
        let text = try String(contentsOfFile: home.configFile, encoding: .utf8)
        #expect(text.contains("[profiles.pty]\ntoken = \"s3cret-toen\""), "\(text)")
        #expect(ConfigTests.mode(home.configFile) == 0o600)
        #expect(ConfigTests.mode(home.configDir) == 0o700)
    }

    @Test func helpShowsTheConfigurationAndVersionWorks() throws {
        let help = try CLI.opsh(["--help"])
        #expect(help.status == 0)
        for text in ["config.toml", "Precedence", "OPSH_PROFILE", "--profile <NAME>", "login", "Examples:"] {
            #expect(help.stdout.contains(text), "\(text) missing from --help")
        }
        let version = try CLI.opsh(["--version"])
        #expect(version.status == 0 && version.stdout.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(version)")
        let loginHelp = try CLI.opsh(["help", "login"])
        #expect(loginHelp.status == 0 && loginHelp.stdout.contains("USAGE: opsh login"), "\(loginHelp)")
        // A topic of the shell's own help, from the command line, as at the prompt (no token needed).
        let whereHelp = try CLI.opsh(["help", "where"])
        let atPrompt = try CLI.opsh(["-c", "help where"])
        #expect(whereHelp.status == 0 && whereHelp.stdout.hasPrefix("where EXPR") && whereHelp.stdout == atPrompt.stdout, "\(whereHelp)")
        let unknown = try CLI.opsh(["help", "nosuch"])
        #expect(unknown.status == 1 && unknown.stderr == "opsh: no help on 'nosuch'; 'help' lists the topics\n", "\(unknown)")
        // A topic is one word, whatever it holds: never read as a pipeline.
        let odd = try CLI.opsh(["help", "where | x"])
        #expect(odd.status == 1 && odd.stderr == "opsh: no help on 'where | x'; 'help' lists the topics\n", "\(odd)")
    }
}
