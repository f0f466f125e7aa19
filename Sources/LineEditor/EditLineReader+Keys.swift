#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CEditLine
import Shell

// libedit's editor-function return codes (macros in histedit.h).
private let ccRefresh = UInt8(CC_REFRESH)
private let ccRedisplay = UInt8(CC_REDISPLAY)
private let ccCursor = UInt8(CC_CURSOR)
private let ccError = UInt8(CC_ERROR)
private let ccNorm = UInt8(CC_NORM)

/// TAB: asks the completer and edits the line (EL_ADDFN "opsh-complete").
func editLineComplete(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).completeKey()
}

/// Ctrl-C: drops the line (EL_ADDFN "opsh-interrupt").
func editLineInterrupt(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).interruptKey()
}

/// →: takes the suggestion shown, else moves right (EL_ADDFN "opsh-accept").
func editLineAccept(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).acceptKey(.all, otherwise: .right)
}

/// End: takes the suggestion shown, else goes to the end (EL_ADDFN "opsh-accept-end").
func editLineAcceptEnd(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).acceptKey(.all, otherwise: .end)
}

/// Alt-→: takes the suggestion's first word, else moves a word (EL_ADDFN "opsh-accept-word").
func editLineAcceptWord(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).acceptKey(.word, otherwise: .nextWord)
}

/// The start of a bracketed paste (EL_ADDFN "opsh-paste").
func editLinePaste(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).pasteKey()
}

/// Ctrl-X Ctrl-E: the line in `$EDITOR`, then run (EL_ADDFN "opsh-edit").
func editLineEdit(_ editLine: OpaquePointer, _ key: Int32) -> UInt8 {
    reader(of: editLine).editKey()
}

/// EL_GETCFN: the next key, with the suggestion drawn while the user thinks.
func editLineRead(_ editLine: OpaquePointer, _ character: UnsafeMutablePointer<wchar_t>) -> Int32 {
    reader(of: editLine).readKey(into: character)
}

extension EditLineReader {
    /// The line as UTF-8 text, split at the cursor.
    var lineAroundCursor: (before: String, after: String) {
        let info = el_line(editLine)!.pointee
        let start = UnsafeRawPointer(info.buffer!)
        let cursor = UnsafeRawPointer(info.cursor!) - start
        let end = UnsafeRawPointer(info.lastchar!) - start
        let bytes = UnsafeRawBufferPointer(start: start, count: end)
        return (String(decoding: bytes[..<cursor], as: UTF8.self),
                String(decoding: bytes[cursor...], as: UTF8.self))
    }

    func completeKey() -> UInt8 {
        let (before, after) = lineAroundCursor
        let completion = completer(before + after, before.count)
        switch CompletionEdit.decide(textBeforeCursor: before, completion: completion) {
        case .beep:
            return ccError
        case let .replace(deleteScalars, insert):
            listedFor = nil
            el_deletestr(editLine, Int32(deleteScalars))
            if !insert.isEmpty, el_insertstr(editLine, insert) != 0 { return ccError }
            return ccRefresh
        case let .list(candidates):
            // A second TAB on the same line does not print the same list again.
            let line = before + "\u{0}" + after
            if listedFor == line { return ccNorm }
            listedFor = line
            let lines = CandidateColumns(candidates: candidates.map(\.display), width: terminalWidth).lines
            write(belowTheLine(before: before, after: after, text: lines.map { $0 + "\r\n" }.joined()))
            return ccRedisplay
        }
    }

    /// Ends `el_gets` with the line marked interrupted, showing `^C` after the text like bash.
    func interruptKey() -> UInt8 {
        interrupted = true
        // Move to the end of the line, write ^C there, and feed a newline so libedit's own
        // ed-newline moves below the (possibly wrapped) line and makes el_gets return.
        moveToEnd()
        el_insertstr(editLine, "^C")
        el_push(editLine, "\n")
        return ccRefresh
    }

    enum Take { case all, word }
    enum Move { case right, end, nextWord }

