import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OpenportEmulator
import Records
@testable import Shell
import Testing

/// Cached clicks after a key is renamed or deleted, here or elsewhere.
@Suite("Cached clicks after a key is renamed or deleted, here or elsewhere")
struct CachedClicksTests: AwkwardDataTests {
    // MARK: 5. cached clicks after key changes

    /// PATCHes a key behind opsh's back, as another client would.
    func renameElsewhere(_ shell: ShellHarness, id: Int, to name: String) async throws {
        var request = URLRequest(url: URL(string: shell.emulator.baseURL + "keys/\(id)/?token=" + EmulatorAccounts.demoToken)!)
        request.httpMethod = "PATCH"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["name": name])
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }

    func uniqueName(with clicks: [Row], keys: [Row]) throws -> (name: String, id: Int) {
        let counts = Dictionary(grouping: keys.compactMap { $0["name"] as? String }, by: { $0 }).mapValues(\.count)
        let name = try #require(clicks.compactMap { $0["key_name"] as? String }.first { counts[$0] == 1 && !$0.contains("\"") && !$0.contains(" ") })
        return (name, keys.first { $0["name"] as? String == name }!["id"] as! Int)
    }

    @Test("after opsh renames or deletes a key, cached clicks show what the server shows")
    func cachedClicksAfterOwnWrites() async throws {
        try await withShell { shell in
        let keys = try await shell.independentRows("keys/")
        let (name, id) = try uniqueName(with: try await shell.independentRows("openforiplinkclicks/"), keys: keys)
        _ = await shell.run("clicks | where port > 0 | count")

        #expect(await shell.run("keys set \(id) name=relabelled-key").outcome == .ok)
        let server = try await shell.independentRows("openforiplinkclicks/")
        let moved = server.filter { $0["key_name"] as? String == "relabelled-key" }.count
        #expect(moved > 0)
        #expect(await shell.run("clicks | where key_name = relabelled-key | count").out == "\(moved)\n")
        #expect(await shell.run("clicks | where key_name = \(name) | count").out == "0\n")

        #expect(await shell.run("keys rm \(id) --yes").outcome == .ok)
        let nulls = try await shell.independentRows("openforiplinkclicks/").filter { $0["key_name"] is NSNull }.count
        #expect(await shell.run("clicks | where key_name = null | count").out == "\(nulls)\n")
        }
    }

    @Test("a key renamed by another client: refresh clicks fetches them whole, not just the new rows")
    func cachedClicksAfterRenameElsewhere() async throws {
        try await withShell { shell in
        let keys = try await shell.independentRows("keys/")
        let (_, id) = try uniqueName(with: try await shell.independentRows("openforiplinkclicks/"), keys: keys)
        _ = await shell.run("clicks | where port > 0 | count")
        try await renameElsewhere(shell, id: id, to: "renamed-elsewhere")
        #expect(await shell.run("refresh clicks").outcome == .ok)
        let expected = try await shell.independentRows("openforiplinkclicks/").filter { $0["key_name"] as? String == "renamed-elsewhere" }.count
        #expect(expected > 0)
        #expect(await shell.run("clicks | where key_name = renamed-elsewhere | count").out == "\(expected)\n")

        // Keys seen before and after the rename: the keys refresh alone marks the clicks.
        _ = await shell.run("keys | count")
        _ = await shell.run("clicks | where port > 0 | count")
        _ = await shell.run("keys | where id > 0 | count")
        try await renameElsewhere(shell, id: id, to: "renamed-again")
        _ = await shell.run("refresh")
        _ = await shell.run("keys | where id > 0 | count")
        #expect(await shell.run("clicks | where key_name = renamed-again | count").out == "\(expected)\n")
        }
    }
}
