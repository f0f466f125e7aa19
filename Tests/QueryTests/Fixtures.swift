import Foundation
import Query
import Records

/// A small account: five clicks, two sessions, two keys.
enum Fixture {
    static let now = Timestamp("2021-11-16T12:00:00Z")!

    static let clickSchema = Schema(["port", "source_ip", "timestamp", "key_name"])

    static func click(_ port: Int?, _ ip: String?, _ time: String, _ key: String?) -> Record {
        Record(schema: clickSchema, values: [
            port.map(Value.int) ?? .null, ip.map(Value.string) ?? .null,
            .time(Timestamp(time)!), key.map(Value.string) ?? .null,
        ])
    }

    static let clicks: [Record] = [
        click(6260, "10.1.2.3", "2021-11-15T18:23:34.113431+01:00", "Pi London"),
        click(22, "2001:db8::1", "2021-11-15T23:59:59Z", "laptop"),
        click(6260, "192.168.0.7", "2021-11-16T00:00:00Z", "pi-berlin"),
        click(8080, "10.200.0.1", "2021-11-10T08:00:00Z", nil),
        click(6260, "10.1.2.3", "2021-11-16T11:30:00Z", "Pi London"),
    ]

    static let keys: [Record] = [
        Record([("id", .int(349)), ("name", .string("Pi London")), ("url", .string("https://api.openport.io/api/v2/keys/349/"))]),
        Record([("id", .int(350)), ("name", .string("laptop")), ("url", .string("https://api.openport.io/api/v2/keys/350/"))]),
    ]

    static let sessions: [Record] = [
        Record([("port", .int(6260)), ("server", .string("spr.openport.io")), ("local_port", .int(22)),
                ("key", .string("https://api.openport.io/api/v2/keys/349/"))]),
        Record([("port", .int(6261)), ("server", .string("eu.openport.io")), ("local_port", .int(8080)),
                ("key", .string("https://api.openport.io/api/v2/keys/999/"))]),
    ]

    /// `key` on a session is a key's URL.
    static let relation: @Sendable (String, Value) -> Record? = { field, value in
        guard field == "key", case .string(let url) = value else { return nil }
        return keys.first { $0["url"] == .string(url) }
    }

    static func records(for command: String) -> [Record] {
        switch command {
        case "clicks": return clicks
        case "sessions": return sessions
        case "keys": return keys
        default: return []
        }
    }

    static func context(width: Int? = nil, color: Bool = false) -> EvaluationContext {
        EvaluationContext(now: now, relation: relation, render: RenderOptions(width: width, color: color))
    }
}

/// `records` as a stream of pages of `pageSize`.
func batches(_ records: [Record], pageSize: Int = 2) -> RecordBatches {
    let pages = stride(from: 0, to: records.count, by: pageSize).map { Array(records[$0..<min($0 + pageSize, records.count)]) }
    return RecordBatches { out in
        for page in pages { try await out.send(page) }
    }
}

/// Runs a whole line over the fixture its command names.
func run(_ line: String, width: Int? = nil) async throws -> QueryResult {
    let pipeline = try Pipeline(parsing: line)
    return try await pipeline.evaluate(batches(Fixture.records(for: pipeline.command.name)),
                                       context: Fixture.context(width: width))
}

/// The rows a line gives, as the values of one field.
func column(_ line: String, _ field: String) async throws -> [Value] {
    guard case .records(let rows) = try await run(line) else { return [] }
    return rows.map { $0[field] }
}

/// The single value a line gives.
func value(_ line: String) async throws -> Value? {
    guard case .value(let v) = try await run(line) else { return nil }
    return v
}

/// The text a line renders (with `table` when it names no renderer).
func rendered(_ line: String, width: Int? = nil, format: OutputFormat = .table) async throws -> String {
    let pipeline = try Pipeline(parsing: line)
    var out = ""
    try await pipeline.render(batches(Fixture.records(for: pipeline.command.name)),
                              context: Fixture.context(width: width), format: format, into: &out)
    return out
}

/// The error a line gives, rendered.
func parseError(_ line: String) -> String? {
    do {
        _ = try Pipeline(parsing: line)
        return nil
    } catch {
        return error.rendered(line: line)
    }
}

/// Counts how many pages a source has been asked for, and whether it was told to stop.
final class PullCounter: @unchecked Sendable {  // every access holds `lock`
    private let lock = NSLock()
    private var _pulled = 0
    private var _terminated = false
    var pulled: Int { lock.withLock { _pulled } }
    var terminated: Bool { lock.withLock { _terminated } }
    func pull() { lock.withLock { _pulled += 1 } }
    func terminate() { lock.withLock { _terminated = true } }
}

extension OutputFormat {
    static let json = OutputFormat(rawValue: "json")!
    static let jsonl = OutputFormat(rawValue: "jsonl")!
    static let csv = OutputFormat(rawValue: "csv")!
}
