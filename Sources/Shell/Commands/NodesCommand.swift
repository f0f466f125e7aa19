import OpenportAPI
import Query

/// `nodes`: openport's server nodes.
struct NodesCommand: ListingCommand {
    static let resource = Resource.nodes
    static let spec = CommandSpec(
        name: "nodes", synopsis: "nodes", summary: "openport's server nodes (no token needed)", resource: .nodes,
        examples: [StageExample("nodes", shows: "every node", result: .rows(3)),
                   StageExample("nodes | where status = active | select name,public_dns_name", shows: "the active nodes' names",
                                result: .rows(3))],
        isSource: true, reads: .listing(.nodes))
}
