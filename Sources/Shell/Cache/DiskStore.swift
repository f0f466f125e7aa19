#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Dispatch
import Foundation
import OpenportAPI
import Records
import Synchronization

/// The rows of one account on one API, kept on disk between processes.
///
/// One directory per API URL and account, `$XDG_CACHE_HOME/opsh/store-HASH/` (HASH: an
/// ``AccountKey``, a salted hash of the URL and the token; the token itself is written
/// nowhere), made 0700, holding for each resource:
///
/// - `RESOURCE.rows` (0600): a versioned snapshot, the rows packed by ``RowCodec`` after a
///   header (account, resource, wall-clock fetch time, row count), with a checksum of the
///   whole file at its end. Written to a temporary file, synced, and renamed over the old
///   one: a reader sees the old snapshot or the new one, never half of one. It is mapped
///   into memory and its rows' columns are used where they lie (no decoding row by row: a
///   new process answers from 5 million clicks on disk in a fraction of a second).
/// - `RESOURCE.fetched` (0600, optional): a later fetch time for the same rows (an
///   incremental refresh that found nothing new need not rewrite 10 MB of clicks).
/// - `RESOURCE.rescan` (0600, optional): rows fetched before the time it holds changed in
///   place on the server (a key renamed or deleted relabels its clicks): only a full scan
///   of that resource is right.
///
/// Writers take an exclusive `flock` on `lock` in the directory, so two processes (two
/// terminals and a cron job) take turns; readers take no lock. A file that is damaged,
/// truncated, from another account, or from another version of the format, is moved aside
/// (`RESOURCE.rows.damaged`) with one warning, and rebuilt by the next fetch.
public final class DiskStore: Sendable {
    /// Version of the `.rows` format; a file with another is set aside.
    /// 2: the header holds the rows' provenance (the keys' names the clicks were read under,
    /// the time of the last full scan) instead of only the clicks' key names.
    /// 3: the rows as columns (``PackedRows``) rather than one after another.
    public static let formatVersion: UInt32 = 3
    static let magic = Array("OPSHROWS".utf8)

    /// The store's directory.
    public let directory: String
    /// The account's name in file names: a salted hash, never the token.
    let account: String
    private let warn: @Sendable (String) -> Void
    private let queue = DispatchQueue(label: "opsh.disk-store")

    /// What one resource's files looked like when last read or written: a change means
    /// another process wrote, removed or marked it.
    public struct Stamp: Equatable, Sendable {
        var rows: FileID?
        var fetched: FileID?
        var rescan: FileID?
    }

    struct FileID: Equatable, Sendable {
        var device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int
    }

    /// One resource's rows as read from disk.
    public struct Snapshot: Sendable {
        public var records: PackedRows
        /// Seconds since 1970 when the fetch of these rows began.
        public var fetchedWall: Double
        public var fetchSeconds: Double
        public var requests: Int
        public var provenance: Provenance
        public var needsFullScan: Bool
        public var generation: UInt64
        public var stamp: Stamp
    }

    /// What `cache` shows of one resource on disk.
    public struct Summary: Sendable {
        public var resource: Resource
        public var rows: Int?
        public var fetchedWall: Double?
        public var bytes: Int
        public var needsFullScan: Bool
    }

    /// The store of `token` on `apiURL` under `cacheDirectory` (`$XDG_CACHE_HOME/opsh`).
    /// Makes nothing on disk until something is written.
    public init(cacheDirectory: String, apiURL: String, token: String?, warn: @escaping @Sendable (String) -> Void) {
        let account = AccountKey.name(apiURL: apiURL, token: token, directory: cacheDirectory)
        self.account = account
        self.directory = cacheDirectory + "/store-" + account
        self.warn = warn
    }

    func path(_ r: Resource, _ suffix: String) -> String { directory + "/" + r.rawValue + "." + suffix }

    // MARK: reading

    /// The files' identities now (three `stat`s, no reading).
    public func stamp(_ r: Resource) -> Stamp {
        Stamp(rows: DiskStore.fileID(path(r, "rows")), fetched: DiskStore.fileID(path(r, "fetched")),
              rescan: DiskStore.fileID(path(r, "rescan")))
    }

