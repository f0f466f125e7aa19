#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CEditLine
import Shell

/// Reads lines from the terminal with libedit: editing, history, TAB completion, Ctrl-C.
///
/// Use it only when `EditLineReader.isInteractive`; otherwise read with `PlainLineReader`.
/// Keys: emacs by default, vi with `bind -v` in `~/.editrc`; TAB completes through the
/// `Completer`; Ctrl-R searches history; Ctrl-C drops the line (`.interrupted`); Ctrl-D on
/// an empty line ends (`.end`).
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
    let completer: Completer
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
    public init(programName: String = "opsh", completer: @escaping Completer,
                historyFile: String? = nil, historySize: Int = 1000) {
        Self.enableUTF8()
        self.completer = completer
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

        ceditline_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        ceditline_set_prompt(editLine, editLinePrompt, CChar(bitPattern: UInt8(Self.promptIgnore.value)))
        ceditline_set_editor(editLine, "emacs")
        ceditline_set_history(editLine, history)
        // libedit catches SIGWINCH (resize), SIGTSTP, SIGTERM … during el_gets and restores
        // the terminal before passing them on.
        ceditline_set_signal(editLine, 1)
        // While editing, Ctrl-C is a key (bound below), never SIGINT; see `interruptKey`.
        ceditline_setty(editLine, "-d", "-isig")
        ceditline_add_function(editLine, "opsh-complete", "Complete the word before the cursor", editLineComplete)
        ceditline_add_function(editLine, "opsh-interrupt", "Drop the line (Ctrl-C)", editLineInterrupt)
        bindKeys()
        // As in bash and zsh: Ctrl-W deletes the word before the cursor (libedit's emacs map
        // kills a region). Before ~/.editrc, which may bind it otherwise.
        ceditline_bind(editLine, "^W", "ed-delete-prev-word")
        ceditline_source(editLine, nil)
        // `bind -v` / `bind -e` in ~/.editrc rebuild the key maps: bind our keys again.
        bindKeys()
    }

    deinit {
        el_end(editLine)  // restores the terminal
        history_end(history)
        free(promptText)
    }

    public func readLine(prompt: String) -> LineInput {
        setPrompt(prompt)
        interrupted = false
        listedFor = nil
        var count: Int32 = 0
        // Editing mode before the prompt is drawn, not at el_gets' first read (see shim).
        ceditline_prepare_terminal(editLine, 1)
        errno = 0
        let raw = el_gets(editLine, &count)
        ceditline_prepare_terminal(editLine, 0)  // el_gets restores it too; be sure
        if interrupted {
            return .interrupted  // the key function already drew "^C" and the newline
        }
        guard let raw, count > 0 else {
            if count == 0 {
                // Ctrl-D on an empty line: libedit echoed "^D" and left the cursor there.
                write("\n")
                return .end
            }
            // An error (the terminal went away, or a signal interrupted the read).
            if errno == EINTR {
                write("\n")
                return .interrupted
            }
            return .end
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Adds `line` to history (blank lines are skipped, a repeat of the last one folded)
    /// and saves history to the file, if there is one.
    public func remember(_ line: String) {
        guard line.contains(where: { !$0.isWhitespace }) else { return }
        ceditline_history_enter(history, line)
        if let file = historyFile, file.prepare() {
            ceditline_history_save(history, file.path)
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

    /// TAB and Ctrl-R (incremental history search) where text is typed (emacs, vi insert);
    /// Ctrl-C there and in vi command mode.
    private func bindKeys() {
        ceditline_bind(editLine, "^I", "opsh-complete")
        ceditline_bind(editLine, "^R", "em-inc-search-prev")
        ceditline_bind(editLine, "^C", "opsh-interrupt")
        ceditline_bind_alternate(editLine, "^C", "opsh-interrupt")
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

/// The Swift object behind an EditLine (set as EL_CLIENTDATA in init).
func reader(of editLine: OpaquePointer) -> EditLineReader {
    Unmanaged<EditLineReader>.fromOpaque(ceditline_clientdata(editLine)!).takeUnretainedValue()
}

/// EL_PROMPT_ESC callback.
private func editLinePrompt(_ editLine: OpaquePointer) -> UnsafeMutablePointer<CChar>? {
    reader(of: editLine).promptPointer
}
