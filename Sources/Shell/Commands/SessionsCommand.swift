import OpenportAPI

/// `sessions`: the live port-forwarding sessions.
struct SessionsCommand: ListingCommand {
    static let resource = Resource.sessions
    static let spec = CommandSpec(
        name: "sessions", synopsis: "sessions", summary: "your live port-forwarding sessions",
        details: "Fields: key (the key's URL; key.name, key.id ... follow it), port, local_port, server, http_forwarding_address, open_port_for_ip_link, redirect_url.",
        examples: [("sessions | where local_port=22 | select port,server,key.name", "which SSH sessions are open, and from which key"),
                   ("sessions | count", "how many sessions are live")],
        isSource: true, reads: .listing(.sessions))
}
