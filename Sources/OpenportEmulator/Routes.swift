import Foundation

/// The URL patterns of a DRF `DefaultRouter` (trailing slashes, lookup `[^/.]+`).
enum Route: Equatable {
    case root, sessions, keys, key(String), clicks, nodes

    static let prefix = "/api/v2/"

    static func match(_ path: String) -> Route? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        if rest.isEmpty { return .root }
        guard rest.hasSuffix("/") else { return nil }
        let parts = rest.dropLast().split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            switch parts[0] {
            case "sessions": return .sessions
            case "keys": return .keys
            case "openforiplinkclicks": return .clicks
            case "nodes": return .nodes
            default: return nil
            }
        case 2:
            guard parts[0] == "keys", !parts[1].isEmpty, !parts[1].contains(".") else { return nil }
            return .key(String(parts[1]))
        default:
            return nil
        }
    }

    /// DRF `allowed_methods`, in `http_method_names` order.
    var allowed: [String] {
        switch self {
        case .root, .sessions, .clicks, .nodes: return ["GET", "HEAD", "OPTIONS"]
        case .keys: return ["GET", "POST", "HEAD", "OPTIONS"]
        case .key: return ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        }
    }

    var allowHeader: String { allowed.joined(separator: ", ") }

    var needsAccount: Bool { self != .nodes }

    /// DRF's view name, shown by OPTIONS.
    var viewName: String {
        switch self {
        case .root: return "Api Root"
        case .sessions: return "Session List"
        case .keys: return "Key List"
        case .key: return "Key Instance"
        case .clicks: return "Open For Ip Link Click List"
        case .nodes: return "Node List"
        }
    }
}

/// What a handler needs to know about a request.
struct APIRequest {
    var method: String
    var route: Route
    /// `http://HOST/api/v2/` from the Host header.
    var apiBase: String
    /// `http://HOST` + the request path (DRF `build_absolute_uri()` without the query).
    var absolutePath: String
    var query: Query
    var authorization: String?
    var contentType: String?
    var body: [UInt8]
}

/// The views: authentication, permissions, 405, pagination, and keys CRUD.
struct API {
    let store: Store
    let maxPageSize: Int