    /// The rows of `r` on disk; nil when there are none, or when the file is unusable (then
    /// it is set aside with one warning).
    public func load(_ r: Resource) -> Snapshot? {
        let stampBefore = stamp(r)
        guard stampBefore.rows != nil, let memory = DiskStore.readMemory(path(r, "rows")) else { return nil }
        do {
            var snapshot = try decode(memory, resource: r)
            if let later = readFetched(r), later.generation == snapshot.generation, later.wall > snapshot.fetchedWall {
                snapshot.fetchedWall = later.wall
                snapshot.fetchSeconds = later.seconds
                snapshot.requests = later.requests
            }
            snapshot.needsFullScan = stampBefore.rescan != nil
            snapshot.stamp = stampBefore
            return snapshot
        } catch {
            setAside(r, reason: error.description, file: stampBefore.rows)
            return nil
        }
    }

    struct Header {
        var account: String
        var resource: String
        var fetchedWall: Double
        var fetchSeconds: Double
        var requests: Int
        var generation: UInt64
        var rowCount: Int
        var provenance: Provenance
    }

    /// The snapshot in `memory` (a whole `.rows` file), its rows left where they lie.
    func decode(_ memory: PackedMemory, resource r: Resource) throws(RowCodec.Damaged) -> Snapshot {
        let raw = UnsafeRawBufferPointer(memory.bytes)
        var reader = try DiskStore.checkedReader(raw)
        let header = try DiskStore.header(&reader)
        guard header.account == account, header.resource == r.rawValue else {
            throw RowCodec.Damaged("it belongs to another account or resource")
        }
        guard reader.position <= raw.count - 8 else { throw RowCodec.Damaged("its header runs into its checksum") }
        let records = try RowCodec.decode(memory, range: reader.position..<(raw.count - 8))
        guard records.count == header.rowCount else {
            throw RowCodec.Damaged("it holds \(records.count) rows, not \(header.rowCount)")
        }
        return Snapshot(records: records, fetchedWall: header.fetchedWall, fetchSeconds: header.fetchSeconds,
                        requests: header.requests, provenance: header.provenance, needsFullScan: false,
                        generation: header.generation, stamp: Stamp())
    }

