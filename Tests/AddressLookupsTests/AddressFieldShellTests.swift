import AddressLookups
import Foundation
import OpenportAPI
import OpenportEmulator
import Query
import Shell
import Testing

/// `source_ip.country`, `.asn`, `.host` at the shell, against the emulator, a database the
/// test writes and a DNS server on 127.0.0.1 (no query leaves this machine).
@Suite(.serialized) struct AddressFieldsAtTheShell {
    struct Setup {
        let emulator: Emulator
        let client: OpenportClient
        let dns: ReverseDNSServer
        let interpreter: Interpreter
        let output = CapturedOutput()
        let scratch: ScratchDirectory

        init(silentDNS: Bool = false) async throws {
            var options = EmulatorOptions()
            options.clicks = 5_000
            emulator = try await Emulator.start(options)
            var config = APIConfig(baseURL: emulator.baseURL, token: EmulatorAccounts.demoToken)
            config.maxAttempts = 1
            client = try OpenportClient(config: config)
            dns = try ReverseDNSServer(silent: silentDNS, names: DemoHostNames.name(for:))
            scratch = try ScratchDirectory()
            let book = AddressBook(resolver: ReverseDNS(server: .init(host: "127.0.0.1", port: dns.port), timeout: 1, attempts: 1),
                                   hostCache: nil)
            interpreter = Interpreter(client: client, output: output, options: .init(apiLabel: "test"), addresses: book)
        }

        func run(_ line: String) async -> (outcome: Outcome, out: String, err: String) {
            output.reset()
            let outcome = await interpreter.run(line)
            return (outcome, output.stdout, output.stderr)
        }

        func stop() async {
            dns.stop()
            scratch.remove()
            await client.shutdown()
            await emulator.stop()
        }
    }

