import Hummingbird

/// `nodes/`: openport's servers, the same for everyone.
struct NodeRoutes: RouteGroup {
    let maxPageSize: Int

    func register(on api: RouterGroup<ViewContext>) {
        api.get("nodes", use: list)
    }

    @Sendable func list(_ request: Request, context: ViewContext) -> Response {
        let call = context.call
        let page = Page(query: call.query, count: DataSet.nodesJSON.count, maxLimit: maxPageSize)
        return Reply.json(200, page.envelope(base: call.absolutePath, query: call.query) { out in
            for (n, i) in page.range.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: DataSet.nodesJSON[i])
            }
        }, allow: call.route.allowHeader).response(for: context)
    }
}
