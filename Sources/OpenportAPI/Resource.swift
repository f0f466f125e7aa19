/// A list resource of API v2.
public enum Resource: String, CaseIterable, Sendable, Hashable {
    case sessions
    case keys
    case clicks
    case nodes

    /// The path under the API base, as DRF routes it (with the trailing slash).
    public var path: String {
        switch self {
        case .sessions: return "sessions/"
        case .keys: return "keys/"
        case .clicks: return "openforiplinkclicks/"
        case .nodes: return "nodes/"
        }
    }

    /// The resource an API path lists, if it is one opsh knows: its last segment is the
    /// resource's (`keys/`, `/api/v2/sessions/?x=1`, `openforiplinkclicks`). `monkeys/` is
    /// none, and `keys/349/` is one key, not the list. The one rule for `get PATH`'s rows and
    /// for how a scan of a path pages.
    public init?(path: String) {
        var p = Substring(path)
        if let q = p.firstIndex(of: "?") { p = p[..<q] }
        guard let last = p.split(separator: "/").last,
              let r = Resource.allCases.first(where: { $0.path == last + "/" }) else { return nil }
        self = r
    }

    /// Whether the resource needs the account's token (nodes/ answers without one).
    public var needsToken: Bool { self != .nodes }

    /// The resource a user word names: `clicks` and `openforiplinkclicks` are the same.
    public init?(word: String) {
        switch word {
        case "sessions": self = .sessions
        case "keys": self = .keys
        case "clicks", "openforiplinkclicks": self = .clicks
        case "nodes": self = .nodes
        default: return nil
        }
    }

    /// The fields the API documentation lists, in its order: what opsh can name before
    /// anything is fetched. Records may carry more, or fewer.
    public var documentedFields: [String] {
        switch self {
        case .sessions:
            return ["key", "port", "local_port", "server", "http_forwarding_address",
                    "open_port_for_ip_link", "redirect_url"]
        case .keys:
            return ["url", "public_key", "name", "id", "last_connection_time", "creation_time",
                    "redirect_token", "bytes_this_month", "counter_reset_time"]
        case .clicks:
            return ["port", "source_ip", "timestamp", "key_name"]
        case .nodes:
            return ["name", "public_ip", "status", "public_dns_name"]
        }
    }
}

extension Resource {
    /// The columns a table of this resource shows when the line chooses none: what a person
    /// wants first (`select *` shows every field; JSON and CSV always have every field).
    /// nil: every field (a node has four).
    public var shownByDefault: [String]? {
        switch self {
        case .keys: return ["id", "name", "last_connection_time", "bytes_this_month"]
        case .sessions: return ["port", "local_port", "server", "key.name"]
        case .clicks: return ["timestamp", "port", "source_ip", "key_name"]
        case .nodes: return nil
        }
    }

    /// The relations a dotted path can follow from this resource's records: `key.name` on a
    /// session or a click, `session.server` on a click. The one table that field checks,
    /// joins and completion read.
    public var relations: [String: Resource] {
        switch self {
        case .sessions: return ["key": .keys]
        case .clicks: return ["key": .keys, "session": .sessions]
        default: return [:]
        }
    }
}