    func handle(_ req: APIRequest) -> Reply {
        let allow = req.route.allowHeader
        var token = ""
        if req.route.needsAccount {
            switch authenticate(req) {
            case .failure(let reply): return reply
            case .success(let t): token = t
            }
        }
        if req.method == "OPTIONS" { return options(req) }
        let method = req.method == "HEAD" ? "GET" : req.method
        guard req.route.allowed.contains(req.method) else {
            return .detail(405, "Method \"\(req.method)\" not allowed.", allow: allow)
        }
        switch (req.route, method) {
        case (.root, _):
            var out: [UInt8] = [UInt8(ascii: "{")]
            for (i, name) in ["sessions", "keys", "openforiplinkclicks", "nodes"].enumerated() {
                JSONOut.appendKey(name, to: &out, first: i == 0)
                JSONOut.appendString("\(req.apiBase)\(name)/", to: &out)
            }
            out.append(UInt8(ascii: "}"))
            return .json(200, out, allow: allow)
        case (.nodes, _):
            let page = Page(query: req.query, count: DataSet.nodesJSON.count, maxLimit: maxPageSize)
            return .json(200, page.envelope(base: req.absolutePath, query: req.query) { out in
                for (n, i) in page.range.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: DataSet.nodesJSON[i])
                }
            }, allow: allow)
        case (.sessions, _):
            let page = Page(query: req.query, count: store.sessionCount(token), maxLimit: maxPageSize)
            let rows = store.sessions(token, page.range)
            return .json(200, page.envelope(base: req.absolutePath, query: req.query) { out in
                for (n, s) in rows.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    s.appendJSON(base: req.apiBase, to: &out)
                }
            }, allow: allow)
        case (.clicks, _):
            // The count, then the rows, in two reads (see Store.clickPage).
            var rows: [UInt8] = []
            let count = store.clickPage(token, page: { Page(query: req.query, count: $0, maxLimit: maxPageSize).slice }, into: &rows)
            let page = Page(query: req.query, count: count, maxLimit: maxPageSize)
            return .json(200, page.envelope(base: req.absolutePath, query: req.query) { out in
                out.append(contentsOf: rows)
            }, allow: allow)
        case (.keys, "GET"):
            let page = Page(query: req.query, count: store.keyCount(token), maxLimit: maxPageSize)
            let rows = store.keys(token, page.range)
            return .json(200, page.envelope(base: req.absolutePath, query: req.query) { out in
                for (n, k) in rows.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    k.appendJSON(base: req.apiBase, to: &out)
                }
            }, allow: allow)
        case (.keys, _):  // POST
            switch KeyInput.parse(req, partial: false) {
            case .failure(let reply): return reply
            case .success(let input):
                guard let key = store.createKey(token, name: input.name!, publicKey: input.publicKey!) else {
                    return .detail(404, "Not found.", allow: allow)
                }
                var out: [UInt8] = []
                key.appendJSON(base: req.apiBase, to: &out)
                var reply = Reply.json(201, out, allow: allow)
                reply.headers.append(("Location", "\(req.apiBase)keys/\(key.id)/"))
                return reply
            }
        case (.key(let raw), _):
            // get_object(): a lookup that cannot be an integer is a 404 too.
            guard let id = pythonInt(raw), let key = store.key(token, id: id) else {
                return .detail(404, "Not found.", allow: allow)
            }
            switch method {
            case "GET":
                var out: [UInt8] = []
                key.appendJSON(base: req.apiBase, to: &out)
                return .json(200, out, allow: allow)
            case "DELETE":
                guard store.deleteKey(token, id: key.id) else { return .detail(404, "Not found.", allow: allow) }
                var reply = Reply(status: 204)
                reply.drf(allow: allow)
                return reply
            default:  // PUT, PATCH
                switch KeyInput.parse(req, partial: method == "PATCH") {
                case .failure(let reply): return reply
                case .success(let input):
                    guard let updated = store.updateKey(token, id: key.id, name: input.name, publicKey: input.publicKey)
                    else { return .detail(404, "Not found.", allow: allow) }
                    var out: [UInt8] = []
                    updated.appendJSON(base: req.apiBase, to: &out)
                    return .json(200, out, allow: allow)
                }
            }
        }
    }

    /// Token from `?token=` or `Authorization: Token X`; DRF's 401/403 bodies.
    func authenticate(_ req: APIRequest) -> Result<String, Reply> {
        let allow = req.route.allowHeader
        func unauthorized(_ message: String) -> Result<String, Reply> {
            var r = Reply.detail(401, message, allow: allow)
            r.headers.append(("WWW-Authenticate", "Token"))
            return .failure(r)
        }
        var token: String?
        if let t = req.query["token"], !t.isEmpty {
            token = t
        } else if let header = req.authorization {
            let parts = header.split(separator: " ", omittingEmptySubsequences: true)
            if let scheme = parts.first, scheme.lowercased() == "token" {
                if parts.count == 1 { return unauthorized("Invalid token header. No credentials provided.") }
                if parts.count > 2 { return unauthorized("Invalid token header. Token string should not contain spaces.") }
                token = String(parts[1])
            }
        }
        guard let token else { return unauthorized("Authentication credentials were not provided.") }
        switch store.access(token) {
        case .unknown: return unauthorized("Invalid token.")
        case .free:
            return .failure(.detail(403, "You do not have permission to perform this action.", allow: allow))
        case .paying: return .success(token)
        }
    }

    /// DRF `SimpleMetadata` (without the per-field `actions`).
    func options(_ req: APIRequest) -> Reply {
        var out: [UInt8] = [UInt8(ascii: "{")]
        JSONOut.appendKey("name", to: &out, first: true)
        JSONOut.appendString(req.route.viewName, to: &out)
        JSONOut.appendKey("description", to: &out)
        JSONOut.appendString("", to: &out)
        out.append(contentsOf: #","renders":["application/json"],"parses":["application/json","application/x-www-form-urlencoded"]}"#.utf8)
        return .json(200, out, allow: req.route.allowHeader)
    }
}

