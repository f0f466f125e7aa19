import Foundation
import NIOHTTP1
import OpenportAPI
import OpenportEmulator
import Records
@testable import Shell
import Testing

@Suite("Account management: key writes, joins, raw paths")
struct AccountTests {
    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test@opsh"

    func failure(_ r: (outcome: Outcome, out: String, err: String)) -> String? {
        if case .failed(let m, _, _) = r.outcome { return m }
        return nil
    }

    func id(of name: String, _ shell: ShellHarness) async throws -> Int {
        let keys = try await shell.independentRows("keys/")
        return try #require(keys.first { $0["name"] as? String == name }?["id"] as? Int)
    }

    @Test("add from a file, set, replace, rm: each checked by reading back through the API")
    func writesRoundTrip() async throws {
        let shell = try await ShellHarness.start()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("opsh-test-\(UUID()).pub")
        try (AccountTests.publicKey + "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let add = await shell.run("keys add name=\"laptop é\" public_key=@\(file.path)")
        #expect(add.outcome == .ok, "\(add.err)")
        #expect(add.out.contains("laptop é"))
        let id = try await id(of: "laptop é", shell)
        #expect(try await shell.client.key(id: id)["public_key"] == .string(AccountTests.publicKey))

        #expect(await shell.run("keys set \(id) name=renamed").outcome == .ok)
        #expect(try await shell.client.key(id: id)["name"] == .string("renamed"))

        let replace = await shell.run("keys replace renamed name=replaced --yes")
        #expect(replace.outcome == .ok)
        #expect(replace.out.contains("replaced"), "shows the record as the server returned it")
        let replaced = try await shell.client.key(id: id)
        #expect(replaced["name"] == .string("replaced"))
        #expect(replaced["public_key"] == .string(AccountTests.publicKey), "PUT kept the key it was not given")

        #expect(await shell.run("keys rm replaced --yes").outcome == .ok)
        let gone = await shell.run("keys \(id)")
        #expect(failure(gone) == "no key has id \(id); 'keys | select id,name' lists them")
        await shell.stop()
    }

    @Test("a malformed public key is caught before anything is sent")
    func malformedKey() async throws {
        let shell = try await ShellHarness.start()
        shell.emulator.resetRequestCount()
        for bad in ["ssh-rsa notbase64!", "hello world", "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQ== x"] {
            let r = await shell.run("keys add name=x public_key=\"\(bad)\"")
            let message = try #require(failure(r), "\(bad) was accepted")
            #expect(message.hasSuffix("nothing was sent"), "\(message)")
        }
        #expect(shell.emulator.requestCount == 0)
        await shell.stop()
    }

    @Test("the server's 400 is shown per field")
    func fieldErrors() async throws {
        let shell = try await ShellHarness.start()
        let r = await shell.run("keys add name=\"\" public_key=\"\(AccountTests.publicKey)\"")
        let message = try #require(failure(r))
        #expect(message.contains("(400)"))
        #expect(message.contains("name: This field may not be blank."))
        await shell.stop()
    }

