import Foundation
import Testing

/// When the reader of opsh's output goes away (`| head -1`, a quit pager), opsh stops its
/// requests and ends at once and quietly, as `yes | head -1` does.
@Suite struct ClosedPipeTests {
    /// `opsh ARGS | head -1` in bash: what head printed, opsh's stderr, and opsh's status as
    /// the shell saw it (`PIPESTATUS`).
    static func headOne(_ arguments: String, stdin: String = "", environment: [String: String]) throws
        -> (line: String, stderr: String, status: String, result: CLI.Result) {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let script = #""$OPSH" \#(arguments) 2>"$HOME/opsh.err" | head -1; echo "opsh exited ${PIPESTATUS[0]}" >&2; cat "$HOME/opsh.err" >&2"#
        var env = CLI.environment(home: home, environment)
        env["OPSH"] = try CLI.executable("opsh")
        let result = try CLI.run("/bin/bash", ["-c", script], environment: env, stdin: stdin)
        let lines = result.stderr.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        return (result.stdout, lines.count > 1 ? lines[1] : "", lines.first ?? "", result)
    }

    @Test func headOneStopsTheScanAndOpshEndsQuietlyBySIGPIPE() throws {
        // 179 pages of 1,000 clicks, 20 ms each.
        let emulator = try EmulatorProcess(["--latency-ms", "20"], commands: true)
        defer { emulator.stop() }
        let env = ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "memory"]
        let run = try Self.headOne("-c 'clicks | jsonl'", environment: env)
        #expect(run.line.hasPrefix("{\"port\":") && run.line.hasSuffix("}\n"), "\(run.result)")
        #expect(run.status == "opsh exited 141", "\(run.result)")
        #expect(run.stderr.isEmpty, "opsh said something:\n\(run.result)")
        // Once head had its row, the scan stopped: the first page, the pages in flight (8) and
        // the few read ahead, never the 179 of the whole log.
        let requests = try #require(Int(try emulator.send("requests")))
        #expect(requests < 30, "\(requests) requests after the reader went away")
    }

    /// A script stops at the line whose output nobody reads; the lines after it never run.
    @Test func aScriptEndsAtTheLineWhoseReaderWentAway() throws {
        let emulator = try EmulatorProcess(["--latency-ms", "20"], commands: true)
        defer { emulator.stop() }
        let env = ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "memory"]
        let run = try Self.headOne("", stdin: "nodes | count\nclicks | jsonl\nkeys | jsonl\nclicks | count\n", environment: env)
        #expect(run.line == "3\n", "\(run.result)")
        #expect(run.status == "opsh exited 141" && run.stderr.isEmpty, "\(run.result)")
        #expect(try #require(Int(try emulator.send("requests"))) < 30)
    }

    /// Quitting the pager is the same at the prompt: the scan behind it stops (the shell goes
    /// on). While less waits for a key, the full pipe holds the scan back; after `q` no
    /// request follows but the next line's.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/less")))
    func quittingThePagerStopsTheScan() throws {
        let emulator = try EmulatorProcess(["--latency-ms", "20", "--clicks", "100000", "--max-page-size", "500"], commands: true)
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "PAGER": "", "OPSH_CACHE": "memory",
        ], columns: 100)
        try shell.waitForPrompt(prompt)
        shell.session.send("clicks | jsonl\r")
        shell.waitForLastLine(":")  // less waits for the user
        shell.session.send("q")
        try shell.waitForPrompt(prompt)
        let atQuit = try #require(Int(try emulator.send("requests")))
        #expect(atQuit < 200, "\(atQuit) requests: the whole log (200 pages) was read")
        #expect(try shell.run("keys | count", prompt: prompt) == ["1044"])
        #expect(try shell.run("nodes | count", prompt: prompt) == ["3"])
        let after = try #require(Int(try emulator.send("requests")))
        // keys | count and nodes | count: one request each; a page of the scan still in flight
        // at the quit may land too.
        #expect(after - atQuit <= 3, "the scan went on after the pager was quit: \(atQuit) → \(after)")
        try shell.quit()
    }

    /// `follow` and `watch` run until stopped: a closed pipe stops them too (the demo's clicks
    /// keep arriving, so follow has something to print).
    @Test(arguments: ["set follow.interval 1s\nclicks | follow\n", "watch 1 nodes | count\n"])
    func followAndWatchEndWhenTheirReaderGoes(script: String) throws {
        let run = try Self.headOne("--demo", stdin: script, environment: DemoTimelineTests.live)
        #expect(!run.line.isEmpty, "\(run.result)")
        #expect(run.status == "opsh exited 141" && run.stderr.isEmpty, "\(run.result)")
    }
}
