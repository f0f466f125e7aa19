import AddressLookups
import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// Runs lines: parses each, finds its command in the catalogue, has it read its arguments
/// and run with a ``CommandContext``, and turns whatever went wrong into one line of text.
/// Knows the terminal only through ``Terminal``; drive it from a test with a
/// ``CapturedOutput``.
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
    let terminal: any Terminal
    let options: Options
    private let live: LiveSettings
    private let lines = Mutex<[String]>([])
    private let valueIndex = ValueIndex()
    private let prefetch: Prefetch
    /// Draws fetch progress on stderr (held back while output streams to the same terminal).
    private let progressReporter: ProgressReporter
    /// Asks a yes/no question at the terminal; replaceable for tests.
    private let ask: @Sendable (String) -> Bool
    /// Countries, owners and host names of addresses (`source_ip.country`): the `set geoip`
    /// files and a reverse DNS resolver. Without one given: no files, no resolver.
    public let addresses: AddressBook

    public init(client: OpenportClient, settings: Settings = Settings(), output: OutputSink,
                terminal: any Terminal = NoTerminal(), options: Options = Options(), cache: SessionCache = SessionCache(),
                saved: SavedQueries = SavedQueries(path: nil), ask: (@Sendable (String) -> Bool)? = nil,
                addresses: AddressBook? = nil) {
        let addresses = addresses ?? AddressBook(resolver: nil, hostCache: nil)
        self.addresses = addresses
        self.client = client
        self.cache = cache
        self.saved = saved
        self.output = output
        self.terminal = terminal
        self.options = options
        let live = LiveSettings(settings, client: client, addresses: addresses)
        self.live = live
        self.prefetch = Prefetch(client: client, cache: cache, settings: { live.current })
        self.progressReporter = ProgressReporter(output: output)
        self.ask = ask ?? { question in
            output.message(question + " [y/N] ")
            guard let answer = terminal.readAnswer() else {
                output.message("\n")
                return false
            }
            return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
        }
    }

    /// The settings in force.
    public var settings: Settings { live.current }

    /// `opsh demo> ` or `opsh api.openport.io> `, coloured at a terminal.
    public var prompt: String {
        let label = options.apiLabel.isEmpty ? "opsh>" : "opsh \(options.apiLabel)>"
        // The colour ends before the last character: libedit drops an escape that ends the
        // prompt, which would leave the line typed, and what the command prints, in colour.
        return (terminal.info.color ? Style.boldCyan(label) : label) + " "
    }

    /// TAB: analyses the line, then offers what the cache holds. Never waits on the network:
    /// a resource that is not cached yet is fetched in the background for the next TAB.
    public var completer: Completer {
        let prefetch = self.prefetch
        let saved = self.saved
        let engine = CompletionEngine(cache: cache, values: valueIndex, prefetch: { prefetch.start($0) }, addresses: addresses,
                                      savedQueries: { saved.all })
        return { line, cursor in engine.complete(line, cursor: cursor) }
    }

    /// Runs one line. Never throws: every failure becomes ``Outcome/failed(_:column:length:)`` with one line.
    /// Saved queries in it run as their lines; a mistake inside one is shown at its use.
    public func run(_ line: String) async -> Outcome {
        lines.withLock { $0.append(line) }
        // A progress line is drawn during this line only: a fetch that ends after the line
        // (a cancelled scan winding down) neither draws nor erases the next prompt.
        progressReporter.resume()
        defer { progressReporter.suspend() }
        let queries = saved.all
        do {
            guard let expansion = try SavedQueryExpansion(of: line, queries: queries) else { return await runExpanded(line, queries) }
            return expansion.placing(await runExpanded(expansion.text, queries))
        } catch {
            return outcome(of: error)
        }
    }

    /// Runs a line in which no saved query is left; `queries` are named in "did you mean".
    private func runExpanded(_ line: String, _ queries: [SavedQuery]) async -> Outcome {
        do {
            let invocation = Invocation(pipeline: try Interpreter.pipeline(of: line), line: line)
            let command = try Interpreter.parse(invocation, saved: queries.filter { !$0.isStage }.map(\.name))
            return try await command.run(invocation, in: context())
        } catch {
            return outcome(of: error)
        }
    }

    /// The line as a pipeline; for a command that reads the rest of its line itself
    /// (``CommandSpec/readsLine``), only its name.
    static func pipeline(of line: String) throws(QueryError) -> Pipeline {
        let chars = Array(line)
        let start = chars.firstIndex { !$0.isWhitespace } ?? chars.count
        let end = chars[start...].firstIndex { $0.isWhitespace } ?? chars.count
        let word = String(chars[start..<end])
        if let command = CommandCatalog.command(named: word), command.spec.readsLine {
            return Pipeline(command: Command(name: word, nameRange: start..<end))
        }
        return try Pipeline(parsing: line)
    }

    /// The line's command, found in the catalogue, with its arguments read: every usage
    /// mistake is found here, before anything is fetched. `saved` names saved lines, for
    /// "did you mean".
    static func parse(_ invocation: Invocation, saved: [String] = []) throws -> any ShellCommand {
        let words = invocation.pipeline.command
        guard let type = CommandCatalog.command(named: words.name) else {
            if let stage = StageCatalog.named(words.name) ?? Suggest.stage(for: words.name).flatMap(StageCatalog.named) {
                // `head 5`, `first 5`: a stage written where a command goes.
                let example = stage.examples.last?.line ?? "clicks | \(stage.synopsis)"
                throw QueryError("'\(TerminalSafe.escape(words.name))' is not a command; the stage \(stage.name) goes after a command and |, as in: \(example)",
                                 column: words.nameRange.lowerBound, length: max(1, words.nameRange.count))
            }
            let nearest = Suggest.nearest(words.name, among: CommandCatalog.names + saved)
            throw QueryError("unknown command '\(TerminalSafe.escape(words.name))'" + (nearest == nil ? "; 'help' lists the commands" : ""),
                             column: words.nameRange.lowerBound, length: max(1, words.nameRange.count), suggestion: nearest)
        }
        let spec = type.spec
        // Stages may follow a command, or a subcommand, whose output is records.
        var (listsRecords, name) = (spec.isSource, spec.name)
        if case .word(let word, false)? = words.arguments.first?.kind, let sub = spec.subcommand(word) {
            (listsRecords, name) = (sub.isSource, spec.name + " " + sub.name)
        }
        if !listsRecords { try invocation.refuseStages(after: name) }
        return try type.parse(invocation)
    }

    /// What a command may use for one line.
    private func context() -> CommandContext {
        let settings = live.current
        let source = RecordSource(client: client, cache: cache, settings: settings,
                                  progress: terminal.info.stderrIsTerminal ? progressReporter : nil)
        let pipelines = PipelineRunner(output: output, terminal: terminal, settings: settings, cache: cache, source: source,
                                       progress: progressReporter, mayPage: options.interactive, valueIndex: valueIndex,
                                       addresses: addresses)
        let live = self.live
        return CommandContext(client: client, cache: cache, settings: settings, changeSetting: { try live.set($0, $1) },
                              output: output, terminal: terminal, interactive: options.interactive, assumeYes: options.assumeYes,
                              ask: ask, pipelines: pipelines, history: lines.withLock { $0 }, completer: completer, saved: saved)
    }

    /// A failure as one line for the user, placed in the line where it has a place.
    private func outcome(of error: any Error) -> Outcome {
        switch error {
        case let error as QueryError:
            return .failed(TerminalSafe.escape(error.description), column: error.column, length: error.length)
        case let error as ShellError:
            return .failed(TerminalSafe.escape(error.message))
        case let error as APIError:
            return error.kind == .cancelled ? .cancelled : .failed(TerminalSafe.escape(error.message))
        case is CancellationError:
            return .cancelled
        case let error as CustomStringConvertible:
            return .failed(TerminalSafe.escape(client.redactor.redact(error.description)))
        default:
            // Never a type's name or debug text: that tells a user nothing.
            return .failed("opsh failed in a way it does not describe; run the line again, and report it if it happens again")
        }
    }
}
