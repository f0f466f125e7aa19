import Foundation
import Hummingbird
import Logging

/// What the API's views know of a request: the call the front built from it (route, query,
/// body, Host), the account's token once authenticated, and the fault planned for it.
struct ViewContext: RequestContext {
    typealias Source = ViewSource
    var coreContext: CoreRequestContextStorage
    let call: APIRequest
    let fault: Fault
    var token = ""

    init(source: ViewSource) {
        coreContext = .init(source: source)
        call = source.call
        fault = source.fault
    }
}

struct ViewSource: RequestContextSource {
    let logger: Logger
    let call: APIRequest
    let fault: Fault
}

/// A DRF viewset's endpoints over the store, one file each, registered on `/api/v2/`.
protocol RouteGroup: Sendable {
    func register(on api: RouterGroup<ViewContext>)
}

/// The API: Hummingbird route groups behind what every DRF view does first ("DRFView").
/// Django's URL resolution (404 pages, APPEND_SLASH, format suffixes) stays in front of it,
/// in ``EmulatorResponder``: Hummingbird's router reads `keys`, `keys/` and `keys//` alike.
struct API: Sendable {
    let router: RouterResponder<ViewContext>

    init(store: Store, maxPageSize: Int) {
        let router = Router(context: ViewContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: DRFView(store: store))
        let api = router.group("api/v2")
        let groups: [any RouteGroup] = [
            RootRoutes(), SessionRoutes(store: store, maxPageSize: maxPageSize),
            KeyRoutes(store: store, maxPageSize: maxPageSize), ClickRoutes(store: store, maxPageSize: maxPageSize),
            NodeRoutes(maxPageSize: maxPageSize),
        ]
        for group in groups { group.register(on: api) }
        self.router = router.buildResponder()
    }

    /// Answers a call the front has matched to a route, by the route's canonical path.
    func respond(to call: APIRequest, method: HTTPRequest.Method, logger: Logger, fault: Fault) async throws -> Response {
        let request = Request(
            head: HTTPRequest(method: method, scheme: nil, authority: nil, path: call.route.canonicalPath),
            body: RequestBody(buffer: ByteBuffer()))
        let context = ViewContext(source: ViewSource(logger: logger, call: call, fault: fault))
        return try await router.respond(to: request, context: context)
    }
}

extension ViewContext {
    /// A page of a list as DRF's LimitOffsetPagination answers it: the envelope (count, links)
    /// around the rows of the page's range, each written by `write`.
    func page<Row>(count: Int, maxLimit: Int, rows: (Range<Int>) -> [Row], write: (Row, inout [UInt8]) -> Void) -> Response {
        let page = Page(query: call.query, count: count, maxLimit: maxLimit)
        let chosen = rows(page.range)
        return Reply.json(200, page.envelope(base: call.absolutePath, query: call.query) { out in
            for (n, row) in chosen.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                write(row, &out)
            }
        }, allow: call.route.allowHeader).response(for: self)
    }
}

extension Reply {
    /// The answer of a view, with the fault planned for its request (a 200 cut short or not JSON).
    func response(for context: ViewContext) -> Response {
        var reply = self
        if reply.status == 200, !reply.body.isEmpty {
            if context.fault == .truncate { reply = FaultPlan.truncated(reply) }
            if context.fault == .invalidJSON { reply = FaultPlan.invalidJSON(reply) }
        }
        return EmulatorResponder.response(reply, head: context.call.method == "HEAD")
    }
}

/// What DRF's `APIView.initial` does before any handler: content negotiation (JSON only),
/// authentication and permissions (DRF's 401/403 bodies), then OPTIONS (`SimpleMetadata`),
/// and a method the route has no endpoint for: 405.
struct DRFView: RouterMiddleware {
    typealias Context = ViewContext
    let store: Store

    func handle(_ request: Request, context: ViewContext, next: (Request, ViewContext) async throws -> Response) async throws -> Response {
        let call = context.call
        let allow = call.route.allowHeader
        // Content negotiation comes first: JSON is the one format emulated (not the HTML of
        // DRF's browsable API, `?format=api`).
        if let format = call.suffixFormat ?? call.query["format"], format != "json" {
            return Reply.detail(404, "Not found.", allow: allow).response(for: context)
        }
        var context = context
        switch authenticate(call) {
        case .failure(let reply): return reply.response(for: context)
        case .success(let token): context.token = token
        }
        if call.method == "OPTIONS" { return options(call, token: context.token).response(for: context) }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return Reply.detail(405, "Method \"\(call.method)\" not allowed.", allow: allow).response(for: context)
        }
    }


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
            out.append(contentsOf: #","actions":{"POST":"#.utf8 + DRFView.keyFields + Array("}".utf8))
        case .key(let raw):
            // determine_actions() asks get_object() first: no PUT for a key it cannot find.
            if let id = pythonInt(raw), store.key(token, id: id) != nil {
                out.append(contentsOf: #","actions":{"PUT":"#.utf8 + DRFView.keyFields + Array("}".utf8))
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
