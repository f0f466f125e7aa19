#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CEditLine
import Foundation
import Shell

/// Reads lines from the terminal with libedit: editing, history, TAB completion, Ctrl-C,
/// suggestions from history, a right prompt, bracketed paste and the line in `$EDITOR`.
///
/// Use it only when `EditLineReader.isInteractive`; otherwise read with `PlainLineReader`.
/// Keys: emacs by default, vi with `bind -v` in `~/.editrc`; TAB completes through the
/// `Completer`; Ctrl-R searches history; Ctrl-C drops the line (`.interrupted`); Ctrl-D on
/// an empty line ends (`.end`); → or End takes the suggestion, Alt-→ its first word;
/// Ctrl-X Ctrl-E (vi: `v`), or a line ending in `\e`, edits the line in `$EDITOR`.
///
/// Terminal signals are off only inside `readLine`: there Ctrl-C is a key, not SIGINT.
/// Between calls the terminal is as it was before, so Ctrl-C during a command sends SIGINT.
public final class EditLineReader: LineReader {
    /// Whether stdin and stdout are both terminals (libedit edits only then).
    public static var isInteractive: Bool { isatty(0) != 0 && isatty(1) != 0 }

    /// The character that brackets zero-width runs (colour codes) in the prompt.
    static let promptIgnore: Unicode.Scalar = "\u{01}"

    let editLine: OpaquePointer
    /// libedit's output stream (stdout); our own terminal output goes there too, in order.
    let output: UnsafeMutablePointer<FILE>
    private let history: OpaquePointer
    private let historyFile: HistoryFile?
    /// History is written to its file beside the command that was just entered (10,000
    /// lines take libedit tens of milliseconds); the next line waits for that write.
    private let saving = DispatchGroup()
    private let saveQueue = DispatchQueue(label: "opsh.history")
    let completer: Completer
    /// Keys as they arrive, for libedit and for a paste.
    let input = TerminalInput()
    /// Lines to suggest from (history's own, as Swift keeps them).
    var suggestions: HistorySuggestions
    /// Whether to suggest now (`set suggest`, colours allowed), asked before each draw.
    let suggest: () -> Bool
    /// The right prompt's text, asked once per line.
    let rightPrompt: () -> String
    /// The suggestion on screen, and the one last offered (what → takes).
    var drawnSuggestion: SuggestionLayout?
    var offered: (line: String, rest: String)?
    /// The right prompt of this line, and where it is on screen when it is.
    var rightPromptText = ""
    var drawnRightPrompt: RightPromptLayout?
    /// The prompt as libedit reads it (escapes marked); owned here, freed in deinit.
    private var promptText: UnsafeMutablePointer<CChar>?
    /// The prompt as given, for measuring where the line starts.
    private(set) var prompt = ""
    /// Set by the Ctrl-C key function during `el_gets`.
    var interrupted = false
    /// The line (text before and after the cursor) whose candidates TAB last listed.
    var listedFor: String?

    /// - Parameters:
    ///   - programName: the name `~/.editrc` lines may be prefixed with (`opsh:bind -v`).
    ///   - completer: what TAB asks for candidates.
    ///   - historyFile: where history is loaded from and saved to; nil keeps it in memory.
    ///   - historySize: how many lines history keeps.
    ///   - suggest: whether to draw suggestions from history now (asked before each draw).
    ///   - rightPrompt: the text at the right end of the prompt's row (asked for each line).
    public init(programName: String = "opsh", completer: @escaping Completer,
                historyFile: String? = nil, historySize: Int = 10_000,
                suggest: @escaping () -> Bool = { false }, rightPrompt: @escaping () -> String = { "" }) {
        Self.enableUTF8()
        self.completer = completer
        self.suggest = suggest
        self.rightPrompt = rightPrompt
        self.suggestions = HistorySuggestions(limit: historySize)
        self.historyFile = historyFile.map(HistoryFile.init(path:))
        guard let editLine = ceditline_init(programName),
              let output = ceditline_output(editLine),
              let history = history_init() else {
            fatalError("libedit could not initialise (el_init/history_init failed)")
        }
        self.editLine = editLine
        self.output = output
        self.history = history

        ceditline_history_setsize(history, Int32(clamping: historySize))
        ceditline_history_setunique(history, 1)
        if let file = self.historyFile, file.exists {
            ceditline_history_load(history, file.path)
        }
        var entry = ceditline_history_oldest(history)
        while let line = entry {
            suggestions.add(String(cString: line))
            entry = ceditline_history_newer(history)
        }

        ceditline_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        let ignore = CChar(bitPattern: UInt8(Self.promptIgnore.value))
        ceditline_set_prompt(editLine, editLinePrompt, ignore)
        ceditline_set_reader(editLine, editLineRead)
        ceditline_set_editor(editLine, "emacs")
        ceditline_set_history(editLine, history)
        // libedit catches SIGWINCH (resize), SIGTSTP, SIGTERM … during el_gets and restores
        // the terminal before passing them on; a resize after the first reaches ours.
        ceditline_set_signal(editLine, 1)
        ceditline_watch_resize()
        input.onResize = { [unowned self] in
            // What was drawn for the old width (the right prompt at its far end) may now be
            // anywhere on the row: clear from its start, then draw the line again.
            self.write("\r\u{1B}[J")
            el_resize(self.editLine)
            self.drawnSuggestion = nil
            self.drawnRightPrompt = nil
            ceditline_refresh(self.editLine)
            self.showExtras()
        }
        // While editing, Ctrl-C is a key (bound below), never SIGINT; see `interruptKey`.
        ceditline_setty(editLine, "-d", "-isig")
        addKeyFunctions()
        bindKeys()
        // As in bash and zsh: Ctrl-W deletes the word before the cursor (libedit's emacs map
        // kills a region). Before ~/.editrc, which may bind it otherwise.
        ceditline_bind(editLine, "^W", "ed-delete-prev-word")
        ceditline_source(editLine, nil)
        // `bind -v` / `bind -e` in ~/.editrc rebuild the key maps: bind our keys again.
        bindKeys()
    }

