/// Writes ``PackedRows`` as bytes and reads them back, for the disk cache: a block's column
/// buffers are written as they lie in memory, and read back in place (a snapshot read from
/// disk is one allocation its blocks point into; nothing is decoded row by row). Safe to
/// read from a file that may be damaged: every length, offset, index and code is checked; a
/// bad one throws, it never traps.
///
/// Layout (integers as LEB128 varints, signed ones zigzag-encoded):
///
///     rows:         total row count
///     schemas:      count, then each: field count, each field: byte length, UTF-8 bytes
///     dictionaries: count, then each: value count, values
///     blocks:       count, then each:
///                     rows, schema count, schema indices, per-row schemas (0 | 1, offset)
///                     columns: count, then each:
///                       0 codes: width (1, 2, 4), dictionary index, offset
///                       1 timestamps: offset of micros, offset of tags, tag count, tags
///                         (0 a form: offset minutes, fraction digits, zulu | 1 a value)
///                     layout: per schema, the column of each field
///                     data: byte count, zeros up to a multiple of 8 from the start of the
///                           file, then the buffers (offsets above count from here)
///     value:        tag byte, then  0 null · 1 false · 2 true · 3 int · 4 double (8 bytes LE)
///                   5 text (byte length, UTF-8) · 6 time (micros, offset minutes,
///                   digits | zulu << 7) · 7 list (count, values) · 8 object (schema, values)
public enum RowCodec {
    public struct Damaged: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Nested lists and objects deeper than this are refused (a damaged file cannot recurse
    /// without end).
    static let maxDepth = 64
    /// Rows in a block at most, as read (a damaged count cannot make millions of rows from
    /// nothing); above what ``PackedRows/blockRows`` writes, so that can grow.
    static let maxBlockRows = 1 << 20

    // MARK: encoding

    /// `records` packed, as bytes (for tests and tools; the disk store writes in pieces).
    public static func encode(_ records: [Record]) -> [UInt8] { encode(PackedRows(records)) }

    /// `rows` as bytes, to be read back from offset 0 of an allocation.
    public static func encode(_ rows: PackedRows) -> [UInt8] {
        var out: [UInt8] = []
        encode(rows, at: 0) { out.append(contentsOf: $0) }
        return out
    }

    /// Writes `rows` in pieces handed to `write`; `offset` is where the first byte lands in
    /// the file (buffers are placed at multiples of 8 from the file's start, so that they
    /// can be read where they lie).
    public static func encode(_ rows: PackedRows, at offset: Int,
                              to write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        let blocks = rows.parts.map { $0.rows == 0..<$0.block.count ? $0.block : $0.block.slice($0.rows) }
        var tables = Tables()
        var dictionaries: [ValueDictionary] = []
        var dictionaryIndex: [ObjectIdentifier: Int] = [:]
        for block in blocks {
            for schema in block.schemas { _ = tables.schema(schema) }
            for case .codes(_, let d) in block.columns where dictionaryIndex[ObjectIdentifier(d)] == nil {
                dictionaryIndex[ObjectIdentifier(d)] = dictionaries.count
                dictionaries.append(d)
            }
        }
        var values: [UInt8] = []
        put(UInt64(dictionaries.count), &values)
        for d in dictionaries {
            put(UInt64(d.values.count), &values)
            for v in d.values { tables.value(v, &values) }
        }
        var out: [UInt8] = []
        put(UInt64(rows.count), &out)
        tables.writeSchemas(&out)
        out.append(contentsOf: values)
        put(UInt64(blocks.count), &out)
        var position = offset
        for block in blocks {
            block.writeHeader(&out, tables: &tables, dictionaries: dictionaryIndex)
            put(UInt64(block.region.count), &out)
            while (position + out.count) % 8 != 0 { out.append(0) }
            try out.withUnsafeBytes(write)
            position += out.count
            out.removeAll(keepingCapacity: true)
            try withExtendedLifetime(block.memory) {
                try write(UnsafeRawBufferPointer(start: block.memory.base + block.region.lowerBound, count: block.region.count))
            }
            position += block.region.count
        }
    }

    /// Schemas (by their names, byte for byte) numbered as they are met.
    struct Tables {
        var schemas: [Schema] = []
        var index: [[ExactText]: Int] = [:]

        mutating func schema(_ s: Schema) -> Int {
            let key = s.fields.map(ExactText.init)
            if let i = index[key] { return i }
            index[key] = schemas.count
            schemas.append(s)
            return schemas.count - 1
        }

        func writeSchemas(_ out: inout [UInt8]) {
            put(UInt64(schemas.count), &out)
            for s in schemas {
                put(UInt64(s.fields.count), &out)
                for f in s.fields { RowCodec.text(f, &out) }
            }
        }

        mutating func value(_ v: Value, _ out: inout [UInt8]) {
            switch v {
            case .null: out.append(0)
            case .bool(let b): out.append(b ? 2 : 1)
            case .int(let i):
                out.append(3)
                putSigned(Int64(i), &out)
            case .double(let d):
                out.append(4)
                var bits = d.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
            case .string(let s):
                out.append(5)
                RowCodec.text(s, &out)
            case .time(let t):
                out.append(6)
                putSigned(t.micros, &out)
                putSigned(Int64(t.offsetMinutes), &out)
                out.append(t.fractionDigits | (t.zulu ? 0x80 : 0))
            case .list(let items):
                out.append(7)
                put(UInt64(items.count), &out)
                for item in items { value(item, &out) }
            case .object(let r):
                out.append(8)
                put(UInt64(schema(r.schema)), &out)
                for item in r.values { value(item, &out) }
            }
        }
    }

    static func text(_ s: String, _ out: inout [UInt8]) {
        put(UInt64(s.utf8.count), &out)
        out.append(contentsOf: s.utf8)
    }

    @inline(__always)
    public static func put(_ n: UInt64, _ out: inout [UInt8]) {
        var n = n
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
    }

    @inline(__always)
    static func putSigned(_ n: Int64, _ out: inout [UInt8]) {
        put(UInt64(bitPattern: (n << 1) ^ (n >> 63)), &out)
    }

    // MARK: decoding

    /// The rows packed in `bytes` (copied into memory of their own).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(Damaged) -> PackedRows {
        let memory = PackedMemory(byteCount: bytes.count)
        if let base = bytes.baseAddress { memory.bytes.copyMemory(from: UnsafeRawBufferPointer(start: base, count: bytes.count)) }
        return try decode(memory, range: 0..<bytes.count)
    }

