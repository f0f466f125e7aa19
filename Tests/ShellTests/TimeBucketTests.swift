import Foundation
import OpenportAPI
import OpenportEmulator
import Query
import Records
@testable import Shell
import Testing

/// `group F by UNIT`: every bucket from the first to the last, counted in a zone, against
/// ground truth computed here with Foundation's calendar from the API's JSON.
@Suite("Clicks over time: buckets")
struct TimeBucketTests {
    typealias Row = [String: Any]

    static func date(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: s)
    }

    /// (label, count) in time order, gaps filled, the way the issue defines the series.
    static func truth(_ dates: [Date], unit: Calendar.Component, zone: TimeZone, label: String) -> [(String, Int)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        calendar.firstWeekday = 2
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.dateFormat = label
        var counts: [Date: Int] = [:]
        for d in dates { counts[calendar.dateInterval(of: unit, for: d)!.start, default: 0] += 1 }
        guard var t = counts.keys.min(), let last = counts.keys.max() else { return [] }
        var out: [(String, Int)] = []
        while t <= last {
            out.append((formatter.string(from: t), counts[t] ?? 0))
            t = calendar.dateInterval(of: unit, for: t)!.end
        }
        return out
    }

    func series(_ shell: ShellHarness, _ line: String, column: String) async throws -> [(String, Int)] {
        let r = await shell.run(line + " | jsonl")
        #expect(r.outcome == .ok, "\(r)")
        return try r.out.split(separator: "\n").map { line in
            let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! Row
            return ((row[column] as? String) ?? "null", row["count"] as! Int)
        }
    }

    func same(_ a: [(String, Int)], _ b: [(String, Int)], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.map(\.0) == b.map(\.0), sourceLocation: sourceLocation)
        #expect(a.map(\.1) == b.map(\.1), sourceLocation: sourceLocation)
    }

    @Test("days and weeks in UTC, with the empty ones")
    func daysAndWeeksUTC() async throws {
        var options = EmulatorOptions.small
        options.clicks = 2_000
        let shell = try await ShellHarness.start(options)
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        let port = try #require(clicks.first?["port"] as? Int)
        let dates = clicks.filter { $0["port"] as? Int == port }.compactMap { ($0["timestamp"] as? String).flatMap(Self.date) }
        let utc = TimeZone(identifier: "UTC")!
        let days = Self.truth(dates, unit: .day, zone: utc, label: "yyyy-MM-dd")
        #expect(days.contains { $0.1 == 0 }, "the series needs gaps to prove they are filled")
        same(try await series(shell, "clicks | where port=\(port) | group timestamp by day", column: "day (UTC)"), days)
        let weeks = Self.truth(dates, unit: .weekOfYear, zone: utc, label: "yyyy-MM-dd")
        same(try await series(shell, "clicks | where port=\(port) | group timestamp by week", column: "week (UTC)"), weeks)
        let months = Self.truth(dates, unit: .month, zone: utc, label: "yyyy-MM")
        same(try await series(shell, "clicks | where port=\(port) | group timestamp by month", column: "month (UTC)"), months)
        await shell.stop()
    }

    @Test("hours in Europe/Brussels across both DST changes: the skipped hour is absent, the repeated one twice")
    func hoursAcrossDST() async throws {
        let shell = try await ShellHarness.start(.small)
        let clicks = try await shell.independentRows("openforiplinkclicks/")
        let brussels = TimeZone(identifier: "Europe/Brussels")!
        #expect(await shell.run("set timezone Europe/Brussels").outcome == .ok)
        for (from, to) in [("2021-03-27T12:00:00Z", "2021-03-28T12:00:00Z"), ("2021-10-30T12:00:00Z", "2021-10-31T12:00:00Z")] {
            let (a, b) = (Self.date(from)!, Self.date(to)!)
            let dates = clicks.compactMap { ($0["timestamp"] as? String).flatMap(Self.date) }.filter { $0 >= a && $0 < b }
            let hours = Self.truth(dates, unit: .hour, zone: brussels, label: "yyyy-MM-dd'T'HH:mmxxx")
            let got = try await series(shell, "clicks | where timestamp >= \(from) and timestamp < \(to) | group timestamp by hour",
                                       column: "hour (Europe/Brussels)")
            same(got, hours)
            #expect(!got.contains { $0.0.hasPrefix("2021-03-28T02:") })
            #expect(got.filter { $0.0.hasPrefix("2021-10-31T02:") }.count == (from.hasPrefix("2021-10") ? 2 : 0))
            let days = Self.truth(dates, unit: .day, zone: brussels, label: "yyyy-MM-dd")
            same(try await series(shell, "clicks | where timestamp >= \(from) and timestamp < \(to) | group timestamp by day",
                                  column: "day (Europe/Brussels)"), days)
        }
        await shell.stop()
    }

    @Test("any timestamp field: keys' last connection per year, nulls last; a field that is not a time is an error")
    func keysAndNulls() async throws {
        let shell = try await ShellHarness.start(.small)
        let keys = try await shell.independentRows("keys/")
        let dates = keys.compactMap { ($0["last_connection_time"] as? String).flatMap(Self.date) }
        let nulls = keys.count - dates.count
        let years = Self.truth(dates, unit: .year, zone: TimeZone(identifier: "UTC")!, label: "yyyy") + [("null", nulls)]
        same(try await series(shell, "keys | group last_connection_time by year", column: "year (UTC)"), years)
        let bad = await shell.run("keys | group name by day")
        guard case .failed(let message, _, _) = bad.outcome else { Issue.record("\(bad)"); await shell.stop(); return }
        #expect(message.contains("needs a timestamp field"))
        let unit = await shell.run("clicks | group timestamp by fortnight")
        guard case .failed(let m2, _, _) = unit.outcome else { Issue.record("\(unit)"); await shell.stop(); return }
        #expect(m2.contains("hour, day, week, month, year"))
        await shell.stop()
    }

    @Test("TAB offers by, then the units; set timezone and charset complete and check their values")
    func completionAndSettings() async throws {
        let shell = try await ShellHarness.start(.small)
        let line = "clicks | group timestamp "
        #expect(shell.interpreter.completer(line, line.count).candidates.map(\.insert) == ["by"])
        let units = line + "by "
        #expect(shell.interpreter.completer(units, units.count).candidates.map(\.insert) == ["hour", "day", "week", "month", "year"])
        let zone = "set timezone Europe/Bru"
        #expect(shell.interpreter.completer(zone, zone.count).candidates.map(\.insert) == ["Europe/Brussels"])
        guard case .failed(let m, _, _) = await shell.run("set timezone Mars/Olympus").outcome else { Issue.record("accepted"); await shell.stop(); return }
        #expect(m.contains("Europe/Brussels"))
        #expect(await shell.run("set charset ascii").outcome == .ok)
        let chart = await shell.run("clicks | group port | first 3 | chart")
        #expect(chart.out.contains("#") && !chart.out.contains("█"), "\(chart.out)")
        await shell.stop()
    }
}

@Suite("watch: completion of the line it runs")
struct WatchCompletionTests {
    @Test func theWatchedLineCompletesAsALine() {
        for (line, kind) in [("watch 10 cl", ExpectedKind.command), ("watch 10 clicks | wh", .stage),
                             ("watch 10 --times 3 clicks | where po", .field(source: "clicks", inWhere: true)),
                             ("watch clicks | group timestamp by ", .choice(["hour", "day", "week", "month", "year"]))] {
            #expect(CompletionAnalyzer.analyze(line, cursor: line.count, commands: CommandCatalog.syntax).kind == kind, "\(line)")
        }
        let ctx = CompletionAnalyzer.analyze("watch 10 cl", cursor: 11, commands: CommandCatalog.syntax)
        #expect(ctx.wordStart == 9 && ctx.prefix == "cl")
    }
}
