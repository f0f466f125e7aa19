import Hummingbird

/// `keys/` and `keys/ID/`: list, create, show, replace (PUT), change (PATCH), delete.
struct KeyRoutes: RouteGroup {
    let store: Store
    let maxPageSize: Int

    /// Django's get_object_or_404 message, which DRF 3.15 and later pass on.
    static let noKey = "No Key matches the given query."

    func register(on api: RouterGroup<ViewContext>) {
        api.get("keys", use: list)
            .post("keys", use: create)
            .get("keys/:id", use: show)
            .put("keys/:id", use: replace)
            .patch("keys/:id", use: change)
            .delete("keys/:id", use: remove)
    }

    @Sendable func list(_ request: Request, context: ViewContext) -> Response {
        context.page(count: store.keyCount(context.token), maxLimit: maxPageSize, rows: { store.keys(context.token, $0) }) {
            $0.appendJSON(links: context.call.links, to: &$1)
        }
    }

    @Sendable func create(_ request: Request, context: ViewContext) -> Response {
        let call = context.call
        let allow = call.route.allowHeader
        switch KeyInput.parse(call, partial: false) {
        case .failure(let reply):
            return reply.response(for: context)
        case .success(let input):
            guard let key = store.createKey(context.token, name: input.name!, publicKey: input.publicKey!) else {
                return Reply.detail(404, "Not found.", allow: allow).response(for: context)
            }
            var reply = Reply.json(201, json(key, call), allow: allow)
            reply.headers.append(("Location", call.links.key(key.id)))
            return reply.response(for: context)
        }
    }

    @Sendable func show(_ request: Request, context: ViewContext) -> Response {
        answer(context) { key in .json(200, json(key, context.call), allow: context.call.route.allowHeader) }
    }

    @Sendable func replace(_ request: Request, context: ViewContext) -> Response {
        answer(context) { key in update(key, context: context, partial: false) }
    }

    @Sendable func change(_ request: Request, context: ViewContext) -> Response {
        answer(context) { key in update(key, context: context, partial: true) }
    }

    @Sendable func remove(_ request: Request, context: ViewContext) -> Response {
        answer(context) { key in
            let allow = context.call.route.allowHeader
            guard store.deleteKey(context.token, id: key.id) else { return .detail(404, Self.noKey, allow: allow) }
            var reply = Reply(status: 204)
            reply.drf(allow: allow)
            return reply
        }
    }

    /// `get_object()` first: a lookup that cannot be an integer is a bare Http404, a key the
    /// account does not have is get_object_or_404's.
    func answer(_ context: ViewContext, _ body: (Key) -> Reply) -> Response {
        let allow = context.call.route.allowHeader
        guard case .key(let raw) = context.call.route, let id = pythonInt(raw) else {
            return Reply.detail(404, "Not found.", allow: allow).response(for: context)
        }
        guard let key = store.key(context.token, id: id) else {
            return Reply.detail(404, Self.noKey, allow: allow).response(for: context)
        }
        return body(key).response(for: context)
    }

    func update(_ key: Key, context: ViewContext, partial: Bool) -> Reply {
        switch KeyInput.parse(context.call, partial: partial) {
        case .failure(let reply):
            return reply
        case .success(let input):
            guard let updated = store.updateKey(context.token, id: key.id, name: input.name, publicKey: input.publicKey) else {
                return .detail(404, Self.noKey, allow: context.call.route.allowHeader)
            }
            return .json(200, json(updated, context.call), allow: context.call.route.allowHeader)
        }
    }

    func json(_ key: Key, _ call: APIRequest) -> [UInt8] {
        var out: [UInt8] = []
        key.appendJSON(links: call.links, to: &out)
        return out
    }
}
