/// Rows held for later (the session cache, the disk snapshot), stored as columns: a click
/// costs about 15 bytes instead of about 150 as ``Record``s.
///
/// It is a collection of ``Record``s, made on demand, so code that reads rows one by one
/// works unchanged; iterating makes them a few hundred at a time. Code that reads many rows
/// reads the columns instead (``parts``, ``RowBlock/column(named:)``): the query engine's
/// `where`, `count`, `group` and `sort` do.
///
/// Nothing is lost or changed: every value comes back as it was received, byte for byte
/// (field order, unknown fields, nulls, text in any normalisation, integers above 2^53,
/// timestamps' offsets and digits). Ports, addresses and names are codes into a dictionary
/// of their distinct values; timestamps are microseconds and a tag for their text's form.
public struct PackedRows: RandomAccessCollection, Sendable {
    /// Rows in a block at most: a fetch holds this many as records before it packs them
    /// (about 1 MB of clicks), so a scan's memory is the pages in flight plus the packed rows.
    public static let blockRows = 8_192

    /// A run of rows of one block.
    public struct Part: Sendable {
        public let block: RowBlock
        public let rows: Range<Int>
    }

    /// The rows, in order, as runs of blocks.
    public let parts: [Part]
    /// Where each part ends, counted in rows from the start.
    private let ends: [Int]

    init(parts: [Part]) {
        self.parts = parts.filter { !$0.rows.isEmpty }
        var total = 0
        ends = self.parts.map { total += $0.rows.count; return total }
    }

    /// No rows.
    public init() { self.init(parts: []) }

    /// `records`, packed.
    public init(_ records: some Sequence<Record>) {
        var builder = Builder()
        builder.append(contentsOf: records)
        self = builder.finish()
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.last ?? 0 }

