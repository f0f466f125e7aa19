extension PackedRows {
    /// Packs records as they come (a page at a time): every ``PackedRows/blockRows`` rows,
    /// or sooner when a block would hold more than 255 schemas, they become a block.
    ///
    ///     var builder = PackedRows.Builder()
    ///     for try await page in pages { builder.append(contentsOf: page) }
    ///     let rows = builder.finish()
    public struct Builder {
        private var pending: [Record] = []
        private var pendingSchemas = Set<ObjectIdentifier>()
        private var lastSchema: ObjectIdentifier?
        private var sealed: [SealedBlock] = []
        /// One dictionary per column name, shared by every block of this builder.
        private var dictionaries: [ColumnKey: Interner] = [:]

        public init() {}

        /// How many rows it holds so far.
        public var count: Int { sealed.reduce(pending.count) { $0 + $1.count } }

        public mutating func append(_ record: Record) {
            let id = ObjectIdentifier(record.schema)
            if id != lastSchema {
                lastSchema = id
                if pendingSchemas.insert(id).inserted, pendingSchemas.count > 255 {
                    seal()
                    pendingSchemas = [id]
                }
            }
            pending.append(record)
            if pending.count == PackedRows.blockRows { seal() }
        }

        public mutating func append(contentsOf records: some Sequence<Record>) {
            for r in records { append(r) }
        }

        /// The rows appended, packed (the builder is then empty).
        public mutating func finish() -> PackedRows {
            seal()
            let final = dictionaries.mapValues { ValueDictionary($0.values) }
            let parts = sealed.map { s -> Part in
                let block = s.block { final[$0]! }
                return Part(block: block, rows: 0..<block.count)
            }
            sealed = []
            dictionaries = [:]
            return PackedRows(parts: parts)
        }

        private mutating func seal() {
            guard !pending.isEmpty else { return }
            sealed.append(SealedBlock(pending, dictionaries: &dictionaries))
            pending.removeAll(keepingCapacity: true)
            pendingSchemas.removeAll(keepingCapacity: true)
            lastSchema = nil
        }
    }
}

/// The distinct values of a column as they are added, and each one's code: an open-addressing
/// table of codes, hashed and compared as ``ExactValue`` does (byte for byte), that keeps no
/// second copy of the values.
final class Interner {
    private(set) var values: [Value] = []
    /// The hash of each value (0 for the lists and objects, which are not looked up).
    private var hashes: [UInt64] = []
    /// Codes, -1 for an empty slot; a power of two long, at most half full.
    private var slots: [Int32] = []

    /// The code of each value of `column`: the one it already has, else a new one.
    func codes(_ column: SealedBlock.ColumnReader) -> [UInt32] {
        // The tables as locals for the loop (a class's stored arrays are checked for
        // exclusive access at every touch), put back after.
        var table = Table(values: values, hashes: hashes, slots: slots)
        (values, hashes, slots) = ([], [], [])
        defer { (values, hashes, slots) = (table.values, table.hashes, table.slots) }
        var out = [UInt32](repeating: 0, count: column.count)
        for r in 0..<column.count { out[r] = table.code(column[r]) }
        return out
    }

    private struct Table {
        var values: [Value]
        var hashes: [UInt64]
        var slots: [Int32]

        @inline(__always)
        mutating func code(_ value: Value) -> UInt32 {
            guard let h = Interner.hash(value) else { return add(value, hash: 0) }
            if values.count * 2 >= slots.count { grow() }
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let c = Int(slots[i])
                if c < 0 {
                    slots[i] = Int32(values.count)
                    return add(value, hash: h)
                }
                if hashes[c] == h, Interner.same(values[c], value) { return UInt32(c) }
                i = (i + 1) & mask
            }
        }

        private mutating func add(_ value: Value, hash: UInt64) -> UInt32 {
            values.append(value)
            hashes.append(hash)
            return UInt32(values.count - 1)
        }