    /// A reader past the magic and version, of a file whose checksum is right.
    static func checkedReader(_ raw: UnsafeRawBufferPointer) throws(RowCodec.Damaged) -> RowCodec.Reader {
        guard raw.count >= magic.count + 4 + 8, raw.prefix(magic.count).elementsEqual(magic) else {
            throw RowCodec.Damaged("it is not an opsh store")
        }
        let version = raw.loadUnaligned(fromByteOffset: magic.count, as: UInt32.self).littleEndian
        guard version == formatVersion else {
            throw RowCodec.Damaged(version > formatVersion ? "it was written by a newer opsh (format \(version))"
                                                           : "it has an old format (\(version))")
        }
        let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])
        let stored = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self).littleEndian
        guard RowCodec.checksum(body) == stored else { throw RowCodec.Damaged("its checksum does not match (truncated or damaged)") }
        return RowCodec.Reader(bytes: raw, position: magic.count + 4)
    }

    static func header(_ reader: inout RowCodec.Reader) throws(RowCodec.Damaged) -> Header {
        func text() throws(RowCodec.Damaged) -> String { try reader.text(try reader.count(minimumBytesEach: 1)) }
        let account = try text()
        let resource = try text()
        let wall = Double(bitPattern: try reader.varint())
        let seconds = Double(bitPattern: try reader.varint())
        let requests = Int(try reader.varint() & 0xFFFF_FFFF)
        let generation = try reader.varint()
        let rowCount = try reader.varint()
        guard rowCount < 1 << 40, wall.isFinite, seconds.isFinite else { throw RowCodec.Damaged("its header is damaged") }
        let provenance = try DiskStore.provenance(&reader)
        return Header(account: account, resource: resource, fetchedWall: wall, fetchSeconds: seconds,
                      requests: requests, generation: generation, rowCount: Int(rowCount), provenance: provenance)
    }

    /// The provenance after the header's counts: the full scan's time, then the key names and
    /// the key map, each after a byte that says whether it is there.
    static func provenance(_ reader: inout RowCodec.Reader) throws(RowCodec.Damaged) -> Provenance {
        func text() throws(RowCodec.Damaged) -> String { try reader.text(try reader.count(minimumBytesEach: 1)) }
        let fullScan = Double(bitPattern: try reader.varint())
        guard fullScan.isFinite else { throw RowCodec.Damaged("its header is damaged") }
        var provenance = Provenance(fullScanWall: fullScan)
        if try reader.byte() == 1 {
            let n = try reader.count(minimumBytesEach: 1)
            var names = Set<String>(minimumCapacity: n)
            for _ in 0..<n { names.insert(try text()) }
            provenance.keyNames = names
        }
        if try reader.byte() == 1 {
            let n = try reader.count(minimumBytesEach: 2)
            var map = [Int: String?](minimumCapacity: n)
            for _ in 0..<n {
                let z = try reader.varint()
                let id = Int(truncatingIfNeeded: Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
                map[id] = try reader.byte() == 1 ? .some(try text()) : .some(nil)
            }
            provenance.keyMap = KeyMap(names: map)
        }
        return provenance
    }

    /// Writes the `.rows` file of `records` in pieces to `write`: the header, the rows as
    /// ``RowCodec`` packs them (their buffers straight from memory), the checksum.
    func encode(_ r: Resource, _ records: PackedRows, fetchedWall: Double, seconds: Double, requests: Int,
                generation: UInt64, provenance: Provenance, to write: (UnsafeRawBufferPointer) throws -> Void) throws {
        var out = DiskStore.magic
        var version = DiskStore.formatVersion.littleEndian
        withUnsafeBytes(of: &version) { out.append(contentsOf: $0) }
        func text(_ s: String) {
            RowCodec.put(UInt64(s.utf8.count), &out)
            out.append(contentsOf: s.utf8)
        }
        text(account)
        text(r.rawValue)
        RowCodec.put(fetchedWall.bitPattern, &out)
        RowCodec.put(seconds.bitPattern, &out)
        RowCodec.put(UInt64(max(0, requests)), &out)
        RowCodec.put(generation, &out)
        RowCodec.put(UInt64(records.count), &out)
        RowCodec.put(provenance.fullScanWall.bitPattern, &out)
        if let keyNames = provenance.keyNames {
            out.append(1)
            RowCodec.put(UInt64(keyNames.count), &out)
            for n in keyNames.sorted() { text(n) }
        } else {
            out.append(0)
        }
        if let map = provenance.keyMap {
            out.append(1)
            RowCodec.put(UInt64(map.names.count), &out)
            for (id, name) in map.names.sorted(by: { $0.key < $1.key }) {
                RowCodec.put(UInt64(bitPattern: (Int64(id) << 1) ^ (Int64(id) >> 63)), &out)
                if let name {
                    out.append(1)
                    text(name)
                } else {
                    out.append(0)
                }
            }
        } else {
            out.append(0)
        }
        var sum = Checksum()
        func emit(_ piece: UnsafeRawBufferPointer) throws {
            sum.add(piece)
            try write(piece)
        }
        try out.withUnsafeBytes(emit)
        try RowCodec.encode(records, at: out.count, to: emit)
        var end = sum.value.littleEndian
        try withUnsafeBytes(of: &end, write)
    }

    /// `RESOURCE.fetched`: "1 GENERATION WALL SECONDS REQUESTS".
    func readFetched(_ r: Resource) -> (generation: UInt64, wall: Double, seconds: Double, requests: Int)? {
        guard let bytes = DiskStore.readAll(path(r, "fetched"), limit: 256) else { return nil }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard parts.count == 5, parts[0] == "1", let g = UInt64(parts[1]), let w = Double(parts[2]), w.isFinite,
              let s = Double(parts[3].trimmingCharacters(in: .whitespacesAndNewlines)), s.isFinite,
              let n = Int(parts[4].trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return (g, w, s, n)
    }

    /// Rows, age and size of each resource on disk, from the headers (for `cache`).
    public func summaries() -> [Summary] {
        Resource.allCases.compactMap { r -> Summary? in
            guard let id = DiskStore.fileID(path(r, "rows")) else { return nil }
            var summary = Summary(resource: r, rows: nil, fetchedWall: nil, bytes: Int(id.size),
                                  needsFullScan: DiskStore.fileID(path(r, "rescan")) != nil)
            summary.rows = peek(r)?.rows
            summary.fetchedWall = fetchedWall(r)
            return summary
        }
    }

    /// When the rows of `r` on disk were fetched, from the header and `RESOURCE.fetched` (no
    /// row is read); nil when there are none this process could use.
    public func fetchedWall(_ r: Resource) -> Double? {
        guard let head = peek(r) else { return nil }
        if let later = readFetched(r), later.generation == head.generation, later.wall > head.fetchedWall { return later.wall }
        return head.fetchedWall
    }

    /// The start of the header of `RESOURCE.rows`, unchecked (the checksum needs the whole
    /// file): nil unless it is this account's and this version's.
    func peek(_ r: Resource) -> (fetchedWall: Double, generation: UInt64, rows: Int)? {
        guard let head = DiskStore.readAll(path(r, "rows"), limit: 512) else { return nil }
        return head.withUnsafeBytes { raw -> (Double, UInt64, Int)? in
            guard raw.count > DiskStore.magic.count + 4, raw.starts(with: DiskStore.magic),
                  raw.loadUnaligned(fromByteOffset: DiskStore.magic.count, as: UInt32.self).littleEndian == DiskStore.formatVersion
            else { return nil }
            var reader = RowCodec.Reader(bytes: raw, position: DiskStore.magic.count + 4)
            func text() -> String? { (try? reader.count(minimumBytesEach: 1)).flatMap { try? reader.text($0) } }
            guard text() == account, text() == r.rawValue, let wall = try? reader.varint(), (try? reader.varint()) != nil,
                  (try? reader.varint()) != nil, let generation = try? reader.varint(), let rows = try? reader.varint()
            else { return nil }
            return (Double(bitPattern: wall), generation, Int(truncatingIfNeeded: rows))
        }
    }

    // MARK: writing (in order, on one background queue; `flush()` waits for them)

    /// Writes `records` as the rows of `r`, fetched from `fetchedWall` (when the fetch
    /// began); a rescan mark older than that is removed. `done` gets the new stamp.
    func save(_ r: Resource, _ records: PackedRows, fetchedWall: Double, seconds: Double, requests: Int, generation: UInt64,
              provenance: Provenance, done: @escaping @Sendable (Stamp) -> Void) {
        queue.async { [self] in
            // The names the clicks carry, kept with them: the next refresh checks them, not every row.
            var provenance = provenance
            if r == .clicks, provenance.keyNames == nil { provenance.keyNames = Provenance.keyNames(records) }
            done(locked {
                removeLeftovers()
                do {
                    try PrivateFile.write(to: path(r, "rows")) { write in
                        try encode(r, records, fetchedWall: fetchedWall, seconds: seconds, requests: requests,
                                   generation: generation, provenance: provenance, to: write)
                    }
                    unlink(path(r, "fetched"))
                    if let mark = DiskStore.readAll(path(r, "rescan"), limit: 64),
                       let since = Double(String(decoding: mark, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                       since < fetchedWall {
                        unlink(path(r, "rescan"))
                    }
                } catch {
                    warn("cannot write the cache: \(error)")
                }
                return stamp(r)
            })
        }
    }

    /// Records that the rows of `r` (of `generation`) were found unchanged at `fetchedWall`.
    func renew(_ r: Resource, generation: UInt64, fetchedWall: Double, seconds: Double, requests: Int,
               done: @escaping @Sendable (Stamp) -> Void) {
        queue.async { [self] in
            done(locked {
                // Only for the snapshot it was checked against: another process may have replaced it.
                guard peek(r)?.generation == generation else { return stamp(r) }
                try? PrivateFile.write("1 \(generation) \(fetchedWall) \(seconds) \(requests)\n", to: path(r, "fetched"))
                return stamp(r)
            })
        }
    }

    /// Marks the rows of `r` on disk as changed in place: the next process scans afresh.
    func markRescan(_ r: Resource, done: @escaping @Sendable (Stamp) -> Void) {
        let now = Date().timeIntervalSince1970
        queue.async { [self] in
            done(locked {
                // Written even with no rows on disk yet: a scan that began before now and
                // lands later keeps the mark (see `save`).
                try? PrivateFile.write("\(now)\n", to: path(r, "rescan"))
                return stamp(r)
            })
        }
    }

    /// Removes the files of `r` (nil: of every resource).
    func remove(_ r: Resource?, done: @escaping @Sendable (Stamp) -> Void = { _ in }) {
        queue.async { [self] in
            done(locked {
                for x in r.map({ [$0] }) ?? Resource.allCases {
                    for suffix in ["rows", "fetched", "rescan", "rows.damaged"] { unlink(path(x, suffix)) }
                }
                return r.map(stamp) ?? Stamp()
            })
        }
    }

    /// Waits for every write asked so far.
    public func flush() { queue.sync {} }

    /// Moves an unusable file aside and says so once.
    private func setAside(_ r: Resource, reason: String, file: FileID?) {
        queue.sync {
            locked {
                // Unless another process has replaced it meanwhile.
                guard DiskStore.fileID(path(r, "rows")) == file else { return }
                rename(path(r, "rows"), path(r, "rows.damaged"))
                unlink(path(r, "fetched"))
            }
        }
        warn("the disk cache of \(r.rawValue) is unusable (\(reason)): set aside as \(path(r, "rows.damaged")); fetching afresh")
    }

    /// Temporary files of writers that died before their rename (called holding the lock,
    /// so no live writer of this store has one).
    private func removeLeftovers() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".opsh-") {
            unlink(directory + "/" + name)
        }
    }

    /// Runs `body` holding the store's lock (an exclusive `flock` on `lock`), the directory made.
    private func locked<T>(_ body: () -> T) -> T {
        try? PrivateFile.makeDirectory(directory)
        let fd = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd >= 0 {
            while flock(fd, LOCK_EX) != 0, errno == EINTR {}
        }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        return body()
    }

    // MARK: files

    static func fileID(_ path: String) -> FileID? {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        return FileID(device: UInt64(s.st_dev), inode: UInt64(s.st_ino), size: Int64(s.st_size),
                      seconds: Int(s.st_mtim.tv_sec), nanoseconds: Int(s.st_mtim.tv_nsec))
    }

    /// A whole file in memory that packed rows can point into, or nil when it cannot be read.
    ///
    /// The file is mapped (read-only, private): its pages are the page cache's, nothing is
    /// copied, and a new process answers from millions of rows at once. opsh never changes a
    /// `.rows` file in place (it writes a new one and renames it over the old, whose pages
    /// the mapping keeps); only a file cut short by hand under a running opsh could fault.
    /// Where mapping fails, the file is read.
    static func readMemory(_ path: String) -> PackedMemory? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var s = stat()
        guard fstat(fd, &s) == 0 else { return nil }
        let size = Int(s.st_size)
        if size > 0, let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0), mapped != MAP_FAILED {
            return PackedMemory(mapped: mapped, byteCount: size) { p, n in munmap(p, n) }
        }
        let memory = PackedMemory(byteCount: size)
        let done = readFully(fd, into: memory.bytes.baseAddress!, count: memory.byteCount)
        guard done >= 0 else { return nil }
        guard done < memory.byteCount else { return memory }
        // Shorter than it was a moment ago: what was read (the checksum then finds it damaged).
        let short = PackedMemory(byteCount: done)
        short.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: memory.bytes[0..<done]))
        return short
    }

    /// Reads up to `count` bytes of `fd` into `buffer`: how many it read, or -1 on an error.
    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        var done = 0
        while done < count {
            let n = read(fd, buffer + done, count - done)
            if n > 0 { done += n } else if n < 0, errno == EINTR { continue } else if n < 0 { return -1 } else { break }
        }
        return done
    }

    /// The bytes of a file (at most `limit`), or nil when it cannot be read.
    static func readAll(_ path: String, limit: Int = Int.max) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var s = stat()
        guard fstat(fd, &s) == 0 else { return nil }
        let size = min(Int(s.st_size), limit)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            let done = readFully(fd, into: buffer.baseAddress!, count: size)
            failed = done < 0
            count = max(0, done)
        }
        return failed ? nil : bytes
    }
}
