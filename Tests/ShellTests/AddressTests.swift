#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OpenportEmulator
import Records
@testable import Shell
import Testing

/// Networks in `in`, and addresses ordered as addresses.
@Suite("Networks in `in`, and addresses ordered as addresses")
struct AddressTests: AwkwardDataTests {
    // MARK: 2. in with networks

    @Test("in takes a list of networks and values, as the or form does")
    func inWithNetworks() async throws {
        try await withShell { shell in
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        let ips = clicks.compactMap { $0["source_ip"] as? String }
        let expectedTwo = ips.filter { $0.hasPrefix("5.") || $0.hasPrefix("31.") }.count
        let expectedOne = ips.filter { $0.hasPrefix("5.") }.count
        let expectedV6 = ips.filter { $0.lowercased().hasPrefix("2001:db8:") || $0.hasPrefix("5.") }.count
        #expect(expectedTwo > expectedOne && expectedOne > 0)

        let two = await shell.run("clicks | where source_ip in (5.0.0.0/8, 31.0.0.0/8) | count")
        #expect(two.out == "\(expectedTwo)\n", "\(two)")
        let or = await shell.run("clicks | where source_ip in 5.0.0.0/8 or source_ip in 31.0.0.0/8 | count")
        #expect(or.out == two.out)
        #expect(await shell.run("clicks | where source_ip in (5.0.0.0/8) | count").out == "\(expectedOne)\n")
        #expect(await shell.run("clicks | where source_ip in (2001:db8::/32, 5.0.0.0/8) | count").out == "\(expectedV6)\n")
        let ip = try #require(ips.first)
        let mixed = ips.filter { $0 == ip || $0.hasPrefix("31.") }.count
        #expect(await shell.run("clicks | where source_ip in (\(ip), 31.0.0.0/8) | count").out == "\(mixed)\n")
        }
    }

    // MARK: 6. addresses order as addresses

    /// An address as (family, bytes) for sorting, by inet_pton: IPv4 before IPv6.
    static func addressKey(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return [4] + withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return [6] + withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    @Test("sort, min and max order IP addresses as addresses, IPv4 first, as where compares")
    func addressOrder() async throws {
        try await withShell { shell in
        let ips = try await shell.independentRows("openforiplinkclicks/").compactMap { $0["source_ip"] as? String }
        #expect(ips.contains { $0.hasPrefix("::ffff:") }, "the data set needs IPv4-mapped addresses")
        let ordered = ips.sorted { Self.addressKey($0)!.lexicographicallyPrecedes(Self.addressKey($1)!) }
        #expect(await shell.run("clicks | min source_ip").out == ordered.first! + "\n")
        #expect(await shell.run("clicks | max source_ip").out == ordered.last! + "\n")
        let first = try jsonl(await shell.run("clicks | sort source_ip | first 50 | select source_ip | jsonl").out)
        #expect(first.map { $0["source_ip"] as! String }.map { Self.addressKey($0)! } == ordered.prefix(50).map { Self.addressKey($0)! })
        let all = try jsonl(await shell.run("clicks | where source_ip != null | sort -source_ip | select source_ip | jsonl").out)
        #expect(all.map { Self.addressKey($0["source_ip"] as! String)! } == ordered.reversed().map { Self.addressKey($0)! })
        // What sort puts first, where agrees is smallest.
        let least = ordered.first!
        #expect(await shell.run("clicks | where source_ip < \(least) | count").out == "0\n")
        }
    }
}
