import Foundation
import OpenportAPI
import Query
import Records

/// `keys`: every key; `keys ID|NAME`: one key; `keys add|set|replace|rm`: the writes. This
/// file reads the line into an ``Action``; `KeyLookup.swift` lists and shows keys,
/// `KeyWrites.swift` creates and changes them, `KeyRemoval.swift` deletes them.
struct KeysCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "keys", synopsis: "keys [ID|NAME|add|set|replace|rm]",
        summary: "your SSH keys; one key; create, change, delete",
        forms: [("keys", "every key"), ("keys ID|NAME", "one key, with its live sessions and click count")],
        resource: .keys,
        examples: [StageExample("keys | where name ~ pi | select id,name,last_connection_time", shows: "keys whose name mentions pi",
                                result: .rows(122)),
                   StageExample("keys | sort -last_connection_time | first 5", shows: "the five keys seen most recently", result: .rows(5))],
        arguments: .key,
        subcommands: [
            SubcommandSpec("add", synopsis: "keys add name=NAME public_key=@FILE [--yes]",
                           summary: "create a key (or public_key=\"ssh-ed25519 AAAA...\"); asks first if a key has that public key",
                           arguments: .fields(writableFields), isSource: true),
            SubcommandSpec("set", synopsis: "keys set ID|NAME name=NEW", summary: "change fields (PATCH), saying old → new",
                           arguments: .then(.key, .fields(writableFields)), isSource: true),
            SubcommandSpec("replace", synopsis: "keys replace ID|NAME name=.. public_key=.. [--yes]",
                           summary: "replace the key (PUT), saying old → new (asks first; scripts need --yes)",
                           arguments: .then(.key, .fields(writableFields)), isSource: true),
            SubcommandSpec("rm", synopsis: "keys rm ID|NAME ... [--yes]", summary: "delete keys (asks first; scripts need --yes)",
                           arguments: .keys),
        ],
        isSource: true, reads: .keys)

    /// What TAB offers for the fields a write sends.
    static let writableFields = ["name=", "public_key=@"]

    enum Action: Equatable {
        /// Every key.
        case list
        /// One key (or the two a bare number may name), with its sessions and clicks.
        case show(KeyRef)
        /// `keys add`: a new key from these fields; `yes`: without asking about a key that
        /// already has its public key.
        case add([KeyField], yes: Bool)
        /// `keys set` (PATCH) or `keys replace` (PUT, asked first unless `yes`).
        case change(KeyRef, [KeyField], replace: Bool, yes: Bool)
        /// `keys rm`; `yes`: without asking.
        case remove([KeyRef], yes: Bool)
    }

    let action: Action

    static func parse(_ invocation: Invocation) throws -> KeysCommand {
        let args = invocation.arguments
        guard let first = args.first else { return KeysCommand(action: .list) }
        let rest = Array(args.dropFirst())
        guard case .word(let word, false) = first.kind, let sub = spec.subcommand(word) else {
            // `keys Pi London` means the key named "Pi London": a name is all the words.
            return KeysCommand(action: .show(try KeyRef(args, usage: spec.usage())))
        }
        switch sub.name {
        case "add":
            let (fields, yes) = try KeyField.parse(rest, command: "keys add")
            let missing = ["name", "public_key"].filter { name in !fields.contains { $0.name == name } }
            try KeyField.check(fields, command: "keys add")
            guard missing.isEmpty else {
                throw ShellError("keys add needs \(missing.joined(separator: " and ")): keys add name=NAME public_key=@~/.ssh/id_ed25519.pub")
            }
            return KeysCommand(action: .add(fields, yes: yes))
        case "set", "replace":
            let verb = "keys " + sub.name
            guard let refArg = rest.first, let ref = KeyRef(refArg) else { throw sub.usage(of: spec) }
            let (fields, yes) = try KeyField.parse(Array(rest.dropFirst()), command: verb)
            guard !fields.isEmpty else { throw ShellError("\(verb) needs fields to change, like name=NEW") }
            try KeyField.check(fields, command: verb)
            return KeysCommand(action: .change(ref, fields, replace: sub.name == "replace", yes: yes))
        default:
            return KeysCommand(action: try removal(rest, usage: sub.usage(of: spec)))
        }
    }

    /// `keys rm ID|NAME ... [--yes]`.
    private static func removal(_ args: [CommandArgument], usage: ShellError) throws -> Action {
        var refs: [KeyRef] = []
        var yes = false
        for a in args {
            switch a.kind {
            case .flag("yes"), .flag("y"): yes = true
            default:
                guard let ref = KeyRef(a) else { throw usage }
                refs.append(ref)
            }
        }
        guard !refs.isEmpty else { throw usage }
        return .remove(refs, yes: yes)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let pipeline = invocation.pipeline
        switch action {
        case .list: try await context.pipelines.run(pipeline, from: .resource(.keys))
        case .show(let ref): try await KeyLookup(context: context).show(ref, pipeline: pipeline)
        case .add(let fields, let yes): try await KeyWrites(context: context).add(fields, yes: yes, pipeline: pipeline)
        case .change(let ref, let fields, let replace, let yes):
            try await KeyWrites(context: context).change(ref, fields, replace: replace, yes: yes, pipeline: pipeline)
        case .remove(let refs, let yes): try await KeyRemoval(context: context).remove(refs, yes: yes)
        }
        return .ok
    }
}

