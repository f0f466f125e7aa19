import OpenportAPI
import Query
import Records

/// `get PATH`: any API path; a list feeds the pipeline like a listing command.
struct GetCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "get", synopsis: "get PATH", summary: "GET any API path; a list feeds the pipeline",
        examples: [StageExample("get keys/374/", shows: "one key as the API returns it", result: .contains("\"id\": 374")),
                   StageExample("get sessions/ | count", shows: "a list path works like a command", result: .value("300"))],
        arguments: .apiPath, isSource: true, reads: .path)

    let path: String

    static func parse(_ invocation: Invocation) throws -> GetCommand {
        let args = invocation.arguments
        guard let arg = args.first, args.count == 1 else {
            throw spec.usage("for example: get keys/374/")
        }
        // `keys/?limit=1` reads as an assignment; the path is the whole of it.
        if case .assignment(let name, let value, _) = arg.kind { return GetCommand(path: name + "=" + value) }
        return GetCommand(path: arg.text)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let pipeline = invocation.pipeline
        // A DRF list is scanned like a resource (pages in order, retries, every `next`),
        // unless the path asks for one page itself (limit= or offset=).
        let onePage = path.contains("limit=") || path.contains("offset=")
        // `keys/349/` names one record (DRF's detail route ends with its id): no paging.
        let bare = path.split(separator: "?").first.map(String.init) ?? path
        let detail = bare.split(separator: "/").last.map { $0.allSatisfy(\.isNumber) } ?? false
        if !onePage, !detail {
            let listed = context.client.scan(path: path, limit: context.settings.pageSize, concurrency: context.settings.concurrency)
            do {
                var records: [Record] = []
                for try await batch in listed { records += batch }
                try await context.pipelines.run(pipeline, from: .records(records, resource: Resource(path: path)))
                return .ok
            } catch let error as APIError where error.kind == .notAList {
                // Not a list: shown as it is, below.
            }
        }
        let value = try await context.client.get(path: path)
        if let records = Page.rows(of: value) {
            try await context.pipelines.run(pipeline, from: .records(records, resource: Resource(path: path)))
        } else if pipeline.stages.isEmpty {
            try await context.pipelines.emit(JSONWriter.pretty(value) + "\n", pipeline: pipeline)
        } else {
            throw ShellError("GET \(path) is not a list, so stages cannot follow it")
        }
        return .ok
    }
}