    @Test func countriesFromASetDatabase() async throws {
        let shell = try await Setup()
        try writeDatabase(shell.scratch.path("country.mmdb"), type: "GeoLite2-Country",
                          [("217.0.0.0/8", country("DE", "Germany")), ("88.0.0.0/8", country("BE", "Belgium"))])
        #expect(await shell.run("set geoip \(shell.scratch.path("country.mmdb"))").outcome == .ok)
        let grouped = await shell.run("clicks | group source_ip.country | csv")
        // Counted another way: by the addresses' text (an IPv4-mapped one counts as its IPv4).
        let de = await shell.run(#"clicks | where source_ip ~ "^(::ffff:)?217\." | count"#).out
        let be = await shell.run(#"clicks | where source_ip ~ "^(::ffff:)?88\." | count"#).out
        let all = await shell.run("clicks | count").out
        let rows = Dictionary(uniqueKeysWithValues: grouped.out.split(separator: "\r\n").dropFirst().map { line in
            let parts = line.split(separator: ",", omittingEmptySubsequences: false)
            return (String(parts[0]), Int(parts[1])!)
        })
        #expect(rows["DE"].map { "\($0)\n" } == de)
        #expect(rows["BE"].map { "\($0)\n" } == be)
        #expect(rows.values.reduce(0, +) == Int(all.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Set(rows.keys) == ["DE", "BE", ""], "addresses outside both networks are null")
        await shell.stop()
    }

    @Test func aFileThatCannotBeUsedAndAFieldWithoutItsDatabase() async throws {
        let shell = try await Setup()
        let missing = shell.scratch.path("GeoLite2-Country.mmdb")
        let set = await shell.run("set geoip \(missing)")
        #expect(set.outcome == .failed("\(missing) does not exist; \(GeoDatabaseError.whereToGet)"))
        #expect(await shell.run("set").out.contains("\ngeoip\tnone\t"))
        let asn = await shell.run("clicks | first 3 | select source_ip.asn")
        guard case .failed(let message, let column?, _) = asn.outcome else {
            Issue.record("no error: \(asn)")
            await shell.stop()
            return
        }
        #expect(message.hasPrefix("source_ip.asn needs an ASN database: set geoip FILE[,FILE] or geoip = \"FILE\" in the profile; "))
        #expect(column == 26)
        await shell.stop()
    }

    @Test func aFileThatCannotBeUsedLeavesTheFilesInUse() async throws {
        let shell = try await Setup()
        let good = shell.scratch.path("country.mmdb")
        try writeDatabase(good, type: "GeoLite2-Country", [("217.0.0.0/8", country("DE", "Germany"))])
        #expect(await shell.run("set geoip \(good)").outcome == .ok)
        let missing = shell.scratch.path("GeoLite2-ASN.mmdb")
        let set = await shell.run("set geoip \(good),\(missing)")
        #expect(set.outcome == .failed("\(missing) does not exist; \(GeoDatabaseError.whereToGet)"))
        #expect(await shell.run("set").out.contains("\ngeoip\t\(good)\t"))
        // Still answered from the file in use, counted another way by the addresses' text.
        let de = await shell.run("clicks | where source_ip.country = DE | count").out
        let byText = await shell.run(#"clicks | where source_ip ~ "^(::ffff:)?217\." | count"#).out
        #expect(de == byText && de != "0\n", "\(de) \(byText)")
        #expect(await shell.run("set geoip none").outcome == .ok)
        #expect(await shell.run("set").out.contains("\ngeoip\tnone\t"))
        await shell.stop()
    }

    @Test func tabCompletesTheFilesOfSetGeoip() async throws {
        let shell = try await Setup()
        let dir = shell.scratch.url.path + "/"
        for name in ["city.mmdb", "asn.mmdb"] { FileManager.default.createFile(atPath: dir + name, contents: Data()) }
        try FileManager.default.createDirectory(atPath: dir + "more", withIntermediateDirectories: false)
        func offered(_ line: String) -> [CompletionCandidate] { shell.interpreter.completer(line, line.count).candidates }
        #expect(offered("set geoip \(dir)").map(\.insert) == [dir + "asn.mmdb", dir + "city.mmdb", dir + "more/"])
        #expect(offered("set geoip \(dir)m").map(\.appendSpace) == [false], "a directory is completed further")
        #expect(offered("set geoip \(dir)c").map(\.appendSpace) == [true])
        await shell.stop()
    }

    @Test func hostNamesByReverseDNSOnLoopback() async throws {
        let shell = try await Setup()
        let result = await shell.run("clicks | group source_ip | first 20 | select source_ip,source_ip.host | csv")
        #expect(result.outcome == .ok)
        let rows = result.out.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == 20)
        for row in rows {
            let address = String(row[0])
            let unmapped = address.hasPrefix("::ffff:") ? String(address.dropFirst(7)) : address
            #expect(String(row[1]) == (DemoHostNames.name(for: unmapped) ?? ""), "\(address)")
        }
        #expect(shell.dns.queries.count == 20, "one query per distinct address")
        #expect(result.err == "")
        await shell.stop()
    }

    @Test func aSilentResolverIsOneLineNotOnePerRow() async throws {
        let shell = try await Setup(silentDNS: true)
        let result = await shell.run("clicks | group source_ip | first 50 | select source_ip.host")
        #expect(result.outcome == .ok)
        #expect(result.err == "opsh: host names: the DNS server 127.0.0.1:\(shell.dns.port) did not answer for 50 addresses, shown as null; try again later\n")
        #expect(result.out.split(separator: "\n").dropFirst(2).allSatisfy { $0.trimmingCharacters(in: .whitespaces) == "null" })
        await shell.stop()
    }

    @Test func aLineWithoutTheseFieldsAsksNoDNS() async throws {
        let shell = try await Setup()
        _ = await shell.run("clicks | group source_ip | first 5")
        _ = await shell.run("clicks | group source_ip.net | first 5")
        #expect(shell.dns.queries.isEmpty)
        await shell.stop()
    }

    @Test func tabOffersAddressFieldsAndTheCountriesInTheData() async throws {
        let shell = try await Setup()
        try writeDatabase(shell.scratch.path("country.mmdb"), type: "DBIP-Country-Lite",
                          [("217.0.0.0/8", country("DE", "Germany")), ("88.0.0.0/8", country("BE", "Belgium"))])
        #expect(await shell.run("set geoip \(shell.scratch.path("country.mmdb"))").outcome == .ok)
        _ = await shell.run("clicks | group port | first 1")
        func offered(_ line: String) -> [String] { shell.interpreter.completer(line, line.count).candidates.map(\.insert) }
        #expect(offered("clicks | where source_ip.co") == ["source_ip.country", "source_ip.country_name"])
        #expect(offered("clicks | group source_ip.n").starts(with: ["source_ip.net", "source_ip.net24"]))
        #expect(offered("clicks | where so").contains("source_ip."))
        #expect(offered("clicks | where source_ip.country = ") == ["BE", "DE"])
        #expect(offered("clicks | where source_ip.country_name = B") == ["Belgium"])
        #expect(shell.dns.queries.isEmpty, "TAB never looks a name up")
        await shell.stop()
    }
}
