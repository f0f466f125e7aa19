import Foundation
import Testing

/// One time model: `set timezone` decides how a table shows times and what a bare date (or a
/// time without an offset) means in `where`, checked against times computed with Foundation
/// from the API's own text (JSON keeps that text whatever the zone).
@Suite struct TimeModelTests {
    /// An instant from the API's text, `2021-01-01T00:36:12.328731+01:00`: the whole seconds
    /// as a Date, and the fraction as written.
    static func instant(_ text: String) -> (Date, fraction: String)? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssXXXXX"
        let seconds = text.prefix(19)
        var rest = text.dropFirst(19)
        var fraction = ""
        while let c = rest.first, c == "." || c.isNumber {
            fraction.append(c)
            rest = rest.dropFirst()
        }
        return formatter.date(from: String(seconds) + rest).map { ($0, fraction) }
    }

    /// How a person in `zone` writes that instant: its wall clock there and its offset then.
    static func written(_ date: Date, fraction: String, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        let offset = zone.secondsFromGMT(for: date) / 60
        let suffix = offset == 0 ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
        return formatter.string(from: date) + fraction + suffix
    }

    @Test func tablesShowTimesInTheZoneAndADateIsADayThere() throws {
        // 40,000 clicks over two years: about 20 a day at the start.
        let emulator = try EmulatorProcess(["--clicks", "40000"])
        defer { emulator.stop() }
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = CLI.environment(home: home, ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
                                               "OPSH_CACHE": "memory"])
        let firstDays = "clicks | where timestamp < 2021-01-08T00:00:00Z | sort timestamp"
        let run = try CLI.run(CLI.executable("opsh"), [], environment: env, stdin: """
            \(firstDays) | select timestamp | jsonl
            \(firstDays) | first 3 | select timestamp | csv
            \(firstDays) | first 3 | select timestamp | table
            \(firstDays) | first 3 | select timestamp
            clicks | where timestamp = 2021-01-02 | count
            set timezone Asia/Tokyo
            \(firstDays) | first 3 | select timestamp | table
            \(firstDays) | first 3 | select timestamp
            \(firstDays) | first 3 | select timestamp | csv
            clicks | where timestamp = 2021-01-02 | count
            clicks | where timestamp >= 2021-01-02T09:00:00 and timestamp < 2021-01-02T21:00:00 | count

            """)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        // CSV ends its rows with CRLF (one Character in Swift: split after making it LF).
        var lines = run.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init)
        let api = lines.prefix { $0.hasPrefix("{") }.map { String($0.dropFirst(14).dropLast(2)) }  // {"timestamp":"…"}
        lines.removeFirst(api.count)
        let instants = try api.map { try #require(Self.instant($0), "\($0)") }
        #expect(instants.count > 50, "\(run)")
        // csv 4, table 5 (header, rule, rows), plain rows 3, a count; then table 5, rows 3, csv 4, two counts.
        guard instants.count > 50, lines.count == 27 else {
            Issue.record("\(lines.count) lines after the JSON:\n\(lines.joined(separator: "\n"))")
            return
        }
        let utc = TimeZone(identifier: "UTC")!, tokyo = TimeZone(identifier: "Asia/Tokyo")!
        func day(_ zone: TimeZone) -> Int {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            return instants.filter { calendar.dateComponents([.year, .month, .day], from: $0.0) == DateComponents(year: 2021, month: 1, day: 2) }.count
        }
        func shown(_ zone: TimeZone) -> [String] { instants.prefix(3).map { Self.written($0.0, fraction: $0.fraction, in: zone) } }
        func trimmed(_ range: ClosedRange<Int>) -> [String] { lines[range].map { $0.trimmingCharacters(in: .whitespaces) } }

        // CSV keeps the API's text; a table (and the plain rows a pipe gets) shows UTC by
        // default, then Tokyo's clock.
        #expect(Array(lines[1...3]) == Array(api.prefix(3)), "csv: \(lines[0...3])")
        #expect(trimmed(6...8) == shown(utc), "\(lines[4...8])")
        #expect(trimmed(9...11) == shown(utc), "plain rows: \(lines[9...11])")
        #expect(lines[12] == "\(day(utc))", "the UTC day 2021-01-02")
        #expect(trimmed(15...17) == shown(tokyo), "\(lines[13...17])")
        #expect(trimmed(18...20) == shown(tokyo), "plain rows: \(lines[18...20])")
        #expect(Array(lines[21...24]) == ["timestamp"] + api.prefix(3), "csv in Tokyo: \(lines[21...24])")
        #expect(lines[25] == "\(day(tokyo))", "Tokyo's day 2021-01-02")
        #expect(day(utc) != day(tokyo), "the data cannot tell the two days apart")
        // 09:00 to 21:00 in Tokyo is 00:00 to 12:00 UTC.
        let morning = instants.filter { $0.0 >= Date(timeIntervalSince1970: 1_609_545_600) && $0.0 < Date(timeIntervalSince1970: 1_609_588_800) }
        #expect(lines[26] == "\(morning.count)", "a time without an offset is Tokyo's clock")
    }
}
