import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// Step two of completion: a kind plus what the session cache holds → candidates.
/// Reads only memory; when the cache lacks what a kind needs, it asks for a background fetch
/// and offers what it has.
struct CompletionEngine: Sendable {
    let cache: SessionCache
    let values: ValueIndex
    /// Starts a background fetch of a resource (at most one at a time per resource).
    let prefetch: @Sendable (Resource) -> Void
    let stageNames = StageCatalog.names
    /// What TAB offers after `source_ip.` and as its values (see CompletionEngine+Addresses).
    var addresses: any AddressLookup = NoAddressLookup()
    /// The user's saved queries: their names complete where a command or a stage may stand,
    /// and their parameters as the values they stand for.
    var savedQueries: @Sendable () -> [SavedQuery] = { [] }

    func complete(_ line: String, cursor: Int) -> Completion {
        let saved = savedQueries()
        var ctx: CompletionContext
        if let standIn = SavedQueryCompletion.standIn(line, cursor: cursor, queries: saved) {
            ctx = CompletionAnalyzer.analyze(standIn.text, cursor: standIn.text.count, commands: CommandCatalog.syntax)
            ctx.wordStart += standIn.shift
        } else {
            ctx = CompletionAnalyzer.analyze(line, cursor: cursor, commands: CommandCatalog.syntax)
        }
        let words = candidates(for: ctx.kind, prefix: ctx.prefix) + savedNames(for: ctx.kind, saved)
        let matching = words.filter { $0.text.hasPrefix(ctx.prefix) && !ctx.named.contains($0.text) }
        let insert = matching.map { w in
            CompletionCandidate(insert: w.raw || !(ctx.quoted || w.quote || Quoting.needsQuotes(w.text)) ? w.text : Quoting.doubleQuoted(w.text),
                                display: TerminalSafe.escape(w.text), appendSpace: w.space)
        }
        return Completion(wordStart: ctx.wordStart, candidates: insert)
    }

    /// The saved queries that fit where the cursor is: lines where a command may stand,
    /// stages after `|`, any of them as a help topic or after `saved rm`.
    private func savedNames(for kind: ExpectedKind, _ saved: [SavedQuery]) -> [Word] {
        switch kind {
        case .command: return saved.filter { !$0.isStage }.map { Word(text: $0.name) }
        case .stage: return saved.filter(\.isStage).map { Word(text: $0.name) }
        case .topic, .savedQuery: return saved.map { Word(text: $0.name) }
        case .subcommand(_, let or): return savedNames(for: or, saved)
        default: return []
        }
    }

    /// A candidate: `raw` is inserted as it is, `quote` always in quotes.
    struct Word { var text: String; var space = true; var raw = false; var quote = false }

    private func candidates(for kind: ExpectedKind, prefix: String) -> [Word] {
        switch kind {
        case .command:
            return CommandCatalog.names.map { Word(text: $0) }
        case .stage:
            return stageNames.map { Word(text: $0) }
        case .topic:
            return (CommandCatalog.names + stageNames + Help.topics).sorted().map { Word(text: $0) }
        case .resource:
            return Resource.allCases.map { Word(text: $0.rawValue) }
        case .setting:
            return Setting.names.map { Word(text: $0) }
        case .settingValue(let name):
            // A directory (of `set geoip`'s files) is completed further, not ended with a space.
            return (Setting.named(name)?.candidates(prefix) ?? []).map { Word(text: $0, space: !$0.hasSuffix("/")) }
        case .op:
            return CompletionAnalyzer.operators.map { Word(text: $0) }
        case .field(let source, let inWhere):
            // In `where`, an operator usually follows without a space: `where port=6260`.
            return fields(of: source, prefix: prefix).map { Word(text: $0, space: !inWhere && !$0.hasSuffix(".")) }
        case .value(let source, let field):
            guard let r = Resource(word: source) else { return [] }
            if let derived = addressValues(resource: r, path: field) { return derived.map { Word(text: $0) } }
            return values.top(resource: r, field: field, cache: cache, prefetch: prefetch).map { Word(text: $0) }
        case .subcommand(let names, let or):
            return names.map { Word(text: $0) } + candidates(for: or, prefix: prefix)
        case .keyRef:
            return keyRefs()
        case .fields(let names):
            return names.map { Word(text: $0, space: false, raw: true) }
        case .port:
            return ports()
        case .file:
            // A file name is a command word: it needs quotes only for a blank, a quote, | or >.
            return FileNames.matching(prefix).map { file in
                Word(text: file.path, space: !file.isDirectory, raw: !file.path.contains(where: Quoting.endsCommandWord))
            }
        case .choice(let words):
            return words.map { Word(text: $0) }
        case .savedQuery, .nothing:
            return []
        }
    }

    /// The ports of the cached sessions; a port used on several servers at once is offered once.
    private func ports() -> [Word] {
        guard let sessions = cache.any(.sessions) else { prefetch(.sessions); return [] }
        var ports = Set<Int>()
        for r in sessions.records { if case .int(let p) = r["port"] { ports.insert(p) } }
        return ports.sorted().map { Word(text: String($0)) }
    }

    /// Key ids and names from the cache (names quoted by the caller when needed).
    private func keyRefs() -> [Word] {
        guard let keys = cache.any(.keys) else { prefetch(.keys); return [] }
        var seen = Set<String>()
        var out: [Word] = []
        var ids: [Int] = []
        for r in keys.records {
            if case .int(let id) = r["id"] { ids.append(id) }
        }
        out = ids.sorted().map { Word(text: String($0)) }
        var names: [String] = []
        for r in keys.records {
            if let n = r["name"].string, !n.isEmpty, seen.insert(n).inserted { names.append(n) }
        }
        // A name of digits goes in quotes: bare, it could be read as an id.
        return out + names.sorted().map { Word(text: $0, quote: Int($0) != nil) }
    }

    /// Field names of what `source` yields; `key.` paths through the key on sessions and clicks.
    func fields(of source: String, prefix: String) -> [String] {
        guard let r = Resource(word: source) else { return [] }
        var names = r.documentedFields
        if let first = cache.any(r)?.records.first {
            for f in first.fields where !names.contains(f) { names.append(f) }
        } else {
            prefetch(r)
        }
        for (name, target) in r.relations.sorted(by: { $0.key < $1.key }) {
            if prefix.hasPrefix(name + ".") {
                var targetFields = target.documentedFields
                if let first = cache.any(target)?.records.first {
                    for f in first.fields where !targetFields.contains(f) { targetFields.append(f) }
                }
                names += targetFields.map { name + "." + $0 }
            } else if !names.contains(name + ".") {
                names.append(name + ".")
            }
        }
        return names + addressFieldNames(of: r, prefix: prefix)
    }
}
