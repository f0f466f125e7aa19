import Foundation
import Testing

/// At a terminal, `jsonl` rows appear as the pages arrive, not when the scan ends.
@Suite struct StreamingTests {
    @Test func jsonlRowsAppearWhilePagesStillArrive() throws {
        // 40 pages of 500, one at a time, each taking at least 150 ms: the scan needs 6 s or more.
        let emulator = try EmulatorProcess(["--latency-ms", "150", "--clicks", "20000", "--max-page-size", "500"])
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("set concurrency 1", prompt: prompt) == [])
        shell.session.send("clicks | select port,source_ip | jsonl\r")
        try shell.session.waitFor("{\"port\":")
        // Rows are on the screen: Ctrl-C now stops the scan (and keeps the shell). Had the rows
        // been printed only at the end, all 20,000 would be there, after 6 s of pages.
        shell.session.sendKeys(.ctrlC)
        try shell.waitForPrompt(prompt)
        let printed = shell.session.plainText.components(separatedBy: "{\"port\":").count - 1
        #expect(printed < 20_000, "the rows were printed only at the end")
        #expect(try shell.run("nodes | count", prompt: prompt) == ["3"])
        try shell.quit()
    }
}
