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
        let engine = CompletionEngine(cache: cache, values: ValueIndex(), prefetch: { _ in },
                                      stageNames: StageCatalog.all.map { $0.name })
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

/// Files only their owner may read: directories made 0700, files written 0600 through a
/// temporary file and a rename, so a reader never sees half a file.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates `path` and its missing parents with mode 0700 (existing ones are left alone).
    public static func makeDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw Failure(description: "\(path) is not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Replaces `path` with `text`, mode 0600, creating its directory (0700) when missing.
    /// A symbolic link is followed, so a linked file stays linked.
    public static func write(_ text: String, to path: String) throws {
        try write(bytes: Array(text.utf8), to: path)
    }

    /// Replaces `path` with `bytes`, as ``write(_:to:)`` does with text.
    public static func write(bytes: [UInt8], to path: String) throws {
        try write(to: path) { write in try bytes.withUnsafeBytes(write) }
    }

    /// Replaces `path` with what `produce` hands its writer, piece by piece (a large file
    /// need not be whole in memory), as ``write(_:to:)`` does with text.
    public static func write(to path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        var target = path
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            target = resolved.hasPrefix("/") ? resolved : (path as NSString).deletingLastPathComponent + "/" + resolved
        }
        let dir = (target as NSString).deletingLastPathComponent
        try makeDirectory(dir)
        var template = Array((dir + "/.opsh-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw Failure(description: "cannot write in \(dir): \(String(cString: strerror(errno)))") }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = fchmod(fd, 0o600) == 0
        if ok {
            do {
                try produce { piece in
                    var offset = 0
                    while offset < piece.count {
                        let n = systemWrite(fd, piece.baseAddress! + offset, piece.count - offset)
                        if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { throw Failure(description: "") }
                    }
                }
            } catch {
                ok = false
            }
        }
        if ok { ok = fsync(fd) == 0 }
        let error = errno
        close(fd)
        guard ok, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(ok ? errno : error))
            unlink(temporary)
            throw Failure(description: "cannot write \(target): \(reason)")
        }
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
