import Foundation
import Testing

/// `opsh --demo` shows an account that is alive now: its two years of clicks end the moment
/// the demo starts, and new clicks keep arriving, so the line `help` suggests
/// (`where timestamp > -7d`), `follow` and `watch` have something to show. (The tests' own
/// emulators keep the pinned history of 2021 and 2022.)
@Suite struct DemoTimelineTests {
    /// The demo as a user gets it (the other CLI tests pin it: `OPSH_DEMO_PINNED`).
    static let live = ["OPSH_DEMO_PINNED": ""]

    /// `yyyy-MM-ddTHH:mm:ss` of a UTC time as opsh prints it (`set timezone` is UTC by default).
    static func utcSeconds(_ text: Substring) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        guard text.hasSuffix("Z") else { return nil }
        return formatter.date(from: String(text.prefix(19)))
    }

    @Test func theHistoryEndsNowAndTheSuggestedLineHasRows() throws {
        let started = Date()
        let run = try CLI.opsh(["--demo"], stdin: """
            clicks | where timestamp > -7d | group source_ip | first 5 | jsonl
            clicks | max timestamp
            keys | max last_connection_time
            clicks | where timestamp > -7d | count

            """, environment: Self.live)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 8, "\(run)")
        guard lines.count == 8 else { return }
        // Five addresses that clicked in the last week, each with a count.
        #expect(lines[0..<5].allSatisfy { $0.hasPrefix("{\"source_ip\":") && $0.contains("\"count\":") }, "\(run)")
        // The newest click and the newest connection are of today, not of 2022 or 2023.
        for line in lines[5...6] {
            let newest = try #require(Self.utcSeconds(line), "\(line)")
            #expect(newest > started.addingTimeInterval(-86_400), "\(line) is not of the last day (started \(started))")
            #expect(newest <= Date().addingTimeInterval(1), "\(line) is in the future")
        }
        #expect((Int(lines[7]) ?? 0) > 100, "\(run)")
    }

    /// New clicks arrive while the demo runs, each stamped with the moment it came: `follow`
    /// prints them (it prints only what is new since it started).
    @Test func newClicksArriveWhileTheDemoRuns() throws {
        let started = Date()
        let run = try ClosedPipeTests.headOne("--demo", stdin: "set follow.interval 1s\nclicks | follow\n", environment: Self.live)
        #expect(run.line.hasPrefix("port="), "\(run.result)")
        let time = try #require(run.line.split(separator: " ").first { $0.hasPrefix("timestamp=") }?.dropFirst(10), "\(run.result)")
        let arrived = try #require(Self.utcSeconds(time), "\(run.line)")
        #expect(arrived >= started.addingTimeInterval(-1), "the followed click is from \(time), before the demo started (\(started))")
    }

    /// The emulator the tests use keeps the pinned history, so their expected values stay:
    /// its newest click is of 2022.
    @Test func testsKeepThePinnedHistory() throws {
        let emulator = try EmulatorProcess(["--clicks", "1000"])
        defer { emulator.stop() }
        let run = try CLI.opsh(["-c", "clicks | max timestamp"], environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
        ])
        #expect(run.status == 0 && run.stdout.hasPrefix("2022-12-31T"), "\(run)")
    }
}
