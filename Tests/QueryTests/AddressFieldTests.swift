import Query
import Records
import Synchronization
import Testing

/// Records what a pipeline asked of its lookups: a test's own ``AddressLookup`` (Query is pure;
/// the real one, over libmaxminddb and DNS, is tested in AddressLookupsTests).
final class RecordingLookup: AddressLookup {
    let countries: [String: String]
    let names: [String: String]
    let missing: Set<AddressField>
    private let log = Mutex<(prepared: [[String]], read: [String])>(([], []))

    init(countries: [String: String] = [:], names: [String: String] = [:], missing: Set<AddressField> = []) {
        self.countries = countries
        self.names = names
        self.missing = missing
    }

    var prepared: [[String]] { log.withLock { $0.prepared } }
    var read: [String] { log.withLock { $0.read } }

    func unavailable(_ field: AddressField) -> String? { missing.contains(field) ? "needs a test database" : nil }

    func prepare(_ field: AddressField, for addresses: [IPAddress]) async {
        log.withLock { $0.prepared.append(addresses.map(\.description).sorted()) }
    }

    func value(_ field: AddressField, of address: IPAddress) -> Value {
        log.withLock { $0.read.append("\(field.name) \(address)") }
        let table = field == .host ? names : countries
        return table[address.description].map(Value.string) ?? .null
    }
}

private func evaluate(_ line: String, _ lookup: RecordingLookup, records: [Record] = Fixture.clicks,
                      pageSize: Int = 2) async throws -> QueryResult {
    var context = Fixture.context()
    context.addresses = lookup
    return try await Pipeline(parsing: line).evaluate(batches(records, pageSize: pageSize), context: context)
}

private func values(_ result: QueryResult, _ field: String) -> [String] {
    guard case .records(let rows) = result else { return [] }
    return rows.map { $0[field].plainText }
}

