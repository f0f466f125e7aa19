import Hummingbird

/// `sessions/`: the account's live sessions, each with its key's URL.
struct SessionRoutes: RouteGroup {
    let store: Store
    let maxPageSize: Int

    func register(on api: RouterGroup<ViewContext>) {
        api.get("sessions", use: list)
    }

    @Sendable func list(_ request: Request, context: ViewContext) -> Response {
        context.page(count: store.sessionCount(context.token), maxLimit: maxPageSize, rows: { store.sessions(context.token, $0) }) {
            $0.appendJSON(links: context.call.links, to: &$1)
        }
    }
}
