import Query
import Records
import Testing

@Suite struct Tables {
    @Test func anEmptyTableSaysSoOnlyToAPerson() {
        #expect(Render.table([], options: RenderOptions(width: 80, sayEmpty: true)) == "(no rows)\n")
        #expect(Render.table([], options: RenderOptions(width: 80)) == "", "a script gets no output")
    }

    @Test func headerSeparatorRowsAndRightAlignedNumbers() async throws {
        #expect(try await rendered("clicks | select port,key_name | first 3") == """
            port  key_name
            ────  ─────────
            6260  Pi London
              22  laptop
            6260  pi-berlin

            """)
    }

    @Test func nullShowsAsNullAndMissingAsBlank() {
        let records = [Record([("a", .int(1)), ("b", .null)]), Record([("a", .int(22))])]
        #expect(Render.table(records) == """
             a  b
            ──  ────
             1  null
            22

            """)
    }

    @Test func nullIsDimInColour() {
        let text = Render.table([Record([("b", .null)])], options: RenderOptions(color: true))
        #expect(text == "\u{1B}[1mb\u{1B}[0m\n────\n\u{1B}[2mnull\u{1B}[0m\n")
    }

    @Test func wideCharactersCountTwoColumns() {
        let records = [Record([("name", .string("東京")), ("n", .int(1))]), Record([("name", .string("abc")), ("n", .int(2))])]
        #expect(Render.table(records) == """
            name  n
            ────  ─
            東京  1
            abc   2

            """)
        #expect(DisplayWidth.of("🦊") == 2)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("👩‍💻") == 2)
    }

    @Test func columnsThatDoNotFitAreLeftOutAndNamed() {
        let records = [Record([("id", .int(349)), ("name", .string("a very long key name indeed")), ("port", .int(6260))])]
        let text = Render.table(records, options: RenderOptions(width: 24))
        // Nothing is cut: the name does not fit whole, so it is left out (and named); the
        // port after it fits.
        #expect(text == """
             id  port
            ───  ────
            349  6260
            (not shown for the
            width: name; 'select'
            chooses the columns)

            """)
        for line in text.split(separator: "\n") { #expect(DisplayWidth.of(line) <= 24) }
    }

    @Test func aFewLongTextCellsAreCutWideCharactersCounted() {
        // Ten names of four wide characters and one of eight: the long one is cut with … (nine
        // in ten fit whole), the column as wide as most cells need.
        let records = (0..<10).map { _ in Record([("name", .string("東京都港"))]) } + [Record([("name", .string("東京都港区六本木"))])]
        let text = Render.table(records, options: RenderOptions(width: 12))
        #expect(text.split(separator: "\n").last == "東京都港区…")
        for line in text.split(separator: "\n") { #expect(DisplayWidth.of(line) <= 12) }
    }

    @Test func withoutAWidthNothingIsCut() {
        let long = String(repeating: "x", count: 500)
        #expect(Render.table([Record([("a", .string(long))])]).contains(long))
    }

    @Test func footerCountsRows() {
        #expect(Render.table([Record([("a", .int(1))])], options: RenderOptions(footer: true)).hasSuffix("(1 row)\n"))
        #expect(Render.table([], options: RenderOptions(footer: true)) == "(0 rows)\n")
    }

    @Test func aSingleValueIsJustTheValue() async throws {
        #expect(try await rendered("clicks | count") == "5\n")
        #expect(try await rendered("clicks | count", format: .json) == "5\n")
    }

    @Test func controlCharactersAreShownNotObeyed() {
        let text = Render.table([Record([("name", .string("\u{1B}[31mred\u{1B}[0m\r\n"))])])
        #expect(text.contains("\\e[31mred\\e[0m\\r\\n"))
        #expect(!text.contains("\u{1B}"))
    }
}

@Suite struct TerminalSafety {
    @Test func escapesControls() {
        #expect(TerminalSafe.escape("\u{1B}[31m") == "\\e[31m")
        #expect(TerminalSafe.escape("a\nb\tc\r") == "a\\nb\\tc\\r")
        #expect(TerminalSafe.escape("\u{7F}\u{0}\u{7}") == "\\x7f\\x00\\x07")
        #expect(TerminalSafe.escape("\u{9B}2J") == "\\u{9b}2J")
        #expect(TerminalSafe.escape("abc\u{202E}") == "abc\\u{202e}")
        #expect(TerminalSafe.escape("Pi London 東京 🦊 é") == "Pi London 東京 🦊 é")
    }

    @Test func jsonEscapesC1Controls() {
        #expect(JSONWriter.string(.string("a\u{9B}b\u{1B}é")) == "\"a\\u009bb\\u001bé\"")
    }
}

@Suite struct CSVOutput {
    @Test func quotesCommasQuotesAndLineBreaksWithCRLF() {
        let records = [
            Record([("name", .string("Pi, London")), ("note", .string("say \"hi\"")), ("n", .int(1))]),
            Record([("name", .string("two\nlines")), ("note", .null), ("n", .double(2.5))]),
        ]
        #expect(Render.csv(records) == "name,note,n\r\n\"Pi, London\",\"say \"\"hi\"\"\",1\r\n\"two\nlines\",,2.5\r\n")
    }

    @Test func fromAPipeline() async throws {
        #expect(try await rendered("clicks | select port,source_ip | first 2 | csv")
            == "port,source_ip\r\n6260,10.1.2.3\r\n22,2001:db8::1\r\n")
    }

    @Test func escapesTerminalControlsUnlessToldNot() {
        let records = [Record([("a", .string("x\u{1B}y"))])]
        #expect(Render.csv(records) == "a\r\nx\\ey\r\n")
        #expect(Render.csv(records, options: RenderOptions(escapeControls: false)) == "a\r\nx\u{1B}y\r\n")
    }
}

@Suite struct JSONOutput {
    @Test func oneArray() async throws {
        #expect(try await rendered("clicks | select port,key_name | first 2 | json")
            == "[{\"port\":6260,\"key_name\":\"Pi London\"},{\"port\":22,\"key_name\":\"laptop\"}]\n")
        #expect(try await rendered("clicks | where port=1 | json") == "[]\n")
    }

    @Test func prettyWhenAsked() {
        let text = Render.json([Record([("a", .int(1))]), Record([("a", .int(2))])], options: RenderOptions(prettyJSON: true))
        #expect(text == "[\n  {\n    \"a\": 1\n  },\n  {\n    \"a\": 2\n  }\n]\n")
    }

    @Test func jsonLines() async throws {
        #expect(try await rendered("clicks | select port | first 2 | jsonl") == "{\"port\":6260}\n{\"port\":22}\n")
    }
}
