import Foundation
import Query
import Synchronization

/// Host names found by reverse DNS, kept in memory and, when given a file, on disk, each for
/// `ttl` seconds from when it was found; "no name" is kept too, a failed lookup never.
///
/// The file is a line per address, `ADDRESS<TAB>EXPIRES<TAB>NAME` (EXPIRES in Unix seconds,
/// NAME empty for none), read on first use and written whole (mode 0600) by ``save()``.
/// Names come from DNS in presentation form, so they hold no tab or newline.
final class HostNameCache: Sendable {
    private struct Entry {
        var name: String?
        var expires: Int64
    }

    private struct State {
        var entries: [IPAddress: Entry] = [:]
        var loaded = false
        var changed = false
    }

    let file: URL?
    let ttl: Int64
    private let state = Mutex(State())

    init(file: URL?, ttl: Int64 = 86_400) {
        self.file = file
        self.ttl = ttl
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// The name kept for `address`: `.some(nil)` for "no name", nil when nothing fresh is kept.
    func name(of address: IPAddress, now: Int64 = now()) -> String?? {
        state.withLock { s in
            load(&s)
            guard let entry = s.entries[address], entry.expires > now else { return nil }
            return .some(entry.name)
        }
    }

    /// Keeps what a lookup found.
    func store(_ name: String?, for address: IPAddress, now: Int64 = now()) {
        state.withLock { s in
            load(&s)
            s.entries[address] = Entry(name: name, expires: now + ttl)
            s.changed = true
        }
    }

    /// Writes the file when something new was found (expired entries left out).
    func save() {
        guard let file else { return }
        let text: String? = state.withLock { s in
            guard s.changed else { return nil }
            s.changed = false
            let now = Self.now()
            return s.entries.filter { $0.value.expires > now }
                .map { "\($0.key)\t\($0.value.expires)\t\($0.value.name ?? "")\n" }.joined()
        }
        guard let text else { return }
        let directory = file.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary.path, file.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }

    private func load(_ s: inout State) {
        guard !s.loaded else { return }
        s.loaded = true
        guard let file, let data = try? Data(contentsOf: file) else { return }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let address = IPAddress(parts[0]), let expires = Int64(parts[1]) else { continue }
            s.entries[address] = Entry(name: parts[2].isEmpty ? nil : String(parts[2]), expires: expires)
        }
    }
}