        private mutating func grow() {
            var bigger = [Int32](repeating: -1, count: Swift.max(64, slots.count * 2))
            let mask = bigger.count - 1
            for (c, v) in values.enumerated() where !Interner.unkeyed(v) {
                var i = Int(truncatingIfNeeded: hashes[c]) & mask
                while bigger[i] >= 0 { i = (i + 1) & mask }
                bigger[i] = Int32(c)
            }
            slots = bigger
        }
    }

    static func unkeyed(_ v: Value) -> Bool {
        switch v {
        case .list, .object: return true
        default: return false
        }
    }

    /// A hash of the value as written (nil for lists and objects, stored each time).
    @inline(__always)
    static func hash(_ value: Value) -> UInt64? {
        switch value {
        case .null: return 0x51_7CC1_B727_220A
        case .bool(let b): return b ? 0x2545_F491_4F6C_DD1D : 0x1405_7B7E_F767_814F
        case .int(let i): return mix(UInt64(bitPattern: Int64(i)) ^ 0x9E37_79B9_7F4A_7C15)
        case .double(let d): return mix(d.bitPattern ^ 0xC2B2_AE3D_27D4_EB4F)
        case .string(var s): return s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
        case .time(let t):
            let form = UInt64(UInt16(bitPattern: t.offsetMinutes)) << 16 | UInt64(t.fractionDigits) << 1 | (t.zulu ? 1 : 0)
            return mix(UInt64(bitPattern: t.micros) ^ mix(form ^ 0x1656_67B1_9E37_79F9))
        case .list, .object: return nil
        }
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        z = z &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 29)
    }

    static func bytes(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x27D4_EB2F_1656_67C5 ^ UInt64(b.count)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ b.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        while i < b.count {
            tail = tail << 8 | UInt64(b[i])
            i += 1
        }
        return mix(h ^ tail)
    }

    /// Whether two values are the same as written (``ExactValue``'s equality).
    @inline(__always)
    static func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.string(let x), .string(let y)): return ExactText(x) == ExactText(y)
        case (.time(let x), .time(let y)):
            return x.micros == y.micros && x.offsetMinutes == y.offsetMinutes && x.fractionDigits == y.fractionDigits && x.zulu == y.zulu
        default: return false
        }
    }
}

/// A block's rows as columns in memory, before the dictionaries it points into are final
/// (the builder's, or those read from disk).
struct SealedBlock {
    enum Column {
        case codes(offset: Int, width: Int, key: ColumnKey)
        case times(micros: Int, tags: Int, table: [TimeTag])
    }

    let memory: PackedMemory
    let count: Int
    let schemas: [Schema]
    let rowSchemas: Int?
    let layout: [[Int]]
    let columns: [Column]

    /// The block, its codes pointing into `dictionary(key)`.
    func block(dictionary: (ColumnKey) -> ValueDictionary) -> RowBlock {
        let columns = self.columns.map { column -> PackedColumn in
            switch column {
            case .codes(let offset, let width, let key):
                return .codes(Codes(memory: memory, offset: offset, width: width, count: count), dictionary(key))
            case .times(let micros, let tags, let table):
                return .times(Times(memory: memory, microsOffset: micros, tagsOffset: tags, count: count, tags: table))
            }
        }
        return RowBlock(count: count, schemas: schemas, rowSchemas: rowSchemas, columns: columns, layout: layout,
                        memory: memory, region: 0..<memory.byteCount)
    }

