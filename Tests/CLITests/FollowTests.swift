import Foundation
import Testing

/// `follow` against an emulator that adds clicks while it runs: every new click once, in
/// order, none skipped, in both listing orders.
@Suite(.timeLimit(.minutes(2))) struct FollowTests {
    @Test(arguments: [false, true])
    func newClicksOnceEachInOrder(newestFirst: Bool) throws {
        let emulator = try EmulatorProcess(["--clicks", "2000", "--append-rate", "10"] + (newestFirst ? ["--newest-first"] : []))
        defer { emulator.stop() }
        let env = ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token]
        let followed = try CLI.opsh([], stdin: """
            set follow.interval 500ms
            clicks | select port,timestamp | follow --for 3s
            clicks | count

            """, environment: env, timeout: .seconds(60))
        #expect(followed.status == 0, "\(followed)")
        let lines = followed.stdout.split(separator: "\n").map(String.init)
        let printed = Array(lines.dropLast())
        #expect(printed.count >= 10, "about 30 clicks arrive in 3 s\n\(followed)")
        // The whole log afterwards, oldest first: what follow printed is one run of it.
        let log = try CLI.opsh(["--format", "jsonl"], stdin: "clicks | select port,timestamp\n", environment: env, timeout: .seconds(60))
        var rows = try log.stdout.split(separator: "\n").map { line -> String in
            let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return "port=\(r["port"] as! Int) timestamp=\(r["timestamp"] as? String ?? "null")"
        }
        if newestFirst { rows.reverse() }
        let start = try #require(rows.firstIndex(of: printed[0]), "\(printed[0]) is not in the log")
        #expect(Array(rows[start..<min(rows.count, start + printed.count)]) == printed, "no click twice, none skipped")
        #expect(start >= 2000, "only clicks that arrived while following")
    }

    @Test func atATerminalCtrlCStopsFollowingAndKeepsTheShell() throws {
        let emulator = try EmulatorProcess(["--clicks", "2000", "--append-rate", "10"])
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("set follow.interval 500ms", prompt: prompt) == [])
        shell.session.send("clicks | select port,timestamp | follow\r")
        try shell.session.waitFor("port=", timeout: InteractiveTests.wait)
        shell.session.sendKeys(.ctrlC)
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("nodes | count", prompt: prompt) == ["3"])
        try shell.quit()
    }

    @Test func onlyStreamingStagesMayStandBeforeIt() throws {
        let r = try CLI.opsh(["--demo", "-c", "clicks | sort port | follow"])
        #expect(r.status == 1 && r.stderr.contains("only where and select may stand before follow"), "\(r)")
    }
}
