import Hummingbird

/// `sessions/`: the account's live sessions, each with its key's URL.
struct SessionRoutes: RouteGroup {
    let store: Store
    let maxPageSize: Int

    func register(on api: RouterGroup<ViewContext>) {
        api.get("sessions", use: list)
    }

    @Sendable func list(_ request: Request, context: ViewContext) -> Response {
        let call = context.call
        let page = Page(query: call.query, count: store.sessionCount(context.token), maxLimit: maxPageSize)
        let rows = store.sessions(context.token, page.range)
        return Reply.json(200, page.envelope(base: call.absolutePath, query: call.query) { out in
            for (n, s) in rows.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                s.appendJSON(links: call.links, to: &out)
            }
        }, allow: call.route.allowHeader).response(for: context)
    }
}
