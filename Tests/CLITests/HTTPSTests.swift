import Foundation
import OpenportEmulator
import Testing

/// The real network: opsh over HTTPS to an emulator whose certificate a throwaway CA signed,
/// the ways to trust that CA and their precedence, proxies (a real tinyproxy) and NO_PROXY,
/// and the one-line errors for each way it can go wrong.
@Suite(.serialized) struct HTTPSTests {
    static let query = "clicks | where port=6260 | count"

    /// A CA, and an emulator serving HTTPS with a certificate the CA signed (or with `tls`).
    final class Server {
        let pki: ThrowawayPKI
        let emulator: EmulatorProcess
        let scratch: String

        init(clicks: Int = 3000, tls: ((ThrowawayPKI) throws -> EmulatorTLS)? = nil, arguments: [String] = []) throws {
            pki = try ThrowawayPKI()
            scratch = try CLI.temporaryDirectory()
            let identity = try tls?(pki) ?? pki.server()
            emulator = try EmulatorProcess(["--clicks", String(clicks), "--tls-cert", identity.certificateFile,
                                            "--tls-key", identity.privateKeyFile] + arguments)
        }

        var port: Int { URLComponents(string: emulator.baseURL)!.port! }

        /// opsh against this server: the API URL and token in the environment, plus `env`.
        func opsh(_ arguments: [String], _ env: [String: String] = [:], stdin: String = "") throws -> CLI.Result {
            try CLI.opsh(arguments, stdin: stdin, environment: [
                "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
            ].merging(env) { $1 })
        }

        /// A config file with `[profiles.p]` holding `lines`; returns XDG_CONFIG_HOME.
        func config(_ lines: String) throws -> String {
            let dir = scratch + "/config-\(UUID().uuidString.prefix(6))"
            try FileManager.default.createDirectory(atPath: dir + "/opsh", withIntermediateDirectories: true)
            try "default_profile = \"p\"\n[profiles.p]\n\(lines)\n".write(toFile: dir + "/opsh/config.toml", atomically: true, encoding: .utf8)
            return dir
        }

        deinit {
            emulator.stop()
            pki.remove()
            try? FileManager.default.removeItem(atPath: scratch)
        }
    }

