#if canImport(Glibc)
import Glibc
#endif
@testable import LineEditor
import Testing

@Suite struct SuggestionTests {
    func history(_ lines: String...) -> HistorySuggestions {
        var h = HistorySuggestions()
        for line in lines { h.add(line) }
        return h
    }

    @Test func theMostRecentLineThatGoesOnIsSuggested() {
        let h = history("clicks | count", "clicks | where port=6260 | count", "keys | count", "clicks | where port=22 | count")
        #expect(h.suggestion(for: "clicks | where") == " port=22 | count")
        #expect(h.suggestion(for: "clicks | c") == "ount")
        #expect(h.suggestion(for: "k") == "eys | count")
    }

    @Test func nothingForAnEmptyLineAWholeLineOrNoMatch() {
        let h = history("keys | count")
        #expect(h.suggestion(for: "") == nil)
        #expect(h.suggestion(for: "keys | count") == nil)
        #expect(h.suggestion(for: "nodes") == nil)
        #expect(h.suggestion(for: "Keys") == nil, "case counts")
    }

    @Test func aCutThroughACharacterIsNoSuggestion() {
        // "e" then a combining accent: typing "e" must not suggest the accent alone.
        let h = history("keys | where name = \"Be\u{301}ziers\"", "keys | where name = \"Bo\"")
        #expect(h.suggestion(for: "keys | where name = \"Be") == nil)
        #expect(h.suggestion(for: "keys | where name = \"B") == "o\"")
    }

    @Test func multiLineEntriesAreNeverSuggestedAndTheOldestGoFirst() {
        var h = HistorySuggestions(limit: 2)
        h.add("nodes\nkeys")
        h.add("nodes | count")
        h.add("keys | count")
        h.add("sessions | count")
        #expect(h.count == 2)
        #expect(h.suggestion(for: "nodes") == nil)
        #expect(h.newest == "sessions | count")
    }

    @Test func altRightTakesTheBlanksAndOneWord() {
        #expect(HistorySuggestions.firstWord(of: " | where port=1") == " |")
        #expect(HistorySuggestions.firstWord(of: "ere port=1") == "ere")
        #expect(HistorySuggestions.firstWord(of: "  ") == "  ")
    }

    @Test func aSuggestionStaysOnTheCursorsRowAndClearOfTheRightPrompt() {
        let whole = SuggestionLayout(suggestion: "ere port=6260", cursorColumn: 20, width: 80, rightPromptColumns: 0)
        #expect(whole?.shown == "ere port=6260" && whole?.columns == 13)
        #expect(whole?.drawing == "\u{1B}[2mere port=6260\u{1B}[0m\u{1B}[13D")
        #expect(whole?.erasing == String(repeating: " ", count: 13) + "\u{1B}[13D")
        // 10 columns left, one kept free at the end: cut with an ellipsis.
        let cut = SuggestionLayout(suggestion: "ere port=6260", cursorColumn: 70, width: 80, rightPromptColumns: 0)
        #expect(cut?.shown == "ere port…" && cut?.columns == 9)
        // A right prompt of 16 columns takes 17 of the 59 left.
        let beside = SuggestionLayout(suggestion: String(repeating: "x", count: 60), cursorColumn: 20, width: 80, rightPromptColumns: 16)
        #expect(beside?.columns == 80 - 20 - 1 - 17)
        #expect(SuggestionLayout(suggestion: "abc", cursorColumn: 78, width: 80, rightPromptColumns: 0) == nil)
    }

    /// Widths come from wcwidth, as at the prompt: in a UTF-8 locale (opsh sets one).
    init() { setlocale(LC_CTYPE, "C.UTF-8") }

    @Test func wideCharactersAndControlsInASuggestion() {
        let wide = SuggestionLayout(suggestion: "日本語", cursorColumn: 0, width: 6, rightPromptColumns: 0)
        #expect(wide?.shown == "日本…" && wide?.columns == 5)
        let control = SuggestionLayout(suggestion: "ab\u{1B}[31mred", cursorColumn: 0, width: 80, rightPromptColumns: 0)
        #expect(control?.shown == "ab…")
    }

    @Test func typingOverTheFirstCharacterLeavesTheRest() {
        let drawn = SuggestionLayout(suggestion: "eys", cursorColumn: 12, width: 80, rightPromptColumns: 0)!
        let left = SuggestionLayout(shifting: drawn)
        #expect(left?.shown == "ys" && left?.columns == 2)
        #expect(left == SuggestionLayout(suggestion: "ys", cursorColumn: 13, width: 80, rightPromptColumns: 0))
    }

    @Test func pastedTextKeepsItsLinesAndLosesControls() {
        #expect(PastedText.clean(Array("keys | count\r\nnodes\r\n\r\n".utf8)) == "keys | count\nnodes")
        #expect(PastedText.clean(Array("a\rb\u{1B}[31m\u{07}c\td".utf8)) == "a\nb[31mc\td")
    }

    @Test func aLineEndingInBackslashEAsksForTheEditor() {
        #expect(EditorRequest.text(of: "clicks | count \\e", last: nil) == "clicks | count")
        #expect(EditorRequest.text(of: "\\e", last: "keys | count") == "keys | count")
        #expect(EditorRequest.text(of: "  \\e  ", last: nil) == "")
        #expect(EditorRequest.text(of: "clicks | count", last: "x") == nil)
        #expect(EditorRequest.text(of: "where name = \"\\\\e", last: nil) == nil)
    }

    @Test func rowsOfALineThatWrapsAndBreaks() {
        #expect(TerminalText.rowOfEnd("abc", startColumn: 11, width: 80) == 0)
        #expect(TerminalText.rowOfEnd(String(repeating: "x", count: 69), startColumn: 11, width: 80) == 1)
        #expect(TerminalText.rowOfEnd(String(repeating: "x", count: 68), startColumn: 11, width: 80) == 0)
        #expect(TerminalText.rowOfEnd("nodes\nkeys | count", startColumn: 11, width: 80) == 1)
        // A wide character that does not fit at the end of a row goes to the next.
        #expect(TerminalText.rowOfEnd("日", startColumn: 79, width: 80) == 1)
    }
}