    /// Takes the suggestion offered for the line as it is (or its first word); without one,
    /// does what the key does in libedit.
    func acceptKey(_ take: Take, otherwise move: Move) -> UInt8 {
        let (before, after) = lineAroundCursor
        if after.isEmpty, let offered, offered.line == before {
            let text = take == .all ? offered.rest : HistorySuggestions.firstWord(of: offered.rest)
            if el_insertstr(editLine, text) != 0 { return ccError }
            return ccRefresh
        }
        switch move {
        case .right:
            guard !after.isEmpty else { return ccCursor }
            el_cursor(editLine, 1)
        case .end:
            moveToEnd()
        case .nextWord:
            let skip = after.prefix { !$0.isLetter && !$0.isNumber }.unicodeScalars.count
            let word = after.unicodeScalars.dropFirst(skip).prefix { $0.properties.isAlphabetic || ("0"..."9").contains($0) }.count
            el_cursor(editLine, Int32(skip + word))
        }
        return ccCursor
    }

    /// Reads the pasted text up to the terminal's end mark and inserts it, newlines and all:
    /// Enter then runs it as a batch.
    func pasteKey() -> UInt8 {
        let text = PastedText.clean(input.bytes(upTo: BracketedPaste.end))
        guard !text.isEmpty else { return ccRefresh }
        return el_insertstr(editLine, text) == 0 ? ccRefresh : ccError
    }

    /// Ctrl-X Ctrl-E: writes the line to a file, runs the editor on it, and runs what comes
    /// back (shown on a new prompt below the old line); if the editor fails, the line stays.
    func editKey() -> UInt8 {
        let (before, after) = lineAroundCursor
        write(belowTheLine(before: before, after: after, text: "", afterwards: false))
        write(BracketedPaste.off)
        ceditline_prepare_terminal(editLine, 0)
        let outcome = ExternalEditor().edit(before + after)
        ceditline_prepare_terminal(editLine, 1)
        write(BracketedPaste.on)
        let rows = rowsOfLine(before: before, after: after)
        switch outcome {
        case .failed(let why):
            write("opsh: \(why)\r\n" + String(repeating: "\r\n", count: rows.cursor))
        case .edited(let text):
            write(String(repeating: "\r\n", count: rows.cursor))
            el_replacestr(editLine, text)
            el_push(editLine, "\n")
        }
        drawnSuggestion = nil
        return ccRedisplay
    }

    /// Moves the cursor to the end of the line.
    func moveToEnd() {
        if let info = el_wline(editLine)?.pointee, let cursor = info.cursor, let last = info.lastchar {
            el_cursor(editLine, Int32(last - cursor))
        }
    }

    /// Text to write so that `text` appears on the rows below the line and libedit, told to
    /// redisplay (CC_REDISPLAY: it moves up as many rows as the cursor sat below the line's
    /// first, clearing them), draws the prompt and line again after it. With `afterwards`
    /// false the rows that make room for the redisplay are left for the caller to write.
    func belowTheLine(before: String, after: String, text: String, afterwards: Bool = true) -> String {
        let rows = rowsOfLine(before: before, after: after)
        return String(repeating: "\r\n", count: rows.last - rows.cursor + 1) + text
            + (afterwards ? String(repeating: "\r\n", count: rows.cursor) : "")
    }

    /// The rows (from 0, the prompt's) that the cursor and the end of the line are on,
    /// when prompt and line wrap at the terminal width (and break at newlines).
    func rowsOfLine(before: String, after: String) -> (cursor: Int, last: Int) {
        let promptColumns = TerminalText.columns(of: prompt)
        let cursor = TerminalText.rowOfEnd(before, startColumn: promptColumns, width: terminalWidth)
        let last = TerminalText.rowOfEnd(before + after, startColumn: promptColumns, width: terminalWidth)
        return (cursor, max(cursor, last))
    }
}

