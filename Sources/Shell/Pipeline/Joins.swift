import OpenportAPI
import Records
import Synchronization

/// The joins behind dotted paths, over the keys and sessions of one moment.
///
/// - a session's `key` is a key's URL (or, spelled another way, ends with the key's id);
/// - a click names its key only by `key_name` and its session only by `port`, and neither is
///   unique: names repeat across keys, ports across servers. A click's key is the one key
///   with that name, else the one such key with a live session on the click's port; its
///   session is the one live session on that port whose key has that name. A click whose
///   key was deleted (`key_name` null) has neither.
///
/// Where the data leaves more than one candidate, the join gives null and counts the row,
/// so the shell can say how many rows were ambiguous and why: never a guess.
final class Joins: Sendable {
    private let keysByURL: [String: Record]
    private let keysByID: [Int: Record]
    private let keysByName: [String: [Record]]
    private let sessionsByPort: [Value: [Record]]
    /// Rows whose join was ambiguous, per relation, with the reason for the first one.
    private let ambiguous = Mutex<[String: (rows: Set<Record>, reason: String)]>([:])

    init(keys: [Record], sessions: [Record]) {
        var byURL: [String: Record] = [:]
        var byID: [Int: Record] = [:]
        var byName: [String: [Record]] = [:]
        for k in keys {
            if case .string(let url) = k["url"], byURL[url] == nil { byURL[url] = k }
            if case .int(let id) = k["id"], byID[id] == nil { byID[id] = k }
            if case .string(let name) = k["name"] { byName[name, default: []].append(k) }
        }
        keysByURL = byURL
        keysByID = byID
        keysByName = byName
        var byPort: [Value: [Record]] = [:]
        for s in sessions where !s["port"].isNull { byPort[s["port"], default: []].append(s) }
        sessionsByPort = byPort
    }

    /// No joins: for pipelines that name no dotted path.
    static let none = Joins(keys: [], sessions: [])

    /// What ``EvaluationContext/relation`` calls: the record a field's value leads to.
    ///
    /// Dispatches on the value, not on the pipeline's resource, so chains work:
    /// `session.key.name` on a click goes click → session → (its key URL) → key.
    func related(_ field: String, _ value: Value) -> Record? {
        switch (field, value) {
        case ("key", .string(let url)): return key(atURL: url)
        case ("key", .int(let id)): return keysByID[id]
        case ("key", .object(let click)): return key(ofClick: click)
        case ("session", .object(let click)): return session(ofClick: click)
        default: return nil
        }
    }

    /// A key by its URL; if the server spells it differently (http against https, another
    /// host), by the id at its end: `.../keys/15371/`.
    func key(atURL url: String) -> Record? {
        keysByURL[url] ?? Joins.trailingID(url).flatMap { keysByID[$0] }
    }

    /// The number a resource URL ends with: `https://h/api/v2/keys/15371/` → 15371.
    static func trailingID(_ url: String) -> Int? {
        url.split(separator: "/").last.flatMap { Int($0) }
    }

    /// The key of a session.
    func key(ofSession session: Record) -> Record? {
        switch session["key"] {
        case .string(let url): return key(atURL: url)
        case .int(let id): return keysByID[id]
        default: return nil
        }
    }

    /// The key a click was made through: by name, narrowed by port where names repeat.
    func key(ofClick click: Record) -> Record? {
        guard case .string(let name) = click["key_name"], let named = keysByName[name] else { return nil }
        if named.count == 1 { return named[0] }
        let onPort = named.filter { k in
            (sessionsByPort[click["port"]] ?? []).contains { key(ofSession: $0) == k }
        }
        if onPort.count == 1 { return onPort[0] }
        note(click, relation: "key",
             reason: "their key_name is shared by several keys and their port does not tell those apart")
        return nil
    }

    /// The live session a click came through: by port, narrowed by the key's name.
    func session(ofClick click: Record) -> Record? {
        guard case .string(let name) = click["key_name"], let onPort = sessionsByPort[click["port"]] else { return nil }
        let matching = onPort.filter { key(ofSession: $0)?["name"] == .string(name) }
        if matching.count == 1 { return matching[0] }
        if matching.count > 1 {
            note(click, relation: "session",
                 reason: "several live sessions share their port and their key's name")
        }
        return nil
    }

    private func note(_ row: Record, relation: String, reason: String) {
        ambiguous.withLock { seen in
            var entry = seen[relation] ?? (rows: [], reason: reason)
            entry.rows.insert(row)
            seen[relation] = entry
        }
    }

    /// One line for each relation that was ambiguous for some rows, for stderr:
    /// `key.* is null for 12 clicks: their key_name is shared by ...`.
    func warnings(rowNoun: String) -> [String] {
        ambiguous.withLock { seen in
            seen.sorted { $0.key < $1.key }.map { relation, entry in
                let n = entry.rows.count
                return "\(relation).* is null for \(ProgressReporter.group(n)) \(rowNoun)\(n == 1 ? "" : "s"): \(entry.reason)"
            }
        }
    }
}
