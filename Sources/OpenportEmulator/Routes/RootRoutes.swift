import Hummingbird

/// DefaultRouter's API root: a link to each list.
struct RootRoutes: RouteGroup {
    func register(on api: RouterGroup<ViewContext>) {
        api.get(use: root)
    }

    @Sendable func root(_ request: Request, context: ViewContext) -> Response {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, name) in ["sessions", "keys", "openforiplinkclicks", "nodes"].enumerated() {
            JSONOut.appendKey(name, to: &out, first: i == 0)
            JSONOut.appendString(context.call.links.list(name), to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return Reply.json(200, out, allow: context.call.route.allowHeader).response(for: context)
    }
}
