#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// completions/: the committed scripts are what the binary generates, and each one, loaded
/// in a real bash, zsh and fish on a pseudo-terminal, completes a flag, a subcommand, a
/// command word and a key id (from a prepared completion cache) when TAB is pressed.
@Suite struct CompletionScriptTests {
    /// The repository's completions/ directory.
    static let completionsDir: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/completions"
    }()

    static let scripts: [(shell: String, file: String)] = [("bash", "opsh.bash"), ("zsh", "_opsh"), ("fish", "opsh.fish")]

    @Test(arguments: scripts.map(\.shell))
    func committedScriptMatchesWhatTheBinaryGenerates(shell: String) throws {
        let file = Self.scripts.first { $0.shell == shell }!.file
        let generated = try CLI.opsh(["--generate-completion-script", shell])
        #expect(generated.status == 0, "\(generated)")
        let committed = try String(contentsOfFile: Self.completionsDir + "/" + file, encoding: .utf8)
        #expect(committed == generated.stdout,
                "completions/\(file) is not what `opsh --generate-completion-script \(shell)` prints: run `make completions`")
    }

    /// A home with a completion cache: keys 349 (the only id starting 34), 1207, a name that
    /// carries an escape sequence and one that would run a command if a shell expanded it.
    final class Fixture {
        let home: String
        let canary: String

        init() throws {
            home = try CLI.temporaryDirectory()
            canary = home + "/expanded"
            let cacheDir = home + "/cache/opsh"
            try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
            let json = """
                {"version":1,"keys":[{"id":349,"name":"Pi 4"},{"id":1207,"name":"laptop"},\
                {"id":1300,"name":"red\\u001b[31m"},{"id":1301,"name":"$(touch \(canary))"}],\
                "sessions":[{"port":6260,"local_port":22}]}
                """
            try json.write(toFile: cacheDir + "/" + Fixture.fileName(salt: "fixture-salt-123", apiURL: "https://api.openport.io/api/v2/", token: ""),
                           atomically: false, encoding: .utf8)
            try "fixture-salt-123".write(toFile: cacheDir + "/salt", atomically: false, encoding: .utf8)
        }

        /// The cache file of an account, named as opsh names it (a salted SHA-256 of the API
        /// URL and the token), computed here by sha256sum.
        static func fileName(salt: String, apiURL: String, token: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data(salt.utf8) + Data(apiURL.utf8) + Data([0]) + Data(token.utf8))
            try input.fileHandleForWriting.close()
            let digest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return "completion-\(digest.prefix(16)).json"
        }

        deinit { try? FileManager.default.removeItem(atPath: home) }

        /// The shell's environment: opsh on PATH, the fixture's home and cache, no user files.
        func environment() throws -> [String: String] {
            let bin = (try CLI.executable("opsh") as NSString).deletingLastPathComponent
            return CLI.environment(home: home, [
                "PATH": bin + ":/usr/bin:/bin",
                "XDG_CACHE_HOME": home + "/cache",
                "XDG_CONFIG_HOME": home + "/config",
                "PS1": "$ ", "PROMPT": "$ ",
            ])
        }
    }

    /// A shell on a terminal with opsh's completion script loaded.
    static func shell(_ name: String, _ fixture: Fixture) throws -> PTYSession {
        let session: PTYSession
        let load: String
        switch name {
        case "bash":
            session = try PTYSession(executable: "/usr/bin/bash", arguments: ["--norc", "--noprofile", "-i"],
                                     environment: try fixture.environment())
            load = "source \(completionsDir)/opsh.bash"
        case "zsh":
            session = try PTYSession(executable: "/usr/bin/zsh", arguments: ["-f", "-i"], environment: try fixture.environment())
            load = "fpath=(\(completionsDir) $fpath); autoload -Uz compinit; compinit -u -D"
        default:
            session = try PTYSession(executable: "/usr/bin/fish", arguments: ["--no-config", "-i"],
                                     environment: try fixture.environment())
            load = "source \(completionsDir)/opsh.fish"
        }
        // printf shows "loaded" only when it runs, not as the line is typed.
        session.send("\(load); printf 'lo%sed\\n' ad\r")
        try session.waitFor("loaded")
        return session
    }

    /// Types `line`, presses TAB, waits for `completed` to appear on the line, then runs the
    /// line under printf (so opsh itself is not run) and returns its words as the shell read them.
    static func complete(_ session: PTYSession, _ line: String, expecting completed: String) throws -> String {
        session.send(line)
        session.sendKeys(.tab)
        try session.waitFor(completed)
        session.sendKeys(.ctrlA)
        session.send("printf '<%s>' ")
        session.sendKeys(.ctrlE)
        session.send("; printf '\\n%s\\n' do''ne\r")
        let words = try session.waitFor("\ndone")
        return words
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func tabCompletesFlagsSubcommandsCommandsAndKeyIDs(shell: String) throws {
        let fixture = try Fixture()
        let session = try Self.shell(shell, fixture)
        // A flag of opsh's own.
        #expect(try Self.complete(session, "opsh --form", expecting: "--format").contains("<opsh><--format>"))
        // A subcommand.
        #expect(try Self.complete(session, "opsh logi", expecting: "login").contains("<opsh><login>"))
        // A word of the command language, inside the quoted -c argument.
        #expect(try Self.complete(session, "opsh -c 'ke", expecting: "keys").contains("<opsh><-c><keys>"))
        // A key id, from the completion cache.
        #expect(try Self.complete(session, "opsh -c 'keys 34", expecting: "349").contains("<opsh><-c><keys 349>"))
        // A listing with the other keys: nothing in it ran, and no escape sequence reached the terminal.
        session.send("opsh -c 'keys 1")
        session.sendKeys(.tab, .tab)
        try session.waitFor("1207")
        session.sendKeys(.ctrlC)
        #expect(!FileManager.default.fileExists(atPath: fixture.canary), "a key name was run as a command")
        #expect(!session.output.contains("red\u{1B}"), "a key name's escape sequence reached the terminal")
    }

    @Test func hiddenCompleteUsesTheREPLsEngineOverTheCache() throws {
        let fixture = try Fixture()
        func complete(_ line: String) throws -> [String] {
            let r = try CLI.run(CLI.executable("opsh"), ["__complete", line], environment: try fixture.environment())
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
            #expect(!r.stdout.contains("\u{1B}"), "escape sequence in \(r)")
            return r.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete("ke") == ["keys"])
        #expect(try complete("keys 34") == ["349"])
        #expect(try complete("open ") == ["6260"])
        #expect(try complete("refresh cl") == ["clicks"])
        #expect(try complete("keys | where name=Pi").contains("\"Pi 4\""))
        #expect(try complete("keys ").contains("\"red\\e[31m\""))
        #expect(try complete("nodes | so") == ["sort"])
    }

    @Test func theInteractiveShellKeepsAPrivateCompletionCache() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = CLI.environment(home: home)
        // Before: no cache, so no key ids.
        let before = try CLI.run(CLI.executable("opsh"), ["__complete", "--demo", "keys 34"], environment: env)
        #expect(before.stdout.isEmpty, "\(before)")

        let session = try PTYSession(executable: try CLI.executable("opsh"), arguments: ["--demo"], environment: env)
        try session.waitFor("opsh demo> ")
        // Whole lists (a count alone asks the server for one row).
        session.send("keys | sort id | select id | first 1\r")
        try session.waitFor("opsh demo> ")
        session.send("sessions | sort port | select port | first 1\r")
        let dir = home + "/.cache/opsh"
        let file = dir + "/completion@demo.json"
        // Written before the next prompt, without waiting for the shell to end.
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: file), ContinuousClock.now < deadline { usleep(50_000) }
        #expect(FileManager.default.fileExists(atPath: file))
        try session.waitFor("opsh demo> ")
        session.send("exit\r")
        #expect(try session.waitForExit() == 0)

        #expect(ConfigTests.mode(home + "/.cache") == 0o700)
        #expect(ConfigTests.mode(dir) == 0o700)
        #expect(ConfigTests.mode(file) == 0o600)
        let after = try CLI.run(CLI.executable("opsh"), ["__complete", "--demo", "keys 34"], environment: env)
        #expect(after.status == 0 && !after.stdout.isEmpty, "\(after)")
        #expect(after.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("34") }, "\(after)")
        let ports = try CLI.run(CLI.executable("opsh"), ["__complete", "--demo", "open "], environment: env)
        #expect(!ports.stdout.isEmpty, "\(ports)")
        // The real account's cache is another file, untouched by the demo.
        let others = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("completion-") }
        #expect(others.isEmpty, "\(others)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains(CLI.demoToken))
    }
}
