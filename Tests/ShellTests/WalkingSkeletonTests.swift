import Foundation
import OpenportEmulator
import Shell
import Testing

@Suite("The shell end to end against the emulator")
struct WalkingSkeletonTests {
    @Test("clicks | where port=6260 | count equals a count taken independently from the API's JSON")
    func headlineCount() async throws {
        let shell = try await ShellHarness.start()
        let rows = try await shell.independentRows("openforiplinkclicks/")
        let expected = rows.filter { ($0["port"] as? Int) == 6260 }.count
        #expect(expected > 0)
        let result = await shell.run("clicks | where port=6260 | count")
        #expect(result.outcome == .ok)
        #expect(result.out == "\(expected)\n")
        // The long name and a condition joined by and.
        let both = await shell.run("openforiplinkclicks | where port=6260 and key_name != null | count")
        let expectedBoth = rows.filter { ($0["port"] as? Int) == 6260 && $0["key_name"] is String }.count
        #expect(both.out == "\(expectedBoth)\n")
        await shell.stop()
    }

    @Test("keys | count is 1044 and nodes lists the three nodes")
    func keysAndNodes() async throws {
        let shell = try await ShellHarness.start()
        #expect(await shell.run("keys | count").out == "1044\n")
        let nodes = await shell.run("nodes")
        #expect(nodes.outcome == .ok)
        for name in ["us", "singapore", "openport-main-2"] { #expect(nodes.out.contains(name)) }
        #expect(await shell.run("sessions | count").outcome == .ok)
        await shell.stop()
    }

    @Test("first N and json")
    func firstAndJSON() async throws {
        let shell = try await ShellHarness.start()
        let r = await shell.run("nodes | first 2 | json")
        let data = try #require(r.out.data(using: .utf8))
        let parsed = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        #expect(parsed?.count == 2)
        #expect(parsed?.first?["name"] as? String == "us")
        await shell.stop()
    }

    @Test("an unknown command or stage names the nearest one")
    func didYouMean() async throws {
        let shell = try await ShellHarness.start()
        let cmd = await shell.run("clcks | count")
        guard case .failed(let m1, _, _) = cmd.outcome else { Issue.record("clcks ran"); return }
        #expect(m1.contains("did you mean 'clicks'?"))
        let stage = await shell.run("clicks | cont")
        guard case .failed(let m2, _, _) = stage.outcome else { Issue.record("cont ran"); return }
        #expect(m2.contains("did you mean 'count'?"))
        await shell.stop()
    }

    @Test("a bad token gives one line that says what to do, without the token")
    func badToken() async throws {
        let shell = try await ShellHarness.start(token: "wrong-token-123")
        let r = await shell.run("keys | count")
        guard case .failed(let message, _, _) = r.outcome else { Issue.record("accepted"); return }
        #expect(message.contains("OPENPORT_TOKEN"))
        #expect(!message.contains("wrong-token-123"))
        #expect(!message.contains("\n"))
        // nodes needs no token, and the shell goes on.
        #expect(await shell.run("nodes | count").out == "3\n")
        await shell.stop()
    }

    @Test("count and first 10 cost one request each")
    func requestCounts() async throws {
        let shell = try await ShellHarness.start()
        shell.emulator.resetRequestCount()
        #expect(await shell.run("clicks | count").out == "5000\n")
        #expect(shell.emulator.requestCount == 1)
        shell.emulator.resetRequestCount()
        #expect(await shell.run("clicks | first 10 | count").out == "10\n")
        #expect(shell.emulator.requestCount == 1)
        await shell.stop()
    }
}