    /// Packs `rows` (at most 255 schemas), their codes from and into `dictionaries`.
    init(_ rows: [Record], dictionaries: inout [ColumnKey: Interner]) {
        count = rows.count
        let (schemas, rowSchema) = SealedBlock.schemas(of: rows)
        self.schemas = schemas
        let keys: [ColumnKey]
        (keys, layout) = SealedBlock.columns(of: schemas)
        // Where each column's field sits in each schema (nil: the schema lacks it).
        var positions = [[Int?]](repeating: Array(repeating: nil, count: schemas.count), count: keys.count)
        for (s, fields) in layout.enumerated() {
            for (position, c) in fields.enumerated() { positions[c][s] = position }
        }
        var plan = MemoryPlan()
        rowSchemas = schemas.count > 1 ? plan.reserve(rows.count) : nil
        var encoded: [Encoded] = []
        for (c, key) in keys.enumerated() {
            let column = ColumnReader(rows: rows, rowSchema: rowSchema, positions: positions[c])
            if let times = SealedBlock.times(column) {
                encoded.append(times)
            } else {
                let interner = dictionaries[key] ?? Interner()
                dictionaries[key] = interner
                encoded.append(.codes(interner.codes(column)))
            }
        }
        columns = zip(encoded, keys).map { e, key in
            switch e {
            case .codes(let codes):
                let width = SealedBlock.width(codes.max() ?? 0)
                return .codes(offset: plan.reserve(width * codes.count), width: width, key: key)
            case .times(let micros, _, let table):
                return .times(micros: plan.reserve(8 * micros.count), tags: plan.reserve(micros.count), table: table)
            }
        }
        memory = PackedMemory(byteCount: plan.size)
        if let offset = rowSchemas { rowSchema.withUnsafeBytes { (memory.base + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        for (c, e) in encoded.enumerated() {
            switch (columns[c], e) {
            case (.codes(let offset, let width, _), .codes(let codes)):
                SealedBlock.store(codes, width: width, at: memory.base + offset)
            case (.times(let m, let t, _), .times(let micros, let tags, _)):
                micros.withUnsafeBytes { (memory.base + m).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                tags.withUnsafeBytes { (memory.base + t).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            default:
                preconditionFailure("a column planned as one kind and encoded as another")
            }
        }
    }

    enum Encoded {
        case codes([UInt32])
        case times([Int64], [UInt8], [TimeTag])
    }

    /// The distinct schemas of `rows` (by their names, byte for byte), and each row's.
    static func schemas(of rows: [Record]) -> ([Schema], [UInt8]) {
        var schemas: [Schema] = []
        var byIdentity: [ObjectIdentifier: Int] = [:]
        var rowSchema = [UInt8](repeating: 0, count: rows.count)
        var last: (id: ObjectIdentifier, index: Int)?
        for (r, record) in rows.enumerated() {
            let id = ObjectIdentifier(record.schema)
            let s: Int
            if let last, last.id == id {
                s = last.index
            } else if let known = byIdentity[id] {
                s = known
            } else if let same = schemas.firstIndex(where: { ExactText.same($0.fields, record.schema.fields) }) {
                s = same
                byIdentity[id] = s
            } else {
                s = schemas.count
                schemas.append(record.schema)
                byIdentity[id] = s
            }
            last = (id, s)
            rowSchema[r] = UInt8(s)
        }
        return (schemas, rowSchema)
    }

    /// The columns of a block of `schemas`: one per field name (and occurrence of it), and
    /// each schema's fields' columns.
    static func columns(of schemas: [Schema]) -> ([ColumnKey], [[Int]]) {
        var keys: [ColumnKey] = []
        var index: [ColumnKey: Int] = [:]
        let layout = schemas.map { schema -> [Int] in
            var seen: [ExactText: Int] = [:]
            return schema.fields.map { field in
                let name = ExactText(field)
                let key = ColumnKey(name: name, occurrence: seen[name, default: 0])
                seen[name, default: 0] += 1
                if let c = index[key] { return c }
                index[key] = keys.count
                keys.append(key)
                return keys.count - 1
            }
        }
        return (keys, layout)
    }

    /// One column's values in a block being sealed, read from its records.
    struct ColumnReader {
        let rows: [Record]
        let rowSchema: [UInt8]
        /// The field's position in each schema of the block.
        let positions: [Int?]

        var count: Int { rows.count }

        @inline(__always)
        subscript(r: Int) -> Value {
            guard let p = positions.count == 1 ? positions[0] : positions[Int(rowSchema[r])] else { return .null }
            return rows[r][position: p]
        }
    }

    /// A timestamp column for `values` when they are timestamps, with at most 256 forms and
    /// other values (nulls, a few texts) between them; nil otherwise (or when the first value
    /// that is not null is not a timestamp).
    static func times(_ values: ColumnReader) -> Encoded? {
        var first = 0
        while first < values.count, values[first].isNull { first += 1 }
        guard first < values.count, case .time = values[first] else { return nil }
        var micros = [Int64](repeating: 0, count: values.count)
        var tags = [UInt8](repeating: 0, count: values.count)
        var table: [TimeTag] = []
        var forms: [Int32: Int] = [:]
        var others: [ExactValue: Int] = [:]
        var last: (form: Int32, tag: Int)?
        for i in 0..<values.count {
            let v = values[i]
            let tag: Int
            if case .time(let t) = v {
                micros[i] = t.micros
                let form = Int32(t.offsetMinutes) << 16 | Int32(t.fractionDigits) << 1 | (t.zulu ? 1 : 0)
                if let last, last.form == form {
                    tag = last.tag
                } else if let known = forms[form] {
                    tag = known
                } else {
                    tag = table.count
                    table.append(.time(offsetMinutes: t.offsetMinutes, fractionDigits: t.fractionDigits, zulu: t.zulu))
                    forms[form] = tag
                }
                last = (form, tag)
            } else {
                guard let key = ExactValue(v) else { return nil }
                if let known = others[key] {
                    tag = known
                } else {
                    tag = table.count
                    table.append(.value(v))
                    others[key] = tag
                }
            }
            guard tag < 256 else { return nil }
            tags[i] = UInt8(tag)
        }
        return .times(micros, tags, table)
    }

    /// Bytes a code needs for codes up to `max`.
    static func width(_ max: UInt32) -> Int { max < 256 ? 1 : max < 65_536 ? 2 : 4 }

    static func store(_ codes: [UInt32], width: Int, at p: UnsafeMutableRawPointer) {
        switch width {
        case 1: for (i, c) in codes.enumerated() { p.storeBytes(of: UInt8(truncatingIfNeeded: c), toByteOffset: i, as: UInt8.self) }
        case 2: for (i, c) in codes.enumerated() { p.storeBytes(of: UInt16(truncatingIfNeeded: c), toByteOffset: 2 * i, as: UInt16.self) }
        default: for (i, c) in codes.enumerated() { p.storeBytes(of: c, toByteOffset: 4 * i, as: UInt32.self) }
        }
    }
}

/// Places a block's buffers one after another, each at a multiple of 8 bytes.
struct MemoryPlan {
    private(set) var size = 0

    mutating func reserve(_ bytes: Int) -> Int {
        let offset = (size + 7) & ~7
        size = offset + bytes
        return offset
    }
}
