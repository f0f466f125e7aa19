import OpenportAPI
import Query
import Records

/// `keys rm ID|NAME ... [--yes]`: deletes keys, after asking at a terminal, saying what each
/// key still has (live sessions, clicks in the cached click log), as `keys NAME` shows it.
struct KeyRemoval {
    let context: CommandContext

    func remove(_ refs: [KeyRef], yes: Bool) async throws {
        var keys: [Record] = []
        let lookup = KeyLookup(context: context)
        for r in refs { keys.append(try await lookup.resolve(r)) }
        let sessions = try await context.source.all(.sessions)
        let described = keys.map { describe($0, sessions: sessions, lookup: lookup) }
        let list = described.joined(separator: "; ")
        let what = keys.count == 1 ? list : "\(keys.count) keys: \(list)"
        guard try context.confirmed("delete \(what)?", yes: yes, inScript: "refusing to delete \(what) without --yes in a script") else {
            context.output.message("nothing deleted\n")
            return
        }
        let cache = context.cache
        // A deleted key's sessions end with it, and the server shows its clicks with
        // key_name null: whatever happens, those lists are not what they were.
        defer {
            cache.invalidate(.keys)
            cache.invalidate(.sessions)
            cache.requireFullScan(.clicks)
        }
        for (k, text) in zip(keys, described) {
            guard case .int(let id) = k["id"] else { continue }
            try await context.client.deleteKey(id: id)
            context.output.message("deleted \(text)\n")
        }
    }

    /// `key 374 'Box Bruges' (1 live session: 6260 → 22 on openport.io; 377 clicks in the click
    /// log fetched 3m ago)`: clicks only when the click log is cached (never a scan to say it).
    private func describe(_ key: Record, sessions: [Record], lookup: KeyLookup) -> String {
        var facts: [String] = []
        let live = KeyLookup.liveSessions(of: key, in: sessions)
        if !live.isEmpty {
            facts.append("\(live.count) live session\(live.count == 1 ? "" : "s"): \(KeyLookup.describe(live))")
        }
        if context.cache.any(.clicks) != nil {
            facts.append("clicks: " + lookup.clickSummary(of: key, sessions: sessions))
        }
        let name = "key \(key["id"].plainText) '\(TerminalSafe.escape(key["name"].plainText))'"
        return facts.isEmpty ? name : "\(name) (\(facts.joined(separator: "; ")))"
    }
}
