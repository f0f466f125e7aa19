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

extension EditLineReader {
    /// The line as UTF-8 text, split at the cursor.
    private var lineAroundCursor: (before: String, after: String) {
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
            let rows = rowsOfLine(before: before, after: after)
            let lines = CandidateColumns(candidates: candidates.map(\.display), width: terminalWidth).lines
            // Down past the line's last row, the list, then as many rows as the cursor sits
            // below the line's first: for CC_REDISPLAY libedit moves up that many rows
            // (clearing them) and draws the prompt and line there again.
            write(String(repeating: "\r\n", count: rows.last - rows.cursor + 1)
                + lines.map { $0 + "\r\n" }.joined()
                + String(repeating: "\r\n", count: rows.cursor))
            return ccRedisplay
        }
    }

    /// Ends `el_gets` with the line marked interrupted, showing `^C` after the text like bash.
    func interruptKey() -> UInt8 {
        interrupted = true
        // Move to the end of the line, write ^C there, and feed a newline so libedit's own
        // ed-newline moves below the (possibly wrapped) line and makes el_gets return.
        if let info = el_wline(editLine)?.pointee, let cursor = info.cursor, let last = info.lastchar {
            el_cursor(editLine, Int32(last - cursor))
        }
        el_insertstr(editLine, "^C")
        el_push(editLine, "\n")
        return ccRefresh
    }

    /// The rows (from 0, the prompt's) that the cursor and the end of the line are on,
    /// when prompt and line wrap at the terminal width.
    private func rowsOfLine(before: String, after: String) -> (cursor: Int, last: Int) {
        let width = terminalWidth
        let promptColumns = TerminalText.columns(of: prompt)
        let cursor = (promptColumns + TerminalText.columns(of: before)) / width
        let last = (promptColumns + TerminalText.columns(of: before + after)) / width
        return (cursor, max(cursor, last))
    }
}
