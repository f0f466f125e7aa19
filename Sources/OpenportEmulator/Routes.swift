import Foundation
import Records

/// The URL patterns of a DRF `DefaultRouter` (trailing slashes, lookup `[^/.]+`), with its
/// format suffix patterns: `keys.json`, `keys/374.json` (the slash after a suffix optional).
enum Route: Equatable {
    case root, sessions, keys, key(String), clicks, nodes

    static let prefix = "/api/v2/"

    static func match(_ path: String) -> Route? { matchWithFormat(path)?.route }

    /// The route, and the format its suffix names (`json` for `keys.json`), if any.
    static func matchWithFormat(_ path: String) -> (route: Route, format: String?)? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        if rest.isEmpty { return (.root, nil) }
        if let (stem, format) = formatSuffix(rest) {
            guard let route = stem.isEmpty ? .root : plain(stem.split(separator: "/", omittingEmptySubsequences: false)) else { return nil }
            return (route, format)
        }
        guard rest.hasSuffix("/") else { return nil }
        return plain(rest.dropLast().split(separator: "/", omittingEmptySubsequences: false)).map { ($0, nil) }
    }

    /// `STEM.FORMAT` or `STEM.FORMAT/`, FORMAT being `[a-z0-9]+` (DRF's `format_suffix_patterns`).
    static func formatSuffix(_ rest: Substring) -> (Substring, String)? {
        let body = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard let dot = body.lastIndex(of: "."), !body[dot...].contains("/") else { return nil }
        let format = body[body.index(after: dot)...]
        guard !format.isEmpty, format.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return nil }
        return (body[..<dot], String(format))
    }

    static func plain(_ parts: [Substring]) -> Route? {
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

    /// Every view needs a paying account but nodes/, which takes anyone (a token given is
    /// still checked: DRF authenticates before it asks the view's permissions).
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
    /// The format a suffix named (`keys.json`).
    var suffixFormat: String? = nil

    /// How hyperlinks to keys are written for this request (DRF's `reverse` with the request).
    var links: Links { Links(apiBase: apiBase, suffix: suffixFormat, formatQuery: query["format"]) }
}

/// DRF's `reverse()` for this request: a format suffix is kept (`keys/374.json`), and so is a
/// `?format=` query (`keys/374/?format=json`, `preserve_builtin_query_params`).
struct Links {
    var apiBase: String
    var suffix: String?
    var formatQuery: String?

    func list(_ name: String) -> String { finish(apiBase + name + (suffix.map { ".\($0)" } ?? "/")) }

    func key(_ id: Int) -> String { finish(apiBase + "keys/\(id)" + (suffix.map { ".\($0)" } ?? "/")) }

    private func finish(_ url: String) -> String {
        guard let formatQuery else { return url }
        return url + "?" + Query("").encodedSorted(replacing: "format", with: formatQuery)
    }
}

/// The views: authentication, permissions, 405, pagination, and keys CRUD.
struct API {
    let store: Store
    let maxPageSize: Int

