#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The prompt beyond TAB, typed at like a user: suggestions from history, the right prompt,
/// bracketed paste, the line in $EDITOR, saved queries, explain against timing.
@Suite struct PromptTests {
    typealias Shell = InteractiveTests.Shell
    static let prompt = InteractiveTests.prompt
    static let altRight = "\u{1B}[1;3C"

    /// Reads until the raw output, from `offset` on, contains `text` (escapes included).
    static func waitForOutput(_ shell: Shell, containing text: String, since offset: Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let deadline = ContinuousClock.now + CLI.patience
        while !String(shell.session.output.dropFirst(offset)).contains(text), ContinuousClock.now < deadline {
            _ = try? shell.session.waitForScreen("\u{1}no such text\u{1}", timeout: .milliseconds(50))
        }
        #expect(String(shell.session.output.dropFirst(offset)).contains(text),
                "no \(String(reflecting: text)) in \(String(reflecting: String(shell.session.output.dropFirst(offset)).suffix(400)))",
                sourceLocation: sourceLocation)
    }

    /// Presses Enter and returns the rows the line printed, once a new, empty prompt is the
    /// last row of the screen (trimmed, non-empty).
    static func enter(_ shell: Shell, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        func rows() -> [String] { shell.session.screenText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        let before = rows().count
        let empty = prompt.trimmingCharacters(in: .whitespaces)
        shell.session.send("\r")
        let deadline = ContinuousClock.now + InteractiveTests.wait
        while !(rows().count > before && shell.lastLine == empty), ContinuousClock.now < deadline {
            _ = try? shell.session.waitForScreen("\u{1}no such text\u{1}", timeout: .milliseconds(50))
        }
        let now = rows()
        #expect(now.count > before && shell.lastLine == empty, "no new prompt:\n\(now.suffix(12).joined(separator: "\n"))",
                sourceLocation: sourceLocation)
        return now[min(before, now.count)...].dropLast().map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    // MARK: - Suggestions

    @Test func theLastMatchingLineIsSuggestedDimAndRightTakesIt() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        #expect(try shell.run("nodes | first 2 | count") == ["2"])
        #expect(try shell.run("nodes | count") == ["3"])

        // The most recent line that goes on, dimmed after the cursor.
        var mark = shell.session.output.count
        shell.session.send("nod")
        Self.waitForOutput(shell, containing: "\u{1B}[2mes | count\u{1B}[0m", since: mark)
        shell.waitForLastLine(Self.prompt + "nodes | count")
        // → takes it: Enter runs the whole line.
        shell.session.sendKeys(.right)
        #expect(Self.enter(shell).contains("3"))

        // Alt-→ takes one word at a time; typing through the suggestion keeps it.
        mark = shell.session.output.count
        shell.session.send("nodes | f")
        Self.waitForOutput(shell, containing: "\u{1B}[2mirst 2 | count\u{1B}[0m", since: mark)
        mark = shell.session.output.count
        shell.session.send(Self.altRight)
        Self.waitForOutput(shell, containing: "\u{1B}[2m 2 | count\u{1B}[0m", since: mark)
        mark = shell.session.output.count
        shell.session.send(Self.altRight)
        Self.waitForOutput(shell, containing: "\u{1B}[2m | count\u{1B}[0m", since: mark)
        shell.waitForLastLine(Self.prompt + "nodes | first 2 | count")
        // Two words were taken, not the rest: the line is `nodes | first 2` until typed on.
        shell.session.send(" | count")
        #expect(Self.enter(shell).contains("2"))

        // A character that is not the suggestion's next takes it off the screen.
        mark = shell.session.output.count
        shell.session.send("nodes | ")
        Self.waitForOutput(shell, containing: "\u{1B}[2mfirst 2 | count\u{1B}[0m", since: mark)
        shell.session.send("x")
        shell.waitForLastLine(Self.prompt + "nodes | x")
        try shell.quit()
    }

    @Test func noSuggestionWithNoColorOrSetSuggestOff() throws {
        for (environment, setting) in [(["NO_COLOR": "1"], nil), ([:], "set suggest off")] as [([String: String], String?)] {
            let shell = try Shell(environment: environment)
            try shell.waitForPrompt()
            if let setting { #expect(try shell.run(setting) == []) }
            #expect(try shell.run("nodes | count") == ["3"])
            let mark = shell.session.output.count
            shell.session.send("nod")
            shell.waitForLastLine(Self.prompt + "nod")
            // Nothing to take: → does nothing, and Enter runs what was typed.
            shell.session.sendKeys(.right)
            let rows = Self.enter(shell)
            #expect(rows.contains { $0.contains("unknown command 'nod'") }, "\(rows)")
            #expect(!String(shell.session.output.dropFirst(mark)).contains("es | count"), "a suggestion was drawn")
            try shell.quit()
        }
    }

    @Test func suggestionsComeFromTheHistoryFileOfEarlierSessions() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/state/opsh", withIntermediateDirectories: true)
        // 10,000 lines, as libedit writes them (spaces as \040); the newest matching one wins.
        var lines = ["_HiStOrY_V2_"]
        for i in 0..<10_000 { lines.append("clicks\\040|\\040where\\040port=\(i)\\040|\\040count") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: home + "/state/opsh/history", atomically: true, encoding: .utf8)
        let shell = try Shell(home: home)
        try shell.waitForPrompt()
        let mark = shell.session.output.count
        shell.session.send("clicks | where port=99")
        Self.waitForOutput(shell, containing: "\u{1B}[2m99 | count\u{1B}[0m", since: mark)
        shell.session.sendKeys(.ctrlE)
        #expect(Self.enter(shell).count == 1)
        try shell.quit()
    }

    // MARK: - Right prompt

    /// libedit drops an escape sequence that ends a prompt: a prompt that ended in its
    /// colour's reset left the line typed, and what the command printed, in that colour.
    @Test func theLineTypedAndWhatItPrintsAreNotInThePromptsColours() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        #expect(try shell.run("nodes | count") == ["3"])
        let output = shell.session.output
        #expect(output.contains("\u{1B}[1;36mopsh demo>\u{1B}[0m "), "\(String(reflecting: output.suffix(300)))")
        // The right prompt is drawn when the line editor first waits for a key: after the
        // prompt, so wait for it rather than race it.
        Self.waitForOutput(shell, containing: "\u{1B}[2mdemo\u{1B}[0m", since: 0)
        try shell.quit()
    }

    @Test func theRightPromptNamesTheAccountAndTheClickLogsAgeWhenItFits() throws {
        let shell = try Shell(columns: 80)
        try shell.waitForPrompt()
        Self.waitForLastRow(shell, matching: /^opsh demo> {50,}demo$/)
        #expect(try shell.run("clicks | where port=6260 | count").count == 1)
        Self.waitForLastRow(shell, matching: /^opsh demo> {40,}demo · clicks \d+s$/)
        #expect(shell.lastRow.count < 80, "it ends before the edge: \(shell.lastRow)")
        // A line that reaches it hides it; one that leaves room again shows it again.
        let long = "nodes | where name = " + String(repeating: "x", count: 40)
        shell.session.send(long)
        Self.waitForLastRow(shell, where: { $0 == Self.prompt + long })
        shell.session.send(String(repeating: "\u{7F}", count: 30))
        Self.waitForLastRow(shell, matching: /^opsh demo> nodes \| where name = x{10} +demo · clicks \d+s$/)
        // A line run keeps no right prompt in the scrollback.
        shell.session.sendKeys(.ctrlU)
        #expect(try shell.run("nodes | count") == ["3"])
        #expect(shell.session.screenText.contains("opsh demo> nodes | count\n3\n"), "\(shell.session.screenText.suffix(300))")
        try shell.quit()
    }

    /// Waits until the last row of the screen matches `pattern`.
    static func waitForLastRow(_ shell: Shell, matching pattern: Regex<Substring>, sourceLocation: SourceLocation = #_sourceLocation) {
        waitForLastRow(shell, where: { $0.wholeMatch(of: pattern) != nil }, sourceLocation: sourceLocation)
    }

    /// Waits until the last row of the screen passes `test`.
    static func waitForLastRow(_ shell: Shell, where test: (String) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        let deadline = ContinuousClock.now + CLI.patience
        while !test(shell.lastRow), ContinuousClock.now < deadline {
            _ = try? shell.session.waitForScreen("\u{1}no such text\u{1}", timeout: .milliseconds(50))
        }
        #expect(test(shell.lastRow), "last row: \(String(reflecting: shell.lastRow))", sourceLocation: sourceLocation)
    }

    // MARK: - Bracketed paste

    @Test func pastedLinesWaitForEnterThenRunAsABatch() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        shell.session.send("\u{1B}[200~nodes | count\rkeys | where id > 0 | count\r\u{1B}[201~")
        try shell.session.waitForScreen("keys | where id > 0 | count")
        #expect(!shell.session.screenText.contains("\n3\n") && !shell.session.screenText.contains("1044"), "ran before Enter")
        let rows = Self.enter(shell)
        #expect(rows.contains("3") && rows.contains("1044"), "\(rows)")
        // A failure stops the batch, named by its line, as in a script.
        shell.session.send("\u{1B}[200~nodes | count\nbogus\nsessions | count\n\u{1B}[201~")
        try shell.session.waitForScreen("sessions | count")
        let failed = Self.enter(shell)
        #expect(failed.contains("3"), "\(failed)")
        #expect(failed.contains { $0.hasPrefix("opsh: line 2, column 1: unknown command 'bogus'") }, "\(failed)")
        #expect(failed.contains("opsh: the last line of the batch did not run"), "\(failed)")
        // Each line is in history on its own.
        shell.session.sendKeys(.up)
        shell.waitForLastLine(Self.prompt + "bogus")
        try shell.quit()
    }

    // MARK: - The editor

    @Test func ctrlXCtrlEAndBackslashERunWhatTheEditorLeaves() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let editor = home + "/edit.sh"
        try "#!/bin/sh\nsed -i 's/nodes/keys/' \"$1\"\n".write(toFile: editor, atomically: true, encoding: .utf8)
        chmod(editor, 0o755)
        let shell = try Shell(home: home, environment: ["EDITOR": editor, "VISUAL": ""])
        try shell.waitForPrompt()
        shell.session.send("nodes | where name != x | count")
        shell.waitForLastLine(Self.prompt + "nodes | where name != x | count")
        shell.session.send("\u{18}\u{05}")
        // The edited line on a new prompt, then what it printed.
        try shell.session.waitForScreen(Self.prompt + "keys | where name != x | count\n1044\n")

        // pgcli's \e, on the line before it: what runs is shown after the prompt.
        shell.session.send("nodes | count \\e\r")
        try shell.session.waitForScreen(Self.prompt + "nodes | count \\e\n" + Self.prompt + "keys | count\n1044\n")
        shell.waitForLastLine(Self.prompt.trimmingCharacters(in: .whitespaces))
        try shell.quit()
    }

    @Test func anEditorThatFailsLeavesTheLineAsItWas() throws {
        let shell = try Shell(environment: ["EDITOR": "false", "VISUAL": ""])
        try shell.waitForPrompt()
        shell.session.send("nodes | count")
        shell.waitForLastLine(Self.prompt + "nodes | count")
        shell.session.send("\u{18}\u{05}")
        try shell.session.waitForScreen("opsh: the editor 'false' exited with status 1; nothing was run")
        shell.waitForLastLine(Self.prompt + "nodes | count")
        #expect(Self.enter(shell).contains("3"))
        try shell.quit()
    }

    // MARK: - Saved queries and explain

    @Test func aSavedQueryCompletesItsNameAndValuesAndRuns() throws {
        let shell = try Shell()
        try shell.waitForPrompt()
        #expect(try shell.run("save hits clicks | where port=$1 | count") == ["saved 'hits'; use it as: hits ARG1"])
        #expect(try shell.run("clicks | where port > 0 | count").count == 1)
        shell.session.send("hit")
        shell.tab(until: Self.prompt + "hits")
        // $1 stands for a port: TAB lists the ports cached that fit.
        shell.session.send("626")
        shell.session.sendKeys(.tab)
        try shell.session.waitForScreen("\n6260   62619\n")
        shell.session.send("0")
        let count = Self.enter(shell)
        let direct = try shell.run("clicks | where port=6260 | count")
        #expect(count.last == direct.last, "\(count) \(direct)")
        try shell.quit()
    }

    @Test func explainSaysWhatTimingThenMeasures() throws {
        let script = """
            explain clicks | where port=6260 | count
            set timing on
            clicks | where port=6260 | count
            explain clicks | where port=6260 | count
            explain refresh clicks
            refresh clicks

            """
        let r = try CLI.opsh(["--demo"], stdin: script)
        #expect(r.status == 0, "\(r)")
        let said = r.stdout.split(separator: "\n").filter { $0.hasPrefix("requests  ") }
        let measured = r.stderr.split(separator: "\n").filter { $0.hasPrefix("time: ") }
        #expect(said == ["requests  181 (keys 2, clicks 179)", "requests  0", "requests  5 (keys 2, clicks 3)"], "\(r)")
        #expect(measured.count == 5, "\(r)")
        // The keys first (the clicks are kept with their names), then the clicks.
        #expect(measured.count == 5 && measured[1].contains(", 181 requests") && measured[1].hasSuffix("; keys 2, clicks 179"), "\(r)")
        #expect(measured.last.map { $0.contains(", 5 requests") && $0.hasSuffix("; keys 2, clicks 3") } == true, "\(r)")
    }
}
