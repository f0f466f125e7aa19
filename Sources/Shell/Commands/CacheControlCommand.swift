/// `cache`: what is cached (see the cache command's own file for what it does).
struct CacheControlCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "cache", synopsis: "cache", summary: "what is cached: rows, age, size, fetch time",
        examples: [("cache", "show the cache")])

    static func parse(_ invocation: Invocation) throws -> CacheControlCommand { CacheControlCommand() }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        try await shell.cacheCommand(invocation.arguments, pipeline: invocation.pipeline)
        return .ok
    }
}
