import Foundation
import OpenportEmulator
import Testing

/// The same requests to the emulator and to Django REST Framework: the same status, headers
/// and body, error cases above all (the answers a client must understand without a guide).
@Suite("The emulator answers as Django REST Framework does", .serialized)
struct HTTPDifferentialTests {
    /// Sends each probe to both servers in turn and expects identical answers.
    static func compare(_ probes: [Probe], on pair: ServerPair) async throws {
        for probe in probes {
            let emulator = try await Wire.send(probe, port: pair.emulator.port)
            let drf = try await Wire.send(probe, port: pair.drf.port)
            #expect(emulator == drf, "\(probe)\n\(Self.difference(emulator, drf))")
        }
    }

    /// The lines where two answers differ (the body as one line: its first differing part).
    static func difference(_ emulator: Answer, _ drf: Answer) -> String {
        var out: [String] = []
        if emulator.status != drf.status { out.append("status: emulator \(emulator.status), DRF \(drf.status)") }
        for h in Set(emulator.headers).symmetricDifference(drf.headers).sorted() {
            out.append("\(emulator.headers.contains(h) ? "emulator only" : "DRF only"): \(h)")
        }
        if emulator.body != drf.body {
            let common = zip(emulator.body, drf.body).prefix { $0 == $1 }.count
            let from = max(0, common - 60)
            out.append("body differs at \(common): emulator …\(emulator.body.dropFirst(from).prefix(220))")
            out.append("                     DRF …\(drf.body.dropFirst(from).prefix(220))")
        }
        return out.joined(separator: "\n")
    }

    static let lists = ["sessions/", "keys/", "openforiplinkclicks/", "nodes/"]

    @Test func tokensAndAccounts() async throws {
        let pair = try await ServerPair.shared(ServerOptions())
        var probes: [Probe] = []
        for list in Self.lists + [""] {
            probes += [
                Probe(path: list + "?limit=3"),
                Probe(path: list + "?limit=3&token="),
                Probe(path: list + "?limit=3&token=not-a-token"),
                Probe(path: list + "?limit=3&token={free}"),
                Probe(path: list + "?limit=3&token={other}"),
            ]
        }
        probes += [
            Probe(path: "keys/?limit=2", headers: [("Authorization", "Token {demo}")]),
            Probe(path: "keys/?limit=2", headers: [("Authorization", "Token")]),
            Probe(path: "keys/?limit=2", headers: [("Authorization", "Token a b")]),
            Probe(path: "keys/?limit=2", headers: [("Authorization", "Bearer {demo}")]),
            Probe(path: "keys/?limit=2&token={demo}", headers: [("Authorization", "Token wrong")]),
            Probe(path: "keys/?limit=2&token={free}", headers: [("Authorization", "Token {demo}")]),
        ]
        try await Self.compare(probes, on: pair)
    }

    @Test func pagesAndLinks() async throws {
        let pair = try await ServerPair.shared(ServerOptions())
        let count = pair.options.clicks
        var probes: [Probe] = []
        let queries = [
            "", "limit=0", "limit=1", "limit=1000", "limit=1001", "limit=100000", "limit=-1", "limit=abc", "limit=1.5",
            "limit=+5", "limit=%205", "limit=5_0", "limit=5&limit=7", "offset=0", "offset=100", "offset=-5", "offset=abc",
            "limit=7&offset=3", "limit=7&offset=7", "limit=7&offset=5", "limit=5&offset=3&zeta=1&alpha=x%20y",
            "offset=\(count - 1)", "offset=\(count)", "offset=\(count + 1)", "limit=1000&offset=\(count - 10)",
            "limit=3&offset=1043", "limit=3&offset=1044", "limit=3&offset=2000", "format=json&limit=2", "limit=2&x=%C3%A9%2B",
        ]
        for list in Self.lists {
            for q in queries { probes.append(Probe(path: list + "?token={demo}" + (q.isEmpty ? "" : "&" + q))) }
        }
        probes.append(Probe(path: "keys/?limit=4&token={demo}&offset=1"))
        probes.append(Probe(path: "openforiplinkclicks/?offset=200&token={demo}"))
        try await Self.compare(probes, on: pair)
    }

