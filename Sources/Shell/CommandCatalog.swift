/// One command of the shell, as `help`, completion and "did you mean" know it.
public struct CommandSpec: Sendable {
    /// What the command's arguments are, for completion.
    public enum Arguments: Sendable {
        case none
        case resource
        case keyRef
        case keySubcommand
        case setting
        case topic
        case port
        case apiPath
    }

    public var name: String
    public var aliases: [String] = []
    public var synopsis: String
    public var summary: String
    public var details: String = ""
    public var examples: [(line: String, says: String)] = []
    public var arguments: Arguments = .none
    /// Whether its output is records that stages can follow.
    public var isSource = false
}

/// Every command, in the order `help` lists them. The one place commands are named.
public enum CommandCatalog {
    public static let all: [CommandSpec] = [
        CommandSpec(
            name: "sessions", synopsis: "sessions", summary: "your live port-forwarding sessions",
            details: "Fields: key (the key's URL; key.name, key.id ... follow it), port, local_port, server, http_forwarding_address, open_port_for_ip_link, redirect_url.",
            examples: [("sessions | where local_port=22 | select port,server,key.name", "which SSH sessions are open, and from which key"),
                       ("sessions | count", "how many sessions are live")],
            arguments: .none, isSource: true),
        CommandSpec(
            name: "keys", synopsis: "keys [ID|NAME|add|set|replace|rm]",
            summary: "your SSH keys; one key; create, change, delete",
            details: """
            keys                               every key
            keys ID|NAME                       one key, with its live sessions and click count
            keys add name=NAME public_key=@FILE   create a key (or public_key="ssh-ed25519 AAAA...")
            keys set ID|NAME name=NEW          change fields (PATCH)
            keys replace ID|NAME name=.. public_key=..   replace the key (PUT)
            keys rm ID|NAME ... [--yes]        delete keys (asks first; scripts need --yes)
            Fields: url, public_key, name, id, last_connection_time, creation_time, redirect_token, bytes_this_month, counter_reset_time.
            """,
            examples: [("keys | where name ~ pi | select id,name,last_connection_time", "keys whose name mentions pi"),
                       ("keys | sort -last_connection_time | first 5", "the five keys seen most recently")],
            arguments: .keySubcommand, isSource: true),
        CommandSpec(
            name: "clicks", aliases: ["openforiplinkclicks"], synopsis: "clicks",
            summary: "the log of clicks on open-for-IP links",
            details: "Fields: port, source_ip, timestamp, key_name. The order the server lists them in is not defined: sort when order matters.",
            examples: [("clicks | where port=6260 | count", "clicks on port 6260's link"),
                       ("clicks | where timestamp > -7d | group source_ip | first 5", "who clicked most this week"),
                       ("clicks | where source_ip in 10.0.0.0/8 | count", "clicks from a private range")],
            arguments: .none, isSource: true),
        CommandSpec(
            name: "nodes", synopsis: "nodes", summary: "openport's server nodes (no token needed)",
            details: "Fields: name, public_ip, status, public_dns_name.",
            examples: [("nodes", "every node"), ("nodes | where status != active", "nodes that are not active")],
            arguments: .none, isSource: true),
        CommandSpec(
            name: "get", synopsis: "get PATH", summary: "GET any API path; a list feeds the pipeline",
            examples: [("get keys/349/", "one key as the API returns it"), ("get sessions/ | count", "a list path works like a command")],
            arguments: .apiPath, isSource: true),
        CommandSpec(
            name: "watch", synopsis: "watch [SECONDS] [--times N] LINE",
            summary: "rerun a listing every few seconds, redrawn in place, changes marked",
            details: """
            Reruns LINE (a listing: sessions, keys, clicks or nodes, with its stages) every
            SECONDS (2 when left out) with fresh rows, like watch(1): at a terminal the screen
            is redrawn in place and the lines that changed since the last run are shown in
            reverse video; elsewhere each run is printed after a header. Ctrl-C stops it and
            keeps the cache. --times N stops after N runs (for scripts).
            """,
            examples: [("watch 10 sessions | count", "the number of live sessions, every 10 seconds"),
                       ("watch 30 clicks | where timestamp > -1h | group port | first 5", "the busiest ports of the last hour")],
            arguments: .none, isSource: true),
        CommandSpec(
            name: "open", synopsis: "open PORT", summary: "a session's links (not visited)",
            examples: [("open 6260", "the links of the session on port 6260")],
            arguments: .port),
        CommandSpec(
            name: "refresh", synopsis: "refresh [RESOURCE]", summary: "fetch again next time (only what is new, for clicks)",
            examples: [("refresh clicks", "refetch the click log next time"), ("refresh", "forget everything")],
            arguments: .resource),
        CommandSpec(
            name: "cache", synopsis: "cache [clear [RESOURCE]]", summary: "what is cached, in memory and on disk; clear removes it",
            examples: [("cache", "rows, age and size of each resource, in memory and on disk"),
                       ("cache clear clicks", "forget the click log (memory and disk)"), ("cache clear", "forget everything")]),
        CommandSpec(
            name: "set", synopsis: "set [NAME VALUE]", summary: "show or change settings: format, pager, timing, ...",
            examples: [("set format json", "print JSON when no renderer is named"), ("set ttl.clicks 5m", "keep clicks fresh for five minutes")],
            arguments: .setting),
        CommandSpec(
            name: "help", synopsis: "help [COMMAND|STAGE]", summary: "this list, or one command or stage with examples",
            examples: [("help where", "the where stage, its operators and case rules")],
            arguments: .topic),
        CommandSpec(name: "history", synopsis: "history [N]", summary: "the lines typed so far (the last N)"),
        CommandSpec(name: "exit", aliases: ["quit"], synopsis: "exit [STATUS]", summary: "leave opsh, with an exit status if given (Ctrl-D works too)"),
    ]

    /// The spec a word names (aliases included).
    public static func named(_ word: String) -> CommandSpec? {
        all.first { $0.name == word || $0.aliases.contains(word) }
    }

    /// Every name a line may start with.
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases } }
}
