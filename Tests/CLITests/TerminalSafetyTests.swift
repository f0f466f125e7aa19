#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Escape sequences and control characters from the server (the demo key 2392 is named
/// `ESC[31mred alert ESC[0m`) or typed into an error never reach a terminal raw.
@Suite struct TerminalSafetyTests {
    static let payload = "\u{1B}[31m"

    /// What a line typed by a user may contain that opsh echoes into a message.
    static let hostileWords = ["\u{1B}[31mnope\u{1B}[0m", "\u{1B}]0;pwned\u{07}", "a\u{1B}[2Jb", "x\ry", "\u{9B}31m"]

    @Test func serverStringsAreEscapedAtATerminal() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = CLI.environment(home: home, ["NO_COLOR": "1", "PAGER": "cat"])
        let session = try PTYSession(executable: CLI.executable("opsh"), arguments: ["--demo"], environment: env, columns: 200)
        let prompt = "opsh demo> "
        try session.waitFor(prompt)
        let lines = [
            "keys 2392",
            "keys | where id=2392",
            "keys | where id=2392 | table",
            "keys | where id=2392 | json",
            "keys | where id=2392 | jsonl",
            "keys | where id=2392 | csv",
            "keys | where id=2392 | select name,public_key",
            "keys | where name ~ red | uniq name",
            "keys | where name ~ red | group name",
            "keys | sort name | first 2",
            "clicks | where key_name ~ red | first 3",
            "sessions | select port,key.name | first 300",
            "keys red alert",
            "open 1",
        ]
        for line in lines {
            session.send(line + "\r")
            try session.waitFor(prompt)
        }
        session.sendKeys(.ctrlD)
        _ = try session.waitForExit()
        let raw = session.output
        #expect(!raw.contains(Self.payload), "a raw ESC[31m reached the terminal:\n\(String(reflecting: raw.suffix(2000)))")
        #expect(!raw.contains("\u{1B}[0m"), "a raw ESC[0m reached the terminal (NO_COLOR is set)")
        #expect(raw.contains("\\e[31mred alert\\e[0m"), "the name is shown, escaped")
    }

    @Test func tablesToAPipeAreEscapedAndJSONEscapesItself() throws {
        let result = try CLI.opsh(["--demo", "--keep-going"], stdin: """
            keys | where id=2392
            keys | where id=2392 | select id,name
            keys | where id=2392 | json
            keys | where id=2392 | jsonl
            keys | where name ~ red | uniq name
            keys 2392

            """)
        #expect(result.status == 0, "\(result)")
        #expect(!result.stdout.contains("\u{1B}"), "raw ESC on stdout\n\(String(reflecting: result.stdout))")
        #expect(result.stdout.contains("\\e[31mred alert\\e[0m"), "\(result)")
        #expect(result.stdout.contains("\\u001b[31mred alert\\u001b[0m"), "JSON escapes it\n\(result)")
        // CSV to a file or pipe keeps the bytes: that is the data, and the format can carry it.
        let csv = try CLI.opsh(["--demo"], stdin: "keys | where id=2392 | select name | csv\n")
        #expect(csv.stdout.contains("\u{1B}[31mred alert"), "\(csv)")
    }

    static func rawControls(in text: String) -> [String] {
        ["\u{1B}", "\u{07}", "\r", "\u{9B}"].filter { text.contains($0) }.map { String(reflecting: $0) }
    }

    @Test func hostileTextInErrorsIsEscaped() throws {
        var script = ""
        for word in Self.hostileWords {
            script += "keys \(word)\n"
            script += "help \(word)\n"
            script += "\(word) | count\n"
            script += "set \(word) 1\n"
            script += "set format \(word)\n"
            script += "refresh \(word)\n"
            script += "get \(word)\n"
            script += "open \(word)\n"
            script += "keys rm \(word) --yes\n"
            script += "keys | where name = \"\(word)\" | count\n"
        }
        let result = try CLI.opsh(["--demo", "--keep-going"], stdin: script)
        #expect(result.status == 1, "\(result)")
        #expect(Self.rawControls(in: result.stderr).isEmpty, "raw controls on stderr:\n\(String(reflecting: result.stderr))")
        #expect(Self.rawControls(in: result.stdout).isEmpty, "raw controls on stdout:\n\(String(reflecting: result.stdout))")
        #expect(result.stderr.contains("\\e[31mnope"), "\(result)")
    }

    /// Errors about the line's own stages and fields (QueryError) quote what was typed.
    @Test func hostileTextInStageAndFieldErrorsIsEscaped() throws {
        var script = ""
        for word in Self.hostileWords {
            script += "keys | \(word)\n"
            script += "keys | where \(word) = 1\n"
            script += "keys | select \(word)\n"
            script += "keys | sort \(word)\n"
        }
        let result = try CLI.opsh(["--demo", "--keep-going"], stdin: script)
        #expect(result.status == 1, "\(result)")
        #expect(Self.rawControls(in: result.stdout).isEmpty, "raw controls on stdout:\n\(String(reflecting: result.stdout))")
        #expect(Self.rawControls(in: result.stderr).isEmpty, "raw controls on stderr:\n\(String(reflecting: result.stderr))")
    }
}
