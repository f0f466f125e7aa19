import Foundation
import OpenportAPI
import Records
import Synchronization

/// Everything fetched in this session, reused by later commands, completion and joins.
///
/// A lock-protected class rather than an actor: completion runs synchronously inside the
/// line editor's callback and must read the cache without waiting, and every critical
/// section here is a dictionary read or write.
public final class SessionCache: Sendable {
    /// One resource's rows as last fetched in full.
    public struct Entry: Sendable {
        public var records: PackedRows
        public var fetchedAt: ContinuousClock.Instant
        /// Wall time the fetch took, and the requests it made.
        public var fetchSeconds: Double
        public var requests: Int
        /// Set by `refresh`: the rows are kept for an incremental fetch but are not fresh.
        public var stale = false
        /// Set when rows already fetched may have changed in place (the server relabels a
        /// key's clicks when the key is renamed or deleted): only a full scan is right.
        public var needsFullScan = false
        /// What the rows were read under (clicks: the keys' names then; when last scanned in full).
        public var provenance: Provenance
        /// Seconds since 1970 when the fetch of these rows began (what the disk keeps).
        public var fetchedWall = Date().timeIntervalSince1970
        /// Names the snapshot of these rows on disk, when they were read from it or written to it.
        var generation: UInt64?
    }

    private let entries = Mutex<[Resource: Entry]>([:])
    /// Per resource, the wall time of the last `refresh`: rows whose fetch began before it are
    /// stale, whenever and from wherever (memory or disk) they are read.
    private let staleBefore = Mutex<[Resource: Double]>([:])
    /// Where rows outlive the process (nil: memory only).
    public let disk: DiskStore?
    /// Per resource: whether the disk was read yet, what its files looked like when this
    /// process last read or wrote them, and how many of its writes are still queued.
    private let diskState = Mutex<[Resource: DiskState]>([:])
    /// Held while a resource is read from disk, so it is read once.
    private let loading = Mutex<Void>(())

    struct DiskState {
        var loaded = false
        var seen = DiskStore.Stamp()
        var pending = 0
        /// When this process last wrote the rows, and whether newer ones wait to be written.
        var lastSave: ContinuousClock.Instant?
        var dirty = false
    }

    /// Rows stored again within this time of the last write wait for it to pass (a `follow`
    /// on a busy account stores the click log every few seconds): the latest of them is
    /// written then, or when the process ends.
    static let saveInterval: Duration = .seconds(10)

    public init(disk: DiskStore? = nil) {
        self.disk = disk
    }

    /// The rows of `resource` if fetched less than `window` ago (here, or by another
    /// process when they come from the disk store).
    public func fresh(_ resource: Resource, within window: Duration) -> Entry? {
        loadFromDisk(resource)
        followDisk(resource)
        return entries.withLock { e in
            guard let entry = e[resource], !entry.stale, ContinuousClock.now - entry.fetchedAt <= window else { return nil }
            return entry
        }
    }

    /// The rows of `resource`, however old (for completion, which may show stale names).
    public func any(_ resource: Resource) -> Entry? {
        loadFromDisk(resource)
        return entries.withLock { $0[resource] }
    }

    /// Whether the rows of `resource` are on disk, still to be read, and will not be fresh
    /// within `window` when they are (fetched too long ago or before a `refresh`, or marked
    /// for a full scan), judged from the files' headers without reading a row: a
    /// fetch can then begin what it needs while the rows are read.
    public func staleOnDisk(_ resource: Resource, within window: Duration) -> Bool {
        guard let disk, !diskState.withLock({ $0[resource]?.loaded ?? false }),
              entries.withLock({ $0[resource] == nil }) else { return false }
        guard let wall = disk.fetchedWall(resource) else { return false }
        return disk.stamp(resource).rescan != nil || refreshedSince(wall, resource)
            || ContinuousClock.now - SessionCache.fetchedAt(wall: wall) > window
    }

    /// The rows of `resource` in memory now, however old; nil when none are, or when they are
    /// still to be read from disk (this does not read them).
    public func held(_ resource: Resource) -> Entry? {
        entries.withLock { $0[resource] }
    }

