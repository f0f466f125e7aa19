import Foundation
import OpenportAPI
import Query
import Records

/// `keys`, `keys ID|NAME`, and the writes: `keys add|set|replace|rm`.
extension Interpreter {
    static let keySubcommands = ["add", "set", "replace", "rm"]

    func keysCommand(_ pipeline: Pipeline) async throws {
        let args = pipeline.command.arguments
        guard let first = args.first else {
            try await runPipeline(pipeline, from: .resource(.keys))
            return
        }
        if case .word(let word, false) = first.kind, Interpreter.keySubcommands.contains(word) {
            let rest = Array(args.dropFirst())
            switch word {
            case "add": try await addKey(rest, pipeline: pipeline)
            case "set": try await changeKey(rest, replace: false, pipeline: pipeline)
            case "replace": try await changeKey(rest, replace: true, pipeline: pipeline)
            default:
                if let stage = pipeline.stages.first {
                    throw QueryError("'keys rm' prints no records, so nothing can follow it with |",
                                     column: stage.range.lowerBound, length: max(1, stage.range.count))
                }
                try await removeKeys(rest)
            }
            return
        }
        // `keys Pi London` means the key named "Pi London": a name is all the words.
        let words = args.compactMap { a -> String? in if case .word(let w, _) = a.kind { return w } else { return nil } }
        guard words.count == args.count else {
            throw ShellError("usage: keys [ID|NAME], or keys add|set|replace|rm ...; 'help keys' has examples")
        }
        let ref = words.joined(separator: " ")
        let key = try await resolveKey(ref)
        if pipeline.stages.isEmpty, pipeline.redirect == nil, settings.format == .table {
            try await emit(try await keyDetails(key), pipeline: pipeline)
        } else {
            try await runPipeline(pipeline, from: .records([key], resource: .keys))
        }
    }

    /// A key by id or exact name. A name that several keys share is refused, with their ids.
    func resolveKey(_ ref: String) async throws -> Record {
        if let id = Int(ref) {
            if cache.fresh(.keys, within: settings.freshness[.keys] ?? .zero) != nil,
               let cached = cache.lookup(.keys, field: "id", equals: .int(id)) {
                return cached
            }
            let fetched: Result<Record, APIError> = await { () async -> Result<Record, APIError> in
                do throws(APIError) { return .success(try await client.key(id: id)) } catch { return .failure(error) }
            }()
            switch fetched {
            case .success(let key): return key
            case .failure(let error):
                if error.kind == .notFound { throw ShellError("no key has id \(id); 'keys | select id,name' lists them") }
                throw error
            }
        }
        let keys = try await source.all(.keys)
        let matches = keys.filter { $0["name"].string == ref }
        if matches.count == 1 { return matches[0] }
        let shown = TerminalSafe.escape(ref)
        if matches.count > 1 {
            let ids = matches.map { $0["id"].plainText }.joined(separator: ", ")
            throw ShellError("\(matches.count) keys are named '\(shown)' (ids \(ids)); name one by its id")
        }
        let names = keys.compactMap { $0["name"].string }
        let hint = Suggest.nearest(ref, among: names).map { " (did you mean '\(TerminalSafe.escape($0))'?)" } ?? ""
        throw ShellError("no key is named '\(shown)'\(hint)")
    }

