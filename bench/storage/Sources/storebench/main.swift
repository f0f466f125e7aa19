// Throwaway measurement for opsh issue 14: SQLite (raw C API: a lower bound for GRDB, which
// adds its own layer on top) against a versioned binary snapshot (RowCodec + checksum,
// temp file + fsync + rename, writers under flock).
//
//   storebench load CLICKS.json DIR           load times, file sizes
//   storebench write-binary CLICKS.json DIR N  N writes (for concurrent / crash runs)
//   storebench write-sqlite CLICKS.json DIR N
//   storebench check DIR                       reads both stores, prints their row counts
import CSQLite
import Foundation
import Glibc
import Records

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func readAll(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

func clicks(_ path: String) -> [Record] {
    let v = try! JSONReader().parse(readAll(path))
    guard case .list(let items) = v else { fatalError("not a list") }
    return items.compactMap(\.record)
}

// MARK: binary snapshot

func binaryWrite(_ records: [Record], dir: String) {
    var bytes = Array("OPSHROWS".utf8) + [1, 0, 0, 0]
    bytes += RowCodec.encode(records)
    var sum = bytes.withUnsafeBytes { RowCodec.checksum($0) }
    withUnsafeBytes(of: &sum) { bytes.append(contentsOf: $0) }
    let lock = open(dir + "/lock", O_RDWR | O_CREAT, 0o600)
    flock(lock, LOCK_EX)
    defer { flock(lock, LOCK_UN); close(lock) }
    var template = Array((dir + "/.tmp-XXXXXX").utf8CString)
    let fd = mkstemp(&template)
    fchmod(fd, 0o600)
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        precondition(n > 0)
        off += n
    }
    fsync(fd)
    close(fd)
    rename(String(cString: template), dir + "/clicks.rows")
}

func binaryLoad(dir: String) -> PackedRows? {
    let bytes = readAll(dir + "/clicks.rows")
    guard bytes.count > 20 else { return nil }
    return bytes.withUnsafeBytes { raw -> PackedRows? in
        let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])
        guard RowCodec.checksum(body) == raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self) else { return nil }
        return try? RowCodec.decode(UnsafeRawBufferPointer(rebasing: raw[12..<(raw.count - 8)]))
    }
}

// MARK: SQLite (WAL), typed columns: the best case for it

nonisolated(unsafe) let fields = ["port", "source_ip", "timestamp", "key_name"]
nonisolated(unsafe) let schema = Schema(fields)

func sqliteOpen(_ dir: String) -> OpaquePointer {
    var db: OpaquePointer?
    precondition(sqlite3_open(dir + "/clicks.sqlite", &db) == SQLITE_OK)
    sqlite3_busy_timeout(db, 10_000)
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nil, nil, nil)
    sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS clicks(port INTEGER, source_ip TEXT, micros INTEGER, offset INTEGER, digits INTEGER, key_name TEXT)", nil, nil, nil)
    return db!
}

nonisolated(unsafe) let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

func sqliteWrite(_ records: [Record], dir: String) -> Bool {
    let db = sqliteOpen(dir)
    defer { sqlite3_close(db) }
    guard sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM clicks;", nil, nil, nil) == SQLITE_OK else { return false }
    var stmt: OpaquePointer?
    sqlite3_prepare_v2(db, "INSERT INTO clicks VALUES (?,?,?,?,?,?)", -1, &stmt, nil)
    for r in records {
        sqlite3_reset(stmt)
        if case .int(let p) = r["port"] { sqlite3_bind_int64(stmt, 1, Int64(p)) } else { sqlite3_bind_null(stmt, 1) }
        if case .string(let s) = r["source_ip"] { sqlite3_bind_text(stmt, 2, s, -1, transient) } else { sqlite3_bind_null(stmt, 2) }
        if case .time(let t) = r["timestamp"] {
            sqlite3_bind_int64(stmt, 3, t.micros); sqlite3_bind_int64(stmt, 4, Int64(t.offsetMinutes))
            sqlite3_bind_int64(stmt, 5, Int64(t.fractionDigits) | (t.zulu ? 128 : 0))
        } else { sqlite3_bind_null(stmt, 3) }
        if case .string(let s) = r["key_name"] { sqlite3_bind_text(stmt, 6, s, -1, transient) } else { sqlite3_bind_null(stmt, 6) }
        guard sqlite3_step(stmt) == SQLITE_DONE else { sqlite3_finalize(stmt); sqlite3_exec(db, "ROLLBACK", nil, nil, nil); return false }
    }
    sqlite3_finalize(stmt)
    return sqlite3_exec(db, "COMMIT", nil, nil, nil) == SQLITE_OK
}

