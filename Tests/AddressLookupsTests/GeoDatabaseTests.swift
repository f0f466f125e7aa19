import AddressLookups
import Foundation
import OpenportEmulator
import Query
import Records
import Testing

@Suite struct GeoDatabases {
    @Test func countryCityAndASNFilesAnswerTheirFields() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        try writeDatabase(dir.path("city.mmdb"), type: "GeoLite2-City", [
            ("198.51.100.0/24", country("NL", "Netherlands", city: "Utrecht")),
            ("2001:db8:100::/48", country("BE", "Belgium", city: "Ghent")),
        ])
        try writeDatabase(dir.path("asn.mmdb"), type: "GeoLite2-ASN", [("198.51.100.0/25", owner(64500, "Example Net"))])
        let city = try GeoDatabase(path: dir.path("city.mmdb"))
        let asn = try GeoDatabase(path: dir.path("asn.mmdb"))
        #expect(city.kind == .city)
        #expect(asn.kind == .asn)
        let a = IPAddress("198.51.100.7")!
        #expect(city.value(.country, of: a) == .string("NL"))
        #expect(city.value(.countryName, of: a) == .string("Netherlands"))
        #expect(city.value(.city, of: a) == .string("Utrecht"))
        #expect(city.value(.asn, of: a) == .null, "a city file has no owners")
        #expect(city.value(.country, of: IPAddress("2001:db8:100::5")!) == .string("BE"))
        #expect(city.value(.country, of: IPAddress("203.0.113.1")!) == .null)
        #expect(asn.value(.asn, of: a) == .int(64500))
        #expect(asn.value(.org, of: a) == .string("Example Net"))
        #expect(asn.value(.org, of: IPAddress("198.51.100.200")!) == .null)
    }

    @Test func aFileOpshCannotUseSaysWhyAndWhereSuchFilesComeFrom() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        try writeDatabase(dir.path("anon.mmdb"), type: "GeoIP2-Anonymous-IP", [("198.51.100.0/24", ["names": ["en": "x"]])])
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: dir.path("text.mmdb")))
        let cases: [(String, String)] = [
            (dir.path("missing.mmdb"), "\(dir.path("missing.mmdb")) does not exist; "),
            (dir.path("text.mmdb"), "\(dir.path("text.mmdb")) is not a MaxMind DB (.mmdb) file; "),
            (dir.path("anon.mmdb"), "\(dir.path("anon.mmdb")) is a 'GeoIP2-Anonymous-IP' database; opsh reads country, city and ASN databases; "),
            (dir.url.path, "\(dir.url.path) is a directory, not a .mmdb file; "),
        ]
        for (path, start) in cases {
            #expect(throws: GeoDatabaseError.self) { _ = try GeoDatabase(path: path) }
            do {
                _ = try GeoDatabase(path: path)
            } catch {
                #expect(error.message == start + GeoDatabaseError.whereToGet)
                #expect(!error.message.contains("\n"))
            }
        }
    }

    @Test func theDemoDatabasesAnswerWhatTheirSourceSays() throws {
        let spec = try JSONSerialization.jsonObject(with: Data(contentsOf: repositoryRoot.appendingPathComponent("scripts/geoip/demo-networks.json")))
        let networks = (spec as! [String: Any])["networks"] as! [[String: Any]]
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var opened: [GeoDatabase] = []
        for (name, base64) in [("city", DemoGeoDatabases.city), ("asn", DemoGeoDatabases.asn)] {
            try Data(base64Encoded: base64, options: .ignoreUnknownCharacters)!.write(to: URL(fileURLWithPath: dir.path(name)))
            opened.append(try GeoDatabase(path: dir.path(name)))
        }
        let (city, asn) = (opened[0], opened[1])
        for n in networks {
            let address = IPAddress(String((n["network"] as! String).split(separator: "/")[0]))!
            #expect(city.value(.country, of: address) == .string(n["country"] as! String), "\(n)")
            #expect(city.value(.city, of: address) == .string(n["city"] as! String))
            #expect(asn.value(.asn, of: address) == .int(n["asn"] as! Int))
            #expect(asn.value(.org, of: address) == .string(n["org"] as! String))
        }
        #expect(city.value(.country, of: IPAddress("2.1.2.3")!) == .null, "2.0.0.0/8 is left out")
    }
}
