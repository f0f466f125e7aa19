/// Bytes that packed columns live in: allocated for a block built in this process, or the
/// whole snapshot read from disk (one allocation, or a mapping of the file, that every block
/// of it points into).
public final class PackedMemory: @unchecked Sendable {
    // Safe to share: only the code that allocates it writes to it (a builder sealing a block,
    // a reader filling it from a file), before any other reference exists; read-only after.
    let base: UnsafeMutableRawPointer
    public let byteCount: Int
    private let release: @Sendable (UnsafeMutableRawPointer, Int) -> Void

    /// `byteCount` bytes, aligned for any column; fill them through ``bytes`` before sharing.
    public init(byteCount: Int) {
        self.byteCount = byteCount
        base = .allocate(byteCount: Swift.max(byteCount, 8), alignment: 16)
        release = { p, _ in p.deallocate() }
    }

    /// Memory the caller made (a file mapped read-only, page-aligned), given back through
    /// `release` when the last block that points into it is gone. Never written to.
    public init(mapped base: UnsafeMutableRawPointer, byteCount: Int,
                release: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Void) {
        self.base = base
        self.byteCount = byteCount
        self.release = release
    }

    deinit { release(base, byteCount) }

    /// The bytes, to fill before the memory is shared, or to read.
    public var bytes: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(start: base, count: byteCount) }
}

/// The distinct values of one field, which a column's codes point into. Each value is there
/// as it was received (see ``ExactValue``); lists and objects once per occurrence.
public final class ValueDictionary: Sendable {
    public let values: [Value]
    init(_ values: [Value]) { self.values = values }
}

/// One code a row, 1, 2 or 4 bytes wide, into a ``ValueDictionary``.
public struct Codes: Sendable {
    let memory: PackedMemory
    let offset: Int
    /// Bytes a code: 1, 2 or 4.
    public let width: Int
    public let count: Int

    /// The codes as a buffer of their width, for a loop over many rows.
    public enum Buffer {
        case one(UnsafeBufferPointer<UInt8>)
        case two(UnsafeBufferPointer<UInt16>)
        case four(UnsafeBufferPointer<UInt32>)
    }

    /// Calls `body` with the codes (valid only inside it).
    public func withBuffer<R>(_ body: (Buffer) throws -> R) rethrows -> R {
        try withExtendedLifetime(memory) {
            let raw = UnsafeRawPointer(memory.base + offset)
            switch width {
            case 1: return try body(.one(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: count)))
            case 2: return try body(.two(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt16.self), count: count)))
            default: return try body(.four(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt32.self), count: count)))
            }
        }
    }

    @inline(__always)
    public subscript(row: Int) -> Int {
        let raw = UnsafeRawPointer(memory.base + offset)
        switch width {
        case 1: return Int(raw.load(fromByteOffset: row, as: UInt8.self))
        case 2: return Int(raw.load(fromByteOffset: row * 2, as: UInt16.self))
        default: return Int(raw.load(fromByteOffset: row * 4, as: UInt32.self))
        }
    }
}

/// What a timestamp column's tag stands for: a form of the text (offset, fraction digits,
/// `Z`), the row's microseconds giving the instant; or a value that is not a timestamp (a
/// null, a text), kept as it came.
public enum TimeTag: Sendable {
    case time(offsetMinutes: Int16, fractionDigits: UInt8, zulu: Bool)
    case value(Value)
}

/// A timestamp column: microseconds since 1970 (8 bytes a row) and a tag (1 byte a row)
/// into at most 256 ``TimeTag``s.
public struct Times: Sendable {
    let memory: PackedMemory
    let microsOffset: Int
    let tagsOffset: Int
    public let count: Int
    public let tags: [TimeTag]

    /// Calls `body` with the microseconds and the tags of the rows (valid only inside it).
    public func withBuffers<R>(_ body: (UnsafeBufferPointer<Int64>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withExtendedLifetime(memory) {
            let micros = UnsafeRawPointer(memory.base + microsOffset).assumingMemoryBound(to: Int64.self)
            let tags = UnsafeRawPointer(memory.base + tagsOffset).assumingMemoryBound(to: UInt8.self)
            return try body(UnsafeBufferPointer(start: micros, count: count), UnsafeBufferPointer(start: tags, count: count))
        }
    }

    @inline(__always)
    public subscript(row: Int) -> Value {
        let tag = (memory.base + tagsOffset).load(fromByteOffset: row, as: UInt8.self)
        switch tags[Int(tag)] {
        case .time(let offset, let digits, let zulu):
            let micros = (memory.base + microsOffset).load(fromByteOffset: row * 8, as: Int64.self)
            return .time(Timestamp(micros: micros, offsetMinutes: offset, fractionDigits: digits, zulu: zulu))
        case .value(let v):
            return v
        }
    }
}

/// The values of one field in a block, row after row. A row whose record lacks the field
/// holds null (what reading a missing field gives).
public enum PackedColumn: Sendable {
    case codes(Codes, ValueDictionary)
    case times(Times)