    @Test func pathsSlashesAndMethods() async throws {
        let pair = try await ServerPair.shared(ServerOptions())
        let key = try await Self.firstKeyId(pair)
        var probes: [Probe] = [
            Probe(path: "?token={demo}"), Probe(path: "/api/v2?token={demo}"), Probe(path: "keys?token={demo}"),
            Probe(path: "keys"), Probe(path: "nodes"), Probe(path: "keys/\(key)?token={demo}&limit=1"),
            Probe(path: "keys/\(key)/?token={demo}"), Probe(path: "keys/\(key)/?token={other}"),
            Probe(path: "keys/1/?token={demo}"), Probe(path: "keys/abc/?token={demo}"), Probe(path: "keys/-1/?token={demo}"),
            Probe(path: "keys/99999999999999999999/?token={demo}"), Probe(path: "keys/\(key).json?token={demo}"),
            Probe(path: "keys.json?token={demo}"), Probe(path: "keys/\(key)/extra/?token={demo}"),
            Probe(path: "keys//?token={demo}"), Probe(path: "nope/?token={demo}"), Probe(path: "nope?token={demo}"),
            Probe(path: "/api/v3/keys/?token={demo}"), Probe(path: "/"), Probe(path: "keys/%20/?token={demo}"),
            Probe(path: "keys/1/?token=wrong"), Probe(path: "keys/abc/"),
            Probe(method: "HEAD", path: "keys/?limit=1&token={demo}"), Probe(method: "HEAD", path: "keys"),
            Probe(method: "OPTIONS", path: "nodes/"), Probe(method: "OPTIONS", path: "?token={demo}"),
            Probe(method: "OPTIONS", path: "keys/?token={demo}"), Probe(method: "OPTIONS", path: "keys/\(key)/?token={demo}"),
            Probe(method: "OPTIONS", path: "keys/1/?token={demo}"), Probe(method: "OPTIONS", path: "sessions/?token={demo}"),
            Probe(method: "OPTIONS", path: "openforiplinkclicks/"), Probe(path: ".json?token={demo}"),
            Probe(path: "keys/\(key).json/?token={demo}"), Probe(path: "keys/1.5/?token={demo}"), Probe(path: "keys/1.5"), Probe(path: "sessions.json?token={demo}&limit=2&offset=2"),
            Probe(path: "keys/?token={demo}&format=xml&limit=1"), Probe(path: "keys.xml?token={demo}"),
            Probe(path: "nodes/?token={free}"), Probe(path: "nodes/", headers: [("Authorization", "Token nope")]),
        ]
        for (method, path) in [
            ("POST", "sessions/"), ("PUT", "sessions/"), ("DELETE", "keys/"), ("PUT", "keys/"), ("PATCH", "keys/"),
            ("POST", "openforiplinkclicks/"), ("DELETE", "openforiplinkclicks/"), ("POST", "nodes/"), ("POST", ""),
            ("POST", "keys/\(key)/"), ("DELETE", "nodes/"), ("TRACE", "keys/"),
        ] {
            probes.append(Probe(method: method, path: path + "?token={demo}"))
            probes.append(Probe(method: method, path: path))
        }
        probes += [Probe(method: "POST", path: "keys?token={demo}"), Probe(method: "DELETE", path: "keys/\(key)?token={demo}")]
        try await Self.compare(probes, on: pair)
    }