    /// A failure is one line on stderr, with every `expected` piece, and nothing of BoringSSL's.
    static func expectOneLine(_ r: CLI.Result, status: Int32 = 1, _ expected: [String], token: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderrLines.count == 1, "one line\n\(r)", sourceLocation: sourceLocation)
        for piece in expected {
            #expect(r.stderr.contains(piece), "'\(piece)' missing\n\(r)", sourceLocation: sourceLocation)
        }
        for banned in ["BoringSSL", "error:", "OPENSSL_internal", "NIOSSL", "HTTPClientError", token] {
            #expect(!r.stderr.contains(banned) && !r.stdout.contains(banned), "'\(banned)' shown\n\(r)", sourceLocation: sourceLocation)
        }
    }

    // MARK: HTTPS end to end

    /// The headline query over HTTPS (179 pages) gives what plain HTTP gives. (HTTPSShellTests
    /// checks that the server's `next` links stay on https://.)
    @Test func headlineQueryOverHTTPSMatchesPlainHTTP() throws {
        let server = try Server(clicks: 178_268)
        let plain = try EmulatorProcess()
        defer { plain.stop() }
        let secure = try server.opsh(["--cacert", server.pki.caFile, "-c", Self.query])
        let clear = try CLI.opsh(["-c", Self.query], environment: [
            "OPENPORT_API_URL": plain.baseURL, "OPENPORT_TOKEN": plain.token])
        #expect(secure.status == 0 && secure.stderr.isEmpty, "\(secure)")
        #expect(clear.status == 0, "\(clear)")
        #expect(secure.stdout == clear.stdout && Int(secure.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0,
                "https \(secure.stdout) vs http \(clear.stdout)")
    }

    // MARK: which authorities are trusted

    @Test func sslCertFileAndDirAreTrusted() throws {
        let server = try Server()
        let byFile = try server.opsh(["-c", "keys | count"], ["SSL_CERT_FILE": server.pki.caFile])
        #expect(byFile.status == 0 && byFile.stdout == "1044\n", "\(byFile)")
        let byDir = try server.opsh(["-c", "keys | count"], ["SSL_CERT_DIR": server.pki.directory])
        #expect(byDir.status == 0 && byDir.stdout == "1044\n", "\(byDir)")
    }

    /// `--cacert`, then the profile's `ca_file`, then `SSL_CERT_FILE`: the first given wins alone.
    @Test func cacertThenProfileCAFileThenSSLCertFile() throws {
        let server = try Server()
        let other = try ThrowawayPKI(name: "some other CA")
        defer { other.remove() }
        let good = server.pki.caFile, bad = other.caFile

        let profileGood = try server.config("ca_file = \"\(good)\"")
        let profileBad = try server.config("ca_file = \"\(bad)\"")
        let cases: [(args: [String], env: [String: String], works: Bool, names: String)] = [
            (["--cacert", good], ["XDG_CONFIG_HOME": profileBad, "SSL_CERT_FILE": bad], true, ""),
            (["--cacert", bad], ["XDG_CONFIG_HOME": profileGood, "SSL_CERT_FILE": good], false, "--cacert \(bad)"),
            ([], ["XDG_CONFIG_HOME": profileGood, "SSL_CERT_FILE": bad], true, ""),
            ([], ["XDG_CONFIG_HOME": profileBad, "SSL_CERT_FILE": good], false, "ca_file \(bad)"),
            ([], ["SSL_CERT_FILE": good], true, ""),
            ([], ["SSL_CERT_FILE": bad], false, "SSL_CERT_FILE \(bad)"),
        ]
        for c in cases {
            let r = try server.opsh(c.args + ["-c", "keys | count"], c.env)
            if c.works {
                #expect(r.status == 0 && r.stdout == "1044\n", "\(c.args) \(c.env)\n\(r)")
            } else {
                Self.expectOneLine(r, ["the certificate of 127.0.0.1 is signed by an authority opsh does not trust (\"opsh test CA\")",
                                       "not by the authorities in \(c.names)", "--cacert FILE"], token: server.emulator.token)
            }
        }
    }

    @Test func aMissingOrEmptyCAFileIsAUsageError() throws {
        let server = try Server()
        let missing = try server.opsh(["--cacert", "/nonexistent/ca.pem", "-c", "keys | count"])
        Self.expectOneLine(missing, status: 2, ["the certificate file /nonexistent/ca.pem (from --cacert /nonexistent/ca.pem) does not exist"],
                           token: server.emulator.token)
        let notPEM = server.scratch + "/not.pem"
        try "hello\n".write(toFile: notPEM, atomically: true, encoding: .utf8)
        let empty = try server.opsh(["-c", "keys | count"], ["SSL_CERT_FILE": notPEM])
        Self.expectOneLine(empty, status: 2, ["holds no PEM certificate", "SSL_CERT_FILE \(notPEM)"], token: server.emulator.token)
    }

    // MARK: certificates that fail, each with its own message

    @Test func unknownAuthority() throws {
        let server = try Server()
        let r = try server.opsh(["-c", "keys | count"])
        Self.expectOneLine(r, ["the certificate of 127.0.0.1 is signed by an authority opsh does not trust (\"opsh test CA\")",
                               "not by the system's authorities", "--cacert FILE", "ca_file", "SSL_CERT_FILE"],
                           token: server.emulator.token)
    }

    @Test func expiredCertificate() throws {
        let server = try Server(tls: { try $0.server(expired: true) })
        let r = try server.opsh(["--cacert", server.pki.caFile, "-c", "keys | count"])
        Self.expectOneLine(r, ["the certificate of 127.0.0.1 expired on ", "the server must renew it"], token: server.emulator.token)
    }

    @Test func nameMismatch() throws {
        let server = try Server(tls: { try $0.server(names: ["DNS:api.example.org", "DNS:www.example.org"]) })
        let r = try server.opsh(["--cacert", server.pki.caFile, "-c", "keys | count"])
        Self.expectOneLine(r, ["the certificate of 127.0.0.1 is for api.example.org, www.example.org, not 127.0.0.1",
                               "--api-url"], token: server.emulator.token)
        // The same certificate by a name it holds... that does not resolve here: only the name differs.
        let byName = try Server(tls: { try $0.server(names: ["DNS:localhost"]) })
        let ok = try CLI.opsh(["--cacert", byName.pki.caFile, "-c", "keys | count"], environment: [
            "OPENPORT_API_URL": "https://localhost:\(byName.port)/api/v2/", "OPENPORT_TOKEN": byName.emulator.token])
        #expect(ok.status == 0 && ok.stdout == "1044\n", "\(ok)")
    }

    @Test func httpsToAPlainHTTPServer() throws {
        let plain = try EmulatorProcess(["--clicks", "10"])
        defer { plain.stop() }
        let url = plain.baseURL.replacingOccurrences(of: "http://", with: "https://")
        let r = try CLI.opsh(["-c", "keys | count"], environment: ["OPENPORT_API_URL": url, "OPENPORT_TOKEN": plain.token])
        Self.expectOneLine(r, ["does not speak TLS", "http://"], token: plain.token)
    }

    // MARK: proxies

    /// Through tinyproxy: a CONNECT tunnel, so the proxy's log holds the host and port, never a
    /// path or the token.
    @Test(.enabled(if: TinyProxy.executable != nil)) func httpsThroughAProxy() throws {
        let server = try Server(clicks: 20_000)
        let proxy = try TinyProxy(connectPorts: [server.port])
        defer { proxy.stop() }
        let expected = try server.opsh(["--cacert", server.pki.caFile, "-c", Self.query]).stdout
        for name in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"] {
            let r = try server.opsh(["--cacert", server.pki.caFile], [name: proxy.url()], stdin: Self.query + "\nkeys | count\n")
            #expect(r.status == 0 && r.stdout == expected + "1044\n", "\(name)\n\(r)")
        }
        let connects = proxy.logLines.filter { $0.contains("CONNECT 127.0.0.1:\(server.port)") }
        #expect(connects.count >= 3, "\(proxy.log)")
        #expect(proxy.logLines.filter { $0.contains(server.emulator.token) }.isEmpty, "token in the proxy's log")
        #expect(proxy.logLines.filter { $0.contains("openforiplinkclicks") || $0.contains("/api/v2") }.isEmpty, "\(proxy.log)")

        // A profile's proxy, when the environment names none.
        let before = connects.count
        let profile = try server.config("proxy = \"\(proxy.url())\"")
        let viaProfile = try server.opsh(["--cacert", server.pki.caFile, "-c", "keys | count"], ["XDG_CONFIG_HOME": profile])
        #expect(viaProfile.status == 0 && viaProfile.stdout == "1044\n", "\(viaProfile)")
        #expect(proxy.logLines.filter { $0.contains("CONNECT 127.0.0.1:\(server.port)") }.count > before)
    }

    /// Plain http:// to loopback through a loopback proxy: tunnelled too, the token not logged.
    @Test(.enabled(if: TinyProxy.executable != nil)) func plainHTTPThroughALoopbackProxy() throws {
        let plain = try EmulatorProcess(["--clicks", "3000"])
        defer { plain.stop() }
        let port = URLComponents(string: plain.baseURL)!.port!
        let proxy = try TinyProxy(connectPorts: [port])
        defer { proxy.stop() }
        let env = ["OPENPORT_API_URL": plain.baseURL, "OPENPORT_TOKEN": plain.token]
        let r = try CLI.opsh(["-c", "keys | count"], environment: env.merging(["http_proxy": proxy.url()]) { $1 })
        #expect(r.status == 0 && r.stdout == "1044\n", "\(r)")
        #expect(proxy.log.contains("CONNECT 127.0.0.1:\(port)"), "\(proxy.log)")
        #expect(proxy.logLines.filter { $0.contains(plain.token) }.isEmpty)

        // A proxy that is not on this machine would carry the token in clear: refused.
        let remote = try CLI.opsh(["-c", "keys | count"], environment: env.merging(["HTTP_PROXY": "http://10.255.0.1:3128"]) { $1 })
        Self.expectOneLine(remote, status: 2, ["refusing to send the token over plain http:// through the proxy 10.255.0.1:3128 (from HTTP_PROXY)",
                                               "NO_PROXY"], token: plain.token)
    }

    /// NO_PROXY's forms send the API directly past a proxy that is not there.
    @Test func noProxyBypassesTheProxy() throws {
        let server = try Server()
        let dead = try TinyProxy.freePort()
        let base = ["HTTPS_PROXY": "http://127.0.0.1:\(dead)", "SSL_CERT_FILE": server.pki.caFile]
        for list in ["127.0.0.1", "localhost, 127.0.0.1", "*", "127.0.0.1:\(server.port)", "example.org,127.0.0.1"] {
            for name in ["NO_PROXY", "no_proxy"] {
                let r = try server.opsh(["-c", "keys | count"], base.merging([name: list]) { $1 })
                #expect(r.status == 0 && r.stdout == "1044\n", "\(name)=\(list)\n\(r)")
            }
        }
        for list in ["", "example.org", "127.0.0.2", "127.0.0.1:1", ".0.0.1"] {
            let r = try server.opsh([], base.merging(["NO_PROXY": list]) { $1 }, stdin: "set retries 0\nkeys | count\n")
            Self.expectOneLine(r, ["cannot connect to the proxy 127.0.0.1:\(dead) (from HTTPS_PROXY): connection refused",
                                   "check the proxy setting", "add 127.0.0.1 to NO_PROXY"], token: server.emulator.token)
        }
    }

    @Test(.enabled(if: TinyProxy.executable != nil)) func proxyAuthentication() throws {
        let server = try Server()
        let password = "pr0xy-s3cret-Pa55"
        let proxy = try TinyProxy(connectPorts: [server.port], credentials: ("alice", password))
        defer { proxy.stop() }
        let trust = ["SSL_CERT_FILE": server.pki.caFile]

        let none = try server.opsh(["-c", "keys | count"], trust.merging(["HTTPS_PROXY": proxy.url()]) { $1 })
        Self.expectOneLine(none, ["the proxy 127.0.0.1:\(proxy.port) (from HTTPS_PROXY) wants a user name and password (407)",
                                  "add USER:PASSWORD@ before 127.0.0.1:\(proxy.port) in HTTPS_PROXY"], token: server.emulator.token)

        let wrong = try server.opsh(["-c", "keys | count"], trust.merging(["HTTPS_PROXY": proxy.url(user: "alice", password: "wrong-\(password)")]) { $1 })
        // tinyproxy answers wrong credentials with 401, not 407: opsh cannot tell that from a refused port.
        Self.expectOneLine(wrong, ["the proxy 127.0.0.1:\(proxy.port) (from HTTPS_PROXY) refused to open a tunnel to 127.0.0.1:\(server.port)",
                                   "check the user name and password in HTTPS_PROXY"], token: server.emulator.token)
        #expect(!wrong.stderr.contains(password), "\(wrong)")

        let right = try server.opsh(["--keep-going"], trust.merging(["HTTPS_PROXY": proxy.url(user: "alice", password: password)]) { $1 },
                                    stdin: "keys | count\nkeys 99999999\n")
        #expect(right.stdout == "1044\n", "\(right)")
        #expect(!right.stderr.contains(password) && !right.stdout.contains(password), "\(right)")
        #expect(proxy.logLines.filter { $0.contains(server.emulator.token) }.isEmpty)
    }

    @Test(.enabled(if: TinyProxy.executable != nil)) func aProxyThatRefusesTheTunnel() throws {
        let server = try Server()
        let proxy = try TinyProxy(connectPorts: [443])  // not the emulator's port
        defer { proxy.stop() }
        let r = try server.opsh(["-c", "keys | count"], ["SSL_CERT_FILE": server.pki.caFile, "HTTPS_PROXY": proxy.url()])
        Self.expectOneLine(r, ["the proxy 127.0.0.1:\(proxy.port) (from HTTPS_PROXY) refused to open a tunnel to 127.0.0.1:\(server.port)",
                               "allows CONNECT to port \(server.port)", "NO_PROXY"], token: server.emulator.token)
    }

    @Test func aProxyURLOpshCannotUse() throws {
        let server = try Server()
        let r = try server.opsh(["-c", "keys | count"], ["HTTPS_PROXY": "socks5://127.0.0.1:1080"])
        Self.expectOneLine(r, status: 2, ["the proxy in HTTPS_PROXY is socks5://", "http://HOST:PORT"], token: server.emulator.token)
    }
}
