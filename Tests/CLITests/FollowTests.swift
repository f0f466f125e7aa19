import Foundation
import Testing

/// `follow` against an emulator that adds clicks while it runs: every new click once, in
/// order, none skipped, in both listing orders.
@Suite struct FollowTests {
    @Test(arguments: [false, true])
    func newClicksOnceEachInOrder(newestFirst: Bool) throws {
        let emulator = try EmulatorProcess(["--clicks", "2000", "--append-rate", "10"] + (newestFirst ? ["--newest-first"] : []))
        defer { emulator.stop() }
        let env = ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token]
        let prompt = "opsh 127.0.0.1> "
        // The log as it is before following (clicks without a time may be listed after the new ones).
        let before = try Set(FollowTests.log(env).map(\.self))
        let shell = try InteractiveTests.Shell([], environment: env)
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("set follow.interval 500ms", prompt: prompt) == [])
        let line = "clicks | select port,timestamp | follow"
        shell.session.send(line + "\r")
        try shell.session.waitFor(line)
        // Ten clicks printed (they arrive 10 a second), then Ctrl-C.
        func printed() -> [String] {
            let text = shell.session.plainText
            let after = text.range(of: line).map { text[$0.upperBound...] } ?? ""
            return after.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("port=") }
        }
        while printed().count < 10 { try shell.session.waitFor("port=") }
        shell.session.sendKeys(.ctrlC)
        try shell.waitForPrompt(prompt)
        let lines = printed()
        try shell.quit()
        // The whole log afterwards, oldest first: what follow printed is one run of it.
        var rows = try FollowTests.log(env)
        if newestFirst { rows.reverse() }
        let start = try #require(rows.firstIndex(of: lines[0]), "\(lines[0]) is not in the log")
        #expect(Array(rows[start..<min(rows.count, start + lines.count)]) == lines, "no click twice, none skipped")
        #expect(before.isDisjoint(with: lines), "only clicks that arrived while following")
    }

    /// The click log as `port=… timestamp=…` lines, in listing order, times as follow shows
    /// them (in set timezone's zone, UTC).
    static func log(_ env: [String: String]) throws -> [String] {
        let log = try CLI.opsh(["--no-cache", "--format", "jsonl"], stdin: "clicks | select port,timestamp\n", environment: env)
        let utc = TimeZone(identifier: "UTC")!
        return try log.stdout.split(separator: "\n").map { line -> String in
            let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let shown = (r["timestamp"] as? String).flatMap(TimeModelTests.instant).map { TimeModelTests.written($0.0, fraction: $0.fraction, in: utc) }
            return "port=\(r["port"] as! Int) timestamp=\(shown ?? "null")"
        }
    }

    @Test func atATerminalCtrlCStopsFollowingAndKeepsTheShell() throws {
        let emulator = try EmulatorProcess(["--clicks", "2000", "--append-rate", "10"])
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("set follow.interval 500ms", prompt: prompt) == [])
        shell.session.send("clicks | select port,timestamp | follow\r")
        try shell.session.waitFor("port=")
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
