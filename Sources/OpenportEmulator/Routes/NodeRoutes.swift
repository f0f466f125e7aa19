import Hummingbird

/// `nodes/`: openport's servers, the same for everyone.
struct NodeRoutes: RouteGroup {
    let maxPageSize: Int

    func register(on api: RouterGroup<ViewContext>) {
        api.get("nodes", use: list)
    }

    @Sendable func list(_ request: Request, context: ViewContext) -> Response {
        context.page(count: DataSet.nodesJSON.count, maxLimit: maxPageSize, rows: { Array(DataSet.nodesJSON[$0]) }) {
            $1.append(contentsOf: $0)
        }
    }
}