    /// The rows packed in `range` of `memory`, whose blocks point into it (read in place).
    public static func decode(_ memory: PackedMemory, range: Range<Int>) throws(Damaged) -> PackedRows {
        guard range.lowerBound >= 0, range.upperBound <= memory.byteCount else { throw Damaged("the data is not where it was said to be") }
        var reader = Reader(bytes: UnsafeRawBufferPointer(start: memory.base, count: range.upperBound), position: range.lowerBound)
        let rowCount = try reader.varint()
        let schemaCount = try reader.count(minimumBytesEach: 1)
        var schemas: [Schema] = []
        schemas.reserveCapacity(schemaCount)
        for _ in 0..<schemaCount {
            let n = try reader.count(minimumBytesEach: 1)
            var fields: [String] = []
            fields.reserveCapacity(n)
            for _ in 0..<n { fields.append(try reader.text(try reader.count(minimumBytesEach: 1))) }
            schemas.append(Schema(fields))
        }
        let dictionaryCount = try reader.count(minimumBytesEach: 1)
        var dictionaries: [ValueDictionary] = []
        for _ in 0..<dictionaryCount {
            let n = try reader.count(minimumBytesEach: 1)
            var values: [Value] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(try reader.value(schemas: schemas, depth: 0)) }
            dictionaries.append(ValueDictionary(values))
        }
        let blockCount = try reader.count(minimumBytesEach: 4)
        var parts: [PackedRows.Part] = []
        parts.reserveCapacity(blockCount)
        for _ in 0..<blockCount {
            let block = try reader.block(memory: memory, schemas: schemas, dictionaries: dictionaries)
            parts.append(PackedRows.Part(block: block, rows: 0..<block.count))
        }
        guard reader.position == range.upperBound else { throw Damaged("\(range.upperBound - reader.position) bytes after the last block") }
        let rows = PackedRows(parts: parts)
        guard UInt64(rows.count) == rowCount else { throw Damaged("it holds \(rows.count) rows, not \(rowCount)") }
        return rows
    }

    /// Reads what the encoder and ``put(_:_:)`` wrote, checking every bound.
    public struct Reader {
        public let bytes: UnsafeRawBufferPointer
        public var position: Int

        public init(bytes: UnsafeRawBufferPointer, position: Int = 0) {
            self.bytes = bytes
            self.position = position
        }

        @inline(__always)
        public mutating func byte() throws(Damaged) -> UInt8 {
            guard position < bytes.count else { throw Damaged("the data ends too soon") }
            defer { position += 1 }
            return bytes[position]
        }

        @inline(__always)
        public mutating func varint() throws(Damaged) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw Damaged("a number is too long") }
                result |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }

        @inline(__always)
        mutating func signed() throws(Damaged) -> Int64 {
            let z = try varint()
            return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
        }

        /// A count of things that take at least `minimumBytesEach` bytes: never more than
        /// the bytes left could hold (so a damaged count cannot ask for a huge allocation).
        public mutating func count(minimumBytesEach: Int) throws(Damaged) -> Int {
            let n = try varint()
            guard n <= UInt64(max(0, bytes.count - position)) / UInt64(max(1, minimumBytesEach)) else {
                throw Damaged("a count of \(n) is more than the data holds")
            }
            return Int(n)
        }

        @inline(__always)
        public mutating func index(below limit: Int) throws(Damaged) -> Int {
            let n = try varint()
            guard n < UInt64(limit) else { throw Damaged("an index \(n) out of \(limit)") }
            return Int(n)
        }

        public mutating func text(_ length: Int) throws(Damaged) -> String {
            guard length <= bytes.count - position else { throw Damaged("a text runs past the end") }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
            position += length
            return String(decoding: slice.bindMemory(to: UInt8.self), as: UTF8.self)
        }

        mutating func time() throws(Damaged) -> (offset: Int16, digits: UInt8, zulu: Bool) {
            let offset = try signed()
            guard abs(offset) < 24 * 60 else { throw Damaged("an offset of \(offset) minutes") }
            let flags = try byte()
            guard flags & 0x7f <= 6 else { throw Damaged("\(flags & 0x7f) fraction digits") }
            return (Int16(offset), flags & 0x7f, flags & 0x80 != 0)
        }

        mutating func value(schemas: [Schema], depth: Int) throws(Damaged) -> Value {
            switch try byte() {
            case 0: return .null
            case 1: return .bool(false)
            case 2: return .bool(true)
            case 3: return .int(Int(try signed()))
            case 4:
                guard bytes.count - position >= 8 else { throw Damaged("a number runs past the end") }
                let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                position += 8
                return .double(Double(bitPattern: bits))
            case 5: return .string(try text(try count(minimumBytesEach: 1)))
            case 6:
                let micros = try signed()
                let (offset, digits, zulu) = try time()
                return .time(Timestamp(micros: micros, offsetMinutes: offset, fractionDigits: digits, zulu: zulu))
            case 7:
                guard depth < RowCodec.maxDepth else { throw Damaged("lists nested too deep") }
                let n = try count(minimumBytesEach: 1)
                var items: [Value] = []
                items.reserveCapacity(n)
                for _ in 0..<n { items.append(try value(schemas: schemas, depth: depth + 1)) }
                return .list(items)
            case 8:
                guard depth < RowCodec.maxDepth else { throw Damaged("objects nested too deep") }
                let schema = schemas[try index(below: schemas.count)]
                var items: [Value] = []
                items.reserveCapacity(schema.fields.count)
                for _ in 0..<schema.fields.count { items.append(try value(schemas: schemas, depth: depth + 1)) }
                return .object(Record(schema: schema, values: items))
            case let tag:
                throw Damaged("an unknown value tag \(tag)")
            }
        }
    }

    // MARK: checksum

    /// A 64-bit checksum of `bytes` (word-wise multiply and rotate, with the length): catches
    /// a truncated, overwritten or bit-flipped file; not a cryptographic hash.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var sum = Checksum()
        sum.add(bytes)
        return sum.value
    }
}

