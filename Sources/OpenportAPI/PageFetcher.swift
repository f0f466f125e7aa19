import Foundation
import NIOHTTP1
import Records
import Synchronization

/// One page of a DRF list: `{"count", "next", "previous", "results"}`.
public struct Page: Sendable {
    /// The total the server reports; nil when the body had none (a plain JSON array).
    public var count: Int?
    public var next: String?
    public var previous: String?
    public var results: [Record]

    /// Reads a DRF list body; a bare JSON array is taken as a single, complete page.
    public init(_ body: Value) throws(APIError) {
        switch body {
        case .list(let items):
            count = items.count
            results = items.map(Page.record)
        case .object(let r):
            guard case .list(let items) = r["results"] else {
                throw APIError(.notAList, "the server's answer is not a list (no \"results\")")
            }
            results = items.map(Page.record)
            if case .int(let c) = r["count"] { count = c }
            if case .string(let n) = r["next"] { next = n }
            if case .string(let p) = r["previous"] { previous = p }
        default:
            throw APIError(.notAList, "the server's answer is not a list")
        }
    }

    /// The rows of a body if it is a list: a DRF page (`results` with `count` or `next`), or
    /// a bare array of objects; nil for anything else (one record, a message).
    public static func rows(of body: Value) -> [Record]? {
        if case .object(let r) = body, case .list(let items) = r["results"], r.has("count") || r.has("next") {
            return items.map(record)
        }
        if case .list(let items) = body, items.allSatisfy({ $0.record != nil }) {
            return items.compactMap(\.record)
        }
        return nil
    }

    static func record(_ v: Value) -> Record {
        if case .object(let r) = v { return r }
        return Record([("value", v)])
    }
}

/// The total changed while a scan was running and the rows do not prove where: the rows
/// already read may miss or repeat some. Whoever consumes the scan should start again.
public struct ScanChanged: Error, Sendable, CustomStringConvertible {
    public var before: Int
    public var after: Int
    /// What the rows failed to prove, for a bug report.
    public var reason: String

    public init(before: Int, after: Int, reason: String = "") {
        self.before = before
        self.after = after
        self.reason = reason
    }

    public var description: String {
        "the list changed while it was read (\(before) → \(after) rows\(reason.isEmpty ? "" : "; " + reason)); run the line again"
    }
}

extension OpenportClient {
    /// One page, asking for `limit` rows from `offset`.
    public func page(_ resource: Resource, limit: Int, offset: Int = 0, reader: JSONReader = JSONReader()) async throws(APIError) -> Page {
        var query = [("limit", String(limit))]
        if offset > 0 { query.append(("offset", String(offset))) }
        let u = url(resource.path, query: query, withToken: resource.needsToken)
        return try await page(url: u, reader: reader)
    }

    /// One page, one try (a scan schedules its own retries); `deadline` in seconds.
    func pageOnce(url u: String, deadline: Double, reader: JSONReader) async throws(APIError) -> Page {
        let what = "GET \(describe(u))"
        let r = try await sendOnce(.GET, url: u, body: nil, deadline: deadline)
        let body = try json(r, what: what, reader: reader)
        do {
            return try Page(body)
        } catch {
            throw APIError(error.kind, "\(error.message) for \(what)")
        }
    }

    func page(url u: String, reader: JSONReader) async throws(APIError) -> Page {
        let what = "GET \(describe(u))"
        let r = try await send(.GET, url: u)
        let body = try json(r, what: what, reader: reader)
        do {
            return try Page(body)
        } catch {
            throw APIError(error.kind, "\(error.message) for \(what)")
        }
    }

    /// How many rows a resource has, from one request for one row.
    public func count(_ resource: Resource) async throws(APIError) -> Int {
        let first = try await page(resource, limit: 1)
        if let c = first.count { return c }
        return first.results.count
    }

    /// A link the server sent (`next`), moved onto the configured base: same path and query,
    /// but our scheme, host and token. A server behind a proxy often writes `http://` links
    /// for an `https://` API; following them as written would send the token in clear.
    public func rebased(_ link: String) -> String {
        guard !link.hasPrefix(config.baseURL), let parts = URLComponents(string: link),
              let base = URLComponents(string: config.baseURL) else { return link }
        var path = parts.path
        guard path.hasPrefix(base.path) else { return link }
        path.removeFirst(base.path.count)
        let query = (parts.queryItems ?? []).filter { $0.name != "token" }.map { ($0.name, $0.value ?? "") }
        return url(path, query: query)
    }

    /// The value of a query parameter in a URL, if present.
    static func queryValue(_ name: String, in url: String) -> String? {
        URLComponents(string: url)?.queryItems?.first(where: { $0.name == name })?.value
    }
}

extension OpenportClient {
    /// The rows from `start` up to `end` (exclusive), in order: a scan of that range (see
    /// ``scan(_:limit:maxRows:concurrency:progress:)``: concurrent pages, retries, rows that
    /// move while it runs placed by the count). Returns the rows and the total the server
    /// reported with the first page; a count of nil when the range could not be read as it
    /// was (the list shrank, or its rows moved without a provable order), so the caller does
    /// not trust it.
    public func rows(_ resource: Resource, from start: Int, to end: Int) async throws(APIError) -> (rows: [Record], count: Int?) {
        guard end > start else { return ([], nil) }
        let run = scanSettings(path: resource.path, resource: resource, start: start, wanted: end - start)
        let reported = FirstTotal()
        var rows: [Record] = []
        do {
            for try await batch in scan(run, progress: { reported.note($0.total) }) { rows += batch }
        } catch let e as APIError {
            throw e
        } catch is ScanChanged {
            return (rows, nil)
        } catch {
            throw APIError(.cancelled, "cancelled")
        }
        return (Array(rows.prefix(end - start)), reported.value)
    }
}

/// The total a scan reported first (with its first page), kept from its progress callback.
private final class FirstTotal: Sendable {
    private let state = Mutex<(seen: Bool, total: Int?)>((false, nil))
    func note(_ total: Int?) { state.withLock { if !$0.seen, let total { $0 = (true, total) } } }
    var value: Int? { state.withLock { $0.total } }
}
