import Foundation
import OpenportEmulator
import Records
@testable import Shell
import Testing

/// Keys named by digits, fields a write may send, public keys cut at their spaces.
@Suite("Keys named by digits, fields a write may send, public keys cut at their spaces")
struct KeyNameTests: AwkwardDataTests {
    // MARK: 1. names of digits

    @Test("a quoted number is a name, id=N an id; a bare number that is both is shown as both, and refused for writes")
    func digitNames() async throws {
        try await withShell { shell in
        let keys = try await shell.independentRows("keys/")
        let (named, byID) = try digitNamedKey(keys)
        let number = named["name"] as! String
        let namedID = named["id"] as! Int
        let otherID = byID["id"] as! Int

        let quoted = await shell.run("keys \"\(number)\" | select id | jsonl")
        #expect(try jsonl(quoted.out).map { $0["id"] as? Int } == [namedID], "\(quoted)")
        let byIDOnly = await shell.run("keys id=\(number) | select id | jsonl")
        #expect(try jsonl(byIDOnly.out).map { $0["id"] as? Int } == [otherID], "\(byIDOnly)")

        let bare = await shell.run("keys \(number) | select id | jsonl")
        #expect(bare.outcome == .ok)
        #expect(Set(try jsonl(bare.out).compactMap { $0["id"] as? Int }) == [namedID, otherID])
        #expect(bare.err.contains("names two keys"), "\(bare.err)")

        for write in ["keys set \(number) name=x", "keys replace \(number) name=x", "keys rm \(number) --yes"] {
            let refused = await shell.run(write)
            #expect(failure(refused)?.contains("names two keys") == true, "\(write): \(refused)")
        }
        let after = try await shell.independentRows("keys/")
        #expect(after.count == keys.count)
        #expect(after.first { $0["id"] as? Int == otherID }?["name"] as? String == byID["name"] as? String)

        #expect(await shell.run("keys set \"\(number)\" name=renamed-digits").outcome == .ok)
        #expect(try await shell.client.key(id: namedID)["name"] == .string("renamed-digits"))
        #expect(try await shell.client.key(id: otherID)["name"] == .string(byID["name"] as! String))
        }
    }

    @Test("keys set refuses fields the server sets, and fields a key does not have, before anything is sent")
    func readOnlyAndUnknownFields() async throws {
        try await withShell { shell in
        let id = try #require(try await shell.independentRows("keys/").first?["id"] as? Int)
        let before = try await shell.client.key(id: id)["name"]
        shell.emulator.resetRequestCount()
        let refused = await shell.run("keys set \(id) id=5 name=x")
        #expect(failure(refused)?.contains("id is set by the server") == true, "\(refused)")
        // Issue 21 item 3: a misspelt field was sent, the server changed nothing, the line succeeded.
        let misspelt = await shell.run("keys set id=\(id) nmae=laptop")
        #expect(failure(misspelt) == "a key has no field 'nmae'; keys set can change name and public_key; nothing was sent (did you mean 'name'?)",
                "\(misspelt)")
        let unknown = await shell.run("keys set \(id) colour=blue")
        #expect(failure(unknown)?.contains("no field 'colour'") == true, "\(unknown)")
        #expect(shell.emulator.requestCount == 0, "nothing was sent")
        #expect(try await shell.client.key(id: id)["name"] == before)
        }
    }

    @Test("a public key cut at its spaces says to quote it")
    func unquotedPublicKey() async throws {
        try await withShell { shell in
        let r = await shell.run("keys add name=x public_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me")
        #expect(failure(r)?.contains("quotes") == true, "\(r)")
        }
    }
}
