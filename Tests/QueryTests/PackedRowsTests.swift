import Records
import Testing

@Suite("Packed rows keep every value as it came")
struct PackedRowsTests {
    @Test("rows of every odd shape come back the same, byte for byte", arguments: [1, 2, 3, 4, 5])
    func roundTrip(seed: UInt64) {
        var gen = OddRows(seed: seed)
        let rows = gen.records(3_000 + gen.below(2_000))
        let packed = PackedRows(rows)
        #expect(packed.count == rows.count)
        #expect(same(packed, rows))
        for _ in 0..<200 {
            let i = gen.below(rows.count)
            #expect(same(packed[i], rows[i]))
        }
        // Ranges, and rows joined from two packings.
        let cut = gen.below(rows.count)
        #expect(same(packed.rows(in: cut..<rows.count), rows[cut...]))
        #expect(same(packed.records(in: 10..<cut), rows[10..<max(10, cut)]))
        #expect(same(PackedRows(rows[..<cut]) + PackedRows(rows[cut...]), rows))
    }

    @Test("a field's values and their counts read from the columns are those of the records")
    func fieldValues() {
        var gen = OddRows(seed: 7)
        let rows = gen.records(5_000)
        let packed = PackedRows(rows)
        for field in OddRows.names + ["missing"] {
            #expect(zip(packed.values(of: field), rows.map { $0[field] }).allSatisfy(same), "\(field)")
            var counts: [Value: Int] = [:]
            for r in rows { counts[r[field], default: 0] += 1 }
            #expect(packed.valueCounts(of: field) == counts, "\(field)")
        }
    }

    @Test("more than a block of rows, and more than 255 schemas in a block")
    func blocks() {
        var gen = OddRows(seed: 11)
        let many = (0..<300).map { i in Record([("f\(i)", .int(i)), ("port", .int(i % 7))]) }
        let rows = gen.records(PackedRows.blockRows + 1_234) + many + gen.records(100)
        let packed = PackedRows(rows)
        #expect(packed.parts.count >= 3)
        #expect(same(packed, rows))
        let back = packed.rows(in: (PackedRows.blockRows - 5)..<(PackedRows.blockRows + 5))
        #expect(same(back, rows[(PackedRows.blockRows - 5)..<(PackedRows.blockRows + 5)]))
    }

    @Test("a log that gains a few rows at a time keeps few blocks and every row")
    func compaction() {
        var gen = OddRows(seed: 13)
        var rows = gen.records(2_000)
        var packed = PackedRows(rows)
        for _ in 0..<40 {
            let new = gen.records(1 + gen.below(30))
            packed = PackedRows(new) + packed
            rows = new + rows
        }
        #expect(packed.parts.count <= 10)
        #expect(same(packed, rows))
    }

    @Test("the disk form reads back the same rows, from a whole packing, a range, or many parts", arguments: [21, 22, 23])
    func codec(seed: UInt64) throws {
        var gen = OddRows(seed: seed)
        let rows = gen.records(4_000)
        let packed = PackedRows(rows[..<1_000]) + PackedRows(rows[1_000...])
        for (what, expected) in [(packed, Array(rows)), (packed.rows(in: 500..<3_500), Array(rows[500..<3_500]))] {
            let bytes = RowCodec.encode(what)
            let back = try bytes.withUnsafeBytes { try RowCodec.decode($0) }
            #expect(same(back, expected))
        }
    }

    @Test("text that differs only in Unicode normalisation stays apart on disk")
    func normalisation() throws {
        // é as one code point and as e + a combining accent: Swift's == calls them equal,
        // a server (and JSON) does not.
        let rows = [Record([("key_name", .string("caf\u{e9}"))]), Record([("key_name", .string("cafe\u{301}"))]),
                    Record([("caf\u{e9}", .int(1)), ("cafe\u{301}", .int(2))])]
        let back = try RowCodec.encode(rows).withUnsafeBytes { try RowCodec.decode($0) }
        #expect(same(back, rows))
    }

    @Test("every truncation and damaged byte of the disk form is an error or other rows, never a trap")
    func damaged() {
        var gen = OddRows(seed: 31)
        let bytes = RowCodec.encode(gen.records(60))
        for n in stride(from: 0, to: bytes.count, by: 3) {
            let prefix = Array(bytes.prefix(n))
            #expect(throws: RowCodec.Damaged.self) { try prefix.withUnsafeBytes { try RowCodec.decode($0) } }
        }
        for _ in 0..<3_000 {
            var copy = bytes
            for _ in 0..<3 { copy[gen.below(copy.count)] = UInt8(truncatingIfNeeded: gen.next()) }
            if let rows = try? copy.withUnsafeBytes({ try RowCodec.decode($0) }) { _ = Array(rows) }
        }
    }
}
