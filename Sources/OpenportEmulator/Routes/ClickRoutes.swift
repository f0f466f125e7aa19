import Hummingbird

/// `openforiplinkclicks/`: the click log, in the order `EmulatorOptions.clickOrder` says.
struct ClickRoutes: RouteGroup {
    let store: Store
    let maxPageSize: Int

    func register(on api: RouterGroup<ViewContext>) {
        api.get("openforiplinkclicks", use: list)
    }

    @Sendable func list(_ request: Request, context: ViewContext) -> Response {
        let call = context.call
        // The count, then the rows, in two reads (see Store.clickPage).
        var rows: [UInt8] = []
        let count = store.clickPage(
            context.token, page: { Page(query: call.query, count: $0, maxLimit: maxPageSize).slice }, into: &rows)
        let page = Page(query: call.query, count: count, maxLimit: maxPageSize)
        return Reply.json(200, page.envelope(base: call.absolutePath, query: call.query) { out in
            out.append(contentsOf: rows)
        }, allow: call.route.allowHeader).response(for: context)
    }
}
