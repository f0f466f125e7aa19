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
    let stageNames: [String]
    /// The user's saved queries: their names complete where a command or a stage may stand,
    /// and their parameters as the values they stand for.
    var savedQueries: @Sendable () -> [SavedQuery] = { [] }

    func complete(_ line: String, cursor: Int) -> Completion {
        let saved = savedQueries()
        var ctx: CompletionContext
        if let standIn = SavedQueryCompletion.standIn(line, cursor: cursor, queries: saved) {
            ctx = CompletionAnalyzer.analyze(standIn.text, cursor: standIn.text.count, commands: CommandCatalog.argumentKind)
            ctx.wordStart += standIn.shift
        } else {
            ctx = CompletionAnalyzer.analyze(line, cursor: cursor, commands: CommandCatalog.argumentKind)
        }
        let words = candidates(for: ctx) + savedNames(for: ctx.kind, saved)
        let matching = words.filter { $0.text.hasPrefix(ctx.prefix) }
        let insert = matching.map { w in
            CompletionCandidate(insert: w.raw ? w.text : CompletionEngine.quoteIfNeeded(w.text, forceQuote: ctx.quoted || w.quote),
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
        default: return []
        }
    }

    /// A candidate: `raw` is inserted as it is, `quote` always in quotes.
    struct Word { var text: String; var space = true; var raw = false; var quote = false }

    private func candidates(for ctx: CompletionContext) -> [Word] {
        switch ctx.kind {
        case .command:
            return CommandCatalog.names.map { Word(text: $0) }
        case .stage:
            return stageNames.map { Word(text: $0) }
        case .topic:
            return (CommandCatalog.names + stageNames).sorted().map { Word(text: $0) }
        case .resource:
            return Resource.allCases.map { Word(text: $0.rawValue) }
        case .setting:
            return Settings.names.map { Word(text: $0) }
        case .settingValue(let name):
            switch name {
            case "format": return OutputFormat.allCases.map { Word(text: $0.rawValue) }
            case "pager", "cache", "timing", "suggest": return [Word(text: "on"), Word(text: "off")]
            case "timezone": return ["UTC", "local"].map { Word(text: $0) } + TimeZone.knownTimeZoneIdentifiers.sorted().map { Word(text: $0) }
            case "charset": return ["auto", "utf8", "ascii"].map { Word(text: $0) }
            default: return []
            }
        case .op:
            return CompletionAnalyzer.operators.map { Word(text: $0) }
        case .field(let source, let inWhere):
            // In `where`, an operator usually follows without a space: `where port=6260`.
            return fields(of: source, prefix: ctx.prefix).map { Word(text: $0, space: !inWhere && !$0.hasSuffix(".")) }
        case .value(let source, let field):
            guard let r = Resource(word: source) else { return [] }
            return values.top(resource: r, field: field, cache: cache, prefetch: prefetch).map { Word(text: $0) }
        case .keyOrSubcommand:
            return KeysCommand.subcommands.map { Word(text: $0) } + keyRefs()
        case .keyRef:
            return keyRefs()
        case .keyField:
            return [Word(text: "name=", space: false, raw: true), Word(text: "public_key=@", space: false, raw: true)]
        case .port:
            guard let sessions = cache.any(.sessions) else { prefetch(.sessions); return [] }
            // A port can be used on several servers at once: offer it once.
            var ports = Set<Int>()
            for r in sessions.records { if case .int(let p) = r["port"] { ports.insert(p) } }
            return ports.sorted().map { Word(text: String($0)) }
        case .file:
            return files(prefix: ctx.prefix)
        case .choice(let words):
            return words.map { Word(text: $0) }
        case .savedQuery, .nothing:
            return []
        }
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
        return names
    }

    private func files(prefix: String) -> [Word] {
        let expanded = (prefix as NSString).expandingTildeInPath
        let dir = expanded.hasSuffix("/") ? expanded : (expanded as NSString).deletingLastPathComponent
        let shownDir = prefix.hasSuffix("/") ? prefix : (prefix as NSString).deletingLastPathComponent
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        return listing.sorted().compactMap { name -> Word? in
            if name.hasPrefix("."), !(prefix as NSString).lastPathComponent.hasPrefix(".") { return nil }
            var isDir: ObjCBool = false
            let full = (dir.isEmpty ? "." : dir) + "/" + name
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
            let shown = shownDir.isEmpty ? name : (shownDir.hasSuffix("/") ? shownDir + name : shownDir + "/" + name)
            return Word(text: shown + (isDir.boolValue ? "/" : ""), space: !isDir.boolValue)
        }
    }

    /// Quotes a word that the lexer would otherwise split or misread.
    static func quoteIfNeeded(_ text: String, forceQuote: Bool) -> String {
        let special = text.isEmpty || text.contains { c in
            c == " " || c == "\t" || c == "\"" || c == "'" || c == "|" || c == "=" || c == ">" || c == "<"
                || c == "!" || c == "~" || c == "(" || c == ")" || c == "," || c == "#" || c == "\\"
                || c.unicodeScalars.contains(where: Quoting.needsEscape)
                || c.unicodeScalars.contains { Quoting.joins($0, "a") }
        } || text.unicodeScalars.first.map { Quoting.joins(" ", $0) } == true
        guard special || forceQuote else { return text }
        // The parser reads this back as `text` exactly, whatever it holds.
        return Quoting.doubleQuoted(text)
    }
}

