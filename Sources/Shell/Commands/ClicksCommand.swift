import OpenportAPI
import Query

/// `clicks`: the log of clicks on open-for-IP links.
struct ClicksCommand: ListingCommand {
    static let resource = Resource.clicks
    static let spec = CommandSpec(
        name: "clicks", aliases: ["openforiplinkclicks"], synopsis: "clicks",
        summary: "the log of clicks on open-for-IP links",
        details: "The order the server lists them in is not defined: sort when order matters.", resource: .clicks,
        examples: [StageExample("clicks | where port=6260 | count", shows: "clicks on port 6260's link", result: .value("5874")),
                   StageExample("clicks | where timestamp > 2022-12-24 | group source_ip | first 5",
                                shows: "who clicked most since a day (-7d: this week)", result: .rows(5)),
                   StageExample("clicks | where source_ip in (10.0.0.0/8, 217.81.0.0/16) | count",
                                shows: "clicks from either of two networks", result: .value("11769"))],
        isSource: true, reads: .listing(.clicks))
}
