import Foundation
import NIOHTTP1
import Records

/// Where a scan is, for a progress line.
public struct ScanProgress: Sendable, Equatable {
    /// Rows delivered, in order.
    public var rows: Int
    /// The total the server reported at the start of the scan.
    public var total: Int?
    /// Seconds of a wait the server asked for (429, or 503 with `Retry-After`), when one just began.
    public var waiting: Double?
    /// Retries spent so far.
    public var retries: Int
}

/// The order a list proves by a field that only grows with new rows (a click's timestamp, a
/// key's id): where rows added during a scan go.
public enum ListOrder: Sendable, Equatable {
    /// Oldest first: new rows are appended at the end; the offsets of the others stay put.
    case oldestFirst
    /// Newest first: new rows go in at the front and every other row moves down.
    case newestFirst

    /// The field whose order tells, per resource; nil when none is known.
    public static func field(of resource: Resource) -> String? {
        switch resource {
        case .clicks: return "timestamp"
        case .keys: return "id"
        case .sessions, .nodes: return nil
        }
    }

    /// The order of `rows` by `field` (nulls and other kinds skipped), if monotonic and not
    /// constant. The field's place is looked up once per schema, not once per row.
    public static func of(_ rows: some Collection<Record>, field: String) -> ListOrder? {
        var lookup = FieldLookup(field)
        return of(values: rows.lazy.map { lookup.value(in: $0) })
    }

    /// The order of packed rows by `field`, read from its column (no record made of a row).
    public static func of(_ rows: PackedRows, field: String) -> ListOrder? {
        of(values: rows.values(of: field))
    }

    /// The order of a field's values given in row order, as the two above read them.
    static func of(values: some Sequence<Value>) -> ListOrder? {
        var ascending = true, descending = true, seen = 0
        var previous: Value?
        for v in values where orders(v) {
            if let p = previous {
                guard let less = ListOrder.less(p, v) else { return nil }
                if less { descending = false } else if ListOrder.less(v, p) == true { ascending = false }
                if !ascending && !descending { return nil }
            }
            previous = v
            seen += 1
        }
        guard seen >= 2, ascending != descending else { return nil }
        return ascending ? .oldestFirst : .newestFirst
    }

    /// Whether `v` is a value a list is ordered by (a time, an id); a null or anything else is not.
    static func orders(_ v: Value) -> Bool {
        switch v {
        case .time, .int: return true
        default: return false
        }
    }

    static func less(_ a: Value, _ b: Value) -> Bool? {
        switch (a, b) {
        case (.time(let x), .time(let y)): return x < y
        case (.int(let x), .int(let y)): return x < y
        default: return nil
        }
    }
}

extension OpenportClient {
    /// Every row of a resource, in pages, in order, as fast as the server allows.
    ///
    /// The first request asks for `limit` rows and learns the total and the page size the server
    /// really sends; the other pages are fetched up to `concurrency` at a time (fewer while the
    /// server throttles: see ``ConcurrencyWindow``) and delivered in order. A page that fails is
    /// tried again later while the others go on, out of a retry budget for the whole scan
    /// (``RetryQuota``); a wait the server asks for costs nothing but time. The scan gives up when
    /// no page arrived for the policy's `budget` seconds, or the quota is spent.
    ///
    /// Rows added while it runs: every page after the first asks for a few rows in front of its
    /// own and is placed where rows already read reappear in it; its `count` only hints where
    /// (a Django REST Framework server reads the count apart from the rows: see
    /// ``ScanPlacement``). Rows that moved out of a page's reach are read again; the end is where
    /// a page comes back short. Listed newest first, the rows are the list as it was at the first
    /// page; oldest first, as it was when the scan reached its end. What the rows cannot explain
    /// (a row that differs from the one read there before, rows removed) ends the stream with
    /// ``ScanChanged``. A server that pages without `offset` is followed link by link. With
    /// `maxRows`, no page past that many rows is asked for. Stop iterating to cancel.
    public func scan(_ resource: Resource, limit: Int? = nil, maxRows: Int? = nil, concurrency: Int? = nil,
                     progress: (@Sendable (ScanProgress) -> Void)? = nil) -> RecordBatches {
        scan(scanSettings(path: resource.path, resource: resource, limit: limit, wanted: maxRows, concurrency: concurrency),
             progress: progress)
    }

    /// Every row of any list path (`get PATH`), scanned as a resource is: `keys/`,
    /// `clicks/?port=6260` (a filter the server may know). A body that is not a list ends the
    /// stream with an ``APIError/Kind/notAList`` error.
    public func scan(path: String, limit: Int? = nil, concurrency: Int? = nil) -> RecordBatches {
        let (relative, query) = relativePath(path)
        let resource = Resource(path: relative)
        return scan(scanSettings(path: relative, query: query, resource: resource, limit: limit, concurrency: concurrency),
                    progress: nil)
    }

    /// A scan of `path`, paced by this client's settings unless given; `resource`, when the
    /// path is one, tells whether the token goes along and which field proves the order.
    func scanSettings(path: String, query: [(String, String)] = [], resource: Resource?, start: Int = 0,
                      limit: Int? = nil, wanted: Int? = nil, concurrency: Int? = nil) -> ScanSettings {
        ScanSettings(path: path, query: query, needsToken: resource?.needsToken ?? true,
                     orderField: resource.flatMap(ListOrder.field(of:)), start: start,
                     pageSize: max(1, limit ?? config.pageSize), wanted: wanted ?? Int.max,
                     concurrency: max(1, concurrency ?? config.concurrency), policy: retryPolicy)
    }

    func scan(_ run: ScanSettings, progress: (@Sendable (ScanProgress) -> Void)?) -> RecordBatches {
        RecordBatches { out in
            let scan = ScanRun(client: self, settings: run, output: out, progress: progress)
            // Added to the tally however it ends, before the stream does.
            defer { scan.record() }
            do {
                try await scan.run()
            } catch is CancellationError {
                throw APIError(.cancelled, "cancelled")
            } catch {
                throw Task.isCancelled ? APIError(.cancelled, "cancelled") : error
            }
        }
    }
}

struct ScanSettings: Sendable {
    /// The list's path, and any query of its own (`port=6260`).
    let path: String
    let query: [(String, String)]
    let needsToken: Bool
    /// A field that only grows with new rows, to read the list's order by (``ListOrder``).
    let orderField: String?
    /// The position of the first row wanted; positions in the scan count from there.
    let start: Int
    let pageSize: Int
    let wanted: Int
    let concurrency: Int
    let policy: OpenportClient.RetryPolicy
}