    /// Keeps the rows of a fetch that took `seconds` and began then; `provenance` says what they
    /// were read under (by default: a scan of the whole list, begun when the fetch began).
    public func store(_ resource: Resource, records: PackedRows, seconds: Double, requests: Int, provenance: Provenance? = nil) {
        loadFromDisk(resource)
        let generation = UInt64.random(in: 1...UInt64.max)
        let fetchedWall = Date().timeIntervalSince1970 - seconds
        entries.withLock { e in
            if resource == .keys, let map = e[.clicks]?.provenance.keyMap, !map.changed(in: KeyMap(keys: records)).isEmpty {
                // A key the cached clicks name was renamed or deleted: the server has relabelled
                // its clicks in place. They stay (for TAB) but are not served as current.
                e[.clicks]?.stale = true
            }
            var entry = Entry(records: records, fetchedAt: .now, fetchSeconds: seconds, requests: requests,
                              provenance: provenance ?? Provenance(fullScanWall: fetchedWall))
            entry.fetchedWall = fetchedWall
            entry.generation = disk == nil ? nil : generation
            e[resource] = entry
        }
        guard disk != nil else { return }
        let wait = diskState.withLock { d -> Duration? in
            let since = d[resource]?.lastSave.map { ContinuousClock.now - $0 }
            guard let since, since < SessionCache.saveInterval else { return nil }
            let scheduled = d[resource]?.dirty ?? false
            d[resource, default: DiskState()].dirty = true
            return scheduled ? .zero : SessionCache.saveInterval - since
        }
        if let wait {
            if wait > .zero {
                DispatchQueue.global().asyncAfter(deadline: .now() + wait.inSeconds) { [self] in saveLatest(resource) }
            }
            return
        }
        save(resource)
    }

    /// Writes the rows of `resource` held now (if newer ones wait to be written: see ``saveInterval``).
    private func saveLatest(_ resource: Resource) {
        let dirty = diskState.withLock { d -> Bool in
            defer { d[resource]?.dirty = false }
            return d[resource]?.dirty ?? false
        }
        if dirty { save(resource) }
    }

    /// Writes the rows of `resource` held now to disk.
    private func save(_ resource: Resource) {
        guard let disk, let entry = entries.withLock({ $0[resource] }), let generation = entry.generation else { return }
        diskState.withLock { $0[resource, default: DiskState()].lastSave = .now }
        writeDisk(resource) {
            disk.save(resource, entry.records, fetchedWall: entry.fetchedWall, seconds: entry.fetchSeconds,
                      requests: entry.requests, generation: generation, provenance: entry.provenance, done: $0)
        }
    }

    /// The rows of `resource` were fetched afresh and found unchanged: they count as fetched
    /// now, and the disk records the new time without rewriting them.
    public func renew(_ resource: Resource, seconds: Double, requests: Int, provenance: Provenance? = nil) {
        let fetchedWall = Date().timeIntervalSince1970 - seconds
        let generation = entries.withLock { e -> UInt64? in
            guard var entry = e[resource] else { return nil }
            if let provenance { entry.provenance = provenance }
            entry.fetchedAt = .now
            entry.fetchedWall = fetchedWall
            entry.stale = false
            entry.fetchSeconds = seconds
            entry.requests = requests
            e[resource] = entry
            return entry.generation
        }
        guard let disk, let generation else { return }
        writeDisk(resource) {
            disk.renew(resource, generation: generation, fetchedWall: fetchedWall, seconds: seconds, requests: requests, done: $0)
        }
    }

    /// Keeps the rows (for completion) but counts them as stale and changed in place: the
    /// next use scans the whole list again, never just its new rows (in other processes
    /// too, through the disk store).
    public func requireFullScan(_ resource: Resource) {
        entries.withLock { SessionCache.requireFullScan(resource, in: &$0) }
        if let disk { writeDisk(resource) { disk.markRescan(resource, done: $0) } }
    }

    private static func requireFullScan(_ resource: Resource, in e: inout [Resource: Entry]) {
        guard var entry = e[resource] else { return }
        entry.fetchedAt = ContinuousClock.now - .seconds(1_000_000)
        entry.stale = true
        entry.needsFullScan = true
        e[resource] = entry
    }

    /// Keeps the rows but counts them as stale, so the next command refetches (and may
    /// fetch only what is new, see ``ListRefresh``); rows read from disk later count as stale
    /// too, when their fetch began before now.
    public func markStale(_ resource: Resource) {
        let now = Date().timeIntervalSince1970
        staleBefore.withLock { $0[resource] = now }
        entries.withLock { e in
            guard var entry = e[resource] else { return }
            entry.fetchedAt = ContinuousClock.now - .seconds(1_000_000)
            entry.stale = true
            e[resource] = entry
        }
    }

    public func markAllStale() {
        for r in Resource.allCases { markStale(r) }
    }

    /// Forgets one resource (after a write that changed it), here and on disk.
    public func invalidate(_ resource: Resource) {
        _ = entries.withLock { $0.removeValue(forKey: resource) }
        if let disk {
            diskState.withLock { d in
                d[resource, default: DiskState()].loaded = true
                d[resource, default: DiskState()].dirty = false
            }
            writeDisk(resource) { disk.remove(resource, done: $0) }
        }
    }

    /// Forgets every resource, or one, here and on disk (`cache clear`); waits for the disk.
    public func clear(_ resource: Resource?) {
        for r in resource.map({ [$0] }) ?? Resource.allCases { invalidate(r) }
        disk?.flush()
    }