@Suite struct AddressFields {
    @Test("networks of any length, from the address alone", arguments: [
        ("10.1.2.3", "net", "10.1.2.0/24"), ("10.1.2.3", "net16", "10.1.0.0/16"), ("10.1.2.3", "net0", "0.0.0.0/0"),
        ("10.1.2.3", "net32", "10.1.2.3/32"), ("10.1.2.3", "net64", "10.1.2.3/32"),
        ("2001:db8:1:2:3::9", "net", "2001:db8:1::/48"), ("2001:db8:1:2:3::9", "net64", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:3::9", "net65", "2001:db8:1:2::/65"), ("2001:db8:1:2:8000::9", "net65", "2001:db8:1:2:8000::/65"),
        ("2001:db8::1", "net128", "2001:db8::1/128"), ("2001:db8::1", "net12", "2000::/12"),
        ("::ffff:192.0.2.77", "net", "192.0.2.0/24"), ("::ffff:192.0.2.77", "net8", "192.0.0.0/8"),
    ])
    func network(address: String, field: String, expected: String) async throws {
        let result = try await evaluate("clicks | select source_ip.\(field)", RecordingLookup(),
                                        records: [Fixture.click(1, address, "2021-11-15T00:00:00Z", nil)])
        #expect(values(result, "source_ip.\(field)") == [expected])
    }

    @Test func fieldNames() {
        #expect(AddressField(name: "net24") == .network(bits: 24))
        #expect(AddressField(name: "net") == .network(bits: nil))
        #expect(AddressField(name: "net129") == nil)
        #expect(AddressField(name: "net024") == nil)
        #expect(AddressField(name: "netx") == nil)
        #expect(AddressField.names.allSatisfy { AddressField(name: $0)?.name == $0 })
    }

    @Test func groupByNetworkCountsPerNetwork() async throws {
        let result = try await evaluate("clicks | group source_ip.net8", RecordingLookup())
        #expect(values(result, "source_ip.net8") == ["10.0.0.0/8", "2000::/8", "192.0.0.0/8"])
        #expect(values(result, "count") == ["3", "1", "1"])
    }

    @Test func aLineWithoutAddressFieldsLooksNothingUp() async throws {
        let lookup = RecordingLookup(countries: ["10.1.2.3": "DE"])
        _ = try await evaluate("clicks | where port=6260 | group source_ip | select source_ip,count", lookup)
        _ = try await evaluate("sessions | select key.name", lookup, records: Fixture.sessions)
        #expect(lookup.prepared.isEmpty)
        #expect(lookup.read.isEmpty)
    }

    @Test func countriesAreReadOncePerAddressAndMappedAddressesAsIPv4() async throws {
        let lookup = RecordingLookup(countries: ["10.1.2.3": "DE", "192.0.2.1": "BE"])
        let clicks = Fixture.clicks + [Fixture.click(1, "::ffff:192.0.2.1", "2021-11-15T00:00:00Z", nil)]
        let result = try await evaluate("clicks | group source_ip.country", lookup, records: clicks, pageSize: 100)
        #expect(values(result, "source_ip.country") == ["null", "DE", "BE"])
        #expect(values(result, "count") == ["3", "2", "1"])
        #expect(lookup.read.sorted() == ["country 10.1.2.3", "country 10.200.0.1", "country 192.0.2.1",
                                         "country 192.168.0.7", "country 2001:db8::1"])
        #expect(lookup.prepared.isEmpty, "countries do not wait on the network")
    }

    @Test func hostNamesAreLookedUpForTheRowsThatReachTheStageOnly() async throws {
        let lookup = RecordingLookup(names: ["10.1.2.3": "pi.example", "192.168.0.7": "nas.example"])
        let result = try await evaluate("clicks | where port=6260 | select source_ip.host", lookup)
        #expect(values(result, "source_ip.host") == ["pi.example", "nas.example", "pi.example"])
        // Pages of two rows: [10.1.2.3, -], [192.168.0.7, -], [10.1.2.3] after where.
        #expect(lookup.prepared == [["10.1.2.3"], ["192.168.0.7"], ["10.1.2.3"]])
        #expect(!lookup.prepared.joined().contains("2001:db8::1"))
    }

    @Test func hostNamesAfterAStageThatHoldsRowsBack() async throws {
        let lookup = RecordingLookup(names: ["10.1.2.3": "pi.example"])
        let result = try await evaluate("clicks | group source_ip | first 1 | select source_ip.host,count", lookup)
        #expect(values(result, "source_ip.host") == ["pi.example"])
        #expect(lookup.prepared == [["10.1.2.3"]])
    }

    @Test func aColumnMadeBySelectIsReadAsItIs() async throws {
        let lookup = RecordingLookup(names: ["10.1.2.3": "pi.example"])
        let result = try await evaluate("clicks | select source_ip.host | where source_ip.host = pi.example | count", lookup)
        #expect(result == .value(.int(2)))
        #expect(lookup.prepared.count == 3, "only select looks up: one lookup per page of two, not again for where")
    }

    @Test func aFieldTheLookupCannotAnswerIsAnErrorAtItsPlace() async throws {
        let lookup = RecordingLookup(missing: [.asn])
        await #expect(throws: QueryError("source_ip.asn needs a test database", column: 15, length: 13)) {
            _ = try await evaluate("clicks | group source_ip.asn", lookup)
        }
    }

    @Test func aMisspelledAddressFieldIsAnErrorWithASuggestion() async throws {
        await #expect(throws: QueryError.self) {
            _ = try await evaluate("clicks | where source_ip.contry = DE", RecordingLookup())
        }
        do {
            _ = try await evaluate("clicks | where source_ip.contry = DE", RecordingLookup())
        } catch let error as QueryError {
            #expect(error.message.hasPrefix("source_ip holds IP addresses, which have no field 'contry' (did you mean 'source_ip.country'?)"))
            #expect(error.column == 15)
        }
    }

    @Test func withoutALookupNetworksStillWork() async throws {
        let result = try await run("clicks | first 1 | select source_ip.net")
        guard case .records(let rows) = result else { Issue.record("no records"); return }
        #expect(rows.map { $0["source_ip.net"] } == [.string("10.1.2.0/24")])
        await #expect(throws: QueryError.self) { _ = try await run("clicks | select source_ip.country") }
    }

    @Test func networksSortByAddressAndFallInWiderNetworks() async throws {
        let sorted = try await evaluate("clicks | group source_ip.net8 | sort source_ip.net8", RecordingLookup())
        #expect(values(sorted, "source_ip.net8") == ["10.0.0.0/8", "192.0.0.0/8", "2000::/8"])
        let inside = try await evaluate("clicks | where source_ip.net16 in 10.0.0.0/8 | count", RecordingLookup())
        #expect(inside == .value(.int(3)))
        let wider = try await evaluate("clicks | where source_ip.net in 10.1.2.0/25 | count", RecordingLookup())
        #expect(wider == .value(.int(0)), "a /24 is not inside a /25")
    }
}
