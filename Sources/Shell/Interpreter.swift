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

        public init(interactive: Bool = false, assumeYes: Bool = false, apiLabel: String = "") {
            self.interactive = interactive
            self.assumeYes = assumeYes
            self.apiLabel = apiLabel
        }
    }

    public let client: OpenportClient
    public let cache: SessionCache
    let output: OutputSink
    let terminal: TerminalInfo
    let options: Options
    private let state: Mutex<Settings>
    private let lines = Mutex<[String]>([])
    let prefetching = Mutex<Set<Resource>>([])
    let valueIndex = ValueIndex()
    /// Asks a yes/no question at the terminal; replaceable for tests.
    let ask: @Sendable (String) -> Bool

    public init(client: OpenportClient, settings: Settings = Settings(), output: OutputSink,
                terminal: TerminalInfo = .none, options: Options = Options(), cache: SessionCache = SessionCache(),
                ask: (@Sendable (String) -> Bool)? = nil) {
        self.client = client
        self.cache = cache
        self.output = output
        self.terminal = terminal
        self.options = options
        self.state = Mutex(settings)
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
        let label = options.apiLabel.isEmpty ? "opsh> " : "opsh \(options.apiLabel)> "
        return terminal.color ? "\u{1b}[1;36m\(label)\u{1b}[0m" : label
    }

    /// Runs one line. Never throws: every failure becomes ``Outcome/failed(_:)`` with one line.
    public func run(_ line: String) async -> Outcome {
        lines.withLock { $0.append(line) }
        let pipeline: Pipeline
        do {
            pipeline = try Pipeline(parsing: line)
        } catch {
            return .failed(TerminalSafe.escape(error.description), column: error.column, length: error.length)
        }
        do {
            return try await execute(pipeline, line: line)
        } catch let error as ShellError {
            return .failed(TerminalSafe.escape(error.message))
        } catch let error as APIError {
            return error.kind == .cancelled ? .cancelled : .failed(TerminalSafe.escape(error.message))
        } catch let error as QueryError {
            return .failed(TerminalSafe.escape(error.description), column: error.column, length: error.length)
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(TerminalSafe.escape(client.redactor.redact(String(describing: error))))
        }
    }

    private func execute(_ pipeline: Pipeline, line: String) async throws -> Outcome {
        let name = pipeline.command.name
        if name == "__complete" {
            // Hidden: what TAB would offer for the quoted line (for scripts and the benchmark).
            let text = pipeline.command.arguments.map(\.text).joined(separator: " ")
            let completion = completer(text, text.count)
            output.write(completion.candidates.map(\.display).joined(separator: "\n") + (completion.candidates.isEmpty ? "" : "\n"))
            return .ok
        }
        guard let spec = CommandCatalog.named(name) else {
            let nearest = Suggest.nearest(name, among: CommandCatalog.names)
            throw QueryError("unknown command '\(TerminalSafe.escape(name))'" + (nearest == nil ? "; 'help' lists the commands" : ""),
                             column: pipeline.command.nameRange.lowerBound,
                             length: max(1, pipeline.command.nameRange.count), suggestion: nearest)
        }
        if !spec.isSource, let first = pipeline.stages.first {
            throw QueryError("'\(spec.name)' prints no records, so nothing can follow it with |",
                             column: first.range.lowerBound, length: max(1, first.range.count))
        }
        let args = pipeline.command.arguments
        switch spec.name {
        case "sessions", "clicks", "nodes":
            try expectNoArguments(args, for: spec)
            let resource = Resource(word: spec.name)!
            if pipeline.stages.last?.stage is Follow {
                try await follow(pipeline, line: line, resource: resource)
            } else {
                try await runPipeline(pipeline, from: .resource(resource))
            }
        case "keys":
            try await keysCommand(pipeline)
        case "get":
            guard let arg = args.first, args.count == 1 else {
                throw ShellError("usage: get PATH (for example: get keys/349/)")
            }
            // `keys/?limit=1` reads as an assignment; the path is the whole of it.
            let path: String
            if case .assignment(let name, let value, _) = arg.kind { path = name + "=" + value } else { path = arg.text }
            // A DRF list: follow `next` to the end, as the resource commands do, unless the
            // path asks for one page itself (limit= or offset=); pages of `page-size` rows.
            let onePage = path.contains("limit=") || path.contains("offset=")
            // `keys/349/` names one record (DRF's detail route ends with its id): no paging.
            let bare = path.split(separator: "?").first.map(String.init) ?? path
            let detail = bare.split(separator: "/").last.map { $0.allSatisfy(\.isNumber) } ?? false
            let asked = onePage || detail ? path : path + (path.contains("?") ? "&" : "?") + "limit=\(settings.pageSize)"
            let value = try await client.get(path: asked)
            if var records = Interpreter.listRows(value) {
                var next = onePage ? nil : Interpreter.nextLink(value)
                var pages = 1
                while let link = next, pages < 100_000 {
                    try Task.checkCancellation()
                    let page = try await client.get(path: link)
                    records += Interpreter.listRows(page) ?? []
                    next = Interpreter.nextLink(page)
                    pages += 1
                }
                try await runPipeline(pipeline, from: .records(records, resource: Resource(path: path)))
            } else if pipeline.stages.isEmpty {
                try await emit(JSONWriter.pretty(value) + "\n", pipeline: pipeline)
            } else {
                throw ShellError("GET \(path) is not a list, so stages cannot follow it")
            }
        case "watch":
            try await watchCommand(line: line, arguments: args)
        case "open":
            try await openCommand(args)
        case "refresh":
            try refreshCommand(args)
        case "cache":
            try await cacheCommand(args, pipeline: pipeline)
        case "set":
            try setCommand(args)
        case "help":
            let help = Help(color: terminal.color && pipeline.redirect == nil,
                            width: terminal.stdoutIsTerminal ? terminal.width() : nil)
            try await emit(help.text(for: args.first?.text), pipeline: pipeline, prose: true)
        case "history":
            // `history 20`: the last 20 lines.
            var last: Int?
            if let arg = args.first {
                guard args.count == 1, let n = Int(arg.text), n >= 0 else { throw ShellError("usage: history [N] (the last N lines)") }
                last = n
            }
            let all = lines.withLock { $0 }
            let numbered = all.enumerated().suffix(last ?? all.count)
            let text = numbered.map { "\(String($0.offset + 1).leftPad(5))  \(TerminalSafe.escape(client.redactor.redact($0.element)))\n" }.joined()
            try await emit(text, pipeline: pipeline)
        case "exit":
            guard let arg = args.first else { return .exit() }
            guard args.count == 1, let status = Int32(arg.text), (0...255).contains(status) else {
                throw ShellError("usage: exit [STATUS] (a number from 0 to 255)")
            }
            return .exit(status)
        default:
            throw ShellError("'\(spec.name)' is not implemented yet")
        }
        return .ok
    }

    func expectNoArguments(_ args: [CommandArgument], for spec: CommandSpec) throws {
        guard let extra = args.first else { return }
        throw QueryError("'\(spec.name)' takes no arguments; filter with | where ...",
                         column: extra.range.lowerBound, length: max(1, extra.range.count))
    }

    static func nextLink(_ value: Value) -> String? {
        if case .object(let r) = value, case .string(let next) = r["next"], !next.isEmpty { return next }
        return nil
    }

    /// The rows of a DRF list body, or of a bare array of objects.
    static func listRows(_ value: Value) -> [Record]? {
        if case .object(let r) = value, case .list(let items) = r["results"], r.has("count") || r.has("next") {
            return items.map { $0.record ?? Record([("value", $0)]) }
        }
        if case .list(let items) = value, items.allSatisfy({ $0.record != nil }) {
            return items.compactMap(\.record)
        }
        return nil
    }

    // MARK: small commands

    private func refreshCommand(_ args: [CommandArgument]) throws {
        if args.isEmpty {
            cache.markAllStale()
            output.message("everything cached is stale now; the next command fetches afresh\n")
            return
        }
        for a in args {
            guard let r = Resource(word: a.text) else {
                let hint = Suggest.nearest(a.text, among: Resource.allCases.map(\.rawValue)).map { " (did you mean '\($0)'?)" } ?? ""
                throw ShellError("'\(TerminalSafe.escape(a.text))' is not a resource\(hint); refresh takes sessions, keys, clicks or nodes")
            }
            cache.markStale(r)
        }
    }

    private func setCommand(_ args: [CommandArgument]) throws {
        if args.isEmpty {
            let rows = settings.listing
            let width = rows.map(\.name.count).max() ?? 0
            output.write(rows.map { $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value }.joined(separator: "\n") + "\n")
            return
        }
        let name: String, value: String
        if args.count == 1, case .assignment(let n, let v, _) = args[0].kind {
            (name, value) = (n, v)
        } else if args.count == 2 {
            (name, value) = (args[0].text, args[1].text)
        } else {
            throw ShellError("usage: set NAME VALUE (for example: set format json); 'set' alone lists the settings")
        }
        try state.withLock { s throws(ShellError) in try s.set(name, value) }
        client.retryPolicy = settings.retryPolicy
    }

    private func openCommand(_ args: [CommandArgument]) async throws {
        guard args.count == 1, let port = Int(args[0].text) else {
            throw ShellError("usage: open PORT (a session's port, for example: open 6260)")
        }
        let sessions = try await source.all(.sessions)
        // A port is unique on one server only: every live session on it is shown, by server.
        let onPort = sessions.filter { $0["port"] == .int(port) }
        guard !onPort.isEmpty else {
            let ports = sessions.compactMap { r -> Int? in if case .int(let p) = r["port"] { return p } else { return nil } }
            let near = ports.min(by: { abs($0 - port) < abs($1 - port) }).map { " (the nearest is \($0))" } ?? ""
            throw ShellError("no live session on port \(port)\(near); 'sessions | select port' lists them")
        }
        var out = ""
        for s in onPort {
            if onPort.count > 1 {
                out += (out.isEmpty ? "" : "\n") + "server                 \(TerminalSafe.escape(s["server"].plainText))\n"
            }
            var links = ""
            for field in ["open_port_for_ip_link", "redirect_url", "http_forwarding_address"] where !s[field].isNull {
                links += "\(field.padding(toLength: 22, withPad: " ", startingAt: 0)) \(TerminalSafe.escape(s[field].plainText))\n"
            }
            out += !links.isEmpty ? links : onPort.count == 1 ? "the session on port \(port) has no links\n" : "(no links)\n"
        }
        if onPort.count > 1 { output.message("opsh: \(onPort.count) live sessions use port \(port), on different servers\n") }
        output.write(out)
    }

    var source: RecordSource {
        RecordSource(client: client, cache: cache, settings: settings,
                     progress: terminal.stderrIsTerminal ? ProgressReporter(output: output) : nil)
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