    /// `name=VALUE` arguments as fields; `@PATH` reads a file (for public_key).
    func fields(from args: [CommandArgument], command: String) throws -> [(String, Value)] {
        var fields: [(String, Value)] = []
        for a in args {
            guard case .assignment(let name, var value, _) = a.kind else {
                throw QueryError("\(command) takes name=VALUE fields, not '\(a.text)'", column: a.range.lowerBound, length: max(1, a.range.count))
            }
            if let path = a.fileReference {
                let expanded = (path as NSString).expandingTildeInPath
                guard let text = try? String(contentsOfFile: expanded, encoding: .utf8) else {
                    throw ShellError("cannot read \(path) for \(name)")
                }
                value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if name == "public_key", let problem = PublicKeyCheck.problem(value) {
                throw ShellError("\(problem); nothing was sent")
            }
            fields.removeAll { $0.0 == name }
            fields.append((name, .string(value)))
        }
        return fields
    }

    private func addKey(_ args: [CommandArgument], pipeline: Pipeline) async throws {
        let fields = try fields(from: args, command: "keys add")
        let given = Set(fields.map(\.0))
        let missing = ["name", "public_key"].filter { !given.contains($0) }
        guard missing.isEmpty else {
            throw ShellError("keys add needs \(missing.joined(separator: " and ")): keys add name=NAME public_key=@~/.ssh/id_ed25519.pub")
        }
        let created = try await client.createKey(fields)
        cache.invalidate(.keys)
        output.message("created key \(created["id"].plainText)\n")
        try await showWritten(created, pipeline: pipeline)
    }

    private func changeKey(_ args: [CommandArgument], replace: Bool, pipeline: Pipeline) async throws {
        let verb = replace ? "keys replace" : "keys set"
        guard let refArg = args.first, case .word(let ref, _) = refArg.kind else {
            throw ShellError("usage: \(verb) ID|NAME name=VALUE ...")
        }
        let fields = try fields(from: Array(args.dropFirst()), command: verb)
        guard !fields.isEmpty else { throw ShellError("\(verb) needs fields to change, like name=NEW") }
        let key = try await resolveKey(ref)
        guard case .int(let id) = key["id"] else { throw ShellError("that key has no id") }
        var body = fields
        if replace {
            // PUT replaces the whole key: fields not given keep their current values.
            for f in ["name", "public_key"] where !body.contains(where: { $0.0 == f }) && !key[f].isNull {
                body.append((f, key[f]))
            }
        }
        let updated = replace ? try await client.replaceKey(id: id, body) : try await client.updateKey(id: id, body)
        cache.invalidate(.keys)
        try await showWritten(updated, pipeline: pipeline)
    }

    private func removeKeys(_ args: [CommandArgument]) async throws {
        var refs: [String] = []
        var yes = options.assumeYes
        for a in args {
            switch a.kind {
            case .flag("yes"), .flag("y"): yes = true
            case .word(let w, _): refs.append(w)
            default: throw ShellError("usage: keys rm ID|NAME ... [--yes]")
            }
        }
        guard !refs.isEmpty else { throw ShellError("usage: keys rm ID|NAME ... [--yes]") }
        var keys: [Record] = []
        for r in refs { keys.append(try await resolveKey(r)) }
        let list = keys.map { "\($0["id"].plainText) (\(TerminalSafe.escape($0["name"].plainText)))" }.joined(separator: ", ")
        if !yes {
            guard options.interactive else {
                throw ShellError("refusing to delete \(list) without --yes in a script")
            }
            guard ask("delete \(keys.count == 1 ? "key" : "\(keys.count) keys") \(list)?") else {
                output.message("nothing deleted\n")
                return
            }
        }
        for k in keys {
            guard case .int(let id) = k["id"] else { continue }
            do {
                try await client.deleteKey(id: id)
            } catch {
                cache.invalidate(.keys)
                cache.invalidate(.sessions)
                throw error
            }
            output.message("deleted key \(id)\n")
        }
        // A deleted key's sessions end with it.
        cache.invalidate(.keys)
        cache.invalidate(.sessions)
    }

    private func showWritten(_ key: Record, pipeline: Pipeline) async throws {
        if pipeline.stages.isEmpty, pipeline.redirect == nil, settings.format == .table {
            try await emit(verticalView.render(key), pipeline: pipeline)
        } else {
            try await runPipeline(pipeline, from: .records([key], resource: .keys))
        }
    }

    var verticalView: VerticalView { VerticalView(columns: terminal.stdoutIsTerminal ? terminal.width() : nil) }

    /// One key, its live sessions and its click count.
    private func keyDetails(_ key: Record) async throws -> String {
        var text = verticalView.render(key)
        let sessions = try await source.all(.sessions)
        let url = key["url"]
        let id = key["id"]
        let live = sessions.filter { s in
            if !url.isNull, s["key"] == url { return true }
            if case .string(let ref) = s["key"], case .int(let n) = id { return Interpreter.trailingID(ref) == n }
            return false
        }
        let liveText = live.isEmpty ? "none" : live.map { s in
            "\(s["port"].plainText) → \(s["local_port"].plainText) on \(TerminalSafe.escape(s["server"].plainText))"
        }.joined(separator: ", ")
        let name = key["name"]
        let clicks = try await source.all(.clicks)
        let clickCount = name.isNull ? 0 : clicks.reduce(0) { $0 + ($1["key_name"] == name ? 1 : 0) }
        text += verticalView.line("sessions", liveText, nameWidth: VerticalView.nameWidth(of: key))
        text += verticalView.line("clicks", ProgressReporter.group(clickCount), nameWidth: VerticalView.nameWidth(of: key))
        return text
    }
}

/// A record as `field  value` lines: one key at a time. At a terminal, values longer than
/// the line (a public key) are cut with `…` so the two columns stay two columns.
struct VerticalView {
    /// The terminal's width, or nil to cut nothing.
    var columns: Int?

    static func nameWidth(of r: Record) -> Int { max(8, r.fields.map { DisplayWidth.of($0) }.max() ?? 0) }

    func render(_ r: Record) -> String {
        let w = VerticalView.nameWidth(of: r)
        return zip(r.fields, r.values).map { line($0.0, $0.1.isNull ? "null" : $0.1.plainText, nameWidth: w) }.joined()
    }

    func line(_ name: String, _ value: String, nameWidth: Int) -> String {
        let n = TerminalSafe.escape(name)
        var v = TerminalSafe.escape(value)
        if let columns, columns > nameWidth + 4, DisplayWidth.of(v) > columns - nameWidth - 2 {
            v = TableRenderer.cut(v, to: columns - nameWidth - 2).0
        }
        return n + String(repeating: " ", count: max(0, nameWidth - DisplayWidth.of(n))) + "  " + v + "\n"
    }
}
