import Query
import Records

/// `open PORT`: a session's links, shown (not visited).
struct OpenCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "open", synopsis: "open PORT", summary: "a session's links (not visited)",
        examples: [StageExample("open 6260", shows: "the links of the session on port 6260", result: .contains("open_port_for_ip_link"))],
        arguments: .port, reads: .every(.sessions))

    let port: Int

    static func parse(_ invocation: Invocation) throws -> OpenCommand {
        let args = invocation.arguments
        guard args.count == 1, let port = Int(args[0].text) else {
            throw spec.usage("a session's port, for example: open 6260")
        }
        return OpenCommand(port: port)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let sessions = try await context.source.all(.sessions)
        // A port is unique on one server only: every live session on it is shown, by server.
        let onPort = sessions.filter { $0["port"] == .int(port) }
        guard !onPort.isEmpty else {
            let ports = sessions.compactMap { r -> Int? in if case .int(let p) = r["port"] { return p } else { return nil } }
            let near = ports.min(by: { abs($0 - port) < abs($1 - port) }).map { " (the nearest is \($0))" } ?? ""
            throw ShellError("no live session on port \(port)\(near); 'sessions | select port' lists them")
        }
        var out = ""
        let fields = ["open_port_for_ip_link", "redirect_url", "http_forwarding_address"]
        // Names are padded, never cut: the widest is 23 characters.
        let width = (fields + ["server"]).map(\.count).max() ?? 0
        let line = { (name: String, value: Value) in
            name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + TerminalSafe.escape(value.plainText) + "\n"
        }
        for s in onPort {
            if onPort.count > 1 {
                out += (out.isEmpty ? "" : "\n") + line("server", s["server"])
            }
            var links = ""
            for field in fields where !s[field].isNull {
                links += line(field, s[field])
            }
            out += !links.isEmpty ? links : onPort.count == 1 ? "the session on port \(port) has no links\n" : "(no links)\n"
        }
        if onPort.count > 1 { context.output.message("opsh: \(onPort.count) live sessions use port \(port), on different servers\n") }
        try await context.pipelines.emit(out, pipeline: invocation.pipeline)
        return .ok
    }
}
