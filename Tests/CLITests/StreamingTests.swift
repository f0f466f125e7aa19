import Foundation
import Testing

/// At a terminal, `jsonl` rows appear as the pages arrive, not when the scan ends.
@Suite(.timeLimit(.minutes(2))) struct StreamingTests {
    @Test func jsonlRowsAppearWhilePagesStillArrive() throws {
        // 40 pages of 500, one at a time, each taking at least 150 ms: the scan needs 6 s or more.
        let emulator = try EmulatorProcess(["--latency-ms", "150", "--clicks", "20000", "--max-page-size", "500"])
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("set concurrency 1", prompt: prompt) == [])
        shell.session.send("clicks | select port,source_ip | jsonl\r")
        try shell.session.waitFor("{\"port\":", timeout: InteractiveTests.wait)
        // Rows are on the screen, and the scan has most of its pages to go: no prompt yet.
        #expect(throws: PTYSession.Timeout.self, "the prompt came back: the rows were printed only at the end") {
            try shell.session.waitFor(prompt, timeout: .seconds(1))
        }
        // Ctrl-C stops the scan and keeps the shell.
        shell.session.sendKeys(.ctrlC)
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("nodes | count", prompt: prompt) == ["3"])
        try shell.quit()
    }
}