func sqliteLoad(dir: String) -> [Record] {
    let db = sqliteOpen(dir)
    defer { sqlite3_close(db) }
    var stmt: OpaquePointer?
    sqlite3_prepare_v2(db, "SELECT port, source_ip, micros, offset, digits, key_name FROM clicks", -1, &stmt, nil)
    var values: [Value] = []
    // Texts interned as the binary snapshot does, so that both hold the same memory.
    var interned: [String: String] = [:]
    func text(_ col: Int32) -> Value {
        guard let c = sqlite3_column_text(stmt, col) else { return .null }
        let s = String(cString: c)
        if let i = interned[s] { return .string(i) }
        interned[s] = s
        return .string(s)
    }
    while sqlite3_step(stmt) == SQLITE_ROW {
        values.append(sqlite3_column_type(stmt, 0) == SQLITE_NULL ? .null : .int(Int(sqlite3_column_int64(stmt, 0))))
        values.append(text(1))
        if sqlite3_column_type(stmt, 2) == SQLITE_NULL { values.append(.null) } else {
            let f = sqlite3_column_int64(stmt, 4)
            values.append(.time(Timestamp(micros: sqlite3_column_int64(stmt, 2), offsetMinutes: Int16(sqlite3_column_int64(stmt, 3)),
                                          fractionDigits: UInt8(f & 127), zulu: f & 128 != 0)))
        }
        values.append(text(5))
    }
    sqlite3_finalize(stmt)
    return Record.rows(schema: schema, values: values)
}

func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }

let args = CommandLine.arguments
switch args[1] {
case "load":
    let rows = clicks(args[2]), dir = args[3]
    // The clicks as opsh holds them (the same field order for every row).
    let typed = rows.map { r in Record(schema: schema, values: fields.map { r[$0] }) }
    var t = now(); binaryWrite(typed, dir: dir); let bw = now() - t
    t = now(); precondition(sqliteWrite(typed, dir: dir)); let sw = now() - t
    var b: [Double] = [], s: [Double] = []
    for _ in 0..<7 {
        t = now(); let x = binaryLoad(dir: dir)!; b.append(now() - t); precondition(Array(x) == typed)
        t = now(); let y = sqliteLoad(dir: dir); s.append(now() - t); precondition(y == typed)
    }
    print(String(format: "rows %d | binary: write %.0f ms, load median %.1f ms (min %.1f), %.1f MB | sqlite WAL: write %.0f ms, load median %.1f ms (min %.1f), %.1f MB",
                 typed.count, bw * 1000, median(b) * 1000, b.min()! * 1000, Double(size(dir + "/clicks.rows")) / 1e6,
                 sw * 1000, median(s) * 1000, s.min()! * 1000, Double(size(dir + "/clicks.sqlite") + size(dir + "/clicks.sqlite-wal")) / 1e6))
case "write-binary", "write-sqlite":
    let rows = clicks(args[2]).map { r in Record(schema: schema, values: fields.map { r[$0] }) }
    var failures = 0
    for _ in 0..<Int(args[4])! {
        if args[1] == "write-binary" { binaryWrite(rows, dir: args[3]) } else if !sqliteWrite(rows, dir: args[3]) { failures += 1 }
    }
    print("\(args[1]) done, \(failures) failed")
case "check":
    print("binary: \(binaryLoad(dir: args[2])?.count.description ?? "UNREADABLE"), sqlite: \(sqliteLoad(dir: args[2]).count)")
default:
    print("?")
}
