import OpenportAPI
import Query

/// A command that lists a resource through the session cache, for stages to follow:
/// `sessions`, `clicks`, `nodes` (`keys` lists too, and does more). Ending in `| follow`,
/// the line watches for what is new instead (see ``Follower``).
protocol ListingCommand: ShellCommand, Equatable {
    static var resource: Resource { get }
    init()
}

extension ListingCommand {
    static func parse(_ invocation: Invocation) throws -> Self {
        try invocation.expectNoArguments()
        return Self()
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let pipeline = invocation.pipeline
        if pipeline.stages.last?.stage is Follow {
            try await Follower(context: context).follow(pipeline, line: invocation.line, resource: Self.resource)
        } else {
            try await context.pipelines.run(pipeline, from: .resource(Self.resource))
        }
        return .ok
    }
}
