import Foundation
import NIOHTTP1
import Records

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
public struct ScanChanged: Error, Sendable {
    public var before: Int
    public var after: Int
    /// What the rows failed to prove, for a bug report.
    public var reason: String

    public init(before: Int, after: Int, reason: String = "") {
        self.before = before
        self.after = after
        self.reason = reason
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
    /// The rows from `start` up to `end` (exclusive), in order, with `concurrency` requests at
    /// a time. The first request learns the page size the server really sends.
    /// Returns the rows and the total the server reported on the way (nil if it reported none).
    public func rows(_ resource: Resource, from start: Int, to end: Int) async throws(APIError) -> (rows: [Record], count: Int?) {
        guard end > start else { return ([], nil) }
        let reader = JSONReader()
        let ask = min(config.pageSize, end - start)
        let first = try await page(resource, limit: ask, offset: start, reader: reader)
        var rows = first.results
        let step = max(1, first.results.count)
        guard first.results.count > 0, start + step < end else { return (Array(rows.prefix(end - start)), first.count) }
        let offsets = Array(stride(from: start + step, to: end, by: step))
        let concurrency = max(1, config.concurrency)
        var pages = [[Record]](repeating: [], count: offsets.count)
        var counts = Set<Int>()
        if let c = first.count { counts.insert(c) }
        do {
            try await withThrowingTaskGroup(of: (Int, Page).self) { group in
                var launched = 0
                func launch() {
                    let i = launched
                    let offset = offsets[i]
                    group.addTask { (i, try await self.page(resource, limit: step, offset: offset)) }
                    launched += 1
                }
                while launched < min(concurrency, offsets.count) { launch() }
                while let (i, p) = try await group.next() {
                    pages[i] = p.results
                    if let c = p.count { counts.insert(c) }
                    if launched < offsets.count { launch() }
                }
            }
        } catch let e as APIError {
            throw e
        } catch {
            throw APIError(.cancelled, "cancelled")
        }
        if counts.count > 1 {
            throw APIError(.badResponse, "the list changed while it was read (\(counts.sorted().map(String.init).joined(separator: " → ")) rows)")
        }
        for p in pages { rows += p }
        return (Array(rows.prefix(end - start)), counts.first)
    }
}
