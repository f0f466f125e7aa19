import Foundation
import Testing

/// `watch`: reruns a listing; redrawn in place at a terminal, Ctrl-C back to the prompt.
@Suite struct WatchTests {
    @Test func inAScriptEachRunFollowsAHeader() throws {
        let result = try CLI.opsh(["--demo", "-c", "watch 0.2 --times 3 nodes | count"])
        #expect(result.status == 0, "\(result)")
        let headers = result.stdout.split(separator: "\n").filter { $0.hasPrefix("every 0.2s: nodes | count") }
        #expect(headers.count == 3, "\(result)")
        #expect(result.stdout.split(separator: "\n").filter { $0 == "3" }.count == 3, "\(result)")
        let bad = try CLI.opsh(["--demo", "-c", "watch 5 keys add name=x"])
        #expect(bad.status == 1 && bad.stderr.contains("watch reruns a listing"), "\(bad)")
    }

    @Test func atATerminalItRedrawsUntilCtrlC() throws {
        let shell = try InteractiveTests.Shell()
        try shell.waitForPrompt()
        shell.session.send("watch 0.5 nodes | count\r")
        try shell.session.waitFor("every 0.5s: nodes | count")
        // At least two more redraws: the clear-screen sequence comes each time.
        let redraws = shell.session.output.components(separatedBy: "\u{1B}[2J").count
        let deadline = ContinuousClock.now + CLI.patience
        while shell.session.output.components(separatedBy: "\u{1B}[2J").count < redraws + 2, ContinuousClock.now < deadline {
            _ = try? shell.session.waitForScreen("\u{1}never\u{1}", timeout: .milliseconds(100))
        }
        #expect(shell.session.output.components(separatedBy: "\u{1B}[2J").count >= redraws + 2)
        #expect(shell.session.screenText.contains("every 0.5s: nodes | count"))
        shell.session.sendKeys(.ctrlC)
        try shell.waitForPrompt()
        #expect(try shell.run("keys | count") == ["1044"])
        try shell.quit()
    }
}
