import Foundation
import OpenportAPI
import Query
import Records

/// How a command names a key: `349` (an id, or a name that is all digits), `"349"` (a
/// name: quotes make it one), `id=349` (an id only), `Pi London` (a name: all the words).
struct KeyRef: Equatable {
    /// The id it can mean.
    var id: Int?
    /// The name it can mean; nil for `id=349`.
    var name: String?
    /// Written as `id=N`.
    var byIDOnly = false

    /// One argument; nil when it cannot name a key (a flag, `name=x`).
    init?(_ arg: CommandArgument) {
        switch arg.kind {
        case .word(let w, let quoted):
            name = w
            id = quoted ? nil : Int(w)
        case .assignment("id", let v, _):
            guard let n = Int(v) else { return nil }
            id = n
            byIDOnly = true
        default:
            return nil
        }
    }

    /// All the arguments of `keys NAME WITH SPACES`.
    init(_ args: [CommandArgument], usage: String) throws {
        if args.count == 1, let one = KeyRef(args[0]) {
            self = one
            return
        }
        let words = args.compactMap { a -> String? in if case .word(let w, _) = a.kind { return w } else { return nil } }
        guard words.count == args.count else { throw ShellError(usage) }
        name = words.joined(separator: " ")
    }

    /// Why a bare number named two keys, and how to name each.
    func ambiguity(_ keys: [Record]) -> String {
        let n = id.map(String.init) ?? ""
        let byID = keys.first { $0["id"] == .int(id ?? -1) }
        let named = keys.first { $0["id"] != .int(id ?? -1) }
        let other = named.map { "key \($0["id"].plainText) is named '\(n)'" } ?? ""
        let first = byID.map { "key \(n) ('\(TerminalSafe.escape($0["name"].plainText))')" } ?? ""
        return "\(n) names two keys: \(first), and \(other); write id=\(n) for the first, \"\(n)\" for the second"
    }
}

/// `keys`, `keys ID|NAME`, and the writes: `keys add|set|replace|rm`.
extension Interpreter {
    func keysCommand(_ pipeline: Pipeline) async throws {
        let args = pipeline.command.arguments
        guard let first = args.first else {
            try await runPipeline(pipeline, from: .resource(.keys))
            return
        }
        if case .word(let word, false) = first.kind, KeysCommand.subcommands.contains(word) {
            let rest = Array(args.dropFirst())
            switch word {
            case "add": try await addKey(rest, pipeline: pipeline)
            case "set": try await changeKey(rest, replace: false, pipeline: pipeline)
            case "replace": try await changeKey(rest, replace: true, pipeline: pipeline)
            default:
                try Invocation.refuseStages(pipeline, after: "keys rm")
                try await removeKeys(rest)
            }
            return
        }
        // `keys Pi London` means the key named "Pi London": a name is all the words.
        let ref = try KeyRef(args, usage: "usage: keys [ID|NAME], or keys add|set|replace|rm ...; 'help keys' has examples")
        let found = try await findKeys(ref)
        if found.count > 1 {
            // A bare number that is one key's id and another's name: show both, say how to pick.
            output.message("opsh: \(ref.ambiguity(found))\n")
            try await runPipeline(pipeline, from: .records(found, resource: .keys))
            return
        }
        let key = found[0]
        if pipeline.stages.isEmpty, pipeline.redirect == nil, settings.format == .table {
            try await emit(try await keyDetails(key), pipeline: pipeline)
        } else {
            try await runPipeline(pipeline, from: .records([key], resource: .keys))
        }
    }

    /// The one key a write names; an ambiguous reference is refused, with both candidates.
    func resolveKey(_ ref: KeyRef) async throws -> Record {
        let found = try await findKeys(ref)
        if found.count > 1 { throw ShellError("\(ref.ambiguity(found)); nothing was changed") }
        return found[0]
    }

    /// The keys a reference can mean: one, or (for a bare number that is both an id and a
    /// name) the two. `"377"` quoted is a name, `id=377` an id, a bare `377` either. A name
    /// that several keys share is refused, with their ids.
    func findKeys(_ ref: KeyRef) async throws -> [Record] {
        let keys = try await source.all(.keys)
        var byID: Record?
        if let id = ref.id {
            byID = keys.first { $0["id"] == .int(id) }
            if byID == nil, ref.byIDOnly || ref.name == nil || !keys.contains(where: { $0["name"].string == ref.name }) {
                // Perhaps newer than the cached list: ask the server.
                let fetched: Result<Record, APIError> = await { () async -> Result<Record, APIError> in
                    do throws(APIError) { return .success(try await client.key(id: id)) } catch { return .failure(error) }
                }()
                switch fetched {
                case .success(let key): byID = key
                case .failure(let error) where error.kind == .notFound: break
                case .failure(let error): throw error
                }
            }
        }
        let named = ref.name.map { name in keys.filter { $0["name"].string == name } } ?? []
        switch (byID, named.count) {
        case (let key?, 0): return [key]
        case (nil, 1): return named
        case (let key?, 1) where named[0]["id"] == key["id"]: return [key]
        case (let key?, 1): return [key, named[0]]
        case (_, let n) where n > 1:
            let ids = named.map { $0["id"].plainText }.joined(separator: ", ")
            let both = byID.map { " (and key \($0["id"].plainText) has that id)" } ?? ""
            throw ShellError("\(n) keys are named '\(TerminalSafe.escape(ref.name!))' (ids \(ids))\(both); name one by its id")
        default:
            if let id = ref.id {
                throw ShellError("no key has id \(id); 'keys | select id,name' lists them")
            }
            let shown = TerminalSafe.escape(ref.name ?? "")
            let names = keys.compactMap { $0["name"].string }
            let hint = Suggest.nearest(ref.name ?? "", among: names).map { " (did you mean '\(TerminalSafe.escape($0))'?)" } ?? ""
            let orID = ref.id != nil ? "no key has id \(ref.id!) and " : ""
            throw ShellError("\(orID)no key is named '\(shown)'\(hint)")
        }
    }

