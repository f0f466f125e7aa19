import Foundation
import Testing

/// Tables as a person at a terminal and a script see them (issue 27 items 1 to 3): the
/// columns a person wants first, nothing cut at 80 columns (columns that do not fit are left
/// out and named), lines whole into the pager, plain rows for a pipe, the format of a file
/// from its name. Through the real binary: at a pseudo-terminal of 80 and 150 columns, a
/// pipe, files.
@Suite struct TableOutputTests {
    typealias Shell = InteractiveTests.Shell

    /// `line` rendered whole, as the line names `table` and writes to a pipe: every cell as
    /// it is, nothing fitted to a width.
    static func uncut(_ line: String) throws -> [String] {
        let r = try CLI.opsh(["--demo", "-c", line + " | table"])
        #expect(r.status == 0, "\(r)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    /// The words of a row; the demo's own address (each process serves on a port of its own)
    /// as `127.0.0.1:PORT`.
    static func words(_ line: String) -> [Substring] {
        line.replacing(/127\.0\.0\.1:\d+/, with: "127.0.0.1:PORT").split(separator: " ")
    }

    /// The rows of a table shown, without the note under it.
    static func table(_ shown: [String]) -> [String] { Array(shown.prefix { !$0.hasPrefix("(not shown") }) }

    /// The note under a table, its lines joined.
    static func note(_ shown: [String]) -> String { shown.drop { !$0.hasPrefix("(not shown") }.joined(separator: " ") }

    /// Every word of each row shown is a word of the same row of the whole table: a cell cut
    /// with … (a number `388227…`, a time `2019-1…`) would not be.
    static func expectNothingCut(_ shown: [String], whole: [String], columns: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, row) in table(shown).enumerated() where i != 1 && i < whole.count {
            let all = Set(words(whole[i]))
            // A byte count at a terminal is readable (`3.9 GB`): that of a whole number of the row.
            var row = row
            for match in row.matches(of: /(\d+(\.\d)? (B|kB|MB|GB|TB|PB|EB))(?= |$)/).reversed() {
                let exact = all.compactMap { Int($0) }.contains { ChartAndNumberTests.readable($0) == String(match.1) }
                #expect(exact, "'\(match.1)' is no byte count of \(whole[i])", sourceLocation: sourceLocation)
                row.replaceSubrange(match.range, with: "")
            }
            for word in words(row) {
                #expect(all.contains(word), "'\(word)' is not a whole cell of \(whole[i])", sourceLocation: sourceLocation)
            }
            #expect(!row.contains("…"), "\(row)", sourceLocation: sourceLocation)
        }
        for row in shown { #expect(row.count <= columns, "wider than \(columns): \(row)", sourceLocation: sourceLocation) }
    }

    @Test("keys, sessions and clicks open with the columns a person wants first, whole, at 80 and 150 columns",
          arguments: [80, 150])
    func defaultColumns(columns: Int) throws {
        let shell = try Shell(columns: UInt16(columns))
        try shell.waitForPrompt()
        let keys = try shell.run("keys | first 4")
        #expect(keys.first.map(Self.words) == ["id", "name", "last_connection_time", "bytes_this_month"], "\(keys)")
        Self.expectNothingCut(keys, whole: try Self.uncut("keys | first 4"), columns: columns)
        #expect(keys.count == 6, "a header, a rule and 4 keys: \(keys)")

        let sessions = try shell.run("sessions | first 3")
        #expect(sessions.first.map(Self.words) == ["port", "local_port", "server", "key.name"], "\(sessions)")
        let clicks = try shell.run("clicks | first 3")
        #expect(clicks.first.map(Self.words) == ["timestamp", "port", "source_ip", "key_name"], "\(clicks)")
        Self.expectNothingCut(clicks, whole: try Self.uncut("clicks | first 3"), columns: columns)
        // A field the line sorts by is shown too, or named under the table when it does not fit.
        let sorted = try shell.run("keys | sort -creation_time | first 3")
        let header = ["id", "name", "last_connection_time", "bytes_this_month"]
        if columns >= 150 {
            #expect(sorted.first.map { Self.words($0).map(String.init) } == header + ["creation_time"], "\(sorted)")
        } else {
            #expect(sorted.first.map { Self.words($0).map(String.init) } == header, "\(sorted)")
            #expect(Self.note(sorted) == "(not shown for the width: creation_time; 'select' chooses the columns)", "\(sorted)")
        }
        try shell.quit()
    }

    @Test("select * shows every field; at 80 columns those that do not fit are left out and named, nothing is cut")
    func everyFieldAtANarrowTerminal() throws {
        let whole = try Self.uncut("keys | select * | first 4")
        let fields = Self.words(try #require(whole.first)).map(String.init)
        #expect(fields.contains("public_key") && fields.contains("url") && fields.count == 9, "\(whole[0])")

        let narrow = try Shell(columns: 80)
        try narrow.waitForPrompt()
        let shown = try narrow.run("keys | select * | first 4")
        Self.expectNothingCut(shown, whole: whole, columns: 80)
        let header = Self.words(try #require(shown.first)).map(String.init)
        let left = fields.filter { !header.contains($0) }
        #expect(!left.isEmpty && left.contains("public_key"), "\(shown)")
        #expect(Self.note(shown) == "(not shown for the width: \(left.joined(separator: ", ")); 'select' chooses the columns)", "\(shown)")
        try narrow.quit()

        let wide = try Shell(columns: 150)
        try wide.waitForPrompt()
        let more = try wide.run("keys | select * | first 4")
        Self.expectNothingCut(more, whole: whole, columns: 150)
        #expect(Self.words(try #require(more.first)).count > header.count, "150 columns show more of them: \(more)")
        try wide.quit()
    }

    @Test("a table the pager shows keeps its lines whole (less -S scrolls sideways)")
    func wholeLinesIntoThePager() throws {
        let key = try CLI.opsh(["--demo", "-c", "keys | where id = 374 | select public_key | jsonl"])
        let publicKey = try #require(try JSONSerialization.jsonObject(with: Data(key.stdout.utf8)) as? [String: String])["public_key"]
        let shell = try Shell(columns: 80)
        try shell.waitForPrompt()
        let printed = try shell.written("keys | select *")
        #expect(printed.contains(publicKey!), "the public key reached the pager whole")
        #expect(!printed.contains("(not shown"))
        try shell.quit()
    }

    @Test("JSON, CSV and JSON lines keep every field")
    func machineFormatsKeepEveryField() throws {
        let json = try CLI.opsh(["--demo", "-c", "keys | first 1 | json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]).first
        #expect(Set(object?.keys.map { $0 } ?? []) == ["url", "public_key", "name", "id", "last_connection_time", "creation_time",
                                                       "redirect_token", "bytes_this_month", "counter_reset_time"], "\(json)")
        let csv = try CLI.opsh(["--demo", "-c", "sessions | first 1 | csv"])
        #expect(csv.stdout.hasPrefix("key,port,local_port,server,http_forwarding_address,open_port_for_ip_link,redirect_url\r\n"), "\(csv)")
    }

    @Test("a pipe gets plain tab-separated rows: no header, no rules, values whole")
    func plainRowsIntoAPipe() throws {
        let r = try CLI.opsh(["--demo", "-c", "keys | select id,name | first 3"])
        #expect(r.status == 0 && !r.stdout.contains("─"), "\(r)")
        let csv = try CLI.opsh(["--demo", "-c", "keys | select id,name | first 3 | csv"])
        let expected = csv.stdout.split(separator: "\r\n").dropFirst().map { $0.replacingOccurrences(of: ",", with: "\t") }
        #expect(r.stdout.split(separator: "\n").map(String.init) == expected, "\(r)")

        // The default columns, every value exact (a pipe has no width).
        let keys = try CLI.opsh(["--demo", "-c", "keys | where id = 393"])
        let exact = try CLI.opsh(["--demo", "-c", "keys | where id = 393 | select id,name,last_connection_time,bytes_this_month | csv"])
        let values = try #require(exact.stdout.split(separator: "\r\n").last).split(separator: ",", omittingEmptySubsequences: false)
        // CSV keeps the API's time; rows show it in set timezone's zone (UTC).
        let shown = values.map { value in
            TimeModelTests.instant(String(value)).map { TimeModelTests.written($0.0, fraction: $0.fraction, in: TimeZone(identifier: "UTC")!) }
                ?? String(value)
        }
        #expect(keys.stdout == shown.joined(separator: "\t") + "\n", "\(keys)")
        // Null and missing are empty fields.
        let null = try CLI.opsh(["--demo", "-c", "keys | where id = 374 | select id,last_connection_time"])
        #expect(null.stdout == "374\t\n", "\(null)")
    }

    @Test("> FILE takes its format from the name; a renderer the line names wins")
    func formatFromTheFileName() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = [
            "keys | select id,name | where id < 380 > \(dir)/k.csv",
            "keys | select id,name | where id < 380 > \(dir)/k.json",
            "keys | select id,name | where id < 380 > \(dir)/k.jsonl",
            "keys | select id,name | where id < 380 > \(dir)/k.txt",
            "keys | select id,name | where id < 380 | table > \(dir)/t.txt",
            "keys | select id,name | where id < 380 | csv > \(dir)/named.json",
            "keys | where id < 380 | count > \(dir)/n.json",
        ]
        let r = try CLI.opsh(["--demo"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(r.status == 0 && r.stdout.isEmpty, "\(r)")
        func read(_ name: String) throws -> String { try String(contentsOfFile: dir + "/" + name, encoding: .utf8) }
        #expect(try read("k.csv") == "id,name\r\n374,Box Bruges\r\n")
        #expect(try read("k.json") == #"[{"id":374,"name":"Box Bruges"}]"# + "\n")
        #expect(try read("k.jsonl") == #"{"id":374,"name":"Box Bruges"}"# + "\n")
        #expect(try read("k.txt") == "374\tBox Bruges\n")
        #expect(try read("t.txt") == " id  name\n───  ──────────\n374  Box Bruges\n", "a named table keeps its header and rules")
        #expect(try read("named.json") == "id,name\r\n374,Box Bruges\r\n")
        #expect(try read("n.json") == "1\n")
    }
}
