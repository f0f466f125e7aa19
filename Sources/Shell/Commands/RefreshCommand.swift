import OpenportAPI
import Query
import Records

/// `refresh [RESOURCE...]`: the next use fetches again (only what is new, for clicks).
struct RefreshCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "refresh", synopsis: "refresh [RESOURCE]", summary: "fetch again next time (only what is new, for clicks)",
        examples: [("refresh clicks", "refetch the click log next time"), ("refresh", "forget everything")],
        arguments: .resources)

    let resources: [Resource]

    static func parse(_ invocation: Invocation) throws -> RefreshCommand {
        RefreshCommand(resources: try Invocation.resources(invocation.arguments, for: "refresh"))
    }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        if resources.isEmpty {
            shell.cache.markAllStale()
            shell.output.message("everything cached is stale now; the next command fetches afresh\n")
        }
        for r in resources { shell.cache.markStale(r) }
        return .ok
    }
}