/// ``RowCodec/checksum(_:)`` of bytes that come in pieces: the same value as over them joined.
/// Four lanes of 8-byte words, each a multiply and a rotate, so that the processor works on
/// four at once (a 75 MB snapshot is checked in a few milliseconds).
public struct Checksum {
    private var lanes: (UInt64, UInt64, UInt64, UInt64) =
        (0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x27D4_EB2F_1656_67C5)
    private var length = 0
    /// Bytes of an unfinished 32-byte stripe.
    private var carry = [UInt8]()

    public init() {}

    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        length += bytes.count
        var i = 0
        if !carry.isEmpty {
            let take = Swift.min(32 - carry.count, bytes.count)
            carry.append(contentsOf: bytes[0..<take])
            i = take
            guard carry.count == 32 else { return }
            let full = carry
            full.withUnsafeBytes { stripe($0, at: 0) }
            carry.removeAll(keepingCapacity: true)
        }
        while i + 32 <= bytes.count {
            stripe(bytes, at: i)
            i += 32
        }
        carry.append(contentsOf: bytes[i...])
    }

    @inline(__always)
    private mutating func stripe(_ b: UnsafeRawBufferPointer, at i: Int) {
        @inline(__always) func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
            let x = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            return (x << 29) | (x >> 35)
        }
        lanes.0 = mix(lanes.0, UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
        lanes.1 = mix(lanes.1, UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
        lanes.2 = mix(lanes.2, UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)))
        lanes.3 = mix(lanes.3, UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)))
    }

    /// The checksum of everything added.
    public var value: UInt64 {
        var h = UInt64(length) &* 0x9E37_79B9_7F4A_7C15
        for lane in [lanes.0, lanes.1, lanes.2, lanes.3] {
            h = (h ^ lane) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 33
        }
        for (n, byte) in carry.enumerated() {
            h = (h ^ UInt64(byte) << (8 * UInt64(n % 8))) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
        }
        return h
    }
}

