import Foundation
import Records

/// The URL patterns of a DRF `DefaultRouter` (trailing slashes, lookup `[^/.]+`), with its
/// format suffix patterns: `keys.json`, `keys/374.json` (the slash after a suffix optional).
enum Route: Equatable {
    case root, sessions, keys, key(String), clicks, nodes

    static let prefix = "/api/v2/"

    static func match(_ path: String) -> Route? { matchWithFormat(path)?.route }

    /// The route, and the format its suffix names (`json` for `keys.json`), if any.
    static func matchWithFormat(_ path: String) -> (route: Route, format: String?)? {
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        if rest.isEmpty { return (.root, nil) }
        if let (stem, format) = formatSuffix(rest) {
            guard let route = stem.isEmpty ? .root : plain(stem.split(separator: "/", omittingEmptySubsequences: false)) else { return nil }
            return (route, format)
        }
        guard rest.hasSuffix("/") else { return nil }
        return plain(rest.dropLast().split(separator: "/", omittingEmptySubsequences: false)).map { ($0, nil) }
    }

    /// `STEM.FORMAT` or `STEM.FORMAT/`, FORMAT being `[a-z0-9]+` (DRF's `format_suffix_patterns`).
    static func formatSuffix(_ rest: Substring) -> (Substring, String)? {
        let body = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard let dot = body.lastIndex(of: "."), !body[dot...].contains("/") else { return nil }
        let format = body[body.index(after: dot)...]
        guard !format.isEmpty, format.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }) else { return nil }
        return (body[..<dot], String(format))
    }

    static func plain(_ parts: [Substring]) -> Route? {
        switch parts.count {
        case 1:
            switch parts[0] {
            case "sessions": return .sessions
            case "keys": return .keys
            case "openforiplinkclicks": return .clicks
            case "nodes": return .nodes
            default: return nil
            }
        case 2:
            guard parts[0] == "keys", !parts[1].isEmpty, !parts[1].contains(".") else { return nil }
            return .key(String(parts[1]))
        default:
            return nil
        }
    }

    /// DRF `allowed_methods`, in `http_method_names` order.
    var allowed: [String] {
        switch self {
        case .root, .sessions, .clicks, .nodes: return ["GET", "HEAD", "OPTIONS"]
        case .keys: return ["GET", "POST", "HEAD", "OPTIONS"]
        case .key: return ["GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        }
    }

    var allowHeader: String { allowed.joined(separator: ", ") }

    /// Every view needs a paying account but nodes/, which takes anyone (a token given is
    /// still checked: DRF authenticates before it asks the view's permissions).
    var needsAccount: Bool { self != .nodes }

    /// The path the API's router knows the route by (a key's id is read from the route).
    var canonicalPath: String {
        switch self {
        case .root: return Route.prefix
        case .sessions: return Route.prefix + "sessions/"
        case .keys: return Route.prefix + "keys/"
        case .key: return Route.prefix + "keys/0/"
        case .clicks: return Route.prefix + "openforiplinkclicks/"
        case .nodes: return Route.prefix + "nodes/"
        }
    }

    /// DRF's view name, shown by OPTIONS.
    var viewName: String {
        switch self {
        case .root: return "Api Root"
        case .sessions: return "Session List"
        case .keys: return "Key List"
        case .key: return "Key Instance"
        case .clicks: return "Open For Ip Link Click List"
        case .nodes: return "Node List"
        }
    }
}

/// What a handler needs to know about a request.
struct APIRequest {
    var method: String
    var route: Route
    /// `http://HOST/api/v2/` from the Host header.
    var apiBase: String
    /// `http://HOST` + the request path (DRF `build_absolute_uri()` without the query).
    var absolutePath: String
    var query: Query
    var authorization: String?
    var contentType: String?
    var body: [UInt8]
    /// The format a suffix named (`keys.json`).
    var suffixFormat: String? = nil

    /// How hyperlinks to keys are written for this request (DRF's `reverse` with the request).
    var links: Links { Links(apiBase: apiBase, suffix: suffixFormat, formatQuery: query["format"]) }
}

/// DRF's `reverse()` for this request: a format suffix is kept (`keys/374.json`), and so is a
/// `?format=` query (`keys/374/?format=json`, `preserve_builtin_query_params`).
struct Links {
    var apiBase: String
    var suffix: String?
    var formatQuery: String?

    func list(_ name: String) -> String { finish(apiBase + name + (suffix.map { ".\($0)" } ?? "/")) }

    func key(_ id: Int) -> String { finish(apiBase + "keys/\(id)" + (suffix.map { ".\($0)" } ?? "/")) }

    private func finish(_ url: String) -> String {
        guard let formatQuery else { return url }
        return url + "?" + Query("").encodedSorted(replacing: "format", with: formatQuery)
    }
}