    /// The part holding row `i`, and where that part starts.
    private func locate(_ i: Int) -> (part: Int, start: Int) {
        var lo = 0
        var hi = ends.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if ends[mid] > i { hi = mid } else { lo = mid + 1 }
        }
        return (lo, lo == 0 ? 0 : ends[lo - 1])
    }

    /// Row `i`, made as a record (prefer iterating, or ``records(in:)``, for many rows).
    public subscript(i: Int) -> Record {
        precondition(i >= 0 && i < endIndex, "row \(i) of \(endIndex)")
        let (p, start) = locate(i)
        return parts[p].block.record(parts[p].rows.lowerBound + i - start)
    }

    /// The rows in `range`, sharing these rows' storage.
    public func rows(in range: Range<Int>) -> PackedRows {
        let range = range.clamped(to: 0..<endIndex)
        guard !range.isEmpty else { return PackedRows() }
        var out: [Part] = []
        var start = 0
        for (part, end) in zip(parts, ends) {
            defer { start = end }
            let lo = Swift.max(range.lowerBound, start)
            let hi = Swift.min(range.upperBound, end)
            guard lo < hi else { continue }
            let base = part.rows.lowerBound - start
            out.append(Part(block: part.block, rows: (lo + base)..<(hi + base)))
        }
        return PackedRows(parts: out)
    }

    /// The rows of `range`, made as records.
    public func records(in range: Range<Int>) -> [Record] {
        var out: [Record] = []
        out.reserveCapacity(range.count)
        for part in rows(in: range).parts { part.block.appendRecords(part.rows, to: &out) }
        return out
    }

    /// The rows in order, a few hundred records at a time.
    public var batches: Batches { Batches(rows: self) }

    /// The rows of `a` then those of `b`, sharing their storage (many small runs, as a log
    /// that gains a few rows at a time leaves, are packed again into one).
    public static func + (a: PackedRows, b: PackedRows) -> PackedRows {
        PackedRows(parts: a.parts + b.parts).compacted()
    }

    /// Small parts, beyond a few, packed again together.
    func compacted() -> PackedRows {
        let small = parts.filter { $0.rows.count < PackedRows.blockRows / 4 }
        guard small.count > 8 else { return self }
        var out: [Part] = []
        var run: [Part] = []
        func flush() {
            guard !run.isEmpty else { return }
            if run.count == 1 {
                out.append(run[0])
            } else {
                var builder = Builder()
                for part in run { builder.append(contentsOf: PackedRows(parts: [part])) }
                out.append(contentsOf: builder.finish().parts)
            }
            run = []
        }
        for part in parts {
            if part.rows.count < PackedRows.blockRows / 4 {
                run.append(part)
            } else {
                flush()
                out.append(part)
            }
        }
        flush()
        return PackedRows(parts: out)
    }

    /// Bytes the rows take in memory, dictionaries included (an estimate for `cache`).
    public var approximateBytes: Int {
        var dictionaries = Set<ObjectIdentifier>()
        var bytes = 0
        for part in parts {
            let block = part.block
            bytes += block.rowBytes * part.rows.count / Swift.max(1, block.count)
            for column in block.columns {
                guard case .codes(_, let d) = column, dictionaries.insert(ObjectIdentifier(d)).inserted else { continue }
                bytes += d.values.count * MemoryLayout<Value>.stride
                for v in d.values { if case .string(let s) = v, s.utf8.count > 15 { bytes += s.utf8.count + 32 } }
            }
        }
        return bytes
    }

    // MARK: iterating

    public func makeIterator() -> Iterator { Iterator(batches: batches.makeIterator()) }

    public struct Iterator: IteratorProtocol {
        var batches: Batches.Iterator
        var current: [Record] = []
        var position = 0

        public mutating func next() -> Record? {
            if position == current.count {
                guard let batch = batches.next() else { return nil }
                current = batch
                position = 0
            }
            defer { position += 1 }
            return current[position]
        }
    }

    /// The rows as records, in batches of at most ``size``.
    public struct Batches: Sequence {
        public static let size = 1024
        let rows: PackedRows

        public func makeIterator() -> Iterator { Iterator(parts: rows.parts) }

        public struct Iterator: IteratorProtocol {
            let parts: [Part]
            var part = 0
            var row: Int?

            public mutating func next() -> [Record]? {
                guard part < parts.count else { return nil }
                let p = parts[part]
                let start = row ?? p.rows.lowerBound
                let end = Swift.min(start + Batches.size, p.rows.upperBound)
                var out: [Record] = []
                out.reserveCapacity(end - start)
                p.block.appendRecords(start..<end, to: &out)
                if end == p.rows.upperBound {
                    part += 1
                    row = nil
                } else {
                    row = end
                }
                return out
            }
        }
    }

    // MARK: reading one field

    /// The values of `field` in row order, as `record[field]` reads them, without making records.
    public func values(of field: String) -> some Sequence<Value> {
        parts.lazy.flatMap { part -> AnySequence<Value> in
            switch part.block.column(named: field) {
            case .absent: return AnySequence(repeatElement(Value.null, count: part.rows.count))
            case .column(let column): return AnySequence(part.rows.lazy.map { column[$0] })
            case .mixed: return AnySequence(part.rows.lazy.map { part.block.value(of: field, row: $0) })
            }
        }
    }

    /// How many rows hold each value of `field` that `keep` accepts, as a dictionary keyed
    /// by value (so equal values, by `==`, count together); rows without the field count as
    /// null. `keep` sees each distinct value of a dictionary once, and the others row by row.
    public func valueCounts(of field: String, where keep: (Value) -> Bool = { _ in true }) -> [Value: Int] {
        var counts: [Value: Int] = [:]
        // Per dictionary (blocks of one fetch share one): a counter per code.
        var perCode: [ObjectIdentifier: (dictionary: ValueDictionary, counts: [Int])] = [:]
        for part in parts {
            switch part.block.column(named: field) {
            case .absent:
                if keep(.null) { counts[.null, default: 0] += part.rows.count }
            case .column(.codes(let codes, let dictionary)):
                let id = ObjectIdentifier(dictionary)
                var tally = perCode.removeValue(forKey: id)?.counts ?? [Int](repeating: 0, count: dictionary.values.count)
                for row in part.rows { tally[codes[row]] += 1 }
                perCode[id] = (dictionary, tally)
            case .column(let column):
                for row in part.rows {
                    let v = column[row]
                    if keep(v) { counts[v, default: 0] += 1 }
                }
            case .mixed:
                for row in part.rows {
                    let v = part.block.value(of: field, row: row)
                    if keep(v) { counts[v, default: 0] += 1 }
                }
            }
        }
        for (dictionary, tally) in perCode.values {
            for (code, n) in tally.enumerated() where n > 0 && keep(dictionary.values[code]) {
                counts[dictionary.values[code], default: 0] += n
            }
        }
        return counts
    }
}
