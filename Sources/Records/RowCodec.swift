/// Packs records into bytes and back, for the disk cache: compact, fast to read, and safe
/// to read from a file that may be damaged (every length and index is checked; a bad one
/// throws, it never traps).
///
/// Layout (integers as LEB128 varints, signed ones zigzag-encoded):
///
///     tables:   8 bytes, little-endian: where the strings begin, from the start
///     rows:     count, then each: schema index, one value per field
///     strings:  count, then each: byte length, UTF-8 bytes      (every distinct text, once)
///     schemas:  count, then each: field count, string index per field
///
/// (The tables follow the rows so that the rows are written straight into the output, in
/// one pass and one buffer.)
///     value:    tag byte, then  0 null · 1 false · 2 true · 3 int · 4 double (8 bytes LE)
///               5 string index · 6 time (micros, offset minutes, digits | zulu << 7)
///               7 list (count, values) · 8 object (schema index, values)
///
/// A text held by many rows (a key name, an address) is stored once and decoded once, and
/// the rows then share one copy of it in memory as well.
public enum RowCodec {
    public struct Damaged: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Nested lists and objects deeper than this are refused (a damaged file cannot recurse
    /// without end).
    static let maxDepth = 64
    /// Rows of one schema that share one value storage when decoded.
    static let chunkRows = 4096

    // MARK: encoding

    public static func encode(_ records: [Record]) -> [UInt8] {
        var out: [UInt8] = []
        encode(records, into: &out)
        return out
    }

    /// Appends the packed `records` to `out`.
    public static func encode(_ records: [Record], into out: inout [UInt8]) {
        var strings: [String] = []
        var stringIndex: [String: Int] = [:]
        var schemas: [Schema] = []
        var schemaIndex: [Schema: Int] = [:]
        var lastSchema: (ObjectIdentifier, Int)?
        let start = out.count
        out.reserveCapacity(start + records.count * 24)
        out.append(contentsOf: [UInt8](repeating: 0, count: 8))

        func intern(_ s: String) -> Int {
            if let i = stringIndex[s] { return i }
            let i = strings.count
            strings.append(s)
            stringIndex[s] = i
            return i
        }
        func schemaNumber(_ schema: Schema) -> Int {
            let id = ObjectIdentifier(schema)
            if let last = lastSchema, last.0 == id { return last.1 }
            let i: Int
            if let known = schemaIndex[schema] {
                i = known
            } else {
                i = schemas.count
                schemas.append(schema)
                schemaIndex[schema] = i
            }
            lastSchema = (id, i)
            return i
        }
        func value(_ v: Value, _ out: inout [UInt8]) {
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
                put(UInt64(intern(s)), &out)
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
                put(UInt64(schemaNumber(r.schema)), &out)
                for item in r.values { value(item, &out) }
            }
        }

        put(UInt64(records.count), &out)
        for r in records {
            put(UInt64(schemaNumber(r.schema)), &out)
            for v in r.values { value(v, &out) }
        }
        let schemaFields = schemas.map { $0.fields.map(intern) }
        var tables = UInt64(out.count - start).littleEndian
        withUnsafeBytes(of: &tables) { raw in for i in 0..<8 { out[start + i] = raw[i] } }
        put(UInt64(strings.count), &out)
        for s in strings {
            put(UInt64(s.utf8.count), &out)
            out.append(contentsOf: s.utf8)
        }
        put(UInt64(schemas.count), &out)
        for fields in schemaFields {
            put(UInt64(fields.count), &out)
            for f in fields { put(UInt64(f), &out) }
        }
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

    /// The records packed in `bytes`; throws ``Damaged`` for anything that does not decode.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(Damaged) -> [Record] {
        guard bytes.count >= 8 else { throw Damaged("the data ends too soon") }
        let tables = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard tables >= 8, tables <= UInt64(bytes.count) else { throw Damaged("the tables are not where the data says") }
        var reader = Reader(bytes: bytes, position: Int(tables))
        let stringCount = try reader.count(minimumBytesEach: 1)
        var strings: [String] = []
        strings.reserveCapacity(stringCount)
        for _ in 0..<stringCount {
            let length = try reader.count(minimumBytesEach: 1)
            strings.append(try reader.text(length))
        }
        let schemaCount = try reader.count(minimumBytesEach: 1)
        var schemas: [Schema] = []
        schemas.reserveCapacity(schemaCount)
        for _ in 0..<schemaCount {
            let n = try reader.count(minimumBytesEach: 1)
            var fields: [String] = []
            fields.reserveCapacity(n)
            for _ in 0..<n { fields.append(try reader.element(of: strings)) }
            schemas.append(Schema(fields))
        }
        guard reader.position == bytes.count else { throw Damaged("\(bytes.count - reader.position) bytes after the tables") }
        // The rows, between the offset and the tables.
        reader = Reader(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<Int(tables)]), position: 8)
        let rowCount = try reader.count(minimumBytesEach: 1)
        var records: [Record] = []
        records.reserveCapacity(rowCount)
        var chunk: [Value] = []
        var chunkSchema = -1
        var chunkRows = 0
        func flush() {
            guard chunkSchema >= 0, !chunk.isEmpty else { return }
            records.append(contentsOf: Record.rows(schema: schemas[chunkSchema], values: chunk))
            chunk.removeAll(keepingCapacity: true)
            chunkRows = 0
        }
        for _ in 0..<rowCount {
            let s = try reader.index(below: schemas.count)
            let width = schemas[s].fields.count
            if width == 0 {
                // A row with no fields cannot share a storage: keep it on its own.
                flush()
                records.append(Record(schema: schemas[s], values: []))
                continue
            }
            if s != chunkSchema || chunkRows == RowCodec.chunkRows {
                flush()
                chunkSchema = s
                chunk.reserveCapacity(width * min(rowCount, RowCodec.chunkRows))
            }
            for _ in 0..<width { chunk.append(try reader.value(strings: strings, schemas: schemas, depth: 0)) }
            chunkRows += 1
        }
        flush()
        guard reader.position == Int(tables) else { throw Damaged("\(Int(tables) - reader.position) bytes after the last row") }
        return records
    }

    /// Reads what ``encode(_:)`` and ``put(_:_:)`` wrote, checking every bound.
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

        @inline(__always)
        mutating func element<T>(of table: [T]) throws(Damaged) -> T {
            table[try index(below: table.count)]
        }

        public mutating func text(_ length: Int) throws(Damaged) -> String {
            guard length <= bytes.count - position else { throw Damaged("a text runs past the end") }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)])
            position += length
            return String(decoding: slice.bindMemory(to: UInt8.self), as: UTF8.self)
        }

        mutating func value(strings: [String], schemas: [Schema], depth: Int) throws(Damaged) -> Value {
            switch try byte() {
            case 0: return .null
            case 1: return .bool(false)
            case 2: return .bool(true)
            case 3: return .int(Int(try signed()))
            case 4:
                guard bytes.count - position >= 8 else { throw Damaged("a number runs past the end") }
                var bits: UInt64 = 0
                for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
                position += 8
                return .double(Double(bitPattern: bits))
            case 5: return .string(try element(of: strings))
            case 6:
                let micros = try signed()
                let offset = try signed()
                guard abs(offset) < 24 * 60 else { throw Damaged("an offset of \(offset) minutes") }
                let flags = try byte()
                return .time(Timestamp(micros: micros, offsetMinutes: Int16(offset),
                                       fractionDigits: flags & 0x7f, zulu: flags & 0x80 != 0))
            case 7:
                guard depth < RowCodec.maxDepth else { throw Damaged("lists nested too deep") }
                let n = try count(minimumBytesEach: 1)
                var items: [Value] = []
                items.reserveCapacity(n)
                for _ in 0..<n { items.append(try value(strings: strings, schemas: schemas, depth: depth + 1)) }
                return .list(items)
            case 8:
                guard depth < RowCodec.maxDepth else { throw Damaged("objects nested too deep") }
                let schema = try element(of: schemas)
                var items: [Value] = []
                items.reserveCapacity(schema.fields.count)
                for _ in 0..<schema.fields.count { items.append(try value(strings: strings, schemas: schemas, depth: depth + 1)) }
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
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        let words = bytes.count / 8
        var i = 0
        while i < words {
            let w = bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h = (h << 29) | (h >> 35)
            i += 1
        }
        var tail: UInt64 = 0
        for j in (words * 8)..<bytes.count { tail = (tail << 8) | UInt64(bytes[j]) }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
