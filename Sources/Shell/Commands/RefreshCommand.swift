import OpenportAPI
import Query
import Records

/// `refresh [RESOURCE...]`: the next use fetches again (only what is new, for clicks).
struct RefreshCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "refresh", synopsis: "refresh [RESOURCE]", summary: "fetch again next time (only what is new, for clicks)",
        examples: [StageExample("refresh clicks", shows: "refetch the click log next time", result: .quiet),
                   StageExample("refresh", shows: "everything fetched afresh next time", result: .quiet)],
        arguments: .resources)

    let resources: [Resource]

    static func parse(_ invocation: Invocation) throws -> RefreshCommand {
        RefreshCommand(resources: try Invocation.resources(invocation.arguments, for: "refresh"))
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        if resources.isEmpty {
            context.cache.markAllStale()
            context.output.message("everything cached is stale now; the next command fetches afresh\n")
        }
        for r in resources { context.cache.markStale(r) }
        return .ok
    }
}