/// How a command names a key: `349` (an id, or a name that is all digits), `"349"` (a
/// name: quotes make it one), `id=349` (an id only), `Pi London` (a name: all the words).
struct KeyRef: Equatable, Sendable {
    /// The id it can mean.
    var id: Int?
    /// The name it can mean; nil for `id=349`.
    var name: String?
    /// Written as `id=N`.
    var byIDOnly = false

    init(id: Int?, name: String?, byIDOnly: Bool = false) {
        self.id = id
        self.name = name
        self.byIDOnly = byIDOnly
    }

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
    init(_ args: [CommandArgument], usage: ShellError) throws {
        if args.count == 1, let one = KeyRef(args[0]) {
            self = one
            return
        }
        let words = args.compactMap { a -> String? in if case .word(let w, _) = a.kind { return w } else { return nil } }
        guard words.count == args.count else { throw usage }
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

/// A field of a key to write: `name=VALUE`, or `public_key=@FILE`, read when the line runs.
struct KeyField: Equatable, Sendable {
    enum Source: Equatable, Sendable {
        case text(String)
        /// `@PATH` (`~` allowed): the file's text, trimmed.
        case file(String)
    }

    var name: String
    var source: Source
    /// Where the field was written, for an error's caret.
    var range: Range<Int> = 0..<0

    static func == (a: KeyField, b: KeyField) -> Bool { a.name == b.name && a.source == b.source }

    /// The fields a write may send.
    static let writable = ["name", "public_key"]
    /// Fields the server sets itself: sending them would do nothing, so they are refused.
    static let readOnly = ["url", "id", "creation_time", "last_connection_time", "bytes_this_month", "counter_reset_time"]

    /// `name=VALUE` arguments as fields (a later one of the same name wins), and whether
    /// `--yes` was among them.
    static func parse(_ args: [CommandArgument], command: String) throws -> (fields: [KeyField], yes: Bool) {
        var fields: [KeyField] = []
        var yes = false
        for a in args {
            if case .flag(let flag) = a.kind, flag == "yes" || flag == "y" {
                yes = true
                continue
            }
            guard case .assignment(let name, let value, _) = a.kind else {
                throw QueryError("\(command) takes name=VALUE fields, not '\(a.text)'", column: a.range.lowerBound, length: max(1, a.range.count))
            }
            let field = KeyField(name: name, source: a.fileReference.map { .file($0) } ?? .text(value), range: a.range)
            if case .text(let key) = field.source, name == "public_key", let problem = PublicKeyCheck.problem(key) {
                throw ShellError("\(problem); nothing was sent")
            }
            fields.removeAll { $0.name == name }
            fields.append(field)
        }
        return (fields, yes)
    }

    /// Refuses, before anything is sent, a field the server sets itself and one a key does
    /// not have (a misspelt one gets the nearest writable field).
    static func check(_ fields: [KeyField], command: String) throws {
        let refused = fields.map(\.name).filter(readOnly.contains)
        guard refused.isEmpty else {
            throw ShellError("\(refused.joined(separator: ", ")) \(refused.count == 1 ? "is" : "are") set by the server; \(command) can change name and public_key; nothing was sent")
        }
        if let unknown = fields.first(where: { !writable.contains($0.name) }) {
            let name = TerminalSafe.escape(unknown.name)
            throw QueryError("a key has no field '\(name)'; \(command) can change name and public_key; nothing was sent",
                             column: unknown.range.lowerBound, length: max(1, min(unknown.range.count, unknown.name.count)),
                             suggestion: Suggest.nearest(unknown.name, among: writable))
        }
    }

    /// The value to send: the text, or the file's (a public key read from a file is checked).
    func value() throws -> Value {
        switch source {
        case .text(let text):
            return .string(text)
        case .file(let path):
            let expanded = (path as NSString).expandingTildeInPath
            guard let text = try? String(contentsOfFile: expanded, encoding: .utf8) else {
                throw ShellError("cannot read \(path) for \(name)")
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if name == "public_key", let problem = PublicKeyCheck.problem(trimmed) { throw ShellError("\(problem); nothing was sent") }
            return .string(trimmed)
        }
    }
}