extension RowBlock {
    /// The block's description for ``RowCodec``: everything but its buffers.
    func writeHeader(_ out: inout [UInt8], tables: inout RowCodec.Tables, dictionaries: [ObjectIdentifier: Int]) {
        func put(_ n: Int) { RowCodec.put(UInt64(n), &out) }
        let base = region.lowerBound
        put(count)
        put(schemas.count)
        for s in schemas { put(tables.schema(s)) }
        if let rowSchemas {
            out.append(1)
            put(rowSchemas.offset - base)
        } else {
            out.append(0)
        }
        put(columns.count)
        for column in columns {
            switch column {
            case .codes(let codes, let dictionary):
                out.append(0)
                put(codes.width)
                put(dictionaries[ObjectIdentifier(dictionary)]!)
                put(codes.offset - base)
            case .times(let times):
                out.append(1)
                put(times.microsOffset - base)
                put(times.tagsOffset - base)
                put(times.tags.count)
                for tag in times.tags {
                    switch tag {
                    case .time(let offset, let digits, let zulu):
                        out.append(0)
                        RowCodec.putSigned(Int64(offset), &out)
                        out.append(digits | (zulu ? 0x80 : 0))
                    case .value(let v):
                        out.append(1)
                        tables.value(v, &out)
                    }
                }
            }
        }
        for fields in layout { for c in fields { put(c) } }
    }