    /// Writes what waits to be written, and waits for every disk write (before the process ends).
    public func flush() {
        for r in Resource.allCases { saveLatest(r) }
        disk?.flush()
    }

    // MARK: the disk store

    /// Reads `resource` from disk the first time it is asked for (nothing in memory yet).
    private func loadFromDisk(_ resource: Resource) {
        guard let disk, !diskState.withLock({ $0[resource]?.loaded ?? false }) else { return }
        loading.withLock { _ in
            guard !diskState.withLock({ $0[resource]?.loaded ?? false }) else { return }
            let snapshot = entries.withLock { $0[resource] } == nil ? disk.load(resource) : nil
            if let snapshot {
                let entry = entry(snapshot, resource)
                entries.withLock { e in
                    if e[resource] == nil { e[resource] = entry }
                }
            }
            diskState.withLock { d in
                d[resource, default: DiskState()].loaded = true
                if let snapshot { d[resource, default: DiskState()].seen = snapshot.stamp }
            }
        }
    }

    /// Takes in what another process did to `resource` on disk since this one last looked:
    /// newer rows, a mark that they changed in place, or their removal.
    private func followDisk(_ resource: Resource) {
        guard let disk else { return }
        let now = disk.stamp(resource)
        let seen = diskState.withLock { d -> DiskStore.Stamp? in
            guard let s = d[resource], s.pending == 0, !s.dirty, s.seen != now else { return nil }
            return s.seen
        }
        guard let seen else { return }
        if now.rows == nil {
            if seen.rows != nil { _ = entries.withLock { $0.removeValue(forKey: resource) } }
        } else if now.rows != seen.rows || now.fetched != seen.fetched, let snapshot = disk.load(resource) {
            let entry = entry(snapshot, resource)
            entries.withLock { e in
                if e[resource].map({ snapshot.fetchedWall > $0.fetchedWall || snapshot.needsFullScan }) ?? true {
                    e[resource] = entry
                }
            }
        } else if now.rescan != nil, seen.rescan != now.rescan {
            entries.withLock { SessionCache.requireFullScan(resource, in: &$0) }
        }
        diskState.withLock { $0[resource, default: DiskState()].seen = now }
    }

    /// Queues a write; what the files look like after it is remembered as this process's own.
    private func writeDisk(_ resource: Resource, _ write: (@escaping @Sendable (DiskStore.Stamp) -> Void) -> Void) {
        diskState.withLock { $0[resource, default: DiskState()].pending += 1 }
        write { [self] stamp in
            diskState.withLock { d in
                d[resource, default: DiskState()].seen = stamp
                d[resource, default: DiskState()].pending -= 1
            }
        }
    }

    /// An entry for rows read from disk: as old as their fetch, and stale when fetched before
    /// the last `refresh`.
    private func entry(_ s: DiskStore.Snapshot, _ resource: Resource) -> Entry {
        var entry = Entry(records: s.records, fetchedAt: SessionCache.fetchedAt(wall: s.fetchedWall), fetchSeconds: s.fetchSeconds,
                          requests: s.requests, provenance: s.provenance)
        entry.fetchedWall = s.fetchedWall
        entry.generation = s.generation
        if s.needsFullScan {
            entry.stale = true
            entry.needsFullScan = true
        }
        if refreshedSince(s.fetchedWall, resource) { entry.stale = true }
        // Keys fetched here since show a key renamed or deleted that these clicks still name.
        if resource == .clicks, let map = s.provenance.keyMap,
           let keys = entries.withLock({ $0[.keys] }), keys.fetchedWall > s.fetchedWall,
           !map.changed(in: KeyMap(keys: keys.records)).isEmpty {
            entry.stale = true
        }
        return entry
    }

    /// The instant rows fetched at wall time `wall` (seconds since 1970) were fetched; a fetch
    /// time in the future (a clock set back, a damaged file) counts as very old.
    static func fetchedAt(wall: Double) -> ContinuousClock.Instant {
        let age = Date().timeIntervalSince1970 - wall
        return age >= -1 && age < 1e9 ? ContinuousClock.now - .seconds(max(0, age)) : ContinuousClock.now - .seconds(1_000_000)
    }

    /// Whether a `refresh` of `resource` came after a fetch at wall time `wall`.
    private func refreshedSince(_ wall: Double, _ resource: Resource) -> Bool {
        staleBefore.withLock { $0[resource] }.map { wall < $0 } ?? false
    }

    /// Every resource held, for `cache`.
    public var snapshot: [(Resource, Entry)] {
        entries.withLock { e in Resource.allCases.compactMap { r in e[r].map { (r, $0) } } }
    }
}

extension SessionCache.Entry {
    /// An estimate of the memory the rows hold, for `cache`.
    public var approximateBytes: Int { records.approximateBytes }
}