    func handle(_ req: APIRequest) -> Reply {
        let allow = req.route.allowHeader
        // Content negotiation comes first: JSON is the one format emulated (not the HTML of
        // DRF's browsable API, `?format=api`).
        if let format = req.suffixFormat ?? req.query["format"], format != "json" {
            return .detail(404, "Not found.", allow: allow)
        }
        var token = ""
        switch authenticate(req) {
        case .failure(let reply): return reply
        case .success(let t): token = t
        }
        if req.method == "OPTIONS" { return options(req, token: token) }
        let method = req.method == "HEAD" ? "GET" : req.method
        guard req.route.allowed.contains(req.method) else {
            return .detail(405, "Method \"\(req.method)\" not allowed.", allow: allow)
        }
        switch (req.route, method) {
        case (.root, _):
            var out: [UInt8] = [UInt8(ascii: "{")]
            for (i, name) in ["sessions", "keys", "openforiplinkclicks", "nodes"].enumerated() {
                JSONOut.appendKey(name, to: &out, first: i == 0)
                JSONOut.appendString(req.links.list(name), to: &out)
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
                    s.appendJSON(links: req.links, to: &out)
                }
            }, allow: allow)
        case (.clicks, _):
            // Count and rows under one lock: on a busy account they must describe the same instant.
            var rows: [UInt8] = []
            let count = store.clickPage(token, page: { Page(query: req.query, count: $0, maxLimit: maxPageSize).range }, into: &rows)
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
                    k.appendJSON(links: req.links, to: &out)
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
                key.appendJSON(links: req.links, to: &out)
                var reply = Reply.json(201, out, allow: allow)
                reply.headers.append(("Location", req.links.key(key.id)))
                return reply
            }
        case (.key(let raw), _):
            // get_object(): a lookup that cannot be an integer is a bare Http404; a missing key
            // is Django's get_object_or_404 message (DRF 3.15 and later pass it on).
            guard let id = pythonInt(raw) else { return .detail(404, "Not found.", allow: allow) }
            guard let key = store.key(token, id: id) else { return .detail(404, API.noKey, allow: allow) }
            switch method {
            case "GET":
                var out: [UInt8] = []
                key.appendJSON(links: req.links, to: &out)
                return .json(200, out, allow: allow)
            case "DELETE":
                guard store.deleteKey(token, id: key.id) else { return .detail(404, API.noKey, allow: allow) }
                var reply = Reply(status: 204)
                reply.drf(allow: allow)
                return reply
            default:  // PUT, PATCH
                switch KeyInput.parse(req, partial: method == "PATCH") {
                case .failure(let reply): return reply
                case .success(let input):
                    guard let updated = store.updateKey(token, id: key.id, name: input.name, publicKey: input.publicKey)
                    else { return .detail(404, API.noKey, allow: allow) }
                    var out: [UInt8] = []
                    updated.appendJSON(links: req.links, to: &out)
                    return .json(200, out, allow: allow)
                }
            }
        }
    }

    static let noKey = "No Key matches the given query."

    /// Token from `?token=` or `Authorization: Token X`; DRF's 401/403 bodies. nodes/ takes
    /// anyone, but a token given there must still be valid.
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
        guard let token else {
            return req.route.needsAccount ? unauthorized("Authentication credentials were not provided.") : .success("")
        }
        switch store.access(token) {
        case .unknown: return unauthorized("Invalid token.")
        case _ where !req.route.needsAccount: return .success(token)
        case .free:
            return .failure(.detail(403, "You do not have permission to perform this action.", allow: allow))
        case .paying: return .success(token)
        }
    }

    /// DRF `SimpleMetadata`: the view's name and description, its renderers (JSON and the
    /// browsable API) and parsers, and for keys what a POST or PUT takes (`actions`).
    func options(_ req: APIRequest, token: String) -> Reply {
        var out: [UInt8] = [UInt8(ascii: "{")]
        JSONOut.appendKey("name", to: &out, first: true)
        JSONOut.appendString(req.route.viewName, to: &out)
        JSONOut.appendKey("description", to: &out)
        JSONOut.appendString(req.route == .root ? "The default basic root view for DefaultRouter" : "", to: &out)
        out.append(contentsOf: #","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded"]"#.utf8)
        switch req.route {
        case .keys:
            out.append(contentsOf: #","actions":{"POST":"#.utf8 + API.keyFields + Array("}".utf8))
        case .key(let raw):
            // determine_actions() asks get_object() first: no PUT for a key it cannot find.
            if let id = pythonInt(raw), store.key(token, id: id) != nil {
                out.append(contentsOf: #","actions":{"PUT":"#.utf8 + API.keyFields + Array("}".utf8))
            }
        default:
            break
        }
        out.append(UInt8(ascii: "}"))
        return .json(200, out, allow: req.route.allowHeader)
    }

    /// The key serializer's fields as `SimpleMetadata.get_serializer_info` describes them.
    static let keyFields: [UInt8] = Array(#"{"url":{"type":"field","required":false,"read_only":true,"label":"Url"},"public_key":{"type":"string","required":true,"read_only":false,"label":"Public key"},"name":{"type":"string","required":true,"read_only":false,"label":"Name","max_length":255},"id":{"type":"integer","required":false,"read_only":true,"label":"ID"},"last_connection_time":{"type":"datetime","required":false,"read_only":true,"label":"Last connection time"},"creation_time":{"type":"datetime","required":false,"read_only":true,"label":"Creation time"},"redirect_token":{"type":"string","required":false,"read_only":true,"label":"Redirect token"},"bytes_this_month":{"type":"integer","required":false,"read_only":true,"label":"Bytes this month"},"counter_reset_time":{"type":"datetime","required":false,"read_only":true,"label":"Counter reset time"}}"#.utf8)
}

/// The writable fields of the key serializer: `public_key` and `name` (in serializer order).
/// Read-only fields in the body (url, id, times, redirect_token, bytes_this_month) are ignored.
struct KeyInput {
    var publicKey: String?
    var name: String?

    static func parse(_ req: APIRequest, partial: Bool) -> Result<KeyInput, Reply> {
        let allow = req.route.allowHeader
        let data: Record
        switch parseBody(req) {
        case .failure(let e): return .failure(e)
        case .success(.object(let record)): data = record
        case .success(.null):
            return .failure(.json(400, JSONOut.fieldErrors([("non_field_errors", ["No data provided"])]), allow: allow))
        case .success(let v):
            let message = "Invalid data. Expected a dictionary, but got \(v.pythonTypeName)."
            return .failure(.json(400, JSONOut.fieldErrors([("non_field_errors", [message])]), allow: allow))
        }
        var errors: [(String, [String])] = []
        var input = KeyInput()
        for field in ["public_key", "name"] {
            guard data.schema.position(of: field) != nil else {
                if !partial { errors.append((field, ["This field is required."])) }
                continue
            }
            switch validateChar(data[field], maxLength: field == "name" ? 255 : nil) {
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
    static func validateChar(_ v: Value, maxLength: Int?) -> Result<String, Message> {
        let raw: String
        switch v {
        case .null: return .failure(Message(text: "This field may not be null."))
        case .string(let s): raw = s
        case .time(let t): raw = t.description
        case .int(let n): raw = String(n)
        case .double(let d): raw = JSONWriter.format(d)  // Python's str(float): 1500.0, 1.5
        case .bool, .list, .object: return .failure(Message(text: "Not a valid string."))
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
    static func parseBody(_ req: APIRequest) -> Result<Value, Reply> {
        let allow = req.route.allowHeader
        if req.body.isEmpty { return .success(.object(Record([]))) }
        let full = req.contentType ?? ""
        let media = full.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "application/json":
            do {
                return .success(try RequestJSON.parse(req.body))
            } catch {
                return .failure(.detail(400, "JSON parse error - \(error.message)", allow: allow))
            }
        case "application/x-www-form-urlencoded":
            let q = Query(String(decoding: req.body, as: UTF8.self))
            var members: [(String, Value)] = []
            for (k, v) in q.items {
                if let i = members.firstIndex(where: { $0.0 == k }) { members[i].1 = .string(v) } else { members.append((k, .string(v))) }
            }
            return .success(.object(Record(members)))
        default:
            return .failure(.detail(415, "Unsupported media type \"\(full)\" in request.", allow: allow))
        }
    }
}
