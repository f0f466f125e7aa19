import Foundation
import Testing

/// Address fields through the real binary: the demo's own databases and DNS server (made-up,
/// on 127.0.0.1), the profile's `geoip`, `OPSH_DNS_SERVER`.
@Suite struct GeoCLITests {
    func opsh(_ arguments: [String], home: String, _ env: [String: String] = [:]) throws -> CLI.Result {
        try CLI.run(CLI.executable("opsh"), arguments, environment: CLI.environment(home: home, env), stdin: "")
    }

    @Test func theDemoShowsCountriesOwnersAndNamesOfItsOwn() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let chart = try opsh(["--demo", "-c", "clicks | group source_ip.country | first 3 | csv"], home: home)
        #expect(chart.status == 0, "\(chart)")
        #expect(chart.stdout.hasPrefix("source_ip.country,count\r\nBE,"), "\(chart)")
        let names = try opsh(["--demo", "-c", "clicks | group source_ip | first 5 | select source_ip.host,source_ip.org | csv"],
                             home: home)
        #expect(names.status == 0, "\(names)")
        let rows = names.stdout.split(separator: "\r\n").dropFirst()
        #expect(rows.count == 5)
        #expect(rows.contains { $0.hasPrefix("217-81-203-216.") && $0.hasSuffix(".example,Beispiel Telekom") }, "\(names)")
        #expect(names.stderr.isEmpty, "\(names)")
    }

    @Test func aProfileGeoipThatCannotBeUsedIsAWarningWithItsLine() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let dir = home + "/.config/opsh"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "[profiles.default]\napi_url = \"http://127.0.0.1:9/api/v2/\"\ngeoip = [\"geo/missing.mmdb\"]\n"
            .write(toFile: dir + "/config.toml", atomically: false, encoding: .utf8)
        let result = try opsh(["-c", "set"], home: home)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("opsh: warning: "), "\(result)")
        #expect(result.stderr.contains("config.toml:3: "), "\(result)")
        #expect(result.stderr.contains("/.config/opsh/geo/missing.mmdb does not exist; use a country, city or ASN .mmdb file"), "\(result)")
        #expect(result.stdout.contains("\ngeoip\tnone\t"), "set to a pipe: name, value, meaning, tab-separated: \(result)")
    }

    @Test func aDNSServerThatIsNotOneIsAUsageError() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let result = try opsh(["-c", "nodes | count"], home: home, ["OPSH_DNS_SERVER": "dns.example:53"])
        #expect(result.status == 2)
        #expect(result.stderr == "opsh: OPSH_DNS_SERVER is an IPv4 address with an optional port (127.0.0.1:5353), not 'dns.example:53'\n")
    }
}
