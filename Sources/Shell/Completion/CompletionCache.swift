#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import OpenportAPI
import Query
import Records
import Synchronization

/// A small file of what TAB needs from the account (key ids and names, session ports), so
/// that completion outside the shell (`opsh -c 'keys <TAB>'` in bash, zsh or fish) can offer
/// the same words as the prompt without a request.
///
/// It lives under `$XDG_CACHE_HOME/opsh/` (default `~/.cache/opsh/`), in a directory made
/// 0700, as a file written 0600. The shell rewrites it after it fetches keys or sessions
/// (see ``CompletionCacheKeeper``). The resource names, commands, stages and settings come
/// from the catalogues, not from the file.
public enum CompletionCache {
    /// The fields kept per resource: enough for key ids, names and ports, and nothing secret.
    static let keptFields: [Resource: [String]] = [
        .keys: ["id", "name"],
        .sessions: ["port", "local_port", "server"],
    ]
    /// At most this many rows per resource.
    static let rowLimit = 10_000

    /// The directory: `$XDG_CACHE_HOME/opsh`, else `~/.cache/opsh`; nil without either.
    public static func directory(environment: [String: String]) -> String? {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/opsh" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.cache/opsh"
    }

    /// The file for one account on one API: `completion-HASH.json`, where HASH is an
    /// ``AccountKey`` (a salted hash of the API URL and the token, never the token), so that
    /// two tokens on one profile never share names; `completion@demo.json` for `--demo`.
    public static func path(environment: [String: String], apiURL: String, token: String?, demo: Bool) -> String? {
        guard let dir = directory(environment: environment) else { return nil }
        if demo { return dir + "/completion@demo.json" }
        return dir + "/completion-\(AccountKey.name(apiURL: apiURL, token: token, directory: dir)).json"
    }

    /// A session cache holding what the file holds (empty when it is missing or unreadable).
    public static func load(_ path: String) -> SessionCache {
        let cache = SessionCache()
        guard let data = FileManager.default.contents(atPath: path),
              let value = try? JSONReader().parse(data),
              case .object(let root) = value else { return cache }
        for resource in keptFields.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard case .list(let rows) = root[resource.rawValue] else { continue }
            let records = rows.prefix(rowLimit).compactMap(\.record)
            cache.store(resource, records: PackedRows(records), seconds: 0, requests: 0)
        }
        return cache
    }

    /// Writes what `cache` holds of keys and sessions to `path`; resources it does not hold
    /// keep what the file had. Creates the directory 0700 and the file 0600.
    public static func save(_ cache: SessionCache, to path: String) throws {
        let previous = load(path)
        var root: [(String, Value)] = [("version", .int(1))]
        for resource in keptFields.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let records = (cache.any(resource) ?? previous.any(resource))?.records else { continue }
            let fields = keptFields[resource] ?? []
            let rows = records.prefix(rowLimit).map { r -> Value in
                .object(Record(fields.compactMap { f in r.has(f) ? (f, r[f]) : nil }))
            }
            root.append((resource.rawValue, .list(rows)))
        }
        let text = JSONWriter.string(.object(Record(root))) + "\n"
        try PrivateFile.write(text, to: path)
    }

    /// What TAB would offer for `line` with the cursor at `cursor` (characters), from `cache`
    /// alone: the REPL's own analyser and engine, with nothing fetched.
    public static func complete(_ line: String, cursor: Int, cache: SessionCache) -> Completion {
        let engine = CompletionEngine(cache: cache, values: ValueIndex(), prefetch: { _ in })
        return engine.complete(line, cursor: cursor)
    }
}

/// Keeps the completion cache file in step with a shell's session cache: ``sync()`` after
/// each line writes the file when keys or sessions were fetched since the last write.
public final class CompletionCacheKeeper: Sendable {
    private let cache: SessionCache
    private let path: String
    private let written = Mutex<[Resource: ContinuousClock.Instant]>([:])

    public init(cache: SessionCache, path: String) {
        self.cache = cache
        self.path = path
    }

    /// Writes the file if keys or sessions changed since the last write; failures are quiet
    /// (completion is a convenience: the shell must not fail for it).
    public func sync() {
        let changed = written.withLock { w -> Bool in
            var changed = false
            for resource in CompletionCache.keptFields.keys {
                guard let entry = cache.any(resource), !entry.stale else { continue }
                if w[resource] != entry.fetchedAt {
                    w[resource] = entry.fetchedAt
                    changed = true
                }
            }
            return changed
        }
        if changed { try? CompletionCache.save(cache, to: path) }
    }
}