    /// Bodies that a serializer turns away, and bodies it takes (unknown and read-only fields
    /// ignored), on new servers since some succeed.
    @Test func writes() async throws {
        var options = ServerOptions()
        options.clicks = 2_000
        let pair = try await ServerPair.start(options)
        let key = try await Self.firstKeyId(pair)
        let valid = Self.publicKey
        var probes: [Probe] = []
        let bad = [
            "{}", #"{"name":"x"}"#, #"{"public_key":"\#(valid)"}"#, #"{"name":"","public_key":"ssh-rsa AAAA"}"#,
            #"{"name":null,"public_key":null}"#, #"{"name":true,"public_key":["a"]}"#, #"{"name":{"a":1},"public_key":3}"#,
            #"{"name":"   ","public_key":" "}"#, #"{"name":"\#(String(repeating: "é", count: 256))","public_key":"\#(valid)"}"#,
            #"{"name":"x","public_key":"ssh-ed25519 bm90IGEga2V5"}"#, #"{"name":"x","public_key":"ssh-rsa \#(valid.split(separator: " ")[1])"}"#,
            #"{"name":"#, "{", "not json", #"{"name":"x",}"#, #"{"name":"x" "public_key":"y"}"#, #"{"name":"\u12"}"#,
            #"{"name":"abc"#, "[1,2]", #""text""#, "null", "3", "", "  ", #"{"name":"x"} extra"#, "{'name':'x'}",
            #"{"name":"tab\there","public_key":"x"}"#,
        ]
        for body in bad {
            probes.append(.json("POST", "keys/?token={demo}", body))
            probes.append(.json("PUT", "keys/\(key)/?token={demo}", body))
            probes.append(.json("PATCH", "keys/\(key)/?token={demo}", body))
        }
        let good = [
            #"{"name":"made by a test","public_key":"\#(valid)"}"#,
            #"{"name":"  padded  ","public_key":"  \#(valid)  ","color":"red"}"#,
            #"{"name":"read-only ignored","public_key":"\#(valid)","id":1,"url":"x","bytes_this_month":5,"redirect_token":"zzz","creation_time":"2020-01-01T00:00:00Z"}"#,
            #"{"name":12345,"public_key":"\#(valid)"}"#, #"{"name":1.5e3,"public_key":"\#(valid)"}"#,
            #"{"name":"dup","name":"last wins","public_key":"\#(valid)"}"#,
            #"{"name":"\u00e9\ud83d\ude80 \"q\" \\ \u2028","public_key":"\#(valid)"}"#,
        ]
        for body in good { probes.append(.json("POST", "keys/?token={demo}", body, creates: true)) }
        probes += [
            Probe(method: "POST", path: "keys/?token={demo}", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                  body: "name=form+made&public_key=" + valid.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, creates: true),
            Probe(method: "POST", path: "keys/?token={demo}", headers: [("Content-Type", "text/plain")], body: "name=x"),
            Probe(method: "POST", path: "keys/?token={demo}", headers: [("Content-Type", "application/json; charset=utf-8")],
                  body: #"{"name":"charset","public_key":"\#(valid)"}"#, creates: true),
            .json("PATCH", "keys/\(key)/?token={demo}", #"{"name":"renamed by PATCH"}"#),
            .json("PATCH", "keys/\(key)/?token={demo}", "{}"),
            .json("PATCH", "keys/\(key)/?token={demo}", #"{"name":"with id","id":5}"#),
            .json("PUT", "keys/\(key)/?token={demo}", #"{"name":"renamed by PUT","public_key":"\#(valid)"}"#),
            Probe(path: "keys/\(key)/?token={demo}"),
            .json("PATCH", "keys/\(key)/?token={other}", #"{"name":"not yours"}"#),
            .json("PATCH", "keys/abc/?token={demo}", #"{"name":"x"}"#),
            .json("PATCH", "keys/\(key)/?token={free}", #"{"name":"x"}"#),
            .json("PATCH", "keys/\(key)/", #"{"name":"x"}"#),
            Probe(method: "DELETE", path: "keys/\(key)/?token={other}"),
            Probe(method: "DELETE", path: "keys/\(key)/?token={demo}"),
            Probe(method: "DELETE", path: "keys/\(key)/?token={demo}"),
            Probe(path: "keys/\(key)/?token={demo}"),
            .json("PATCH", "keys/\(key)/?token={demo}", #"{"name":"gone"}"#),
            Probe(path: "keys/?token={demo}&limit=3"),
            Probe(path: "sessions/?token={demo}&limit=1000"),
        ]
        try await Self.compare(probes, on: pair)
        await pair.stop()
    }

    static func firstKeyId(_ pair: ServerPair) async throws -> Int {
        let answer = try await Wire.send(Probe(path: "keys/?limit=1&token={demo}"), port: pair.emulator.port)
        guard let match = answer.body.firstMatch(of: /"id":(\d+)/), let id = Int(match.1) else {
            throw ProcessFailure(description: "no key in \(answer)")
        }
        return id
    }

    /// An OpenSSH ed25519 public key line (the blob names its type, as ssh-keygen writes it).
    static let publicKey: String = {
        func sshString(_ bytes: [UInt8]) -> [UInt8] {
            let n = UInt32(bytes.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + bytes
        }
        let blob = sshString(Array("ssh-ed25519".utf8)) + sshString((0..<32).map { UInt8($0 * 7 & 255) })
        return "ssh-ed25519 \(Data(blob).base64EncodedString()) test@conformance"
    }()
}