/// The writable fields of the key serializer: `public_key` and `name` (in serializer order).
/// Read-only fields in the body (url, id, times, redirect_token, bytes_this_month) are ignored.
struct KeyInput {
    var publicKey: String?
    var name: String?

    static func parse(_ req: APIRequest, partial: Bool) -> Result<KeyInput, Reply> {
        let allow = req.route.allowHeader
        let data: [(String, JSONValue)]
        switch parseBody(req) {
        case .failure(let e): return .failure(e)
        case .success(let v):
            switch v {
            case .object(let members): data = members
            case .null:
                return .failure(.json(400, JSONOut.fieldErrors([("non_field_errors", ["No data provided"])]), allow: allow))
            default:
                let message = "Invalid data. Expected a dictionary, but got \(v.pythonTypeName)."
                return .failure(.json(400, JSONOut.fieldErrors([("non_field_errors", [message])]), allow: allow))
            }
        }
        var errors: [(String, [String])] = []
        var input = KeyInput()
        for field in ["public_key", "name"] {
            guard let value = data.last(where: { $0.0 == field })?.1 else {
                if !partial { errors.append((field, ["This field is required."])) }
                continue
            }
            switch validateChar(value, maxLength: field == "name" ? 255 : nil) {
            case .failure(let message): errors.append((field, [message.text]))
            case .success(let s):
                if field == "name" {
                    input.name = s
                } else if isPublicKey(s) {
                    input.publicKey = s
                } else {
                    errors.append((field, ["Invalid public key."]))
                }
            }
        }
        if !errors.isEmpty { return .failure(.json(400, JSONOut.fieldErrors(errors), allow: allow)) }
        return .success(input)
    }

    struct Message: Error { let text: String }

    /// DRF `CharField(allow_blank=False, trim_whitespace=True, max_length=...)`.
    static func validateChar(_ v: JSONValue, maxLength: Int?) -> Result<String, Message> {
        let raw: String
        switch v {
        case .null: return .failure(Message(text: "This field may not be null."))
        case .string(let s): raw = s
        case .number(let n): raw = n
        case .bool, .array, .object: return .failure(Message(text: "Not a valid string."))
        }
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty { return .failure(Message(text: "This field may not be blank.")) }
        if let maxLength, s.unicodeScalars.count > maxLength {
            return .failure(Message(text: "Ensure this field has no more than \(maxLength) characters."))
        }
        return .success(s)
    }

    static let keyTypes: Set<String> = [
        "ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// An OpenSSH public key line: `TYPE BASE64 [comment]`, the blob starting with TYPE.
    static func isPublicKey(_ s: String) -> Bool {
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2, keyTypes.contains(String(parts[0])),
            let blob = Data(base64Encoded: String(parts[1])), blob.count > 4
        else { return false }
        let bytes = [UInt8](blob)
        let n = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        return n == parts[0].utf8.count && bytes.count >= 4 + n && Array(bytes[4..<4 + n]) == Array(parts[0].utf8)
    }

    /// DRF parsers: JSON and form bodies; an empty body is empty data; anything else is a 415.
    static func parseBody(_ req: APIRequest) -> Result<JSONValue, Reply> {
        let allow = req.route.allowHeader
        if req.body.isEmpty { return .success(.object([])) }
        let full = req.contentType ?? ""
        let media = full.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "application/json":
            do {
                return .success(try JSONParser.parse(req.body))
            } catch {
                return .failure(.detail(400, "JSON parse error - \(error.message)", allow: allow))
            }
        case "application/x-www-form-urlencoded":
            let q = Query(String(decoding: req.body, as: UTF8.self))
            var members: [(String, JSONValue)] = []
            for (k, v) in q.items {
                if let i = members.firstIndex(where: { $0.0 == k }) { members[i].1 = .string(v) } else { members.append((k, .string(v))) }
            }
            return .success(.object(members))
        default:
            return .failure(.detail(415, "Unsupported media type \"\(full)\" in request.", allow: allow))
        }
    }
}
