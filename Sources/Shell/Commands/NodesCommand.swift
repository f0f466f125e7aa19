import OpenportAPI

/// `nodes`: openport's server nodes.
struct NodesCommand: ListingCommand {
    static let resource = Resource.nodes
    static let spec = CommandSpec(
        name: "nodes", synopsis: "nodes", summary: "openport's server nodes (no token needed)",
        details: "Fields: name, public_ip, status, public_dns_name.",
        examples: [("nodes", "every node"), ("nodes | where status = active | select name,public_dns_name", "the active nodes' names")],
        isSource: true, reads: .listing(.nodes))
}