    /// Rows `rows` of this block as a block of their own (their bytes copied).
    func slice(_ rows: Range<Int>) -> RowBlock {
        var plan = MemoryPlan()
        let n = rows.count
        let rowSchemasAt = rowSchemas.map { _ in plan.reserve(n) }
        let placed = columns.map { column -> (Int, Int) in
            switch column {
            case .codes(let codes, _): return (plan.reserve(codes.width * n), 0)
            case .times: return (plan.reserve(8 * n), plan.reserve(n))
            }
        }
        let copy = PackedMemory(byteCount: plan.size)
        func move(from offset: Int, width: Int, to target: Int) {
            (copy.base + target).copyMemory(from: memory.base + offset + rows.lowerBound * width, byteCount: n * width)
        }
        if let rowSchemas, let at = rowSchemasAt { move(from: rowSchemas.offset, width: 1, to: at) }
        let sliced = zip(columns, placed).map { column, at -> PackedColumn in
            switch column {
            case .codes(let codes, let dictionary):
                move(from: codes.offset, width: codes.width, to: at.0)
                return .codes(Codes(memory: copy, offset: at.0, width: codes.width, count: n), dictionary)
            case .times(let times):
                move(from: times.microsOffset, width: 8, to: at.0)
                move(from: times.tagsOffset, width: 1, to: at.1)
                return .times(Times(memory: copy, microsOffset: at.0, tagsOffset: at.1, count: n, tags: times.tags))
            }
        }
        return withExtendedLifetime(memory) {
            RowBlock(count: n, schemas: schemas, rowSchemas: rowSchemasAt, columns: sliced, layout: layout,
                     memory: copy, region: 0..<plan.size)
        }
    }
}

extension RowCodec.Reader {
    /// One block, its buffers left where they lie in `memory` (the reader's bytes), every
    /// offset, schema, tag and code checked.
    mutating func block(memory: PackedMemory, schemas: [Schema], dictionaries: [ValueDictionary]) throws(RowCodec.Damaged) -> RowBlock {
        let rows = try varint()
        guard rows <= UInt64(RowCodec.maxBlockRows) else { throw RowCodec.Damaged("a block of \(rows) rows") }
        let count = Int(rows)
        let schemaCount = try self.count(minimumBytesEach: 1)
        guard (1...255).contains(schemaCount) else { throw RowCodec.Damaged("a block of \(schemaCount) schemas") }
        var blockSchemas: [Schema] = []
        for _ in 0..<schemaCount { blockSchemas.append(schemas[try index(below: schemas.count)]) }
        var rowSchemas: Int?
        switch try byte() {
        case 0: break
        case 1: rowSchemas = Int(truncatingIfNeeded: try varint())
        case let flag: throw RowCodec.Damaged("a block flag \(flag)")
        }
        let columnCount = try self.count(minimumBytesEach: 3)
        var columns: [Column] = []
        for _ in 0..<columnCount { columns.append(try column(dictionaries: dictionaries, schemas: schemas)) }
        var layout: [[Int]] = []
        for s in blockSchemas {
            var fields: [Int] = []
            for _ in s.fields { fields.append(try index(below: columnCount)) }
            layout.append(fields)
        }
        let size = try self.count(minimumBytesEach: 1)
        while position % 8 != 0 {
            guard try byte() == 0 else { throw RowCodec.Damaged("a block's padding is not zeros") }
        }
        guard size <= bytes.count - position else { throw RowCodec.Damaged("a block runs past the end") }
        let base = position
        position += size
        let data = UnsafeRawBufferPointer(rebasing: bytes[base..<position])
        if let rowSchemas {
            let rows = try Self.buffer(data, rowSchemas, width: 1, count: count)
            guard Self.largest(rows, width: 1) < schemaCount else { throw RowCodec.Damaged("a row of an unknown schema") }
        }
        let packed = try columns.map { (column) throws(RowCodec.Damaged) -> PackedColumn in
            try column.packed(memory: memory, data: data, base: base, count: count)
        }
        return RowBlock(count: count, schemas: blockSchemas, rowSchemas: rowSchemas.map { base + $0 }, columns: packed,
                        layout: layout, memory: memory, region: base..<position)
    }