extension EditLineReader {
    /// One key for libedit. Before waiting for it, the suggestion and the right prompt are
    /// drawn (when no key is waiting already). When it comes they are taken off the screen
    /// before libedit acts on it, in the same write as libedit's answer, unless the key is
    /// a character typed at the end of the line: then the right prompt stays while the line
    /// leaves room, and the suggestion while the character is its next one, typed through.
    func readKey(into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        if !input.hasPending { showExtras() }
        errno = 0
        guard let scalar = input.character() else {
            hideExtras(flush: true)
            return errno == 0 ? 0 : -1
        }
        let typed = scalar.value >= 0x20 && scalar.value != 0x7F
            && ceditline_editor(editLine).map({ String(cString: $0) }) == "emacs"
        let (before, after) = lineAroundCursor
        let atEnd = typed && after.isEmpty && !before.contains("\n")
        let lineEnd = TerminalText.columns(of: prompt) + TerminalText.columns(of: before)
        if let drawn = drawnSuggestion, atEnd, drawn.shown.count > 1, drawn.shown.unicodeScalars.first == scalar,
           drawn.shown.first?.unicodeScalars.count == 1 {
            // libedit writes the character over the dimmed one: the rest stays where it is.
            drawnSuggestion = SuggestionLayout(shifting: drawn)
        } else {
            hideSuggestion()
        }
        let width = TerminalText.columns(of: String(Character(scalar)))
        if let right = drawnRightPrompt, !(atEnd && right.leavesRoom(lineEnd: lineEnd + width)) {
            fputs(right.erasing(cursorColumn: lineCursorColumn(before)), output)
            drawnRightPrompt = nil
        }
        character.pointee = wchar_t(bitPattern: scalar.value)
        return 1
    }

    /// The cursor's column on its row, with `before` the line up to it.
    func lineCursorColumn(_ before: String) -> Int {
        (TerminalText.columns(of: prompt) + TerminalText.columns(of: before)) % terminalWidth
    }

    /// Draws what is drawn around the line: the right prompt while the line leaves it room on
    /// the prompt's row, and the suggestion for the line (or takes a stale one off), only at
    /// the end of a one-row line, with suggestions on, never over the right prompt.
    func showExtras() {
        let (before, after) = lineAroundCursor
        let width = terminalWidth
        let promptColumns = TerminalText.columns(of: prompt)
        let lineEnd = promptColumns + TerminalText.columns(of: before + after)
        let oneRow = lineEnd < width && !(before + after).contains("\n")
        let right = oneRow ? RightPromptLayout(text: rightPromptText, lineEnd: lineEnd, width: width) : nil
        var text = ""
        if right != drawnRightPrompt {
            let cursor = lineCursorColumn(before)
            text += (drawnRightPrompt?.erasing(cursorColumn: cursor) ?? "") + (right?.drawing(cursorColumn: cursor) ?? "")
            drawnRightPrompt = right
        }
        var layout: SuggestionLayout?
        if suggest(), after.isEmpty, !before.isEmpty, oneRow, let rest = suggestions.suggestion(for: before) {
            layout = SuggestionLayout(suggestion: rest, cursorColumn: lineEnd, width: width, rightPromptColumns: right?.columns ?? 0)
            offered = layout == nil ? nil : (before, rest)
        } else {
            offered = nil
        }
        if layout != drawnSuggestion {
            text += (drawnSuggestion?.erasing ?? "") + (layout?.drawing ?? "")
            drawnSuggestion = layout
        }
        if !text.isEmpty { write(text) }
    }

    /// Takes the drawn suggestion off the screen. Not flushed: libedit's answer to the key
    /// goes out in the same write, so the line is never seen without it and then with it.
    func hideSuggestion() {
        guard let drawn = drawnSuggestion else { return }
        fputs(drawn.erasing, output)
        drawnSuggestion = nil
    }

    /// Takes the suggestion and the right prompt off the screen, now.
    func hideExtras(flush: Bool) {
        hideSuggestion()
        if let right = drawnRightPrompt {
            fputs(right.erasing(cursorColumn: lineCursorColumn(lineAroundCursor.before)), output)
            drawnRightPrompt = nil
        }
        if flush { fflush(output) }
    }
}
