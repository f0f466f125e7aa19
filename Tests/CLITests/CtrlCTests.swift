#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import OpenportEmulator
import Testing

/// Ctrl-C at any moment of a slow line gives a clean prompt back, and the next line answers.
@Suite struct CtrlCTests {
    @Test func ctrlCAtRandomMomentsOfASlowScanAlwaysGivesACleanPrompt() throws {
        // 60 pages of 500 clicks, 100 ms each, 2 at a time: a scan takes 3 s or more.
        let emulator = try EmulatorProcess(["--latency-ms", "100", "--clicks", "30000", "--max-page-size", "500"])
        defer { emulator.stop() }
        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "memory",
        ])
        try shell.waitForPrompt(prompt)
        #expect(try shell.run("set concurrency 2", prompt: prompt) == [])
        #expect(try shell.run("set cache off", prompt: prompt) == [])
        // The moments are random; the seed (printed with any failure, set with OPSH_TEST_SEED)
        // replays them.
        let seed = ProcessInfo.processInfo.environment["OPSH_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        let lines = ["clicks | where port=1 | count", "clicks | jsonl", "clicks | group port | first 5 | chart",
                     "clicks | sort -timestamp | first 2", "clicks | group timestamp by day | last 3", "keys | count"]
        for round in 1...20 {
            let line = lines.randomElement(using: &random)!
            // A moment between the line's start and well after its first pages: before the
            // first request, during a page, while progress is drawn, while rows print.
            let moment = Int.random(in: 0...2_500, using: &random)
            shell.session.send(line + "\r")
            try shell.session.waitFor(line)
            usleep(useconds_t(moment * 1000))  // the moment under test, not a wait for something
            shell.session.sendKeys(.ctrlC)
            // The prompt that follows the ^C (the terminal's echo while a line runs, the line
            // editor's at the prompt): a Ctrl-C after the line ended must not be taken for
            // one that interrupted it, by the prompt the line ended with.
            try shell.session.waitFor("^C")
            try shell.waitForPrompt(prompt)
            let context = "round \(round), '\(line)' interrupted after \(moment) ms (OPSH_TEST_SEED=\(seed))"
            #expect(shell.session.pid > 0 && kill(shell.session.pid, 0) == 0, "opsh ended: \(context)")
            #expect(try shell.run("nodes | count", prompt: prompt) == ["3"], "\(context)\n\(shell.session.screenText.suffix(1500))")
            // The line typed is on a row of its own after a clean prompt: no progress text
            // was drawn over the prompt or left on its row.
            // (The right prompt at a prompt row's end is not part of it.)
            let rows = shell.session.screenText.split(separator: "\n")
                .map { InteractiveTests.Shell.withoutRightPrompt(String($0)).trimmingCharacters(in: .whitespaces) }
            #expect(rows.last { $0.hasSuffix("nodes | count") } == prompt + "nodes | count", "\(context)\n\(rows.suffix(8).joined(separator: "\n"))")
            #expect(rows.last == prompt.trimmingCharacters(in: .whitespaces), "\(context)\n\(rows.suffix(8).joined(separator: "\n"))")
        }
        try shell.quit()
    }
}