    /// A column as described, before its buffer is checked.
    enum Column {
        case codes(width: Int, dictionary: ValueDictionary, offset: Int)
        case times(micros: Int, tags: Int, table: [TimeTag])

        func packed(memory: PackedMemory, data: UnsafeRawBufferPointer, base: Int, count: Int) throws(RowCodec.Damaged) -> PackedColumn {
            switch self {
            case .codes(let width, let dictionary, let offset):
                let codes = try RowCodec.Reader.buffer(data, offset, width: width, count: count)
                guard RowCodec.Reader.largest(codes, width: width) < dictionary.values.count else { throw RowCodec.Damaged("a code out of its dictionary") }
                return .codes(Codes(memory: memory, offset: base + offset, width: width, count: count), dictionary)
            case .times(let micros, let tags, let table):
                _ = try RowCodec.Reader.buffer(data, micros, width: 8, count: count)
                let t = try RowCodec.Reader.buffer(data, tags, width: 1, count: count)
                guard RowCodec.Reader.largest(t, width: 1) < table.count else { throw RowCodec.Damaged("a timestamp tag out of its table") }
                return .times(Times(memory: memory, microsOffset: base + micros, tagsOffset: base + tags, count: count, tags: table))
            }
        }
    }

    mutating func column(dictionaries: [ValueDictionary], schemas: [Schema]) throws(RowCodec.Damaged) -> Column {
        switch try byte() {
        case 0:
            let width = Int(try varint() & 0xFF)
            guard width == 1 || width == 2 || width == 4 else { throw RowCodec.Damaged("codes \(width) bytes wide") }
            let dictionary = dictionaries[try index(below: dictionaries.count)]
            return .codes(width: width, dictionary: dictionary, offset: Int(truncatingIfNeeded: try varint()))
        case 1:
            let micros = Int(truncatingIfNeeded: try varint())
            let tags = Int(truncatingIfNeeded: try varint())
            let n = try count(minimumBytesEach: 2)
            guard (1...256).contains(n) else { throw RowCodec.Damaged("\(n) timestamp tags") }
            var table: [TimeTag] = []
            for _ in 0..<n {
                switch try byte() {
                case 0:
                    let (offset, digits, zulu) = try time()
                    table.append(.time(offsetMinutes: offset, fractionDigits: digits, zulu: zulu))
                case 1:
                    table.append(.value(try value(schemas: schemas, depth: 0)))
                case let kind:
                    throw RowCodec.Damaged("a timestamp tag of kind \(kind)")
                }
            }
            return .times(micros: micros, tags: tags, table: table)
        case let kind:
            throw RowCodec.Damaged("a column of kind \(kind)")
        }
    }

    /// `count` items `width` bytes wide at `offset` of `data`, checked to lie inside it and
    /// to be aligned for their width.
    static func buffer(_ data: UnsafeRawBufferPointer, _ offset: Int, width: Int, count: Int) throws(RowCodec.Damaged) -> UnsafeRawBufferPointer {
        let (bytes, overflow) = width.multipliedReportingOverflow(by: count)
        guard !overflow, offset >= 0, offset % width == 0, offset <= data.count, bytes <= data.count - offset else {
            throw RowCodec.Damaged("a column lies outside its block")
        }
        return UnsafeRawBufferPointer(rebasing: data[offset..<(offset + bytes)])
    }

    /// The largest of the unsigned integers `width` bytes wide in `buffer` (-1 for none).
    static func largest(_ buffer: UnsafeRawBufferPointer, width: Int) -> Int {
        guard !buffer.isEmpty else { return -1 }
        switch width {
        case 1: return Int(largest(buffer.assumingMemoryBound(to: UInt8.self)))
        case 2: return Int(largest(buffer.assumingMemoryBound(to: UInt16.self)))
        default: return Int(largest(buffer.assumingMemoryBound(to: UInt32.self)))
        }
    }

    private static func largest<T: FixedWidthInteger & UnsignedInteger>(_ items: UnsafeBufferPointer<T>) -> T {
        var top: T = 0
        for x in items { top = Swift.max(top, x) }
        return top
    }
}