    /// `name=VALUE` arguments as fields; `@PATH` reads a file (for public_key).
    func fields(from args: [CommandArgument], command: String) throws -> [(String, Value)] {
        var fields: [(String, Value)] = []
        for (i, a) in args.enumerated() {
            if i > 0, case .word = a.kind, case .assignment("public_key", let key, false) = args[i - 1].kind,
               PublicKeyCheck.types.contains(key) {
                throw ShellError("the public key was cut at its first space: put it in quotes (public_key=\"\(key) \(a.text.prefix(12))...\") or read it from its file (public_key=@~/.ssh/id_ed25519.pub); nothing was sent")
            }
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
        try Interpreter.refuseReadOnly(fields, command: "keys add")
        let created = try await client.createKey(fields)
        warnIgnored(fields, in: created)
        cache.invalidate(.keys)
        output.message("created key \(created["id"].plainText)\n")
        try await showWritten(created, pipeline: pipeline)
    }

    private func changeKey(_ args: [CommandArgument], replace: Bool, pipeline: Pipeline) async throws {
        let verb = replace ? "keys replace" : "keys set"
        guard let refArg = args.first, let ref = KeyRef(refArg) else {
            throw ShellError("usage: \(verb) ID|NAME name=VALUE ...")
        }
        let fields = try fields(from: Array(args.dropFirst()), command: verb)
        guard !fields.isEmpty else { throw ShellError("\(verb) needs fields to change, like name=NEW") }
        try Interpreter.refuseReadOnly(fields, command: verb)
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
        warnIgnored(fields, in: updated)
        if updated["name"] != key["name"] {
            // The server now shows this key's clicks under the new name.
            cache.requireFullScan(.clicks)
        }
        cache.invalidate(.keys)
        try await showWritten(updated, pipeline: pipeline)
    }

    private func removeKeys(_ args: [CommandArgument]) async throws {
        var refs: [KeyRef] = []
        var yes = options.assumeYes
        for a in args {
            switch a.kind {
            case .flag("yes"), .flag("y"): yes = true
            default:
                guard let ref = KeyRef(a) else { throw ShellError("usage: keys rm ID|NAME ... [--yes]") }
                refs.append(ref)
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
                cache.requireFullScan(.clicks)
                throw error
            }
            output.message("deleted key \(id)\n")
        }
        // A deleted key's sessions end with it, and the server shows its clicks with
        // key_name null.
        cache.invalidate(.keys)
        cache.invalidate(.sessions)
        cache.requireFullScan(.clicks)
    }

    /// Fields the server sets itself: sending them would do nothing, so they are refused.
    static let readOnlyKeyFields = ["url", "id", "creation_time", "last_connection_time", "bytes_this_month", "counter_reset_time"]

    static func refuseReadOnly(_ fields: [(String, Value)], command: String) throws {
        let readOnly = fields.map(\.0).filter(readOnlyKeyFields.contains)
        guard readOnly.isEmpty else {
            throw ShellError("\(readOnly.joined(separator: ", ")) \(readOnly.count == 1 ? "is" : "are") set by the server; \(command) can change name and public_key; nothing was sent")
        }
    }

    /// One line naming the fields that were sent but that the key the server gave back does not
    /// show: the server does not know them, or does not let them be written.
    func warnIgnored(_ fields: [(String, Value)], in key: Record) {
        let ignored = fields.filter { name, value in
            guard key.has(name) else { return true }
            if name == "public_key" { return false }  // the server may normalise the spacing
            return key[name].plainText != value.plainText
        }.map(\.0)
        guard !ignored.isEmpty else { return }
        output.message("opsh: the server ignored \(ignored.map { TerminalSafe.escape($0) }.joined(separator: ", ")) (\(ignored.count == 1 ? "a field" : "fields") it does not know or will not change)\n")
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
        text += verticalView.line("sessions", liveText, nameWidth: VerticalView.nameWidth(of: key))
        text += verticalView.line("clicks", clickSummary(of: key, sessions: sessions), nameWidth: VerticalView.nameWidth(of: key))
        return text
    }

    /// The key's clicks, counted in the click log the cache holds: never a scan of the whole
    /// log just to show one key. Clicks name their key only by `key_name`, so where several
    /// keys share the name, the count says so rather than credit one of them.
    func clickSummary(of key: Record, sessions: [Record]) -> String {
        guard let entry = cache.any(.clicks) else {
            return "not counted: the click log is not cached ('refresh clicks' fetches it)"
        }
        guard case .string(let name) = key["name"] else { return "0" }
        let keys = cache.any(.keys)?.records ?? [key]
        let joins = Joins(keys: keys, sessions: sessions)
        var mine = 0
        var shared = 0
        for click in entry.records where click["key_name"] == .string(name) {
            if let owner = joins.key(ofClick: click) {
                if owner["id"] == key["id"] { mine += 1 }
            } else {
                shared += 1
            }
        }
        var text = ProgressReporter.group(mine)
        if shared > 0 {
            let namesakes = keys.filter { $0["name"] == .string(name) }.count
            text += " (and \(ProgressReporter.group(shared)) more under the name it shares with \(namesakes - 1) other key\(namesakes == 2 ? "" : "s"), which cannot be told apart)"
        }
        if entry.stale {
            text += ", in an outdated copy of the click log ('refresh clicks' to count afresh)"
        } else {
            text += ", in the click log fetched \(Settings.describe(ContinuousClock.now - entry.fetchedAt)) ago"
        }
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
