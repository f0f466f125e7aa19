import Dispatch
import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// How one line ended.
public enum Outcome: Sendable, Equatable {
    case ok
    /// The line failed; the message is one line, ready to print after `opsh: `. A mistake in
    /// the line itself also says where: `column` counts characters from 0, `length` may be 0.
    case failed(String, column: Int? = nil, length: Int = 1)
    /// Ctrl-C stopped it.
    case cancelled
    /// `exit`, or `exit N` with the process's exit status.
    case exit(Int32? = nil)
}

/// The loop: read a line, run it, say what went wrong, until the input ends.
///
/// Synchronous on purpose: libedit must run on the process's main thread for Ctrl-C to reach
/// it (see LIBEDIT-NOTES), so each line's async work runs in a detached task while this
/// thread waits. Ctrl-C during a command cancels that task.
public final class Repl {
    let interpreter: Interpreter
    let reader: LineReader
    let interactive: Bool
    let keepGoing: Bool
    let output: OutputSink
    /// Whether failures name their line (a script); `-c` has only one.
    let numbersLines: Bool
    /// The script file the lines come from (`opsh FILE`), named in failures: `FILE:4: ...`.
    let scriptName: String?
    private let interrupts = InterruptGate()
    /// Where Ctrl-C comes from.
    private let terminal: any Terminal

    public init(interpreter: Interpreter, reader: LineReader, interactive: Bool, keepGoing: Bool, output: OutputSink,
                numbersLines: Bool = true, scriptName: String? = nil) {
        self.terminal = interpreter.terminal
        self.scriptName = scriptName
        self.interpreter = interpreter
        self.reader = reader
        self.interactive = interactive
        self.keepGoing = keepGoing
        self.output = output
        self.numbersLines = numbersLines
    }

    /// Runs until the input ends or `exit`; returns the process exit status.
    public func run(prompt: @autoclosure () -> String) -> Int32 {
        // At the prompt the line editor takes Ctrl-C as a key; a script waiting for its next
        // line has no such reader, so there Ctrl-C ends opsh as it would any filter.
        interrupts.install(from: terminal, exitWhenIdle: !interactive)
        var lineNumber = 0
        var failed = false
        while true {
            let input = reader.readLine(prompt: interactive ? prompt() : "")
            let raw: String
            switch input {
            // At the prompt, leaving is not a failure (as in pgcli); a script reports its lines.
            case .end: return failed && !interactive ? 1 : 0
            case .interrupted: continue
            case .line(let l): raw = l
            }
            lineNumber += 1
            if interactive, raw.contains("\n") {
                // Pasted lines, or several from the editor: a batch.
                switch runBatch(raw) {
                case .exit(let status): return status ?? 0
                default: continue
                }
            }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if interactive { remember(line) }
            let outcome = execute(line)
            // Nobody reads the results any more: the line has stopped its requests; stop here,
            // quietly, as a filter does when its pipe closes.
            if output.resultsClosed { return Repl.readerGone }
            switch outcome {
            case .ok:
                continue
            case .exit(let status):
                return status ?? (failed && !interactive ? 1 : 0)
            case .cancelled:
                output.message(interactive ? "cancelled\n" : "opsh: \(scriptName.map { "\($0):\(lineNumber)" } ?? "line \(lineNumber)"): cancelled\n")
                if !interactive { return 130 }
            case .failed(let message, let column, let length):
                failed = true
                let report: Report = interactive ? .prompt : numbersLines ? .script(line: lineNumber, file: scriptName) : .oneLine
                output.message(Repl.describe(message, column: column, length: length, line: line, report: report,
                                             color: terminal.info.messageColor))
                if !interactive, !keepGoing { return 1 }
            }
        }
    }

    /// Several lines entered at once (a paste, the editor) run as a script's lines do: in
    /// order, each failure named by its line, and the first failure (or Ctrl-C) stops the
    /// rest unless `--keep-going`. Returns how the batch ended.
    func runBatch(_ text: String) -> Outcome {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var outcome: Outcome = .ok
        for (index, line) in lines.enumerated() where !line.isEmpty && !line.hasPrefix("#") {
            remember(line)
            let left = lines[(index + 1)...].filter { !$0.isEmpty && !$0.hasPrefix("#") }.count
            let notRun = left == 0 ? "" : "opsh: the \(left == 1 ? "last line" : "last \(left) lines") of the batch did not run\n"
            let ran = execute(line)
            if output.resultsClosed { return .exit(Repl.readerGone) }  // nobody reads: stop, as a line does
            switch ran {
            case .ok:
                continue
            case .exit(let status):
                return .exit(status)
            case .cancelled:
                output.message("cancelled\n" + notRun)
                return .cancelled
            case .failed(let message, let column, let length):
                output.message(Repl.describe(message, column: column, length: length, line: line, report: .script(line: index + 1)))
                outcome = .failed(message)
                if !keepGoing {
                    output.message(notRun)
                    return outcome
                }
            }
        }
        return outcome
    }