    @inline(__always)
    public subscript(row: Int) -> Value {
        switch self {
        case .codes(let codes, let dictionary): return dictionary.values[codes[row]]
        case .times(let times): return times[row]
        }
    }

    /// Bytes its rows take (the dictionary aside).
    var rowBytes: Int {
        switch self {
        case .codes(let c, _): return c.width * c.count
        case .times(let t): return 9 * t.count
        }
    }
}

/// A column's name in a block: a field name, byte for byte, and which occurrence of it in a
/// record (a record can hold one name twice).
struct ColumnKey: Hashable {
    let name: ExactText
    let occurrence: Int
}

/// Up to ``PackedRows/blockRows`` rows stored as columns: the unit that packed rows are made
/// of, shared (never copied) by the row lists that hold it.
public final class RowBlock: Sendable {
    public let count: Int
    /// The schemas of its rows (at most 255).
    let schemas: [Schema]
    /// The schema of each row, one byte a row, when there is more than one.
    let rowSchemas: (memory: PackedMemory, offset: Int)?
    public let columns: [PackedColumn]
    /// For each schema, the column of each of its fields.
    let layout: [[Int]]
    /// Where its buffers are: every offset of its columns falls in `region` of `memory`.
    let memory: PackedMemory
    let region: Range<Int>

    init(count: Int, schemas: [Schema], rowSchemas: Int?, columns: [PackedColumn], layout: [[Int]],
         memory: PackedMemory, region: Range<Int>) {
        self.count = count
        self.schemas = schemas
        self.rowSchemas = rowSchemas.map { (memory, $0) }
        self.columns = columns
        self.layout = layout
        self.memory = memory
        self.region = region
    }

    @inline(__always)
    func schemaIndex(of row: Int) -> Int {
        guard let rowSchemas else { return 0 }
        return Int(rowSchemas.memory.base.load(fromByteOffset: rowSchemas.offset + row, as: UInt8.self))
    }

    /// Where a field's values are, as ``FieldAccessor`` reads a field of one name.
    public enum FieldColumn {
        /// No row has the field: every row reads null.
        case absent
        /// Every row reads the field from this column.
        case column(PackedColumn)
        /// Rows of different schemas read it from different columns (names that differ only
        /// in Unicode normalisation): read the rows one by one.
        case mixed
    }

    /// The column a row's `field` is read from, as `record[field]` reads it.
    public func column(named field: String) -> FieldColumn {
        var found: Int?
        for (s, schema) in schemas.enumerated() {
            guard let position = schema.position(of: field) else { continue }
            let c = layout[s][position]
            if let f = found, f != c { return .mixed }
            found = c
        }
        return found.map { .column(columns[$0]) } ?? .absent
    }

    /// The value of `field` in one row, as `record[field]` reads it.
    public func value(of field: String, row: Int) -> Value {
        let s = schemaIndex(of: row)
        guard let position = schemas[s].position(of: field) else { return .null }
        return columns[layout[s][position]][row]
    }

    /// Appends the records of `rows` (row numbers in this block, in order) to `out`, rows of
    /// one schema in a run sharing one storage.
    func appendRecords(_ rows: some Collection<Int>, to out: inout [Record]) {
        var i = rows.startIndex
        while i != rows.endIndex {
            let s = schemaIndex(of: rows[i])
            var end = rows.index(after: i)
            if rowSchemas != nil {
                while end != rows.endIndex, schemaIndex(of: rows[end]) == s { end = rows.index(after: end) }
            } else {
                end = rows.endIndex
            }
            let schema = schemas[s]
            let fields = layout[s]
            if fields.isEmpty {
                for _ in rows[i..<end] { out.append(Record(schema: schema, values: [])) }
            } else {
                var values: [Value] = []
                values.reserveCapacity(rows.distance(from: i, to: end) * fields.count)
                for row in rows[i..<end] {
                    for c in fields { values.append(columns[c][row]) }
                }
                out.append(contentsOf: Record.rows(schema: schema, values: values))
            }
            i = end
        }
    }

    /// The records of `rows` (row numbers in this block, in order).
    public func records(_ rows: some Collection<Int>) -> [Record] {
        var out: [Record] = []
        out.reserveCapacity(rows.count)
        appendRecords(rows, to: &out)
        return out
    }

    /// One row as a record.
    public func record(_ row: Int) -> Record {
        let s = schemaIndex(of: row)
        return Record(schema: schemas[s], values: layout[s].map { columns[$0][row] })
    }

    /// Bytes its rows take in memory (dictionaries aside).
    var rowBytes: Int { columns.reduce(rowSchemas == nil ? 0 : count) { $0 + $1.rowBytes } }
}
