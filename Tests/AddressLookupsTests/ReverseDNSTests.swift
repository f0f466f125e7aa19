import AddressLookups
import Foundation
import OpenportEmulator
import Query
import Records
import Testing

/// Reverse DNS through glibc's resolver, against a DNS server on 127.0.0.1 that the test runs:
/// no query leaves this machine.
@Suite struct ReverseLookups {
    static let names = ["192.0.2.1": "pi.example", "192.0.2.2": "nas.example", "2001:db8::7": "v6.example"]

    static func server(latency: Duration = .zero, silent: Bool = false) throws -> ReverseDNSServer {
        try ReverseDNSServer(latency: latency, silent: silent) { names[$0] }
    }

    static func resolver(_ server: ReverseDNSServer) -> ReverseDNS {
        ReverseDNS(server: .init(host: "127.0.0.1", port: server.port), timeout: 1, attempts: 1)
    }

    @Test func aNameNoNameAndIPv6() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let dns = Self.resolver(server)
        #expect(await dns.name(of: IPAddress("192.0.2.1")!) == .name("pi.example"))
        #expect(await dns.name(of: IPAddress("192.0.2.99")!) == .noName)
        #expect(await dns.name(of: IPAddress("2001:db8::7")!) == .name("v6.example"))
    }

    @Test func arpaNames() {
        #expect(ReverseDNS.arpaName(IPAddress("192.0.2.1")!) == "1.2.0.192.in-addr.arpa")
        #expect(ReverseDNS.arpaName(IPAddress("2001:db8::7")!)
            == "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    }

    @Test func serverSpellings() {
        #expect(ReverseDNS.Server("127.0.0.1:5353") == ReverseDNS.Server(host: "127.0.0.1", port: 5353))
        #expect(ReverseDNS.Server("127.0.0.1") == ReverseDNS.Server(host: "127.0.0.1", port: 53))
        #expect(ReverseDNS.Server("localhost:53") == nil)
        #expect(ReverseDNS.Server("127.0.0.1:70000") == nil)
    }

    @Test func eachAddressIsAskedOnceAndKeptOnDiskForItsTime() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let file = URL(fileURLWithPath: dir.path("hosts.tsv"))
        let addresses = ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map { IPAddress($0)! }
        let book = AddressBook(resolver: Self.resolver(server), hostCache: file)
        await book.prepare(.host, for: addresses)
        await book.prepare(.host, for: addresses)
        #expect(addresses.map { book.value(.host, of: $0) } == [.string("pi.example"), .string("nas.example"), .null])
        #expect(book.finishLine() == [])
        #expect(server.queries == ["192.0.2.1": 1, "192.0.2.2": 1, "192.0.2.3": 1])

        // A new session reads the names from disk and asks nothing.
        let again = AddressBook(resolver: Self.resolver(server), hostCache: file)
        await again.prepare(.host, for: addresses)
        #expect(addresses.map { again.value(.host, of: $0) } == [.string("pi.example"), .string("nas.example"), .null])
        #expect(server.queries == ["192.0.2.1": 1, "192.0.2.2": 1, "192.0.2.3": 1])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Once its time is up (a TTL of 0 here), a name is asked for again.
        let shortLived = AddressBook(resolver: Self.resolver(server), hostCache: URL(fileURLWithPath: dir.path("short.tsv")), hostTTL: 0)
        await shortLived.prepare(.host, for: addresses)
        await shortLived.prepare(.host, for: addresses)
        #expect(server.queries == ["192.0.2.1": 3, "192.0.2.2": 3, "192.0.2.3": 3])
    }

    @Test func aResolverThatDoesNotAnswerIsOneLineAndTheRestIsNotAsked() async throws {
        let server = try Self.server(silent: true)
        defer { server.stop() }
        let book = AddressBook(resolver: Self.resolver(server), hostCache: nil, concurrency: 4)
        let addresses = (1...200).map { IPAddress("198.51.100.\($0)")! }
        await book.prepare(.host, for: addresses)
        #expect(addresses.allSatisfy { book.value(.host, of: $0) == .null })
        let asked = server.queries.values.reduce(0, +)
        #expect(asked < 20, "gave up after a few silent lookups, not 200 (\(asked) asked)")
        #expect(book.finishLine() == ["host names: the DNS server 127.0.0.1:\(server.port) did not answer for 200 addresses, shown as null; try again later"])
        #expect(book.finishLine() == [], "the next line starts afresh")
    }

    @Test func lookupsRunConcurrentlyWithinTheBound() async throws {
        let server = try Self.server(latency: .milliseconds(100))
        defer { server.stop() }
        let book = AddressBook(resolver: Self.resolver(server), hostCache: nil, concurrency: 8)
        let addresses = (1...40).map { IPAddress("203.0.113.\($0)")! }
        await book.prepare(.host, for: addresses)
        #expect(server.queries.count == 40)
        #expect(server.mostAtOnce > 1, "lookups overlap")
        #expect(server.mostAtOnce <= 8, "never more than the bound at once")
    }
}
