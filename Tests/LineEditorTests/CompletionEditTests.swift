@testable import LineEditor
import Shell
import Testing

@Suite struct CompletionEditTests {
    func candidates(_ inserts: String...) -> [CompletionCandidate] { inserts.map { CompletionCandidate(insert: $0) } }

    @Test func oneCandidateReplacesTheWordAndAddsASpace() {
        let edit = CompletionEdit.decide(textBeforeCursor: "cl", completion: .init(wordStart: 0, candidates: candidates("clicks")))
        #expect(edit == .replace(deleteScalars: 2, insert: "clicks "))
    }

    @Test func noSpaceWhenTheCandidateSaysSo() {
        let c = CompletionCandidate(insert: "clicks.", appendSpace: false)
        #expect(CompletionEdit.decide(textBeforeCursor: "x cl", completion: .init(wordStart: 2, candidates: [c]))
                == .replace(deleteScalars: 2, insert: "clicks."))
    }

    @Test func deletionCountsScalarsNotBytesOrCharacters() {
        // "e\u{301}" is one Character, two scalars (what el_deletestr counts), three bytes.
        let edit = CompletionEdit.decide(textBeforeCursor: "where \"Pi 日e\u{301}",
                                         completion: .init(wordStart: 6, candidates: candidates("\"Pi 日本\"")))
        #expect(edit == .replace(deleteScalars: 7, insert: "\"Pi 日本\" "))
    }

    @Test func severalCandidatesInsertTheirCommonPrefix() {
        let edit = CompletionEdit.decide(textBeforeCursor: "se", completion: .init(wordStart: 0, candidates: candidates("sessions", "session-log")))
        #expect(edit == .replace(deleteScalars: 2, insert: "session"))
    }

    @Test func severalCandidatesAreListedWhenNothingMoreIsCommon() {
        let c = candidates("sessions", "session-log")
        #expect(CompletionEdit.decide(textBeforeCursor: "session", completion: .init(wordStart: 0, candidates: c)) == .list(c))
    }

    @Test func noCandidatesBeep() {
        #expect(CompletionEdit.decide(textBeforeCursor: "zz", completion: .none) == .beep)
    }

    @Test func columnsGoDownThenAcross() {
        #expect(CandidateColumns(candidates: ["clicks", "keys", "nodes"], width: 20).lines == ["clicks  nodes", "keys"])
        #expect(CandidateColumns(candidates: ["a", "b"], width: 1).lines == ["a", "b"])
    }

    @Test func longListsAreCut() {
        let lines = CandidateColumns(candidates: (1...150).map { "k\($0)" }, width: 80).lines
        #expect(lines.last == "… and 50 more")
    }

    @Test func promptEscapesAreMarkedAndTakeNoColumns() {
        let prompt = "\u{1B}[1;32mopsh\u{1B}[0m> "
        #expect(TerminalText.markingEscapes(prompt, ignore: "\u{01}") == "\u{01}\u{1B}[1;32m\u{01}opsh\u{01}\u{1B}[0m\u{01}> ")
        #expect(TerminalText.columns(of: prompt) == 6)
    }
}
