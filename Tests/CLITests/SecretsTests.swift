#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OpenportEmulator
import Testing

/// The account's token never leaves opsh except in requests to the API: whole sessions, at a
/// terminal and from a script, errors included, then stdout, stderr and every file opsh left
/// under HOME (history, caches, settings) are searched for it. Everything opsh creates there
/// is private (files 0600, directories 0700), and the token does not travel in clear text to
/// a host that is not loopback.
@Suite struct SecretsTests {
    /// A home with every XDG directory inside it, and a place outside it for the test's own files.
    final class Home {
        let path: String
        let scratch: String

        init() throws {
            path = try CLI.temporaryDirectory()
            scratch = try CLI.temporaryDirectory()
        }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: scratch)
        }

        func environment(_ extra: [String: String]) -> [String: String] {
            CLI.environment(home: path, [
                "XDG_CONFIG_HOME": path + "/config", "XDG_CACHE_HOME": path + "/cache",
                "XDG_DATA_HOME": path + "/data", "NO_COLOR": "",
            ].merging(extra) { $1 }).filter { !$0.value.isEmpty }
        }

        /// Every file and directory under the home (not the home itself), with its mode.
        func entries() -> [(path: String, mode: mode_t, directory: Bool)] {
            var found: [(String, mode_t, Bool)] = []
            guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
            while let relative = walker.nextObject() as? String {
                let full = path + "/" + relative
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                found.append((full, info.st_mode & 0o777, (info.st_mode & S_IFMT) == S_IFDIR))
            }
            return found
        }

        /// Files under the home whose bytes contain `secret`.
        func filesContaining(_ secret: String) -> [String] {
            entries().filter { !$0.directory }.compactMap { entry in
                guard let data = FileManager.default.contents(atPath: entry.path) else { return nil }
                return data.range(of: Data(secret.utf8)) != nil ? entry.path : nil
            }
        }

        /// Checks that opsh made the files and directories it created private.
        func expectPrivate(sourceLocation: SourceLocation = #_sourceLocation) {
            let entries = entries()
            for entry in entries {
                let wanted: mode_t = entry.directory ? 0o700 : 0o600
                #expect(entry.mode == wanted, "\(entry.path) has mode \(String(entry.mode, radix: 8))",
                        sourceLocation: sourceLocation)
            }
        }
    }

    /// A public key the client and the server accept.
    static func publicKey(in directory: String) throws -> String {
        var blob = Data([0, 0, 0, 11]) + Data("ssh-ed25519".utf8) + Data([0, 0, 0, 32])
        blob += Data((0..<32).map { UInt8($0 * 7 & 0xFF) })
        let path = directory + "/test.pub"
        try ("ssh-ed25519 " + blob.base64EncodedString() + " test@example\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Lines that go wrong in every way a session can: unknown commands and fields, 404s,
    /// failing writes, the token typed into a path or URL.
    static func troubleLines(emulator: EmulatorProcess, keyFile: String) -> [String] {
        let token = emulator.token
        return [
            "keys | count",
            "clcks | count",
            "keys | where nme = 1",
            "get keys/99999999/",
            "keys 99999999",
            "keys add name=\(String(repeating: "n", count: 300)) public_key=@\(keyFile)",
            "keys add name=x public_key=@/nonexistent/key.pub",
            "keys add name=x public_key=not-a-key",
            "get keys/?token=\(token)",
            "get \(emulator.baseURL)keys/?limit=2&token=\(token)",
            "get nodes/?token=\(token)&limit=1",
            "sessions | where local_port=22 | select port,key.name | first 3",
            "clicks | where port=6260 | count",
            "keys 2392",
            "set",
            "cache",
            "help",
            "refresh",
            "set format json",
            "keys | first 2",
        ]
    }

    @Test func scriptSessionWithErrorsNeverShowsTheToken() throws {
        let emulator = try EmulatorProcess(["--clicks", "3000"])
        defer { emulator.stop() }
        let home = try Home()
        let keyFile = try Self.publicKey(in: home.scratch)
        let env = home.environment(["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        let script = Self.troubleLines(emulator: emulator, keyFile: keyFile).joined(separator: "\n") + "\n"
        let result = try CLI.run(CLI.executable("opsh"), ["--keep-going"], environment: env, stdin: script)
        #expect(result.status == 1, "some lines fail\n\(result)")
        #expect(result.stdout.contains("1044"), "\(result)")
        #expect(result.stderr.contains("404"), "\(result)")
        #expect(result.stderr.contains("255 characters"), "the server refused the long name\n\(result)")
        #expect(!result.stdout.contains(emulator.token), "token on stdout\n\(result)")
        #expect(!result.stderr.contains(emulator.token), "token on stderr\n\(result)")
        #expect(home.filesContaining(emulator.token).isEmpty, "\(home.filesContaining(emulator.token))")
        home.expectPrivate()

        // The same lines one at a time with -c, and the token given with --token.
        for line in ["get keys/?token=\(emulator.token)", "keys 99999999", "clcks"] {
            let one = try CLI.run(CLI.executable("opsh"), ["--token", emulator.token, "-c", line],
                                  environment: home.environment(["OPENPORT_API_URL": emulator.baseURL]))
            #expect(!one.stdout.contains(emulator.token) && !one.stderr.contains(emulator.token), "\(line)\n\(one)")
        }
        #expect(home.filesContaining(emulator.token).isEmpty)
        home.expectPrivate()
    }

    /// `history` lists the lines typed so far: a line that carried the token (`get keys/?token=…`)
    /// must be listed redacted, as the history file leaves it out.
    @Test func historyCommandDoesNotListTheToken() throws {
        let emulator = try EmulatorProcess(["--clicks", "100"])
        defer { emulator.stop() }
        let home = try Home()
        let env = home.environment(["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        let result = try CLI.run(CLI.executable("opsh"), [], environment: env,
                                 stdin: "get nodes/?token=\(emulator.token)&limit=1\nhistory\n")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("history"), "\(result)")
        #expect(!result.stdout.contains(emulator.token), "token on stdout\n\(result)")
        #expect(!result.stderr.contains(emulator.token), "\(result)")
    }

    @Test func aWrongTokenIsRefusedWithoutBeingShown() throws {
        let emulator = try EmulatorProcess(["--clicks", "100"])
        defer { emulator.stop() }
        let home = try Home()
        let wrong = "wrong-token-0d1e2f3a4b5c"
        let env = home.environment(["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": wrong])
        let result = try CLI.run(CLI.executable("opsh"), ["--keep-going"], environment: env,
                                 stdin: "keys | count\nget keys/?token=\(wrong)\nclicks | count\nnodes | count\n")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("401"), "\(result)")
        #expect(result.stdout == "3\n", "nodes needs no token\n\(result)")
        #expect(!result.stdout.contains(wrong) && !result.stderr.contains(wrong), "\(result)")
        #expect(home.filesContaining(wrong).isEmpty)
        home.expectPrivate()
    }

    @Test func interactiveSessionWithErrorsNeverShowsTheToken() throws {
        let emulator = try EmulatorProcess(["--clicks", "3000"])
        defer { emulator.stop() }
        let home = try Home()
        let keyFile = try Self.publicKey(in: home.scratch)
        let env = home.environment(["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "PAGER": "cat"])
        let session = try PTYSession(executable: CLI.executable("opsh"), environment: env)
        let prompt = "opsh 127.0.0.1> "
        try session.waitFor(prompt)
        var typedWithToken: [String] = []
        for line in Self.troubleLines(emulator: emulator, keyFile: keyFile) {
            if line.contains(emulator.token) { typedWithToken.append(line) }
            session.send(line + "\r")
            try session.waitFor(prompt)
        }
        session.sendKeys(.ctrlD)
        let status = try session.waitForExit()
        #expect(status == 0 || status == 1, "exit \(status)")
        // What the user typed is echoed back by the terminal; nothing else may carry the token.
        var shown = session.output
        for line in typedWithToken { shown = shown.replacingOccurrences(of: line, with: "") }
        #expect(!shown.contains(emulator.token), "the token reached the terminal:\n\(shown.suffix(3000))")
        let history = home.path + "/state/opsh/history"
        #expect(FileManager.default.fileExists(atPath: history), "history was written")
        #expect(home.filesContaining(emulator.token).isEmpty, "\(home.filesContaining(emulator.token))")
        home.expectPrivate()
    }

    @Test func theTokenIsNotSentInClearTextToAHostThatIsNotLoopback() throws {
        let emulator = try EmulatorProcess(["--clicks", "100"])
        defer { emulator.stop() }
        let home = try Home()
        // 0.0.0.0 reaches this machine but is not a loopback name: opsh must treat it as remote.
        let remote = emulator.baseURL.replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0")
        let env = home.environment(["OPENPORT_API_URL": remote, "OPENPORT_TOKEN": emulator.token])
        let refused = try CLI.run(CLI.executable("opsh"), ["-c", "keys | count"], environment: env)
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stdout.isEmpty, "\(refused)")
        #expect(refused.stderrLines.count == 1, "\(refused)")
        #expect(refused.stderr.contains("--allow-insecure-http"), "\(refused)")
        #expect(!refused.stderr.contains(emulator.token), "\(refused)")
        // From a script, too, and with --api-url.
        let script = try CLI.run(CLI.executable("opsh"), ["--api-url", remote], environment: env, stdin: "keys | count\n")
        #expect(script.status == 2 && script.stderrLines.count == 1, "\(script)")
        // Allowed when asked for.
        let allowed = try CLI.run(CLI.executable("opsh"), ["--allow-insecure-http", "-c", "keys | count"], environment: env)
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.stdout == "1044\n", "\(allowed)")
        #expect(!allowed.stderr.contains(emulator.token), "\(allowed)")
        // No token, nothing to protect: nodes over http works.
        var noToken = env
        noToken["OPENPORT_TOKEN"] = nil
        let open = try CLI.run(CLI.executable("opsh"), ["-c", "nodes | count"], environment: noToken)
        #expect(open.status == 0 && open.stdout == "3\n", "\(open)")
        home.expectPrivate()
    }

    /// The same troubled session over HTTPS through a real proxy (tinyproxy) that needs a
    /// password: the token appears in none of the proxy's log lines, and neither the token nor
    /// the proxy's password in anything opsh printed or left behind.
    @Test(.enabled(if: TinyProxy.executable != nil)) func throughAProxyTheTokenStaysOutOfItsLog() throws {
        let pki = try ThrowawayPKI()
        defer { pki.remove() }
        let tls = try pki.server()
        let emulator = try EmulatorProcess(["--clicks", "3000", "--tls-cert", tls.certificateFile, "--tls-key", tls.privateKeyFile])
        defer { emulator.stop() }
        let port = URLComponents(string: emulator.baseURL)!.port!
        let password = "Pr0xyPa55w0rd"
        let proxy = try TinyProxy(connectPorts: [port], credentials: ("opsh", password))
        defer { proxy.stop() }
        let home = try Home()
        let keyFile = try Self.publicKey(in: home.scratch)
        let env = home.environment(["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
                                    "SSL_CERT_FILE": pki.caFile, "HTTPS_PROXY": proxy.url(user: "opsh", password: password)])
        let script = Self.troubleLines(emulator: emulator, keyFile: keyFile).joined(separator: "\n") + "\n"
        let result = try CLI.run(CLI.executable("opsh"), ["--keep-going"], environment: env, stdin: script)
        #expect(result.status == 1, "some lines fail\n\(result)")
        #expect(result.stdout.contains("1044"), "\(result)")
        #expect(proxy.logLines.contains { $0.contains("CONNECT 127.0.0.1:\(port)") }, "\(proxy.log)")
        #expect(proxy.logLines.filter { $0.contains(emulator.token) }.count == 0, "the token in the proxy's log")
        for secret in [emulator.token, password] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(result)")
            #expect(home.filesContaining(secret).isEmpty, "\(home.filesContaining(secret))")
        }
        home.expectPrivate()
    }
}