    @Test("a name several keys share is refused, with their ids; an unknown name suggests one")
    func ambiguousAndUnknownNames() async throws {
        let shell = try await ShellHarness.start()
        let shared = try await shell.independentRows("keys/").filter { $0["name"] as? String == "shared-box" }
        #expect(shared.count == 2)
        let r = await shell.run("keys shared-box")
        let message = try #require(failure(r))
        for k in shared { #expect(message.contains("\(k["id"] as! Int)")) }
        #expect(message.contains("2 keys are named 'shared-box'"))
        let typo = await shell.run("keys \"Pi Londn\"")
        #expect(failure(typo)?.contains("did you mean 'Pi London'?") == true)
        await shell.stop()
    }

    @Test("one key in a vertical view, with its live sessions and click count")
    func oneKey() async throws {
        let shell = try await ShellHarness.start()
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        let expected = clicks.filter { $0["key_name"] as? String == "root@HQ" }.count
        // Clicks are counted in the cached click log: load it first.
        _ = await shell.run("clicks | where port > 0 | count")
        let r = await shell.run("keys root@HQ")
        #expect(r.outcome == .ok)
        #expect(r.out.contains("6260 → 22 on openport.io"))
        let clickLine = r.out.split(separator: "\n").first { $0.hasPrefix("clicks") }
        #expect(clickLine?.contains(" \(ProgressReporter.group(expected)), in the click log fetched") == true, "\(String(describing: clickLine))")
        await shell.stop()
    }

    @Test("joins through the cache agree with counts computed from the API's JSON")
    func joins() async throws {
        let shell = try await ShellHarness.start()
        let keys = try await shell.independentRows("keys/")
        let sessions = try await shell.independentRows("sessions/")
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        let nameByURL = Dictionary(keys.map { ($0["url"] as! String, $0["name"] as? String) }, uniquingKeysWith: { a, _ in a })
        let idByName = Dictionary(keys.compactMap { k in (k["name"] as? String).map { ($0, k["id"] as! Int) } }, uniquingKeysWith: { a, _ in a })

        let piSessions = sessions.filter { (nameByURL[$0["key"] as! String] ?? nil)?.lowercased().contains("pi") == true }.count
        #expect(await shell.run("sessions | where key.name ~ pi | count").out == "\(piSessions)\n")

        let rootId = try #require(idByName["root@HQ"])
        let rootClicks = clicks.filter { ($0["key_name"] as? String).flatMap { idByName[$0] } == rootId }.count
        #expect(await shell.run("clicks | where key.id = \(rootId) | count").out == "\(rootClicks)\n")

        // A click's session: the one live session on its port whose key has its key_name.
        let sshClicks = clicks.filter { c in
            let mine = sessions.filter { $0["port"] as? Int == c["port"] as? Int && nameByURL[$0["key"] as! String] ?? nil == c["key_name"] as? String && c["key_name"] is String }
            return mine.count == 1 && mine[0]["local_port"] as? Int == 22
        }.count
        #expect(await shell.run("clicks | where session.local_port = 22 | count").out == "\(sshClicks)\n")

        let select = await shell.run("sessions | where port = 6260 | select port,local_port,key.name | csv")
        #expect(select.out == "port,local_port,key.name\r\n6260,22,root@HQ\r\n")
        await shell.stop()
    }

    @Test("get PATH prints JSON, and a list path feeds the stages; open shows a session's links")
    func getAndOpen() async throws {
        let shell = try await ShellHarness.start()
        let id = try await id(of: "Pi London", shell)
        let one = await shell.run("get keys/\(id)/")
        #expect(one.outcome == .ok)
        let parsed = try JSONSerialization.jsonObject(with: Data(one.out.utf8)) as? [String: Any]
        #expect(parsed?["name"] as? String == "Pi London")
        #expect(await shell.run("get sessions/ | count").out == "300\n")
        #expect(await shell.run("get /api/v2/nodes/ | where name = us | select public_dns_name | csv").out == "public_dns_name\r\nus.openport.io\r\n")
        let open = await shell.run("open 6260")
        #expect(open.out.contains("https://openport.io/l/6260/"))
        let notOpen = await shell.run("open 1")
        #expect(failure(notOpen)?.hasPrefix("no live session on port 1") == true)
        await shell.stop()
    }

    @Test("405 and 404 from the API say what was not allowed or found")
    func notAllowed() async throws {
        let shell = try await ShellHarness.start()
        let error = await { () async -> APIError? in
            do throws(APIError) { _ = try await shell.client.send(.POST, url: shell.client.url("sessions/")); return nil } catch { return error }
        }()
        #expect(error?.kind == .methodNotAllowed)
        #expect(error?.message.contains("does not allow POST sessions/ (405)") == true)
        #expect(error?.message.contains("GET") == true, "names the allowed methods")
        let missing = await shell.run("get keys/1/")
        #expect(failure(missing) == "not found (404): GET keys/1/")
        await shell.stop()
    }
}

@Suite("Joins that tolerate another server's spelling")
struct JoinToleranceTests {
    @Test("a session's key URL on another host or scheme still finds the key by its id")
    func keyByTrailingID() {
        #expect(Joins.trailingID("https://api.openport.io/api/v2/keys/15371/") == 15371)
        #expect(Joins.trailingID("http://127.0.0.1:8000/api/v2/keys/349") == 349)
        #expect(Joins.trailingID("https://api.openport.io/api/v2/keys/") == nil)
    }

    @Test("sessions whose key URLs name another host join to the right keys")
    func joinAcrossHosts() async throws {
        let shell = try await ShellHarness.start()
        _ = await shell.run("sessions | where port > 0 | count")
        let sessions = try #require(shell.interpreter.cache.any(.sessions)).records.map { s -> Record in
            guard case .string(let url) = s["key"], let id = Joins.trailingID(url) else { return s }
            return s.setting("key", to: .string("https://api.openport.io/api/v2/keys/\(id)/"))
        }
        shell.interpreter.cache.store(.sessions, records: PackedRows(sessions), seconds: 0, requests: 0)
        let r = await shell.run("sessions | where port = 6260 | select key.name | csv")
        #expect(r.out == "key.name\r\nroot@HQ\r\n")
        await shell.stop()
    }
}
