import Foundation
import OpenportAPI
import OpenportEmulator
import Shell
import Testing

@Suite("Session cache and fetching")
struct CacheTests {
    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@opsh"

    /// Requests the emulator answered while `line` ran.
    func requests(_ shell: ShellHarness, _ line: String) async -> (String, Int) {
        let r = await shell.runCountingRequests(line)
        #expect(r.outcome == .ok, "\(line): \(r.outcome)")
        return (r.out, r.requests)
    }

    @Test("a second question costs no request; a window that has passed refetches")
    func freshness() async throws {
        var settings = Settings()
        try settings.set("ttl.nodes", "1h")
        let shell = try await ShellHarness.start(settings: settings)
        let (first, n1) = await requests(shell, "nodes | where status=active | count")
        #expect(n1 == 1)
        let (again, n2) = await requests(shell, "nodes | where status=active | count")
        #expect(again == first)
        #expect(n2 == 0)
        // The rows are older than a window of nothing: the window has passed, no clock waited on.
        await shell.run("set ttl.nodes 0")
        let (_, n3) = await requests(shell, "nodes | where status=active | count")
        #expect(n3 == 1, "a window that has passed is never shown as fresh")
        await shell.stop()
    }

    @Test("refresh forgets, and --no-cache style settings fetch every time")
    func refreshAndNoCache() async throws {
        let shell = try await ShellHarness.start()
        _ = await requests(shell, "keys | where id > 0 | count")
        #expect(await requests(shell, "keys | where id > 0 | count").1 == 0)
        // refresh fetches the keys afresh, now; the next question costs nothing.
        #expect(await requests(shell, "refresh keys").1 > 0)
        #expect(await requests(shell, "keys | where id > 0 | count").1 == 0)
        await shell.run("set cache off")
        #expect(await requests(shell, "keys | where id > 0 | count").1 > 0)
        #expect(await requests(shell, "keys | where id > 0 | count").1 > 0)
        await shell.stop()
    }

    @Test("each kind of key write invalidates keys, and only what it touches")
    func invalidation() async throws {
        let shell = try await ShellHarness.start()
        _ = await requests(shell, "keys | where id > 0 | count")
        _ = await requests(shell, "sessions | where port > 0 | count")

        let add = await shell.run("keys add name=bench-key public_key=\"\(CacheTests.publicKey)\"")
        #expect(add.outcome == .ok, "\(add.err)")
        let (afterAdd, n1) = await requests(shell, "keys | where id > 0 | count")
        #expect(afterAdd == "1045\n")
        #expect(n1 > 0)
        #expect(await requests(shell, "sessions | where port > 0 | count").1 == 0, "a new key changes no session")

        #expect(await shell.run("keys set bench-key name=bench-renamed").outcome == .ok)
        let (renamed, n2) = await requests(shell, "keys | where name = bench-renamed | count")
        #expect(renamed == "1\n")
        #expect(n2 > 0)

        #expect(await shell.run("keys replace bench-renamed name=bench-replaced --yes").outcome == .ok)
        #expect(await requests(shell, "keys | where name = bench-replaced | count").0 == "1\n")

        #expect(await shell.run("keys rm bench-replaced --yes").outcome == .ok)
        let (afterRm, n3) = await requests(shell, "keys | where id > 0 | count")
        #expect(afterRm == "1044\n")
        #expect(n3 > 0)
        #expect(await requests(shell, "sessions | where port > 0 | count").1 > 0, "a deleted key's sessions are refetched")
        await shell.stop()
    }

    @Test("deleting in a script without --yes is refused, and nothing is deleted")
    func batchRefusal() async throws {
        let shell = try await ShellHarness.start()
        let r = await shell.run("keys rm 'Pi London'")
        guard case .failed(let message, _, _) = r.outcome else { Issue.record("deleted without --yes"); return }
        #expect(message.contains("--yes"))
        #expect(await shell.run("keys | count").out == "1044\n")
        await shell.stop()
    }

    @Test("a server page cap below the ask is honoured silently")
    func pageCap() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 90
        let shell = try await ShellHarness.start(options)
        let (out, n) = await requests(shell, "clicks | where port > 0 | count")
        #expect(out == (try await shell.expectedPositivePortCount()))
        // The keys in 12 pages of 90, then the clicks in pages of 90 (a few more than 5,000 / 90:
        // each page after the first asks for the rows in front of its own, to be placed by them).
        #expect(n >= 12 + 56 && n <= 12 + 62, "\(n)")
        await shell.stop()
    }

    @Test("rows added in the middle of a scan: the answer equals a fresh full fetch")
    func rowsAddedMidScan() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        options.latency = .milliseconds(30)
        let shell = try await ShellHarness.start(options)
        await shell.run("set concurrency 2")
        // The clicks are added once the scan is under way (its first pages answered).
        shell.emulator.resetRequestCount()
        let adding = Task {
            while shell.emulator.requestCount < 3 { try await Task.sleep(for: .milliseconds(2)) }
            shell.emulator.addClicks(250)
        }
        let r = await shell.run("clicks | where port > 0 | count")
        try await adding.value
        let fresh = try await shell.independentRows("openforiplinkclicks/")
        #expect(fresh.count == 5_250)
        #expect(r.out == "\(fresh.filter { ($0["port"] as? Int ?? 0) > 0 }.count)\n")
        await shell.stop()
    }

    @Test("stopping early cancels what is in flight and caches nothing partial")
    func earlyStop() async throws {
        var options = EmulatorOptions.small
        options.maxPageSize = 100
        let shell = try await ShellHarness.start(options)
        let (_, n) = await requests(shell, "clicks | where port > 0 | first 3")
        #expect(n < 50, "a where ... | first 3 stops fetching once it has 3 rows")
        let (count, _) = await requests(shell, "clicks | where port > 0 | count")
        #expect(count == "5000\n", "the partial scan did not enter the cache")
        await shell.stop()
    }
}
