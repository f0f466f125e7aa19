import OpenportAPI
import Query
import Records

/// `keys rm ID|NAME ... [--yes]`: deletes keys, after asking at a terminal.
struct KeyRemoval {
    let context: CommandContext

    func remove(_ refs: [KeyRef], yes: Bool) async throws {
        var keys: [Record] = []
        let lookup = KeyLookup(context: context)
        for r in refs { keys.append(try await lookup.resolve(r)) }
        let list = keys.map { "\($0["id"].plainText) (\(TerminalSafe.escape($0["name"].plainText)))" }.joined(separator: ", ")
        if !yes, !context.assumeYes {
            guard context.interactive else {
                throw ShellError("refusing to delete \(list) without --yes in a script")
            }
            guard context.ask("delete \(keys.count == 1 ? "key" : "\(keys.count) keys") \(list)?") else {
                context.output.message("nothing deleted\n")
                return
            }
        }
        let cache = context.cache
        // A deleted key's sessions end with it, and the server shows its clicks with
        // key_name null: whatever happens, those lists are not what they were.
        defer {
            cache.invalidate(.keys)
            cache.invalidate(.sessions)
            cache.requireFullScan(.clicks)
        }
        for k in keys {
            guard case .int(let id) = k["id"] else { continue }
            try await context.client.deleteKey(id: id)
            context.output.message("deleted key \(id)\n")
        }
    }
}
