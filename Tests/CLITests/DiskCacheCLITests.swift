#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The disk cache as processes share it: two at once, the switches that turn it off, and a
/// damaged store, through the built `opsh` against `opsh-emulator`.
@Suite struct DiskCacheCLITests {
    static let query = "clicks | where port > 0 | count"

    /// A home shared by several opsh processes, removed at the end.
    final class Home {
        let path: String
        var cache: String { path + "/.cache/opsh" }
        init() throws { path = try CLI.temporaryDirectory() }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func run(_ emulator: EmulatorProcess, _ arguments: [String], stdin: String = "", _ env: [String: String] = [:]) throws -> CLI.Result {
            var e = ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token]
            for (k, v) in env { e[k] = v }
            return try CLI.run(CLI.executable("opsh"), arguments, environment: CLI.environment(home: path, e), stdin: stdin)
        }

        /// The store directories written so far.
        var stores: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []).filter { $0.hasPrefix("store-") }
        }

        /// Everything under the cache directory.
        var cacheFiles: [String] { (try? FileManager.default.subpathsOfDirectory(atPath: cache)) ?? [] }
    }

    /// The requests of the last `time:` line on stderr (`set timing on`).
    static func requests(_ r: CLI.Result) -> Int? {
        guard let line = r.stderr.split(separator: "\n").last(where: { $0.hasPrefix("time:") }),
              let m = line.firstMatch(of: /, (\d+) request/) else { return nil }
        return Int(m.1)
    }

    @Test func twoProcessesWritingAtOnceBothAnswerRightAndTheStoreStaysReadable() throws {
        let emulator = try EmulatorProcess(["--clicks", "30000", "--max-page-size", "1000"])
        defer { emulator.stop() }
        let home = try Home()
        let expected = try home.run(emulator, ["--no-cache", "-c", Self.query])
        #expect(expected.status == 0, "\(expected)")

        // Cold, then with the clicks stale at once (an incremental check that rewrites the
        // fetch time), each round two processes at once.
        for script in [Self.query + "\n", "set ttl.clicks 0\n" + Self.query + "\n"] {
            let results = Locked<[CLI.Result]>([])
            let group = DispatchGroup()
            let opsh = try CLI.executable("opsh")
            let env = CLI.environment(home: home.path, ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
            for _ in 0..<2 {
                group.enter()
                Thread.detachNewThread {
                    if let r = try? CLI.run(opsh, [], environment: env, stdin: script) {
                        results.withLock { $0.append(r) }
                    }
                    group.leave()
                }
            }
            group.wait()
            let both = results.withLock { $0 }
            #expect(both.count == 2)
            for r in both {
                #expect(r.status == 0, "\(r)")
                #expect(r.stdout == expected.stdout, "\(r)")
                #expect(r.stderr.isEmpty, "\(r)")
            }
        }
        #expect(home.stores.count == 1)
        // A third reads what they left: whole, fresh, no request, no warning.
        let after = try home.run(emulator, [], stdin: "set timing on\n" + Self.query + "\n")
        #expect(after.stdout == expected.stdout, "\(after)")
        #expect(Self.requests(after) == 0, "\(after)")
        #expect(!after.stderr.contains("warning"), "\(after)")
        #expect(!home.cacheFiles.contains { $0.contains(".opsh-") }, "no temporary file left: \(home.cacheFiles)")
    }

    @Test func aNewProcessAsksOnlyForWhatIsNew() throws {
        let emulator = try EmulatorProcess(["--clicks", "30000", "--max-page-size", "1000"])
        defer { emulator.stop() }
        let home = try Home()
        let cold = try home.run(emulator, [], stdin: "set timing on\n" + Self.query + "\nkeys | where id > 0 | count\n")
        #expect(cold.status == 0, "\(cold)")
        let answer = cold.stdout.split(separator: "\n").first.map { String($0) + "\n" }
        let warm = try home.run(emulator, [], stdin: "set ttl.clicks 0\nset timing on\n" + Self.query + "\n")
        #expect(warm.stdout == answer, "\(warm)")
        // Both ends and a page from the middle, and the keys' two pages (read afresh to see
        // whether a key was renamed), all at once.
        #expect(Self.requests(warm) == 3 + 2, "\(warm)")
    }

    @Test func noCacheMemoryAndOffWriteNothing() throws {
        let emulator = try EmulatorProcess(["--clicks", "3000"])
        defer { emulator.stop() }
        for (arguments, env, profile) in [(["--no-cache"], [:], nil), ([], ["OPSH_CACHE": "memory"], nil),
                                          ([], [:], "memory"), ([], [:], "off")] as [([String], [String: String], String?)] {
            let home = try Home()
            if let profile {
                let dir = home.path + "/.config/opsh"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try "[profiles.default]\ncache = \"\(profile)\"\n".write(toFile: dir + "/config.toml", atomically: false, encoding: .utf8)
            }
            let r = try home.run(emulator, arguments, stdin: Self.query + "\nkeys | where id > 0 | count\nsessions | first 1\n", env)
            #expect(r.status == 0, "\(r)")
            #expect(home.stores.isEmpty, "\(arguments) \(env) \(profile ?? ""): \(home.cacheFiles)")
            #expect(!home.cacheFiles.contains { $0.hasPrefix("completion") }, "\(home.cacheFiles)")
        }
        // And by default, a store.
        let home = try Home()
        #expect(try home.run(emulator, ["-c", Self.query]).status == 0)
        #expect(home.stores.count == 1)
    }

    @Test func aBadCacheSettingIsAUsageError() throws {
        let emulator = try EmulatorProcess(["--clicks", "100"])
        defer { emulator.stop() }
        let home = try Home()
        let env = try home.run(emulator, ["-c", "nodes | count"], ["OPSH_CACHE": "sometimes"])
        #expect(env.status == 2, "\(env)")
        #expect(env.stderr == "opsh: OPSH_CACHE: cache is disk, memory or off, not 'sometimes'\n", "\(env)")
        let dir = home.path + "/.config/opsh"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "[profiles.default]\ncache = \"yes\"\n".write(toFile: dir + "/config.toml", atomically: false, encoding: .utf8)
        let profile = try home.run(emulator, ["-c", "nodes | count"])
        #expect(profile.status == 2, "\(profile)")
        #expect(profile.stderr.contains("config.toml:2: cache is \"disk\", \"memory\" or \"off\", not 'yes'"), "\(profile)")
    }

    @Test func aDamagedStoreIsOneWarningThenTheRightAnswer() throws {
        let emulator = try EmulatorProcess(["--clicks", "3000"])
        defer { emulator.stop() }
        let home = try Home()
        let first = try home.run(emulator, ["-c", Self.query])
        #expect(first.status == 0, "\(first)")
        let store = try #require(home.stores.first)
        let file = home.cache + "/" + store + "/clicks.rows"
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: file))
        let r = try home.run(emulator, ["-c", Self.query])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == first.stdout, "\(r)")
        #expect(r.stderrLines.count == 1, "\(r)")
        #expect(r.stderr.hasPrefix("opsh: warning: the disk cache of clicks is unusable (it is not an opsh store)"), "\(r)")
        #expect(!r.stderr.contains(emulator.token))
    }
}
