import Foundation
import OpenportAPI
import Query
import Records

/// Finding keys by id or name, and `keys ID|NAME`: one key with its live sessions and its
/// clicks in the cached click log.
struct KeyLookup {
    let context: CommandContext

    /// `keys ID|NAME`: the key's fields, sessions and clicks at a terminal; its record for stages.
    func show(_ ref: KeyRef, pipeline: Pipeline) async throws {
        let found = try await find(ref)
        if found.count > 1 {
            // A bare number that is one key's id and another's name: show both, say how to pick.
            context.output.message("opsh: \(ref.ambiguity(found))\n")
            try await context.pipelines.run(pipeline, from: .records(found, resource: .keys))
            return
        }
        let key = found[0]
        if pipeline.stages.isEmpty, pipeline.redirect == nil, context.settings.format == .table {
            try await context.pipelines.emit(try await details(key), pipeline: pipeline)
        } else {
            try await context.pipelines.run(pipeline, from: .records([key], resource: .keys))
        }
    }

    /// The one key a write names; an ambiguous reference is refused, with both candidates.
    func resolve(_ ref: KeyRef) async throws -> Record {
        let found = try await find(ref)
        if found.count > 1 { throw ShellError("\(ref.ambiguity(found)); nothing was changed") }
        return found[0]
    }

    /// The keys a reference can mean: one, or (for a bare number that is both an id and a
    /// name) the two. `"377"` quoted is a name, `id=377` an id, a bare `377` either. A name
    /// that several keys share is refused, with their ids.
    func find(_ ref: KeyRef) async throws -> [Record] {
        let keys = try await context.source.all(.keys)
        var byID: Record?
        if let id = ref.id {
            byID = keys.first { $0["id"] == .int(id) }
            if byID == nil, ref.byIDOnly || ref.name == nil || !keys.contains(where: { $0["name"].string == ref.name }) {
                byID = try await fetch(id: id)
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
            throw notFound(ref, among: keys)
        }
    }

    /// A key the cached list lacks, perhaps newer than it: asked of the server; nil when none has the id.
    private func fetch(id: Int) async throws -> Record? {
        do throws(APIError) {
            return try await context.client.key(id: id)
        } catch where error.kind == .notFound {
            return nil
        }
    }

    private func notFound(_ ref: KeyRef, among keys: [Record]) -> ShellError {
        if let id = ref.id { return ShellError("no key has id \(id); 'keys | select id,name' lists them") }
        let shown = TerminalSafe.escape(ref.name ?? "")
        let names = keys.compactMap { $0["name"].string }
        let hint = Suggest.nearest(ref.name ?? "", among: names).map { " (did you mean '\(TerminalSafe.escape($0))'?)" } ?? ""
        return ShellError("no key is named '\(shown)'\(hint)")
    }

    /// One key, its live sessions and its click count.
    private func details(_ key: Record) async throws -> String {
        let view = VerticalView(for: context)
        var text = view.render(key)
        let sessions = try await context.source.all(.sessions)
        let live = KeyLookup.liveSessions(of: key, in: sessions)
        text += view.line("sessions", live.isEmpty ? "none" : KeyLookup.describe(live), nameWidth: VerticalView.nameWidth(of: key))
        text += view.line("clicks", clickSummary(of: key, sessions: sessions), nameWidth: VerticalView.nameWidth(of: key))
        return text
    }

    /// The live sessions through `key`: by its URL, or by the id a session's key URL ends in.
    static func liveSessions(of key: Record, in sessions: [Record]) -> [Record] {
        let url = key["url"]
        let id = key["id"]
        return sessions.filter { s in
            if !url.isNull, s["key"] == url { return true }
            if case .string(let ref) = s["key"], case .int(let n) = id { return Joins.trailingID(ref) == n }
            return false
        }
    }

    /// `6260 → 22 on openport.io, 8081 → 80 on us.openport.io`.
    static func describe(_ sessions: [Record]) -> String {
        sessions.map { s in
            "\(s["port"].plainText) → \(s["local_port"].plainText) on \(TerminalSafe.escape(s["server"].plainText))"
        }.joined(separator: ", ")
    }

    /// The key's clicks, counted in the click log the cache holds: never a scan of the whole
    /// log just to show one key. Clicks name their key only by `key_name`, so where several
    /// keys share the name, the count says so rather than credit one of them.
    func clickSummary(of key: Record, sessions: [Record]) -> String {
        guard let entry = context.cache.any(.clicks) else {
            return "not counted: the click log is not cached ('refresh clicks' fetches it)"
        }
        guard case .string(let name) = key["name"] else { return "0" }
        let keys = context.cache.any(.keys).map { Array($0.records) } ?? [key]
        let joins = Joins(keys: keys, sessions: sessions)
        var mine = 0
        var shared = 0
        // The name read from its column; a record made only of the clicks that carry it.
        for (i, v) in entry.records.values(of: "key_name").enumerated() where v == .string(name) {
            let click = entry.records[i]
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
            text += ", in the click log fetched \(DurationText.describe(.seconds((ContinuousClock.now - entry.fetchedAt).components.seconds))) ago"
        }
        return text
    }
}
