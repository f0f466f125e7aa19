import Foundation
@testable import OpenportEmulator
import Query
import Records
@testable import Shell
import Testing

/// What TAB inserts names what it offers; the completion cache per account.
@Suite("What TAB inserts names what it offers; the completion cache per account")
struct CompletionAnswerTests: AwkwardDataTests {
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
        let inserted = Quoting.needsQuotes(name) ? Quoting.doubleQuoted(name) : name
        let pipeline = try Pipeline(parsing: "keys " + inserted)
        #expect(pipeline.command.arguments.map(\.text) == [name], "\(inserted)")
        let condition = try Pipeline(parsing: "clicks | where key_name = " + Quoting.doubleQuoted(name))
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
        let deadline = ContinuousClock.now + .seconds(300)
        while offered.isEmpty, ContinuousClock.now < deadline {
            offered = Set(shell.interpreter.completer(line, line.count).candidates.map(\.insert))
            if offered.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
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
        // The name is SHA-256 of the salt, the URL, a NUL and the token, cut to 16 hex digits,
        // as sha256sum computes it.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/opsh/salt")) + Data((api + "\u{0}token-of-account-a").utf8)
        let input = dir + "/hashed"
        try bytes.write(to: URL(fileURLWithPath: input))
        let sum = Process()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [input]
        let pipe = Pipe()
        sum.standardOutput = pipe
        try sum.run()
        let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sum.waitUntilExit()
        #expect(a.hasSuffix("/completion-\(digest.prefix(16)).json"), "\(a) \(digest)")
    }
}
