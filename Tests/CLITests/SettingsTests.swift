import Foundation
import Testing

/// Settings that say what they do, through the real binary (issue 21, item 8): one table of
/// settings that `set`, the config file, TAB and the manual read; one grammar of durations;
/// a changed setting reaching every fetch; `follow` refused where it cannot follow; and the
/// one rule that says which resource an API path lists.
@Suite struct SettingsTests {
    /// `set` lines, then `set` to list them: the listing's line for `name`.
    func listed(_ name: String, after lines: [String]) throws -> (CLI.Result, String?) {
        let r = try CLI.opsh(["--demo"], stdin: (lines + ["set"]).joined(separator: "\n") + "\n")
        // To a pipe: name, value and meaning, tab-separated.
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix(name + "\t") }
        return (r, line.map { String($0.split(separator: "\t")[1]) })
    }

    @Test("a duration the message offers is taken: set follow.interval 1d")
    func aDayIsADuration() throws {
        let (r, shown) = try listed("follow.interval", after: ["set follow.interval 1d"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        #expect(shown == "1d", "\(r)")
    }

    @Test("set shows what was set: 500ms, not 0s")
    func millisecondsAreShown() throws {
        for (typed, shown) in [("500ms", "500ms"), ("1500ms", "1500ms"), ("90", "90s"), ("120s", "2m"), ("2h", "2h")] {
            let (r, value) = try listed("follow.interval", after: ["set follow.interval \(typed)"])
            #expect(r.status == 0 && value == shown, "set follow.interval \(typed)\n\(r)")
        }
        let (r, timeout) = try listed("timeout", after: ["set timeout 1500ms"])
        #expect(r.status == 0 && timeout == "1500ms", "\(r)")
    }

    @Test("the config file takes every setting by set's name (page_size and page-size alike)")
    func theConfigFileReadsTheTable() throws {
        let home = try ConfigTests.Home()
        try home.writeConfig("""
            [profiles.default]
            page_size = 70
            follow.interval = "500ms"
            ttl.clicks = "5m"
            timezone = "Europe/Brussels"
            pager = false

            """)
        let r = try home.run(["--demo"], stdin: "set\nset page_size 80\nset\n")
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: "\t").prefix(2).joined(separator: " ") }
        for expected in ["page-size 70", "follow.interval 500ms", "ttl.clicks 5m", "timezone Europe/Brussels", "pager off", "page-size 80"] {
            #expect(lines.contains(expected), "\(expected)\n\(r)")
        }
        try home.writeConfig("[profiles.default]\npage-size = 0\n")
        let refused = try home.run(["-c", "nodes"])
        #expect(refused.status == 2 && refused.stderr.contains("config.toml:2: page-size takes a whole number from 1 to 100000, not '0'"),
                "\(refused)")
    }

    @Test("keys | follow is refused, not printed once")
    func onlyClicksAndSessionsAreFollowed() throws {
        for line in ["keys | follow", "nodes | follow --for 1s", "get keys/ | follow"] {
            let r = try CLI.opsh(["--demo", "-c", line])
            #expect(r.status == 1 && r.stdout.isEmpty, "\(line)\n\(r)")
            #expect(r.stderr.contains("follow watches clicks or sessions, not"), "\(line)\n\(r)")
        }
    }

    /// (That `monkeys/` is not read as `keys/`, nor `supernodes/` as `nodes/`, is checked on
    /// the rule itself in ResourcePathTests: the emulator lists rows at no such path.)
    @Test("get of a path that is no resource asks with the token, and says not found")
    func aPathThatIsNoResource() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let env = ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token]
        for path in ["supernodes/", "monkeys/"] {
            let r = try CLI.opsh(["-c", "get \(path)"], environment: env)
            #expect(r.status == 1 && r.stderr.lowercased().contains("not found"), "get \(path)\n\(r)")
            #expect(!r.stderr.contains("token"), "the token was sent, so no complaint about it\n\(r)")
        }
    }

    /// A changed page size and concurrency reach the click log's refresh (before, it read the
    /// start-up configuration): with page-size 10, the new clicks come 10 to a request, 3
    /// requests at a time.
    @Test func pageSizeAndConcurrencyReachTheClickRefresh() throws {
        let emulator = try EmulatorProcess(["--clicks", "500", "--append-rate", "100"])
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        try shell.waitForPrompt(prompt)
        for line in ["set page-size 10", "set concurrency 3", "set pager off"] { #expect(try shell.run(line, prompt: prompt) == []) }
        _ = try shell.run("keys | last 1", prompt: prompt)
        _ = try shell.run("clicks | last 1", prompt: prompt)
        let before = try #require(Int(shell.run("clicks | count", prompt: prompt).last ?? ""))
        // New clicks arrive (100 a second): wait until at least 40 have.
        try emulator.waitForClicks(atLeast: before + 40)
        // The refresh fetches at once (and says what came back); the next lines ask nothing.
        _ = try shell.run("set timing on", prompt: prompt)
        let refreshed = try shell.run("refresh clicks", prompt: prompt)
        let counted = try shell.run("clicks | count", prompt: prompt)
        _ = try shell.run("set timing off", prompt: prompt)
        let after = try #require(Int(counted.first ?? ""), "\(counted)")
        #expect(counted.last?.contains(" 0 requests") == true, "\(counted)")
        let summary = try #require(refreshed.lazy.compactMap { $0.firstMatch(of: /^clicks: ([\d,]+) rows, ([\d,]+) more/) }.first, "\(refreshed)")
        #expect(Int(summary.1.filter(\.isNumber)) == after && Int(summary.2.filter(\.isNumber)) == after - before, "\(refreshed)")
        let timing = try #require(refreshed.last { $0.hasPrefix("time: ") }, "\(refreshed)")
        let match = try #require(timing.firstMatch(of: /(\d+) requests?(, concurrency (\d+))?/), "\(timing)")
        let requests = Int(match.1)!
        #expect(after - before >= 40)
        #expect(requests >= 2 + (after - before) / 10, "\(after - before) new clicks at 10 a page: \(timing)")
        #expect(match.3.map { Int($0) } == 3, "the refresh's pages, 3 at a time: \(timing)")
        try shell.quit()
    }
}

extension EmulatorProcess {
    /// Waits until the demo account holds at least `count` clicks (asked by another opsh,
    /// which counts with one request).
    func waitForClicks(atLeast count: Int) throws {
        let env = ["OPENPORT_API_URL": baseURL, "OPENPORT_TOKEN": token]
        while true {
            let r = try CLI.opsh(["--no-cache", "-c", "clicks | count"], environment: env)
            try #require(r.status == 0, "\(r)")
            if let n = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), n >= count { return }
        }
    }
}
