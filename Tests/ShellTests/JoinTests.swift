import Foundation
import OpenportEmulator
import Records
@testable import Shell
import Testing

/// Dotted paths: columns made by select, joins that are not unique, one key's view.
@Suite("Dotted paths: columns made by select, joins that are not unique, one key's view")
struct JoinTests: AwkwardDataTests {
    // MARK: 3. dotted columns after select

    @Test("a dotted column made by select is read by later stages; a field that is not there is an error everywhere")
    func dottedColumnsAfterSelect() async throws {
        try await withShell { shell in
        let keys = try await shell.independentRows("keys/")
        let sessions = try await shell.independentRows("sessions/")
        let nameByURL = Dictionary(keys.map { ($0["url"] as! String, $0["name"] as? String) }, uniquingKeysWith: { a, _ in a })
        let names = sessions.map { nameByURL[$0["key"] as! String] ?? nil }
        let expected = names.filter { $0.map { $0.lowercased().hasPrefix("raspberrypi") } ?? false }.count
        #expect(expected > 0)

        let filtered = await shell.run("sessions | select port,key.name | where key.name ~ \"^raspberrypi\" | count")
        #expect(filtered.out == "\(expected)\n", "\(filtered)")
        let grouped = try jsonl(await shell.run("sessions | select port,key.name | group key.name | jsonl").out)
        let pi = grouped.first { $0["key.name"] as? String == "raspberrypi" }
        #expect(pi?["count"] as? Int == names.filter { $0 == "raspberrypi" }.count)
        #expect(grouped.count == Set(names.map { $0 ?? "\u{0}null" }).count)

        let sorted = try jsonl(await shell.run("sessions | select port,key.name | sort key.name | jsonl").out)
        let column = sorted.compactMap { $0["key.name"] as? String }
        #expect(column == column.sorted(by: { Array($0.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }))
        #expect(column.count == names.compactMap { $0 }.count)

        for line in ["clicks | select port | select nope", "clicks | select nope", "clicks | group port | where nope = 1",
                     "clicks | select port | sum nope", "clicks | uniq port | sort nope"] {
            let r = await shell.run(line)
            #expect(failure(r)?.contains("no field 'nope'") == true, "\(line): \(r)")
        }
        }
    }

    // MARK: 4. joins that are not unique

    /// The key and session of each click, computed the way the issue asks: by name, then port.
    struct Truth {
        var keyID: [Int?]
        var server: [String?]
        var ambiguousKeys = 0
    }

    func truth(clicks: [Row], keys: [Row], sessions: [Row]) -> Truth {
        let idByURL = Dictionary(keys.map { ($0["url"] as! String, $0["id"] as! Int) }, uniquingKeysWith: { a, _ in a })
        let nameByID = Dictionary(keys.map { ($0["id"] as! Int, $0["name"] as? String) }, uniquingKeysWith: { a, _ in a })
        var truth = Truth(keyID: [], server: [])
        for c in clicks {
            guard let name = c["key_name"] as? String else {
                truth.keyID.append(nil)
                truth.server.append(nil)
                continue
            }
            let port = c["port"] as? Int
            let named = keys.filter { $0["name"] as? String == name }.map { $0["id"] as! Int }
            let onPort = sessions.filter { $0["port"] as? Int == port }
            if named.count == 1 {
                truth.keyID.append(named[0])
            } else {
                let narrowed = named.filter { id in onPort.contains { idByURL[$0["key"] as! String] == id } }
                truth.keyID.append(narrowed.count == 1 ? narrowed[0] : nil)
                if narrowed.count != 1, !named.isEmpty { truth.ambiguousKeys += 1 }
            }
            let sessionsOfName = onPort.filter { s in idByURL[s["key"] as! String].flatMap { nameByID[$0] ?? nil } == name }
            truth.server.append(sessionsOfName.count == 1 ? sessionsOfName[0]["server"] as? String : nil)
        }
        return truth
    }

    func counts<T: Hashable>(_ values: [T?]) -> [String: Int] {
        var out: [String: Int] = [:]
        for v in values { out[v.map { "\($0)" } ?? "null", default: 0] += 1 }
        return out
    }

