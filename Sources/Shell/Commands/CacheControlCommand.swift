/// `cache`: what is cached (see the cache command's own file for what it does).
struct CacheControlCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "cache", synopsis: "cache [clear [RESOURCE]]", summary: "what is cached, in memory and on disk; clear removes it",
        examples: [("cache", "rows, age and size of each resource, in memory and on disk"),
                   ("cache clear clicks", "forget the click log (memory and disk)"), ("cache clear", "forget everything")],
        arguments: .subcommands(["clear": .resources]))

    static func parse(_ invocation: Invocation) throws -> CacheControlCommand { CacheControlCommand() }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        try await shell.cacheCommand(invocation.arguments, pipeline: invocation.pipeline)
        return .ok
    }
}
