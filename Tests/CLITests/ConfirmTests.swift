import Foundation
import Testing

/// A `[y/N]` question at the prompt: Ctrl-C means no, at once.
@Suite struct ConfirmTests {
    @Test func ctrlCAtAConfirmationMeansNoAndTheNextLineIsACommand() throws {
        let shell = try InteractiveTests.Shell()
        try shell.waitForPrompt()
        let id = try #require(try shell.run("keys | where name = root@HQ | select id | jsonl").first
            .flatMap { $0.split(separator: ":").last }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "} ")) })
        shell.session.send("keys rm \(id)\r")
        try shell.session.waitFor("[y/N]")
        let asked = ContinuousClock.now
        shell.session.sendKeys(.ctrlC)
        try shell.session.waitFor("nothing deleted")
        try shell.waitForPrompt()
        #expect(ContinuousClock.now - asked < .seconds(2))
        // The next line is a command, not an answer; the key is still there.
        #expect(try shell.run("keys | where name = root@HQ | count") == ["1"])
        try shell.quit()
    }
}