    func groups(_ rows: [Row], field: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for r in rows { out[r[field].map { "\($0)" }.flatMap { $0 == "<null>" ? nil : $0 } ?? "null"] = r["count"] as? Int }
        return out
    }

    @Test("clicks join their key by name and port and their session by port and name; the ambiguous rest is null, and said")
    func joinsThatAreNotUnique() async throws {
        try await withShell { shell in
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        let keys = try await shell.independentRows("keys/")
        let sessions = try await shell.independentRows("sessions/")
        let truth = truth(clicks: clicks, keys: keys, sessions: sessions)
        #expect(truth.ambiguousKeys > 0, "the data set needs clicks whose key cannot be told")
        let sharedPorts = Dictionary(grouping: sessions, by: { $0["port"] as! Int }).filter { $0.value.count > 1 }
        #expect(!sharedPorts.isEmpty, "the data set needs ports shared across servers")

        let byKey = await shell.run("clicks | group key.id | jsonl")
        #expect(groups(try jsonl(byKey.out), field: "key.id") == counts(truth.keyID), "\(byKey.err)")
        #expect(byKey.err.contains("key.* is null for \(ProgressReporter.group(truth.ambiguousKeys)) clicks"), "\(byKey.err)")

        let byServer = await shell.run("clicks | group session.server | jsonl")
        #expect(groups(try jsonl(byServer.out), field: "session.server") == counts(truth.server), "\(byServer.err)")

        // A chain: click → session → its key URL → key.
        let chain = await shell.run("clicks | where session.key.name != null | count")
        #expect(chain.out == "\(truth.server.compactMap { $0 }.count)\n", "\(chain)")
        let pairs = try jsonl(await shell.run("clicks | where session.key.name != null | select session.key.name,key_name | jsonl").out)
        #expect(pairs.allSatisfy { $0["session.key.name"] as? String == $0["key_name"] as? String })
        }
    }

    @Test("open PORT shows every session on that port, one per server")
    func openSharedPort() async throws {
        try await withShell { shell in
        let sessions = try await shell.independentRows("sessions/")
        let (port, shared) = try #require(Dictionary(grouping: sessions, by: { $0["port"] as! Int }).first { $0.value.count > 1 })
        let r = await shell.run("open \(port)")
        #expect(r.outcome == .ok)
        for s in shared {
            #expect(r.out.contains(s["open_port_for_ip_link"] as! String), "\(r.out)")
            #expect(r.out.contains(s["redirect_url"] as! String))
        }
        #expect(r.err.contains("\(shared.count) live sessions use port \(port)"))
        }
    }

    @Test("one key's view counts its clicks from the cache only, and says when names are shared")
    func keyViewClickCount() async throws {
        try await withShell { shell in
        let fresh = await shell.runCountingRequests("keys root@HQ")
        #expect(fresh.out.contains("not counted: the click log is not cached ('refresh clicks' fetches it)"), "\(fresh.out)")
        let clickRequests = fresh.requests
        #expect(clickRequests <= 4, "the view must not scan the click log (\(clickRequests) requests)")

        let clicks = try await shell.independentRows("openforiplinkclicks/")
        // A count reads one row; the line the message names reads the log.
        _ = await shell.run("clicks | count")
        #expect(await shell.run("keys root@HQ").out.contains("not counted"))
        #expect(await shell.run("refresh clicks").outcome == .ok)
        let expected = clicks.filter { $0["key_name"] as? String == "root@HQ" }.count
        let view = await shell.run("keys root@HQ")
        let line = view.out.split(separator: "\n").first { $0.hasPrefix("clicks") }.map(String.init) ?? ""
        #expect(line.contains(" \(ProgressReporter.group(expected)), in the click log fetched"), "\(line)")

        let pis = try await shell.independentRows("keys/").filter { $0["name"] as? String == "raspberrypi" }
        let pi = await shell.run("keys \(pis[0]["id"] as! Int)")
        #expect(pi.out.contains("which cannot be told apart") || pi.out.split(separator: "\n").contains { $0.hasPrefix("clicks") },
                "\(pi.out)")
        }
    }
}
