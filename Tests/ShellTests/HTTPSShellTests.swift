import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Shell
import Testing

/// The shell's real paths over HTTPS: an emulator with a certificate from a throwaway CA that
/// the client trusts. Pagination, faults and key writes behave as over plain HTTP.
@Suite("HTTPS: pages, faults and writes over TLS")
struct HTTPSShellTests {
    static let lines = [
        "clicks | where port=6260 | count",
        "keys | count",
        "sessions | where local_port=22 | select port,key.name",
        "clicks | group port | first 5",
        "nodes | csv",
    ]

    /// Rows carry the emulator's address (a key's url), which differs between emulators.
    static func answers(_ shell: ShellHarness) async -> [String] {
        var out: [String] = []
        for line in lines {
            let r = await shell.run(line)
            let address = "://127.0.0.1:\(shell.emulator.port)"
            out.append(r.outcome == .ok ? r.out.replacingOccurrences(of: "https" + address, with: "EMULATOR")
                .replacingOccurrences(of: "http" + address, with: "EMULATOR") : "FAILED: \(r.outcome)")
        }
        return out
    }

    @Test("many pages over HTTPS: the same answers as HTTP, and next links stay https")
    func pagesOverHTTPS() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        let plain = try await ShellHarness.start(options)
        let secure = try await ShellHarness.start(options, https: true)
        #expect(secure.emulator.baseURL.hasPrefix("https://127.0.0.1:"))

        let expected = await Self.answers(plain)
        secure.emulator.resetRequestCount()
        let got = await Self.answers(secure)
        #expect(got == expected)
        #expect(!got.contains { $0.hasPrefix("FAILED") }, "\(got)")
        #expect(secure.emulator.requestCount >= 50, "5,000 clicks in pages of 100")

        let page = try await secure.client.getJSON("openforiplinkclicks/", query: [("limit", "100")])
        guard case .string(let next) = page.record?["next"] ?? .null else {
            Issue.record("no next link: \(page)")
            return
        }
        #expect(next.hasPrefix("https://127.0.0.1:\(secure.emulator.port)/api/v2/openforiplinkclicks/?"), "\(next)")
        await plain.stop()
        await secure.stop()
    }

    @Test("dropped connections, 5xx and cut-off bodies over TLS: retried to the same answers")
    func faultsOverHTTPS() async throws {
        var options = EmulatorOptions.small
        options.clicks = 2_000
        options.maxPageSize = 100
        let clean = try await ShellHarness.start(options, https: true)
        let expected = await Self.answers(clean)
        await clean.stop()

        options.faults.dropRate = 0.1
        options.faults.serverErrorRate = 0.1
        options.faults.truncateRate = 0.1
        options.faults.retryAfterSeconds = 0
        let shell = try await ShellHarness.start(options, https: true)
        shell.client.retryPolicy = .init(maxAttempts: 12, budget: 60, baseDelay: 0.005)
        shell.emulator.resetRequestCount()
        let got = await Self.answers(shell)
        #expect(got == expected)
        #expect(shell.emulator.requestCount > Self.lines.count)
        await shell.stop()
    }

    @Test("keys add, set and rm over HTTPS")
    func writesOverHTTPS() async throws {
        let shell = try await ShellHarness.start(https: true)
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl tls@opsh"
        let add = await shell.run("keys add name=\"over tls\" public_key=\"\(key)\"")
        #expect(add.outcome == .ok, "\(add.err)")
        let listed = await shell.run("keys | where name=\"over tls\" | select id | csv")
        let id = try #require(listed.out.split(whereSeparator: \.isNewline).last.flatMap { Int($0) }, "\(listed.out)")
        #expect(try await shell.client.key(id: id)["public_key"] == .string(key))

        #expect(await shell.run("keys set \(id) name=\"renamed over tls\"").outcome == .ok)
        #expect(try await shell.client.key(id: id)["name"] == .string("renamed over tls"))

        #expect(await shell.run("keys rm \(id) --yes").outcome == .ok)
        await #expect(throws: APIError.self) { try await shell.client.key(id: id) }
        await shell.stop()
    }
}
