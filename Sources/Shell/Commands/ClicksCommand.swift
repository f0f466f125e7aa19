import OpenportAPI

/// `clicks`: the log of clicks on open-for-IP links.
struct ClicksCommand: ListingCommand {
    static let resource = Resource.clicks
    static let spec = CommandSpec(
        name: "clicks", aliases: ["openforiplinkclicks"], synopsis: "clicks",
        summary: "the log of clicks on open-for-IP links",
        details: "Fields: port, source_ip, timestamp, key_name. The order the server lists them in is not defined: sort when order matters.",
        examples: [("clicks | where port=6260 | count", "clicks on port 6260's link"),
                   ("clicks | where timestamp > 2022-12-24 | group source_ip | first 5", "who clicked most since a day (-7d: this week)"),
                   ("clicks | where source_ip in (10.0.0.0/8, 217.81.0.0/16) | count", "clicks from either of two networks")],
        isSource: true, reads: .listing(.clicks))
}
