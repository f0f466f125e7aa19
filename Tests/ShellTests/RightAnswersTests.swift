#if canImport(Glibc)
import Glibc
#endif
import Foundation
import OpenportAPI
@testable import OpenportEmulator
import Query
import Records
@testable import Shell
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Data shaped as real accounts are (names of digits, shared names, ports shared across
/// servers, keys renamed after their clicks, IPv4 beside IPv6): each answer is checked against
/// ground truth computed here from the API's JSON, independently of opsh.
@Suite("Right answers on awkward data")
struct RightAnswersTests {
    typealias Row = [String: Any]

    func withShell(_ options: EmulatorOptions = .small, _ body: (ShellHarness) async throws -> Void) async throws {
        try await ShellHarness.with(options, body)
    }

    func failure(_ r: (outcome: Outcome, out: String, err: String)) -> String? {
        if case .failed(let m, _, _) = r.outcome { return m }
        return nil
    }

    /// The lines of a `jsonl` answer, decoded.
    func jsonl(_ text: String) throws -> [Row] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! Row }
    }

    /// A key whose name is all digits and is another key's id.
    func digitNamedKey(_ keys: [Row]) throws -> (named: Row, byID: Row) {
        let ids = Dictionary(keys.map { ($0["id"] as! Int, $0) }, uniquingKeysWith: { a, _ in a })
        let named = try #require(keys.first { k in
            guard let n = k["name"] as? String, let id = Int(n), let other = ids[id] else { return false }
            return other["id"] as? Int != k["id"] as? Int
        }, "the data set needs a key named with another key's id")
        return (named, ids[Int(named["name"] as! String)!]!)
    }

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

    // MARK: 8, 9. inputs that crashed

    @Test("deep nesting and huge counts are refused or handled, never a crash")
    func crashInputs() async throws {
        try await withShell { shell in
        let parens = "clicks | where " + String(repeating: "(", count: 10_000) + "port=1" + String(repeating: ")", count: 10_000)
        #expect(failure(await shell.run(parens))?.contains("nests deeper than") == true)
        let nots = "clicks | where " + String(repeating: "not ", count: 50_000) + "port=1"
        #expect(failure(await shell.run(nots))?.contains("nests deeper than") == true)
        let chain = "clicks | where " + Array(repeating: "port=1", count: 20_000).joined(separator: " and ")
        #expect(failure(await shell.run(chain))?.contains("comparisons") == true)
        let fine = "nodes | where " + String(repeating: "(", count: 60) + "name=us" + String(repeating: ")", count: 60) + " | count"
        #expect(await shell.run(fine).out == "1\n")

        for n in ["4611686018427387904", "9223372036854775807"] {
            #expect(await shell.run("nodes | last \(n) | count").out == "3\n")
            #expect(await shell.run("nodes | first \(n) | count").out == "3\n")
            #expect(await shell.run("nodes | sort name | first \(n) | count").out == "3\n")
            #expect(await shell.run("nodes | group name | first \(n) | count").out == "3\n")
            #expect(await shell.run("keys | first \(n) | count").out == "1044\n")
            #expect(await shell.run("history \(n)").outcome == .ok)
        }
        #expect(failure(await shell.run("set timeout 9999999999999999h")) != nil)
        #expect(failure(await shell.run("set timeout 99999999999999999999")) != nil)
        }
    }

    // MARK: 10-12. completion

    /// Names a terminal or a line reader would act on.
    static let hostileNames = [
        "tab\there", "two\nlines", "cr\rhere", "\u{1b}[31mred\u{1b}[0m", "\u{1b}]0;title\u{07}", "bell\u{07}",
        "bidi \u{202E}gpj.exe", "isolate \u{2066}x\u{2069}", "quote\"d", "back\\slash", "\\u{41}", "\\e", "del\u{7F}",
        "c1 \u{85} control", "123", "pipe|eq=", "emoji 🚀", "東京",
        // Found by the fuzzer: marks that would join the quote or an escape around them.
        "\u{310}starts combining", "nul\u{0}\u{310}then mark", "tab\t\u{301}", "prepend \u{600}\nend", "\u{600}", "x\u{200D}",
        "👩\u{200D}💻 zwj", "🇧🇪 flag",
    ]

    @Test("what completion inserts, the parser reads back as the same name", arguments: hostileNames)
    func insertedTextReadsBack(_ name: String) throws {
        let inserted = CompletionEngine.quoteIfNeeded(name, forceQuote: false)
        let pipeline = try Pipeline(parsing: "keys " + inserted)
        #expect(pipeline.command.arguments.map(\.text) == [name], "\(inserted)")
        let condition = try Pipeline(parsing: "clicks | where key_name = " + CompletionEngine.quoteIfNeeded(name, forceQuote: true))
        #expect(condition.description.contains(Quoting.doubleQuoted(name)))
        #expect(!inserted.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x202A...0x202E).contains($0.value) })
    }

    @Test("TAB on every awkward key name of the data set inserts text that names that key")
    func completedNamesResolve() async throws {
        try await withShell { shell in
        let keys = try await shell.independentRows("keys/")
        _ = await shell.run("keys | where id > 0 | count")
        let names = DataSet.controlNames + [DataSet.ansiName, "the \"big\" server", "C:\\backup", DataSet.digitsName]
        for name in names {
            let id = try #require(keys.first { $0["name"] as? String == name }?["id"] as? Int, "\(name)")
            let typed = "keys " + String(name.prefix(2))
            let completion = shell.interpreter.completer(typed, typed.count)
            let candidate = try #require(completion.candidates.first { $0.insert.hasPrefix("\"") && (try? Pipeline(parsing: "keys " + $0.insert))?.command.arguments.first?.text == name },
                                         "no candidate for \(String(reflecting: name)): \(completion.candidates.map(\.insert))")
            let shown = await shell.run("keys " + candidate.insert + " | select id | jsonl")
            #expect(try jsonl(shown.out).map { $0["id"] as? Int } == [id], "\(String(reflecting: name)): \(shown)")
        }
        }
    }

    @Test("value completion filters every value by the typed prefix before cutting")
    func valueCompletionFiltersFirst() async throws {
        var options = EmulatorOptions()
        options.clicks = 30_000
        try await withShell(options) { shell in
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        _ = await shell.run("clicks | where port > 0 | count")
        let ports = Set(clicks.compactMap { $0["port"] as? Int }.map(String.init))
        let prefix = try #require(["1", "2", "3", "4", "5"].max { a, b in ports.filter { $0.hasPrefix(a) }.count < ports.filter { $0.hasPrefix(b) }.count })
        let line = "clicks | where port=\(prefix)"
        // The index is built in the background after the fetch: ask until it is there.
        var offered: Set<String> = []
        for _ in 0..<100 {
            offered = Set(shell.interpreter.completer(line, line.count).candidates.map(\.insert))
            if !offered.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(offered == ports.filter { $0.hasPrefix(prefix) })

        let names = Set(clicks.compactMap { $0["key_name"] as? String }.filter { $0.hasPrefix("raspb") })
        #expect(names.contains("raspberrypi") && names.count > 1)
        let nameLine = "clicks | where key_name=raspb"
        let named = shell.interpreter.completer(nameLine, nameLine.count).candidates.map(\.insert)
        #expect(Set(named) == names)
        }
    }

    @Test("the completion cache is one file per API and account, named without the token")
    func completionCachePerAccount() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("opsh-acct-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["XDG_CACHE_HOME": dir]
        let api = "https://api.openport.io/api/v2/"
        let a = try #require(CompletionCache.path(environment: env, apiURL: api, token: "token-of-account-a", demo: false))
        let b = try #require(CompletionCache.path(environment: env, apiURL: api, token: "token-of-account-b", demo: false))
        let other = try #require(CompletionCache.path(environment: env, apiURL: "http://127.0.0.1:8000/api/v2/", token: "token-of-account-a", demo: false))
        #expect(a != b && a != other && b != other)
        #expect(a == CompletionCache.path(environment: env, apiURL: "https://API.openport.io/api/v2", token: "token-of-account-a", demo: false))
        #expect(!a.contains("token-of-account-a"))
        let salt = try FileManager.default.attributesOfItem(atPath: dir + "/opsh/salt")
        #expect((salt[.posixPermissions] as? Int) == 0o600)
        #expect(SHA256.hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    // MARK: smaller

    @Test("get PATH asks for page-size rows a page")
    func getUsesPageSize() async throws {
        try await withShell { shell in
        let total = try await shell.independentRows("openforiplinkclicks/").count
        let r = await shell.runCountingRequests("get openforiplinkclicks/ | count")
        #expect(r.out == "\(total)\n")
        // Pages of 1,000; each after the first also asks for the 3 rows in front of its own (to be
        // placed by them), and the last one row past the end: 996 new rows a page after the first.
        #expect(r.requests == 1 + (total - 1000 + 995) / 996, "\(r.requests) requests")
        }
    }

    @Test("keys set refuses fields the server sets, and says which ones it ignored")
    func readOnlyAndIgnoredFields() async throws {
        try await withShell { shell in
        let id = try #require(try await shell.independentRows("keys/").first?["id"] as? Int)
        shell.emulator.resetRequestCount()
        let refused = await shell.run("keys set \(id) id=5 name=x")
        #expect(failure(refused)?.contains("id is set by the server") == true, "\(refused)")
        #expect(try await shell.client.key(id: id)["name"] != .string("x"))
        let unknown = await shell.run("keys set \(id) colour=blue")
        #expect(unknown.err.contains("the server ignored colour"), "\(unknown)")
        }
    }

    @Test("a public key cut at its spaces says to quote it")
    func unquotedPublicKey() async throws {
        try await withShell { shell in
        let r = await shell.run("keys add name=x public_key=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me")
        #expect(failure(r)?.contains("quotes") == true, "\(r)")
        }
    }

    @Test("history N shows the last N lines; exit N ends with N")
    func historyAndExit() async throws {
        try await withShell { shell in
        _ = await shell.run("nodes | count")
        _ = await shell.run("keys | count")
        let h = await shell.run("history 2")
        #expect(h.out.split(separator: "\n").count == 2)
        #expect(h.out.contains("keys | count") && h.out.contains("history 2") && !h.out.contains("nodes"))
        #expect(await shell.run("exit 3").outcome == .exit(3))
        #expect(await shell.run("exit").outcome == .exit())
        #expect(failure(await shell.run("exit 300")) != nil)
        }
    }

    @Test("short tokens are blanked in token= only, so prose stays readable; long ones everywhere")
    func redaction() {
        #expect(Redactor(token: "a").redact("Invalid token. a=1") == "Invalid token. a=1")
        #expect(Redactor(token: "token").redact("Invalid token.") == "Invalid token.")
        #expect(Redactor(token: "x").redact("GET keys/?token=x&limit=1") == "GET keys/?token=***&limit=1")
        let long = "s3cr3tT0kenValue"
        #expect(Redactor(token: long).redact("bad \(long). and ?token=\(long)") == "bad ***. and ?token=***")
    }

    @Test("a pager that fails gives the text back to print directly")
    func brokenPager() {
        // The text a pager was sent, when it failed (nil: it ran).
        func unseen(_ pager: String, _ text: String) -> String? {
            let process = PagerProcess(Pager(environment: ["PAGER": pager]))
            guard process.start() else { return text }
            _ = process.write(text)
            return process.finish()
        }
        #expect(unseen("opsh-no-such-pager-\(UUID())", "some\ntext\n") == "some\ntext\n")
        #expect(unseen("false", "text\n") == "text\n")
        #expect(unseen("cat > /dev/null", "text\n") == nil)
    }

    @Test("help where says how an instant without an offset is read")
    func instantWithoutOffsetDocumented() async throws {
        try await withShell { shell in
        #expect(await shell.run("help where").out.contains("without an offset is UTC"))
        }
    }
}
