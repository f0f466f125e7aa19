import OpenportAPI
import Testing

@Suite struct ProxySettingsTests {
    static let api = "https://api.openport.io/api/v2/"

    @Test func proxyURLs() throws {
        let p = try ProxyServer.parse("http://al%40ce:p%3Ass@proxy.corp:3128/", origin: "HTTPS_PROXY")
        #expect(p.host == "proxy.corp" && p.port == 3128)
        #expect(p.username == "al@ce" && p.password == "p:ss")
        #expect(p.shown == "proxy.corp:3128")
        #expect(try ProxyServer.parse("proxy.corp:8080", origin: "x").port == 8080)
        #expect(try ProxyServer.parse("proxy.corp", origin: "x").port == 1080)
        let v6 = try ProxyServer.parse("http://[::1]:3128", origin: "x")
        #expect(v6.host == "::1" && v6.port == 3128 && v6.shown == "[::1]:3128")
        #expect(throws: APIError.self) { try ProxyServer.parse("https://proxy:443", origin: "x") }
        #expect(throws: APIError.self) { try ProxyServer.parse("http://proxy:99999", origin: "x") }
    }

    @Test func whichVariable() throws {
        func pick(_ url: String, _ env: [String: String], profile: String? = nil) throws -> String? {
            try ProxySelection.proxy(for: url, environment: env, profileProxy: profile).map { "\($0.origin) \($0.shown)" }
        }
        #expect(try pick(Self.api, [:]) == nil)
        #expect(try pick(Self.api, ["HTTPS_PROXY": "a:1", "https_proxy": "b:2"]) == "https_proxy b:2")
        #expect(try pick(Self.api, ["HTTP_PROXY": "a:1"]) == nil, "http_proxy is for http:// only")
        #expect(try pick("http://127.0.0.1:8000/api/v2/", ["HTTP_PROXY": "a:1", "HTTPS_PROXY": "b:2"]) == "HTTP_PROXY a:1")
        #expect(try pick(Self.api, ["ALL_PROXY": "c:3"]) == "ALL_PROXY c:3")
        #expect(try pick(Self.api, ["HTTPS_PROXY": ""], profile: "d:4") == "the profile's proxy d:4")
        #expect(try pick(Self.api, ["HTTPS_PROXY": "a:1"], profile: "d:4") == "HTTPS_PROXY a:1")
        #expect(try pick(Self.api, ["HTTPS_PROXY": "a:1", "NO_PROXY": "openport.io"]) == nil)
        #expect(try pick(Self.api, ["HTTPS_PROXY": "a:1", "no_proxy": "example.org", "NO_PROXY": "*"]) == "HTTPS_PROXY a:1",
                "no_proxy is read first")
        #expect(try pick(Self.api, ["NO_PROXY": "*"], profile: "d:4") == nil, "NO_PROXY covers the profile's proxy")
    }

    @Test(arguments: [
        ("api.openport.io", 443, "*", true),
        ("api.openport.io", 443, "api.openport.io", true),
        ("api.openport.io", 443, "openport.io", true),
        ("api.openport.io", 443, ".openport.io", true),
        ("openport.io", 443, ".openport.io", true),
        ("api.openport.io", 443, "*.openport.io", true),
        ("API.OpenPort.io.", 443, "openport.io", true),
        ("api.openport.io", 443, "port.io", false),
        ("api.openport.io", 443, "example.org, openport.io", true),
        ("api.openport.io", 443, "openport.io:443", true),
        ("api.openport.io", 443, "openport.io:8443", false),
        ("127.0.0.1", 8000, "127.0.0.1", true),
        ("127.0.0.1", 8000, "0.0.1", false),
        ("127.0.0.1", 8000, "127.0.0.1:8000", true),
        ("127.0.0.1", 8000, "127.0.0.1:9000", false),
        ("::1", 8000, "::1", true),
        ("::1", 8000, "[::1]", true),
        ("::1", 8000, "[::1]:8000", true),
        ("::1", 8000, "[::1]:9", false),
        ("localhost", 80, "", false),
        ("localhost", 80, " , ", false),
    ])
    func noProxy(host: String, port: Int, list: String, bypass: Bool) {
        #expect(ProxySelection.bypasses(host: host, port: port, noProxy: list) == bypass, "\(host):\(port) in '\(list)'")
    }

    @Test func credentialsAreRedacted() throws {
        let proxy = try ProxyServer.parse("http://alice:hunter%2F2@proxy:3128", origin: "HTTPS_PROXY")
        let r = Redactor(token: "s3cr3t", secrets: proxy.secrets)
        #expect(r.redact("via http://alice:hunter%2F2@proxy:3128 and hunter/2") == "via http://***@proxy:3128 and ***")
        #expect(r.redact("https://h/api/v2/keys/?token=s3cr3t") == "https://h/api/v2/keys/?token=***")
        #expect(r.redact("mail me at a@b.example, see https://x.example/p@q") == "mail me at a@b.example, see https://x.example/p@q")
    }

    @Test func plainHTTPThroughAProxyOffThisMachineIsRefused() throws {
        var c = APIConfig(baseURL: "http://127.0.0.1:8000/api/v2/", token: "tok")
        c.proxy = try ProxyServer.parse("http://10.1.2.3:3128", origin: "HTTP_PROXY")
        #expect(throws: APIError.self) { try c.validate() }
        c.proxy = try ProxyServer.parse("http://127.0.0.1:3128", origin: "HTTP_PROXY")
        #expect(throws: Never.self) { try c.validate() }
        c.allowInsecureHTTP = true
        c.proxy = try ProxyServer.parse("http://10.1.2.3:3128", origin: "HTTP_PROXY")
        #expect(throws: Never.self) { try c.validate() }
    }

    @Test func certificateAuthorityPrecedence() {
        let env = ["SSL_CERT_FILE": "/env.pem", "SSL_CERT_DIR": "/d1:/d2"]
        #expect(CertificateAuthorities.chosen(cacert: "/flag.pem", profileCAFile: "/p.pem", environment: env)?.origin == "--cacert /flag.pem")
        #expect(CertificateAuthorities.chosen(cacert: nil, profileCAFile: "/p.pem", environment: env)?.origin == "ca_file /p.pem")
        let fromEnv = CertificateAuthorities.chosen(cacert: nil, profileCAFile: nil, environment: env)
        #expect(fromEnv?.files == ["/env.pem"] && fromEnv?.directories == ["/d1", "/d2"])
        #expect(CertificateAuthorities.chosen(cacert: "", profileCAFile: nil, environment: [:]) == nil)
    }
}
