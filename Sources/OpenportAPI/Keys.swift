import NIOHTTP1
import Records

/// The writes API v2 allows on keys, and reads of one key or any path.
extension OpenportClient {
    /// One key by id.
    public func key(id: Int) async throws(APIError) -> Record {
        try await object(.GET, "keys/\(id)/")
    }

    /// POST keys/: creates a key, returns it as the server stored it.
    public func createKey(_ fields: [(String, Value)]) async throws(APIError) -> Record {
        try await object(.POST, "keys/", body: .object(Record(fields)))
    }

    /// PUT keys/ID/: replaces every writable field.
    public func replaceKey(id: Int, _ fields: [(String, Value)]) async throws(APIError) -> Record {
        try await object(.PUT, "keys/\(id)/", body: .object(Record(fields)))
    }

    /// PATCH keys/ID/: changes only the fields given.
    public func updateKey(id: Int, _ fields: [(String, Value)]) async throws(APIError) -> Record {
        try await object(.PATCH, "keys/\(id)/", body: .object(Record(fields)))
    }

    /// DELETE keys/ID/.
    public func deleteKey(id: Int) async throws(APIError) {
        _ = try await send(.DELETE, url: url("keys/\(id)/"))
    }

    /// A path as a person may write it (`keys/349`, `/api/v2/keys/?limit=1`, a whole URL on
    /// this API) as a path below the base URL, ending in `/`, and its query (any token left out).
    func relativePath(_ path: String) -> (path: String, query: [(String, String)]) {
        var relative = path
        if relative.hasPrefix(config.baseURL) { relative.removeFirst(config.baseURL.count) }
        if let api = relative.range(of: "/api/v2/"), relative.hasPrefix("/") || relative.hasPrefix("http") {
            relative = String(relative[api.upperBound...])
        }
        while relative.hasPrefix("/") { relative.removeFirst() }
        var query: [(String, String)] = []
        if let q = relative.firstIndex(of: "?") {
            for part in relative[relative.index(after: q)...].split(separator: "&") {
                let kv = part.split(separator: "=", maxSplits: 1)
                let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                guard name != "token" else { continue }
                let value = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
                query.append((name, value))
            }
            relative = String(relative[..<q])
        }
        if !relative.isEmpty, !relative.hasSuffix("/") { relative += "/" }
        return (relative, query)
    }

    /// GET of any path under the base (or a full URL on the same API), parsed as JSON.
    /// An empty body gives `.null`.
    public func get(path: String) async throws(APIError) -> Value {
        let (relative, query) = relativePath(path)
        let u = url(relative, query: query)
        let r = try await send(.GET, url: u)
        if r.body.isEmpty { return .null }
        return try json(r, what: "GET \(describe(u))")
    }

    private func object(_ method: HTTPMethod, _ path: String, body: Value? = nil) async throws(APIError) -> Record {
        let u = url(path)
        let what = "\(method.rawValue) \(describe(u))"
        let r = try await send(method, url: u, body: body)
        guard case .object(let rec) = try json(r, what: what) else {
            throw APIError(.badResponse, "the server answered \(what) with something that is not an object")
        }
        return rec
    }
}