    deinit {
        saving.wait()
        el_end(editLine)  // restores the terminal
        history_end(history)
        free(promptText)
    }

    public func readLine(prompt: String) -> LineInput {
        saving.wait()
        setPrompt(prompt)
        rightPromptText = rightPrompt()
        interrupted = false
        listedFor = nil
        drawnSuggestion = nil
        drawnRightPrompt = nil
        offered = nil
        var count: Int32 = 0
        // Editing mode before the prompt is drawn, not at el_gets' first read (see shim).
        ceditline_prepare_terminal(editLine, 1)
        write(BracketedPaste.on)
        errno = 0
        let raw = el_gets(editLine, &count)
        let failure = errno
        write(BracketedPaste.off)
        ceditline_prepare_terminal(editLine, 0)  // el_gets restores it too; be sure
        if interrupted {
            return .interrupted  // the key function already drew "^C" and the newline
        }
        guard let raw, count > 0 else {
            if count == 0, failure != EINTR {
                // Ctrl-D on an empty line: libedit echoed "^D" and left the cursor there.
                write("\n")
                return .end
            }
            // An error (the terminal went away, or a signal interrupted the read).
            if failure == EINTR {
                write("\n")
                return .interrupted
            }
            return .end
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        if let text = EditorRequest.text(of: line, last: suggestions.newest) {
            return editInEditor(text)
        }
        return .line(line)
    }

    /// Adds `line` to history (blank lines are skipped, a repeat of the last one folded)
    /// and saves history to the file, if there is one, while the line runs.
    public func remember(_ line: String) {
        guard line.contains(where: { !$0.isWhitespace }) else { return }
        saving.wait()  // a batch enters its lines one after another
        ceditline_history_enter(history, line)
        suggestions.add(line)
        guard let file = historyFile else { return }
        let history = HistoryHandle(pointer: self.history)
        saveQueue.async(group: saving) {
            if file.prepare() { ceditline_history_save(history.pointer, file.path) }
        }
    }

    /// Writes `text` to the terminal through libedit's stream.
    func write(_ text: String) {
        fputs(text, output)
        fflush(output)
    }

    /// The terminal's width in columns (80 when unknown).
    public var terminalWidth: Int {
        let columns = Int(ceditline_terminal_columns(1))
        return columns > 0 ? columns : 80
    }

    private func setPrompt(_ prompt: String) {
        guard promptText == nil || prompt != self.prompt else { return }
        self.prompt = prompt
        free(promptText)
        promptText = strdup(TerminalText.markingEscapes(prompt, ignore: Self.promptIgnore))
    }

    /// The prompt for libedit (called from C).
    var promptPointer: UnsafeMutablePointer<CChar>? { promptText }

    /// `\e` at the end of a line (pgcli): the line before it, or the last one run, in
    /// `$EDITOR`; what comes back is shown after the prompt and runs.
    private func editInEditor(_ text: String) -> LineInput {
        write(BracketedPaste.off)
        switch ExternalEditor().edit(text) {
        case .failed(let why):
            write("opsh: \(why)\n")
            return .interrupted
        case .edited(let edited):
            if !edited.isEmpty { write(TerminalText.strippingEscapes(prompt) + edited + "\n") }
            return .line(edited)
        }
    }

    /// Registers the key functions bound in `bindKeys` (see EditLineReader+Keys.swift).
    private func addKeyFunctions() {
        ceditline_add_function(editLine, "opsh-complete", "Complete the word before the cursor", editLineComplete)
        ceditline_add_function(editLine, "opsh-interrupt", "Drop the line (Ctrl-C)", editLineInterrupt)
        ceditline_add_function(editLine, "opsh-accept", "Take the suggestion, else move right", editLineAccept)
        ceditline_add_function(editLine, "opsh-accept-end", "Take the suggestion, else go to the end", editLineAcceptEnd)
        ceditline_add_function(editLine, "opsh-accept-word", "Take a word of the suggestion, else move a word", editLineAcceptWord)
        ceditline_add_function(editLine, "opsh-paste", "Insert pasted text", editLinePaste)
        ceditline_add_function(editLine, "opsh-edit", "Edit the line in $EDITOR, then run it", editLineEdit)
    }

    /// TAB and Ctrl-R (incremental history search) where text is typed (emacs, vi insert);
    /// Ctrl-C there and in vi command mode; the suggestion's keys; a paste; the editor.
    private func bindKeys() {
        ceditline_bind(editLine, "^I", "opsh-complete")
        ceditline_bind(editLine, "^R", "em-inc-search-prev")
        ceditline_bind(editLine, "^C", "opsh-interrupt")
        ceditline_bind_alternate(editLine, "^C", "opsh-interrupt")
        for key in ["\\e[C", "\\eOC", "^F"] { ceditline_bind(editLine, key, "opsh-accept") }
        for key in ["\\e[F", "\\eOF", "\\e[4~", "\\e[8~", "^E"] { ceditline_bind(editLine, key, "opsh-accept-end") }
        for key in ["\\e[1;3C", "\\e\\e[C", "\\ef"] { ceditline_bind(editLine, key, "opsh-accept-word") }
        ceditline_bind(editLine, "\\e[200~", "opsh-paste")
        ceditline_bind_alternate(editLine, "\\e[200~", "opsh-paste")
        ceditline_bind(editLine, "^X^E", "opsh-edit")
        ceditline_bind_alternate(editLine, "v", "opsh-edit")
    }

    /// libedit drops non-ASCII input unless the C library's character type is UTF-8.
    /// Only LC_CTYPE is set: LC_NUMERIC would change how C code reads "1.5".
    private static func enableUTF8() {
        let current = setlocale(LC_CTYPE, "").map { String(cString: $0) } ?? "C"
        if current == "C" || current == "POSIX" {
            _ = setlocale(LC_CTYPE, "C.UTF-8")
        }
    }
}

/// libedit's history, handed to the queue that saves it. `@unchecked Sendable` is safe here:
/// only that queue touches it while a save runs, because the main thread, the only other
/// user, waits for the save (`saving`) before it edits a line or enters one again.
private struct HistoryHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The terminal's bracketed-paste mode: on while a line is edited, so a paste arrives
/// between marks and is inserted whole; off while commands run.
enum BracketedPaste {
    static let on = "\u{1B}[?2004h"
    static let off = "\u{1B}[?2004l"
    static let start: [UInt8] = Array("\u{1B}[200~".utf8)
    static let end: [UInt8] = Array("\u{1B}[201~".utf8)
}

/// pgcli's `\e`: a line that ends in `\e` asks for the editor.
enum EditorRequest {
    /// The text to edit for `line`, or nil when it does not ask: the line before `\e`, or
    /// (for `\e` alone) `last`, the line run last.
    ///
    ///     EditorRequest.text(of: "clicks | count \\e", last: nil)   // "clicks | count"
    static func text(of line: String, last: String?) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasSuffix("\\e"), !trimmed.hasSuffix("\\\\e"), !line.contains("\n") else { return nil }
        let before = String(trimmed.dropLast(2)).trimmingCharacters(in: .whitespaces)
        return before.isEmpty ? (last ?? "") : before
    }
}

/// The Swift object behind an EditLine (set as EL_CLIENTDATA in init).
func reader(of editLine: OpaquePointer) -> EditLineReader {
    Unmanaged<EditLineReader>.fromOpaque(ceditline_clientdata(editLine)!).takeUnretainedValue()
}

/// EL_PROMPT_ESC callback.
private func editLinePrompt(_ editLine: OpaquePointer) -> UnsafeMutablePointer<CChar>? {
    reader(of: editLine).promptPointer
}

