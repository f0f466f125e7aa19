@testable import Query
import Records
import Testing

/// The same lines over the same rows, as records and as packed rows (whose columns the
/// engine reads for `where`, `count`, `group` and `sort ... | first N`): the same answer,
/// byte for byte, or the same error.
@Suite("Lines over packed rows answer as over records")
struct PackedScanTests {
    static let conditions = [
        "port = 6260", "port != 22", "port > 100", "port <= 22", "port = null", "port != null", "port = 6260.0",
        "port in (22, 8080, pi)", "port < 2021-11-15", "port ~ \"^6\"", "port contains 2", "port startswith 8",
        "source_ip = 10.0.0.1", "source_ip = 2001:db8::1", "source_ip in 10.0.0.0/8", "source_ip in (::ffff:0:0/96, 1.2.3.4)",
        "source_ip > 2001:db8::", "source_ip contains db8", "source_ip ~ \"(?-i)PI\"", "source_ip = \"caf\u{e9}\"",
        "source_ip startswith cafe", "source_ip > 6000", "source_ip = 6260",
        "timestamp > 2021-11-15", "timestamp = 2021-11-15", "timestamp < -7d", "timestamp >= 2021-11-15T18:23:34.113431+01:00",
        "timestamp = null", "timestamp ~ \"Z$\"", "timestamp contains \":30:\"", "timestamp in (2021-11-16, null)",
        "key_name = pi", "key_name ~ \"^pi\"", "key_name != \"Pi London\"", "key_name > m", "key_name = null",
        "caf\u{e9} = 1", "cafe\u{301} > 3", "missing = null", "missing != 1",
        "port = 6260 and timestamp > 2021-11-16", "not (port = 22 or source_ip = null)",
        "port > 10 and (key_name contains pi or not timestamp < 2021-11-18)",
    ]

    static let finishes = [
        "", "| count", "| group port", "| group source_ip | first 3", "| group key_name | first 50", "| group timestamp",
        "| group timestamp by day", "| group timestamp by hour | first 5", "| group caf\u{e9}",
        "| sort -timestamp | first 10", "| sort port,-source_ip | first 7", "| sort key_name | first 1", "| sort missing | first 3",
        "| first 5", "| select port,key_name | first 20", "| uniq key_name", "| jsonl", "| sum port",
    ]

    @Test("filters and finishes over rows of every odd shape", arguments: [101, 102, 103])
    func differential(seed: UInt64) async throws {
        var gen = OddRows(seed: seed)
        let rows = gen.records(4_000)
        let packed = PackedRows(rows[..<2_500]) + PackedRows(rows[2_500...])
        var checked = 0
        for condition in Self.conditions {
            for finish in Self.finishes where gen.chance(0.35) || finish.isEmpty || finish == "| count" {
                let line = "clicks | where \(condition) \(finish)"
                try await Self.expectSame(line, rows, packed)
                checked += 1
            }
        }
        for finish in Self.finishes.dropFirst() {
            try await Self.expectSame("clicks \(finish)", rows, packed)
        }
        #expect(checked > Self.conditions.count)
    }

    @Test("a literal that does not fit a field's values is the same error, from the same first value")
    func literalErrors() async throws {
        let rows = [Record([("port", .null), ("t", .null)]), Record([("port", .int(1)), ("t", .time(OddRows.times[0]))]),
                    Record([("port", .string("x")), ("t", .string("y"))])]
        for line in ["clicks | where port = 62a0 | count", "clicks | where t > yesterday", "clicks | where port = 1 and t > soon",
                     "clicks | where port = \"[\" | count", "clicks | group t by day",
                     "clicks | where t = null | group t by day", "clicks | where port > 0 | group t by day"] {
            try await Self.expectSame(line, rows, PackedRows(rows))
        }
    }

    @Test("the lines that should read columns do")
    func columnsAreRead() throws {
        let context = EvaluationContext(now: Fixture.now)
        for (line, consumed) in [("clicks | where port = 6260 | count", 2), ("clicks | group port | first 10", 1),
                                 ("clicks | where port = 1 | where key_name ~ pi | first 3", 2),
                                 ("clicks | sort -timestamp | first 10", 1), ("clicks | group timestamp by day | chart", 1)] {
            let stages = try Pipeline(parsing: line).stages.map(\.stage)
            #expect(try PackedScan(stages, context: context)?.consumed == consumed, "\(line)")
        }
        for line in ["clicks | first 10", "clicks | where key.name = pi | count", "clicks | sort port", "clicks | select port | count"] {
            let stages = try Pipeline(parsing: line).stages.map(\.stage)
            #expect(try PackedScan(stages, context: context) == nil, "\(line)")
        }
    }

    /// Runs `line` over `rows` as records and as `packed`, and expects the same outcome.
    static func expectSame(_ line: String, _ rows: [Record], _ packed: PackedRows) async throws {
        let pipeline = try Pipeline(parsing: line)
        let context = EvaluationContext(now: Fixture.now)
        let plain = await outcome { try await pipeline.evaluate(RecordBatches.replay(rows), context: context) }
        let fast = await outcome { try await pipeline.evaluate(RecordBatches.replay(packed), context: context) }
        switch (plain, fast) {
        case (.success(.records(let a)), .success(.records(let b))):
            let equal = same(a, b)
            #expect(equal, "\(line): \(a.count) rows as records, \(b.count) packed")
        case (.success(.value(let a)), .success(.value(let b))):
            let equal = same(a, b)
            #expect(equal, "\(line): \(a.plainText) as records, \(b.plainText) packed")
        case (.success(.text(let a)), .success(.text(let b))):
            #expect(a.utf8.elementsEqual(b.utf8), "\(line)")
        case (.failure(let a), .failure(let b)):
            #expect(a == b, "\(line)")
        default:
            Issue.record("\(line): \(plain) as records, \(fast) packed")
        }
    }

    static func outcome(_ body: () async throws -> QueryResult) async -> Result<QueryResult, Failure> {
        do { return .success(try await body()) } catch { return .failure(Failure(text: "\(error)")) }
    }

    struct Failure: Error, Equatable { let text: String }
}
