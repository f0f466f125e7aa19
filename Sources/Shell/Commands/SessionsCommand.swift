import OpenportAPI
import Query

/// `sessions`: the live port-forwarding sessions.
struct SessionsCommand: ListingCommand {
    static let resource = Resource.sessions
    static let spec = CommandSpec(
        name: "sessions", synopsis: "sessions", summary: "your live port-forwarding sessions", resource: .sessions,
        examples: [StageExample("sessions | where local_port=22 | select port,server,key.name",
                                shows: "which SSH sessions are open, and from which key", result: .rows(169)),
                   StageExample("sessions | count", shows: "how many sessions are live", result: .value("300"))],
        isSource: true, reads: .listing(.sessions))
}