/// Distinct values of a field in the cache, most frequent first, built once per fetch.
final class ValueIndex: Sendable {
    private struct Key: Hashable { var resource: Resource; var field: String }
    private let built = Mutex<[Key: (at: ContinuousClock.Instant, values: [String])]>([:])

    func top(resource: Resource, field: String, cache: SessionCache, prefetch: (Resource) -> Void) -> [String] {
        guard let entry = cache.any(resource) else { prefetch(resource); return [] }
        let key = Key(resource: resource, field: field)
        if let hit = built.withLock({ $0[key] }), hit.at == entry.fetchedAt { return hit.values }
        var counts: [Value: Int] = [:]
        let path = field.split(separator: ".").map(String.init)
        for r in entry.records {
            let v = path.count == 1 ? r[field] : r.value(at: path)
            switch v {
            case .null, .list, .object, .time: continue
            default: counts[v, default: 0] += 1
            }
        }
        let values = ValueIndex.ranked(counts)
        built.withLock { $0[key] = (entry.fetchedAt, values) }
        return values
    }

    /// Builds the values of every top-level field of a freshly fetched resource in one pass, so
    /// that the first TAB after a fetch finds them ready. Run in the background.
    func warm(resource: Resource, cache: SessionCache) {
        guard let entry = cache.any(resource), let first = entry.records.first else { return }
        let fields = first.fields
        var counts = [[Value: Int]](repeating: [:], count: fields.count)
        for r in entry.records {
            // Pages parse into schemas of their own: the same fields, not the same object.
            guard r.schema == first.schema else { continue }
            for i in 0..<fields.count {
                let v = r[position: i]
                switch v {
                case .null, .list, .object, .time: continue
                default: counts[i][v, default: 0] += 1
                }
            }
        }
        built.withLock { b in
            for (i, f) in fields.enumerated() where !counts[i].isEmpty {
                b[Key(resource: resource, field: f)] = (entry.fetchedAt, ValueIndex.ranked(counts[i]))
            }
        }
    }

    /// Every distinct value, most frequent first, then alphabetical. Not cut: completion
    /// filters by what was typed first, so a rare value that fits is never left out (the
    /// list shown is cut, the text inserted is common to every match).
    static func ranked(_ counts: [Value: Int]) -> [String] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.plainText < $1.key.plainText }
            .map { $0.key.plainText }
    }
}
