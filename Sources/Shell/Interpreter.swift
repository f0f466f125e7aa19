#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// Runs lines: parses them, fetches through the session cache, evaluates the stages and
/// writes the result. Knows nothing of terminals beyond ``TerminalInfo``; drive it from a
/// test with a ``CapturedOutput``.
public final class Interpreter: Sendable {
    public struct Options: Sendable {
        /// A person at a terminal (confirmations are asked, not refused).
        public var interactive: Bool
        /// `--yes`: confirmations answered yes.
        public var assumeYes: Bool
        /// What the prompt says the API is: "demo", or the host.
        public var apiLabel: String
        /// The config profile in use, if any (the right prompt names it).
        public var profile: String?

        public init(interactive: Bool = false, assumeYes: Bool = false, apiLabel: String = "", profile: String? = nil) {
            self.interactive = interactive
            self.assumeYes = assumeYes
            self.apiLabel = apiLabel
            self.profile = profile
        }
    }

    public let client: OpenportClient
    public let cache: SessionCache
    /// The user's saved queries (`save`, `saved`), expanded in every line run.
    public let saved: SavedQueries
    let output: OutputSink
    let terminal: TerminalInfo
    let options: Options
    private let state: Mutex<Settings>
    private let lines = Mutex<[String]>([])
    let prefetching = Mutex<Set<Resource>>([])
    let valueIndex = ValueIndex()
    /// Draws fetch progress on stderr (held back while output streams to the same terminal).
    let progressReporter: ProgressReporter
    /// Asks a yes/no question at the terminal; replaceable for tests.
    let ask: @Sendable (String) -> Bool

    public init(client: OpenportClient, settings: Settings = Settings(), output: OutputSink,
                terminal: TerminalInfo = .none, options: Options = Options(), cache: SessionCache = SessionCache(),
                saved: SavedQueries = SavedQueries(path: nil), ask: (@Sendable (String) -> Bool)? = nil) {
        self.client = client
        self.cache = cache
        self.saved = saved
        self.output = output
        self.terminal = terminal
        self.options = options
        self.state = Mutex(settings)
        self.progressReporter = ProgressReporter(output: output)
        self.ask = ask ?? { question in
            output.message(question + " [y/N] ")
            guard let answer = Interpreter.readAnswer() else {
                output.message("\n")
                return false
            }
            return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
        }
    }

    public var settings: Settings { state.withLock { $0 } }

    /// `opsh demo> ` or `opsh api.openport.io> `, coloured at a terminal.
    public var prompt: String {
        let label = options.apiLabel.isEmpty ? "opsh>" : "opsh \(options.apiLabel)>"
        // The reset goes before the last character: libedit drops an escape that ends the
        // prompt, which would leave the line typed, and what the command prints, in colour.
        return terminal.color ? "\u{1b}[1;36m\(label)\u{1b}[0m " : label + " "
    }

    /// Runs one line. Never throws: every failure becomes ``Outcome/failed(_:)`` with one line.
    /// Saved queries in it run as their lines; a mistake inside one is shown at its name.
    public func run(_ line: String) async -> Outcome {
        lines.withLock { $0.append(line) }
        // Progress is drawn for this line only: what a cancelled scan reports after it ended
        // would land on the next prompt.
        progressReporter.resume()
        defer { progressReporter.suspend() }
        let expansion: SavedQueryExpansion?
        do {
            expansion = try SavedQueryExpansion(of: line, queries: saved.all)
        } catch {
            return .failed(TerminalSafe.escape(error.description), column: error.column, length: error.length)
        }
        guard let expansion else { return await runExpanded(line) }
        return expansion.placing(await runExpanded(expansion.text))
    }

    /// Runs a line in which no saved query is left.
    private func runExpanded(_ line: String) async -> Outcome {
        do {
            return try await execute(Interpreter.parse(line), line: line)
        } catch let error as ShellError {
            return .failed(TerminalSafe.escape(error.message))
        } catch let error as APIError {
            return error.kind == .cancelled ? .cancelled : .failed(TerminalSafe.escape(error.message))
        } catch let error as QueryError {
            return .failed(TerminalSafe.escape(error.description), column: error.column, length: error.length)
        } catch is CancellationError {
            return .cancelled
        } catch let error as CustomStringConvertible {
            return .failed(TerminalSafe.escape(client.redactor.redact(error.description)))
        } catch {
            // Never a type's name or debug text: that tells a user nothing.
            return .failed("opsh failed in a way it does not describe; run the line again, and report it if it happens again")
        }
    }

    /// The line as a pipeline; for a command that reads the rest of its line itself
    /// (``CommandSpec/readsLine``), only its name.
    static func parse(_ line: String) throws(QueryError) -> Pipeline {
        let chars = Array(line)
        let start = chars.firstIndex { !$0.isWhitespace } ?? chars.count
        let end = chars[start...].firstIndex { $0.isWhitespace } ?? chars.count
        let word = String(chars[start..<end])
        if let command = CommandCatalog.command(named: word), command.spec.readsLine {
            return Pipeline(command: Command(name: word, nameRange: start..<end))
        }
        return try Pipeline(parsing: line)
    }

    /// Finds the line's command in the catalogue, reads its arguments, runs it.
    private func execute(_ pipeline: Pipeline, line: String) async throws -> Outcome {
        let name = pipeline.command.name
        guard let command = CommandCatalog.command(named: name) else {
            let nearest = Suggest.nearest(name, among: CommandCatalog.names + saved.all.filter { !$0.isStage }.map(\.name))
            throw QueryError("unknown command '\(TerminalSafe.escape(name))'" + (nearest == nil ? "; 'help' lists the commands" : ""),
                             column: pipeline.command.nameRange.lowerBound,
                             length: max(1, pipeline.command.nameRange.count), suggestion: nearest)
        }
        let spec = command.spec
        if !spec.isSource { try Invocation.refuseStages(pipeline, after: spec.name) }
        let invocation = Invocation(pipeline: pipeline, line: line)
        return try await command.parse(invocation).run(invocation, in: self)
    }

    /// The lines run so far, for `history`.
    var history: [String] { lines.withLock { $0 } }

    /// `set NAME VALUE`.
    func changeSetting(_ name: String, _ value: String) throws {
        try state.withLock { s throws(ShellError) in try s.set(name, value) }
        client.retryPolicy = settings.retryPolicy
    }

    var source: RecordSource {
        RecordSource(client: client, cache: cache, settings: settings,
                     progress: terminal.stderrIsTerminal ? progressReporter : nil)
    }
}

extension Resource {
    /// The resource an API path lists, if it is one opsh knows (`keys/`, `/api/v2/sessions/?x=1`).
    init?(path: String) {
        var p = path
        if let q = p.firstIndex(of: "?") { p = String(p[..<q]) }
        let last = p.split(separator: "/").last.map(String.init) ?? ""
        guard let r = Resource.allCases.first(where: { $0.path == last + "/" }) else { return nil }
        self = r
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

extension Interpreter {
    /// A line from stdin for a `[y/N]` question; nil at end of input or when Ctrl-C cancels the
    /// command that asked (which means no, at once: the next line typed is not taken as the
    /// answer). Polls, so that the cancellation is seen within 100 ms.
    static func readAnswer() -> String? {
        var line: [UInt8] = []
        let interruptsBefore = InterruptGate.interrupts.load(ordering: .relaxed)
        while true {
            if Task.isCancelled || InterruptGate.interrupts.load(ordering: .relaxed) != interruptsBefore { return nil }
            var fd = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fd, 1, 100)
            if ready < 0, errno != EINTR { return nil }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let n = read(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            guard n == 1 else { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
    }
}
