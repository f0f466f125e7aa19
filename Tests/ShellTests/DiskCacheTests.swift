import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Shell
import Testing

/// One opsh "process" over a disk store: its own session cache and store, the emulator of a
/// ``ShellHarness``. Each line ends as a process does, with the disk written.
struct DiskSession {
    let interpreter: Interpreter
    let output = CapturedOutput()
    let client: OpenportClient

    init(_ shell: ShellHarness, directory: String, token: String = EmulatorAccounts.demoToken, settings: Settings = Settings()) throws {
        var config = APIConfig(baseURL: shell.emulator.baseURL, token: token)
        config.maxAttempts = 1
        client = try OpenportClient(config: config)
        let output = self.output
        let disk = DiskStore(cacheDirectory: directory, apiURL: shell.emulator.baseURL, token: token) { output.message("opsh: warning: \($0)\n") }
        interpreter = Interpreter(client: client, settings: settings, output: output, cache: SessionCache(disk: disk))
    }

    /// Runs a line; returns how it ended, stdout, stderr and the emulator's requests meanwhile.
    func run(_ shell: ShellHarness, _ line: String) async -> (outcome: Outcome, out: String, err: String, requests: Int) {
        output.reset()
        shell.emulator.resetRequestCount()
        let outcome = await interpreter.run(line)
        interpreter.cache.flush()
        return (outcome, output.stdout, output.stderr, shell.emulator.requestCount)
    }

    func end() async { await client.shutdown() }
}

/// A fresh `$XDG_CACHE_HOME/opsh`, removed by the caller.
func temporaryCacheDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/opsh-disk-XXXXXX").utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    return String(cString: made) + "/opsh"
}

/// Every regular file under `directory`, recursively.
func filesUnder(_ directory: String) -> [String] {
    let items = (try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []
    return items.map { directory + "/" + $0 }.filter {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && !isDir.boolValue
    }
}

func mode(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil) ?? -1
}

@Suite("The disk cache: rows that outlive the process")
struct DiskCacheTests {
    static let query = "clicks | where port > 0 | count"

    /// Settings under which clicks on disk are stale at once: the refresh's proof is tested.
    static var staleClicks: Settings {
        var s = Settings()
        s.freshness[.clicks] = .zero
        return s
    }

