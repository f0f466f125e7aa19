import Foundation
import Testing

/// `chart` counts what it shows and says what it needs; numbers at a terminal are readable
/// (bytes in kB, MB, GB; decimals rounded) and exact everywhere else.
@Suite struct ChartAndNumberTests {
    static func opsh(_ emulator: EmulatorProcess, _ script: String) throws -> CLI.Result {
        try CLI.opsh([], stdin: script, environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "memory",
        ])
    }

    /// A byte count as a table at a terminal shows it: powers of 1000, one decimal above bytes.
    static func readable(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(n), unit = 0
        while (v * 10).rounded() / 10 >= 1000 { v /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f ", v) + units[unit]
    }

    /// The sparkline's total is the shares' total: the clicks without a time (the null bucket,
    /// drawn as a bar with its share) are in it, and named.
    @Test func aSeriesTotalCountsTheNullBucketAsTheSharesDo() throws {
        let emulator = try EmulatorProcess(["--clicks", "40000"])
        defer { emulator.stop() }
        let run = try Self.opsh(emulator, """
            clicks | count
            clicks | where timestamp = null | count
            clicks | group timestamp by year | chart

            """)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 6, let all = Int(lines[0]), let nulls = Int(lines[1]) else {
            Issue.record("\(run)")
            return
        }
        #expect(nulls > 0, "the data has no click without a time")
        var grouped = String(all)
        for i in stride(from: grouped.count - 3, to: 0, by: -3) { grouped.insert(",", at: grouped.index(grouped.startIndex, offsetBy: i)) }
        #expect(lines[2].contains("  total \(grouped) · ") && lines[2].hasSuffix(" · null \(nulls)"), "\(lines[2])")
        // The bars: 2021, 2022, null; the shares add up to 100 %.
        #expect(lines[5].hasPrefix("null ") && lines[5].contains(" \(nulls) "), "\(lines[5])")
        let shares = lines[3...5].compactMap { $0.split(separator: " ").last.flatMap { Double($0.dropLast()) } }
        #expect(shares.count == 3 && abs(shares.reduce(0, +) - 100) < 0.2, "\(lines[3...5])")
    }

    /// Records chart cannot draw, and a single value, are one line that says what chart needs;
    /// nothing is drawn.
    @Test(arguments: [
        ("keys | chart", "keep two with select LABEL,NUMBER, or count them with group FIELD before chart"),
        ("keys | select name,url | chart", "chart needs a number in each record, and name, url holds none"),
        ("clicks | count | chart", "'count' leaves a single value; try ... | group FIELD | chart"),
    ])
    func chartSaysWhatItNeeds(line: String, says: String) throws {
        let emulator = try EmulatorProcess(["--clicks", "1000"])
        defer { emulator.stop() }
        let run = try Self.opsh(emulator, line + "\n")
        #expect(run.status == 1 && run.stdout.isEmpty, "\(run)")
        #expect(run.stderrLines.count == 1 && run.stderr.contains(says), "\(run)")
    }

    /// At a terminal: bytes in kB/MB/GB (powers of 1000, one decimal) and an average to two
    /// places; through a pipe and in JSON, the same numbers exact.
    @Test func bytesAreReadableAtATerminalAndExactElsewhere() throws {
        let emulator = try EmulatorProcess(["--clicks", "5000"])
        defer { emulator.stop() }
        let lines = ["keys | sum bytes_this_month", "clicks | avg port", "keys | sort -bytes_this_month | first 1 | select id,bytes_this_month"]
        let piped = try Self.opsh(emulator, lines.joined(separator: "\n") + "\nkeys | sort -bytes_this_month | first 1 | select bytes_this_month | jsonl\n")
        #expect(piped.status == 0, "\(piped)")
        let out = piped.stdout.split(separator: "\n").map(String.init)
        // The sum, the average, the row (id, tab, bytes), the JSON line.
        guard out.count == 4, let sum = Int(out[0]), let avg = Double(out[1]),
              let top = out[2].split(separator: "\t").last.flatMap({ Int($0) }) else {
            Issue.record("\(piped)")
            return
        }
        #expect(out[1].split(separator: ".").last!.count > 2, "the average is not a long decimal: \(out[1])")
        #expect(out[3] == "{\"bytes_this_month\":\(top)}")
        #expect(sum > 1_000_000_000 && top > 1_000_000, "the data has no large byte counts")

        let prompt = "opsh 127.0.0.1> "
        let shell = try InteractiveTests.Shell([], environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "memory",
        ], columns: 150)
        try shell.waitForPrompt(prompt)
        #expect(try shell.run(lines[0], prompt: prompt) == [Self.readable(sum)])
        // Two places at most, and the same number to them.
        let shown = try shell.run(lines[1], prompt: prompt)
        #expect(shown.count == 1 && (shown.first?.split(separator: ".").last?.count ?? 9) <= 2, "\(shown)")
        #expect(abs((Double(shown.first ?? "") ?? 0) - (avg * 100).rounded() / 100) < 1e-6, "\(shown) for \(avg)")
        let table = try shell.run(lines[2], prompt: prompt)
        #expect(table.last?.hasSuffix("  " + Self.readable(top)) == true, "\(table)")
        #expect(try shell.run("keys | sort -bytes_this_month | first 1 | select bytes_this_month | jsonl", prompt: prompt)
                    == ["{\"bytes_this_month\":\(top)}"])
        try shell.quit()
    }
}