    /// Adds a line to history, unless it may hold a secret.
    private func remember(_ line: String) {
        if !Repl.carriesSecret(line, token: interpreter.client.config.token) { reader.remember(line) }
    }

    /// Runs one line, cancellable by Ctrl-C; with `set timing on`, says what it cost.
    private func execute(_ line: String) -> Outcome {
        let interpreter = self.interpreter
        let started = ContinuousClock.now
        let requestsBefore = interpreter.client.requestCount
        let perResourceBefore = interpreter.client.requestCounts
        let scansBefore = interpreter.client.scanTally
        let outcome = interrupts.runCancellable { await interpreter.run(line) }
        if interpreter.settings.timing {
            let elapsed = ContinuousClock.now - started
            let ms = elapsed.inSeconds * 1000
            let requests = interpreter.client.requestCount - requestsBefore
            // Per resource, as explain counts them.
            let perResource = interpreter.client.requestCounts
            let spread = Resource.allCases.compactMap { r -> String? in
                let n = (perResource[r] ?? 0) - (perResourceBefore[r] ?? 0)
                return n > 0 ? "\(r.rawValue) \(n)" : nil
            }
            let scans = interpreter.client.scanTally
            // After a scan: the concurrency it ended at (and its lowest), and the retries spent.
            let scan = scans.scans == scansBefore.scans ? ""
                : ", concurrency \(scans.concurrency) (lowest \(scans.lowestConcurrency)), \(scans.retries - scansBefore.retries) retries"
            // The requests per list last, after the figures scripts read.
            let split = spread.isEmpty ? "" : "; " + spread.joined(separator: ", ")
            output.message(String(format: "time: %.1f ms, %d request%@", ms, requests, requests == 1 ? "" : "s") + scan + split + "\n")
        }
        return outcome
    }
}

extension Repl {
    /// The exit status when stdout's reader went away: 128 + SIGPIPE, what a shell shows for
    /// `yes | head -1`'s yes (the executable ends by that signal).
    public static let readerGone: Int32 = 128 + SIGPIPE

    /// Whether a line may hold a secret, and so must stay out of the history file: the
    /// account's token itself, a `token=` parameter, or a command about tokens (`login`).
    static func carriesSecret(_ line: String, token: String?) -> Bool {
        if let token, !token.isEmpty, line.contains(token) { return true }
        let lower = line.lowercased()
        return lower.contains("token=") || lower.hasPrefix("login") || lower.contains("token ")
    }

    /// How a failure is reported.
    enum Report { case prompt, oneLine, script(line: Int, file: String? = nil) }

    /// A failure as printed: one line in a script (`opsh: line 4, column 10: ...`) or for `-c`;
    /// at the prompt, the message with the line and a caret under the mistake.
    static func describe(_ message: String, column: Int?, length: Int, line: String, report: Report, color: Bool = false) -> String {
        switch report {
        case .script(let n, let file?):
            // As compilers do: FILE:LINE:COLUMN.
            return ErrorLine.text("\(TerminalSafe.escape(file)):\(n)\(column.map { ":\($0 + 1)" } ?? ""): \(message)", color: color)
        case .script(let n, nil):
            return ErrorLine.text("line \(n)\(column.map { ", column \($0 + 1)" } ?? ""): \(message)", color: color)
        case .oneLine:
            return ErrorLine.text("\(column.map { "column \($0 + 1): " } ?? "")\(message)", color: color)
        case .prompt:
            guard let column else { return ErrorLine.text(message, color: color) }
            let rendered = QueryError(message, column: column, length: length).rendered(line: line)
                .split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map(String.init)
            // The line as typed, then the caret under the mistake (red at a terminal).
            let caret = rendered.enumerated().map { i, text in "  " + (color && i == rendered.count - 1 ? Style.error(text) : text) }
            return ErrorLine.text(message, color: color) + caret.joined(separator: "\n") + "\n"
        }
    }
}

/// Runs async work from the synchronous loop, and turns Ctrl-C into cancelling it.
final class InterruptGate: Sendable {
    private let current = Mutex<Task<Outcome, Never>?>(nil)
    private let installed = Atomic<Bool>(false)

    /// Ctrl-C stops being fatal: it cancels the running command instead (once installed, for good).
    func install(from terminal: any Terminal, exitWhenIdle: Bool) {
        guard !installed.exchange(true, ordering: .relaxed) else { return }
        terminal.handleInterrupts(exitWhenIdle: exitWhenIdle) { [weak self] in
            self?.current.withLock { task -> Bool in
                task?.cancel()
                return task != nil
            } ?? false
        }
    }

    func runCancellable(_ body: @escaping @Sendable () async -> Outcome) -> Outcome {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Outcome>(.ok)
        let task = Task.detached {
            let o = await body()
            let final: Outcome = Task.isCancelled && o != .ok ? .cancelled : o
            result.withLock { $0 = final }
            done.signal()
            return final
        }
        current.withLock { $0 = task }
        done.wait()
        current.withLock { $0 = nil }
        return result.withLock { $0 }
    }
}