    /// The id of a key whose name no other key has, with clicks (a plain word, for `where`).
    static func keyWithClicks(_ shell: ShellHarness) async throws -> Int {
        let keys = try await shell.independentRows("keys/")
        let clicked = Set(try await shell.independentRows("openforiplinkclicks/").compactMap { $0["key_name"] as? String })
        var perName: [String: Int] = [:]
        for k in keys { if let n = k["name"] as? String { perName[n, default: 0] += 1 } }
        let key = try #require(keys.first { k in
            guard let n = k["name"] as? String else { return false }
            return perName[n] == 1 && clicked.contains(n) && n.allSatisfy { $0.isLetter || $0.isNumber }
        })
        return try #require(key["id"] as? Int)
    }

    /// What `clicks | where key_name = NAME | count` should print, from the API's JSON.
    static func clicks(_ shell: ShellHarness, named name: String) async throws -> String {
        "\(try await shell.independentRows("openforiplinkclicks/").filter { $0["key_name"] as? String == name }.count)\n"
    }

    @Test("a new process answers from disk plus two small checks, and from disk alone while the rows are fresh")
    func newProcessFromDisk() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let expected = try await shell.expectedPositivePortCount()

        let first = try DiskSession(shell, directory: dir)
        let cold = await first.run(shell, Self.query)
        #expect(cold.out == expected)
        // The keys' two pages (the names the clicks are read under), then the clicks: 5,000 in
        // pages of 1,000, each after the first asking for a few rows in front to be placed by.
        #expect(cold.requests == 2 + 6, "\(cold.requests)")
        // The keys too, as the refresh of a later process needs them.
        #expect(await first.run(shell, "keys | where id > 0 | count").outcome == .ok)
        await first.end()

        let fresh = try DiskSession(shell, directory: dir)
        let warm = await fresh.run(shell, Self.query)
        #expect(warm.out == expected)
        #expect(warm.requests == 0, "rows fetched moments ago are fresh, in any process")
        await fresh.end()

        let later = try DiskSession(shell, directory: dir, settings: Self.staleClicks)
        let checked = await later.run(shell, Self.query)
        #expect(checked.out == expected)
        #expect(checked.requests == 3 + 2, "both ends and a page from the middle, and the keys' two pages: nothing new")
        await later.end()

        shell.emulator.addClicks(300)
        let grown = try DiskSession(shell, directory: dir, settings: Self.staleClicks)
        let more = await grown.run(shell, Self.query)
        #expect(more.out == (try await shell.expectedPositivePortCount()))
        #expect(more.requests == 3 + 2, "the 300 new rows come with the end where they appear; the keys too")
        let held = try #require(grown.interpreter.cache.any(.clicks))
        #expect(held.records.count == 5_300)
        await grown.end()
        await shell.stop()
    }

    /// The `clicks.rows` that opsh wrote with format 1 (before rows were packed as columns),
    /// for the other account's 50 clicks: base64 of the file as it was.
    static let formatOneStore = """
        T1BTSFJPV1MBAAAAEDJjMmY4ODgxM2FhZDgxYjUGY2xpY2tzpOimnK2xse1B4v/0hpTwnbk/AbfclajnvYD6bjIBAwlQaSBMb25k
        b24IYnVpbGQtMDEGbGFwdG9wDgQAAAAAAAAyAAOA+QQFAAaEmdL7rOXcBXgGBQEAA4D5BAUCBtCauLu+v90FeAYFAQAD2O4CBQAG
        2M7G3qn63QV4BgUDAAPY7gIFAgbqv+uH24ffBXgGBQMAA4D5BAUEBrqZyfTMk+AF8AEGBQEAA7isAQUFBuT34o2Y7uAF8AEGBQMA
        A4rhBwUGBvr+7vKNpuEF8AEGBQcAA4rhBwUCBpCwzI6p++EF8AEGBQcAA9juAgUIBsaf0O+QgOMF8AEGBQMAA4D5BAUCBtTx0KLh
        wOMF8AEGBQEAA4D5BAUCBsqnjJPflOQF8AEGBQEAA9juAgUJBtTd2PSqlOUF8AEGBQMAA4rhBwUKBtirsaGL6OUF8AEGBQcAA7is
        AQULBvi1ofO0m+YF8AEGBQMAA4D5BAUEBsy44YCY+eYF8AEGBQEAA9juAgULBurN0cKF+OcFeAYFAwAD2O4CBQUG6uK3ibKg6AV4
        BgUDAAOK4QcFDAbAxOKOo57pBXgGBQcAA4rhBwULBtSq3dTXx+kFeAYFBwAD2O4CBQIGrMiZksTp6QV4BgUDAAPY7gIFAgbwzZPI
        sMbqBXgGBQMAA4rhBwUABu7+larSlesFeAYFBwAD2O4CBQYGwv66i4L66wV4BgUDAAPY7gIFAgb8nO/ywarsBXgGBQMAA4rhBwUN
        BuCilrKeiO0FeAYFBwADuKwBBQgGruv7t6KQ7QV4BgUDAAOA+QQFCgaopMeJrojuBfABBgUBAAO4rAEFCwa45PGb8s3uBfABBgUD
        AAOK4QcFAgbG86zNtYzvBfABBgUHAAO4rAEFCAbysKvt35XvBfABBgUDAAPY7gIFBQbS0Pigk+XvBfABBgUDAAOA+QQFCAaMqMXs
        7NPwBfABBgUBAAOK4QcFCQak+ojO0+7wBfABBgUHAAPY7gIFAgbKxvXU15vxBfABBgUDAAPY7gIFAgbqg9/bi+HxBfABBgUDAAOK
        4QcFDAamv56c97jyBfABBgUHAAOA+QQFAgbqjNzevN7yBfABBgUBAAOA+QQFAgauycWLn6/zBfABBgUBAAPY7gIFCwbmh8fJ6eLz
        BfABBgUDAAPY7gIFCwamhs28uo70BfABBgUDAAOA+QQFCgas4vz4huT0BfABBgUBAAPY7gIFCQaO5Nad+oj1BfABBgUDAAPY7gIF
        CAawwvyU1L/1BfABBgUDAAPY7gIFAgau3f/Zxf/1BfABBgUDAAOK4QcFDgbayYPBjZ72BXgGBQcAA7isAQUCBvaQwbya7PYFeAYF
        AwADiuEHBQkGsvibgMWr9wV4BgUHAAOA+QQFCgbWw6bY3rD3BXgGBQEAA4D5BAULBuChucjOlPgFeAYFAQADiuEHBQkG7OGz/KWu
        +AV4BgUHEwwxODUuOC4yMC4xNDAJUGkgTG9uZG9uDjE5NS4zOS4xNDguMjI4BmxhcHRvcAw1LjExMi4xOTYuODANNjIuMTM3LjQx
        LjE4NCcyYTAyOjE4MTA6NmRhZTo3MmM2OmMxZTE6ZmQ5ZTpmNjM0OmNlZGQIYnVpbGQtMDEMMzcuMi4yNDYuMjM0DTIxMi4xMDAu
        ODQuNzQLODQuMjAyLjQuMjUNMTc4LjY1LjIxLjIzOA4xNDUuNTIuMTYxLjE1MA4xMDkuMTgzLjk4LjE0MA4yMTMuMjIzLjIyMS41
        NgRwb3J0CXNvdXJjZV9pcAl0aW1lc3RhbXAIa2V5X25hbWUBBA8QERJsnc0fLiHYJw==
        """.filter { !$0.isWhitespace }

    @Test("a damaged store gives one warning and the right answer, and is rebuilt",
          arguments: ["random bytes", "truncated", "newer version", "format 1", "empty", "another account"])
    func damagedStore(damage: String) async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let expected = try await shell.expectedPositivePortCount()
        let first = try DiskSession(shell, directory: dir)
        #expect(await first.run(shell, Self.query).out == expected)
        await first.end()

        let store = try #require(first.interpreter.cache.disk)
        let file = store.directory + "/clicks.rows"
        var bytes = try #require(FileManager.default.contents(atPath: file))
        switch damage {
        case "random bytes":
            var rng = SystemRandomNumberGenerator()
            for i in stride(from: 100, to: bytes.count, by: 997) { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        case "truncated":
            bytes = bytes.prefix(bytes.count / 2)
        case "newer version":
            bytes[8] = UInt8(DiskStore.formatVersion + 1)
        case "format 1":
            // A store an opsh of format 1 wrote (rows one after another), kept as it was.
            bytes = try #require(Data(base64Encoded: Self.formatOneStore))
        case "empty":
            bytes = Data()
        default:
            // The store of the other account, put where this one's is.
            let other = try DiskSession(shell, directory: dir, token: EmulatorAccounts.otherToken)
            #expect(await other.run(shell, Self.query).outcome == .ok)
            await other.end()
            let otherStore = try #require(other.interpreter.cache.disk)
            bytes = try #require(FileManager.default.contents(atPath: otherStore.directory + "/clicks.rows"))
        }
        try bytes.write(to: URL(fileURLWithPath: file))

        let second = try DiskSession(shell, directory: dir)
        let r = await second.run(shell, Self.query)
        #expect(r.outcome == .ok)
        #expect(r.out == expected)
        let warnings = r.err.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings.count == 1, "\(r.err)")
        #expect(r.err.contains("disk cache of clicks is unusable"))
        if damage == "format 1" { #expect(r.err.contains("it has an old format (1)"), "\(r.err)") }
        if damage == "newer version" { #expect(r.err.contains("written by a newer opsh"), "\(r.err)") }
        #expect(FileManager.default.fileExists(atPath: file + ".damaged"))
        await second.end()

        // Rebuilt: the next process reads it without a word.
        let third = try DiskSession(shell, directory: dir)
        let again = await third.run(shell, Self.query)
        #expect(again.out == expected)
        #expect(again.err.isEmpty, "\(again.err)")
        #expect(again.requests == 0)
        await third.end()
        await shell.stop()
    }

    @Test("two tokens on one API never see each other's rows")
    func twoTokens() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        func expected(_ token: String) async throws -> String {
            "\(try await shell.independentRows("openforiplinkclicks/", token: token).filter { ($0["port"] as? Int ?? 0) > 0 }.count)\n"
        }
        let demo = try await expected(EmulatorAccounts.demoToken)
        let other = try await expected(EmulatorAccounts.otherToken)
        #expect(demo != other, "the two accounts must differ for this test to mean anything")

        for token in [EmulatorAccounts.demoToken, EmulatorAccounts.otherToken] {
            let s = try DiskSession(shell, directory: dir, token: token)
            #expect(await s.run(shell, Self.query).outcome == .ok)
            await s.end()
        }
        // Each token, in a new process, answers from its own store (no request) with its own rows.
        for (token, answer) in [(EmulatorAccounts.demoToken, demo), (EmulatorAccounts.otherToken, other)] {
            let s = try DiskSession(shell, directory: dir, token: token)
            let r = await s.run(shell, Self.query)
            #expect(r.out == answer)
            #expect(r.requests == 0)
            await s.end()
        }
        // A token the API refuses gets the API's refusal, not a store's rows.
        let stranger = try DiskSession(shell, directory: dir, token: "not-a-token")
        let refused = await stranger.run(shell, Self.query)
        guard case .failed = refused.outcome else {
            Issue.record("an unknown token was answered: \(refused.out)")
            return
        }
        await stranger.end()
        let stores = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("store-") }
        #expect(stores.count == 2)
        await shell.stop()
    }

    @Test("files are 0600 in a 0700 directory, and no file holds the token")
    func modesAndNoToken() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let id = try #require(try await shell.independentRows("keys/").first?["id"] as? Int)
        let s = try DiskSession(shell, directory: dir, settings: Self.staleClicks)
        for line in [Self.query, "keys | where id > 0 | count", "sessions | where port > 0 | count", "nodes | where status = active | count", Self.query, "keys set \(id) name=renamed-for-the-mark"] {
            let r = await s.run(shell, line)
            #expect(r.outcome == .ok, "\(line): \(r.err)")
        }
        await s.end()
        let files = filesUnder(dir)
        let store = try #require(s.interpreter.cache.disk).directory
        #expect(files.contains(store + "/clicks.rows"))
        #expect(files.contains(store + "/sessions.rows"))
        #expect(files.contains(store + "/clicks.fetched"), "the refresh that found nothing new")
        #expect(files.contains(store + "/clicks.rescan"), "the rename")
        #expect(mode(dir) == 0o700)
        #expect(mode(store) == 0o700)
        let token = Data(EmulatorAccounts.demoToken.utf8)
        for f in files {
            #expect(mode(f) == 0o600, "\(f)")
            let bytes = try #require(FileManager.default.contents(atPath: f))
            #expect(bytes.range(of: token) == nil, "the token is in \(f)")
        }
        await shell.stop()
    }

    @Test("a key renamed by one process makes every other process scan the clicks afresh")
    func writeInvalidatesAcrossProcesses() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let id = try await Self.keyWithClicks(shell)
        let renamed = "renamed-on-disk"

        let running = try DiskSession(shell, directory: dir, settings: Self.staleClicks)
        #expect(await running.run(shell, "keys | where id > 0 | count").outcome == .ok)
        #expect(await running.run(shell, Self.query).outcome == .ok)
        #expect(await running.run(shell, "clicks | where key_name = \(renamed) | count").out == "0\n")

        let writer = try DiskSession(shell, directory: dir)
        let w = await writer.run(shell, "keys set \(id) name=\(renamed)")
        #expect(w.outcome == .ok, "\(w.err)")
        await writer.end()
        let relabelled = try await Self.clicks(shell, named: renamed)
        #expect(relabelled != "0\n")

        // The process that was running all along: a full scan, the new names.
        let r = await running.run(shell, "clicks | where key_name = \(renamed) | count")
        #expect(r.out == relabelled)
        #expect(r.requests >= 6, "a full scan (6 pages of clicks, and the keys if they changed), not the refresh of new rows: \(r.requests)")
        await running.end()

        // A process started later: the same.
        let later = try DiskSession(shell, directory: dir, settings: Self.staleClicks)
        #expect(await later.run(shell, "clicks | where key_name = \(renamed) | count").out == relabelled)
        await later.end()
        await shell.stop()
    }

    @Test("a key renamed in one process: a process started afterwards scans afresh")
    func writeMarksStoreForNewProcesses() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let id = try await Self.keyWithClicks(shell)
        let first = try DiskSession(shell, directory: dir)
        #expect(await first.run(shell, "keys | where id > 0 | count").outcome == .ok)
        #expect(await first.run(shell, Self.query).outcome == .ok)
        #expect(await first.run(shell, "keys set \(id) name=renamed-here").outcome == .ok)
        await first.end()
        let expected = try await Self.clicks(shell, named: "renamed-here")

        let next = try DiskSession(shell, directory: dir, settings: Self.staleClicks)
        let r = await next.run(shell, "clicks | where key_name = renamed-here | count")
        #expect(r.out == expected)
        #expect(r.requests >= 6, "a full scan (6 pages of clicks, and the keys if they changed), not the refresh of new rows: \(r.requests)")
        await next.end()
        await shell.stop()
    }

    @Test("a key added by one process: another one, running, fetches the keys again")
    func keyWriteReachesARunningProcess() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let running = try DiskSession(shell, directory: dir)
        #expect(await running.run(shell, "keys | where id > 0 | count").out == "1044\n")
        #expect(await running.run(shell, "keys | where id > 0 | count").requests == 0, "fresh: from memory")

        let writer = try DiskSession(shell, directory: dir)
        let add = await writer.run(shell, "keys add name=from-another-process public_key=\"\(CacheTests.publicKey)\"")
        #expect(add.outcome == .ok, "\(add.err)")
        await writer.end()

        let after = await running.run(shell, "keys | where id > 0 | count")
        #expect(after.out == "1045\n")
        #expect(after.requests > 0)
        await running.end()
        await shell.stop()
    }

    @Test("cache shows what is on disk, and cache clear removes it")
    func cacheCommand() async throws {
        let shell = try await ShellHarness.start()
        let dir = try temporaryCacheDirectory()
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let s = try DiskSession(shell, directory: dir)
        #expect(await s.run(shell, Self.query).outcome == .ok)
        #expect(await s.run(shell, "keys | where id > 0 | count").outcome == .ok)
        await s.end()
        let store = try #require(s.interpreter.cache.disk).directory

        let next = try DiskSession(shell, directory: dir)
        let shown = await next.run(shell, "cache")
        #expect(shown.out.contains("disk rows"))
        let clicksLine = try #require(shown.out.split(separator: "\n").first { $0.hasPrefix("clicks") })
        #expect(clicksLine.contains("5000") || clicksLine.contains("5,000"), "\(shown.out)")
        #expect(shown.out.contains("on disk: \(store)"))

        let cleared = await next.run(shell, "cache clear clicks")
        #expect(cleared.outcome == .ok)
        #expect(!FileManager.default.fileExists(atPath: store + "/clicks.rows"))
        #expect(FileManager.default.fileExists(atPath: store + "/keys.rows"))
        let bad = await next.run(shell, "cache clear click")
        guard case .failed(let message, _, _) = bad.outcome else { Issue.record("a wrong resource was accepted"); return }
        #expect(message.contains("did you mean 'clicks'"))
        #expect(await next.run(shell, "cache clear").outcome == .ok)
        #expect(!FileManager.default.fileExists(atPath: store + "/keys.rows"))
        let empty = await next.run(shell, "cache")
        #expect(empty.out.hasPrefix("the cache is empty"))
        await next.end()
        await shell.stop()
    }
}
