import Records
import Testing

@Suite("Packing rows for the disk cache")
struct RowCodecTests {
    /// Rows with every kind of value, several schemas, nesting, and the shapes real accounts have.
    static let rows: [Record] = {
        let json = #"""
        [{"port":6260,"source_ip":"1.2.3.4","timestamp":"2021-11-15T18:23:34.113431+01:00","key_name":"EURO44"},
         {"port":23456,"source_ip":"2001:db8::1","timestamp":null,"key_name":null},
         {"port":-1,"source_ip":"::ffff:10.0.0.1","timestamp":"2021-03-28T02:30:00Z","key_name":"日本 é 🎉 \u001b[31mred"},
         {"id":9007199254740993,"name":"377","bytes":1.5e300,"ok":true,"no":false,"neg":-9223372036854775808,
          "list":[1,"two",[3,{"deep":null}],{"a":-0.5}],"empty":{},"key":{"name":"x","id":1},
          "t":"2021-10-31T02:30:00.1+00:00"},
         {"port":6260,"source_ip":"1.2.3.4","timestamp":"2021-11-15T18:23:34+01:00","key_name":"EURO44"}]
        """#
        guard case .list(let items) = try! JSONReader().parse(json) else { return [] }
        return items.compactMap(\.record) + [Record([])]
    }()

    @Test("rows come back equal, field order and the text of every timestamp kept")
    func roundTrip() throws {
        let bytes = RowCodec.encode(Self.rows)
        let back = Array(try bytes.withUnsafeBytes { try RowCodec.decode($0) })
        #expect(back == Self.rows)
        #expect(back.map(\.fields) == Self.rows.map(\.fields))
        #expect(back.map { JSONWriter.string(.object($0)) } == Self.rows.map { JSONWriter.string(.object($0)) })
    }

    @Test("many rows of one schema round-trip across storage chunks")
    func manyRows() throws {
        let schema = Schema(["port", "source_ip", "n"])
        let rows = (0..<10_000).map { i in
            Record(schema: schema, values: [.int(i % 7), .string("10.0.\(i % 5).1"), i % 3 == 0 ? .null : .double(Double(i) / 3)])
        }
        let back = Array(try RowCodec.encode(rows).withUnsafeBytes { try RowCodec.decode($0) })
        #expect(back == rows)
    }

    @Test("every truncation and damaged byte is an error or other rows, never a trap")
    func damaged() {
        let bytes = RowCodec.encode(Self.rows)
        for n in 0..<bytes.count {
            let prefix = Array(bytes.prefix(n))
            #expect(throws: RowCodec.Damaged.self) { try prefix.withUnsafeBytes { try RowCodec.decode($0) } }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var copy = bytes
            for _ in 0..<3 { copy[Int.random(in: 0..<copy.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if let rows = try? copy.withUnsafeBytes({ try RowCodec.decode($0) }) { _ = Array(rows) }
        }
        for _ in 0..<500 {
            let noise = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let rows = try? noise.withUnsafeBytes({ try RowCodec.decode($0) }) { _ = Array(rows) }
        }
    }

    @Test("the checksum changes with any byte and with the length")
    func checksum() {
        let bytes = RowCodec.encode(Self.rows)
        let sum = bytes.withUnsafeBytes { RowCodec.checksum($0) }
        for i in stride(from: 0, to: bytes.count, by: 7) {
            var copy = bytes
            copy[i] ^= 0x10
            #expect(copy.withUnsafeBytes { RowCodec.checksum($0) } != sum)
        }
        #expect(bytes.dropLast().withUnsafeBytes { RowCodec.checksum($0) } != sum)
        #expect((bytes + [0]).withUnsafeBytes { RowCodec.checksum($0) } != sum)
    }
}
