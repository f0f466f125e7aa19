import Foundation

/// The HTTP proxy opsh reaches the API through.
///
/// opsh always asks the proxy for a tunnel (`CONNECT host:port`), for https:// and http://
/// alike, so the proxy sees the API's host and port but never a path, a query or the token.
/// Over https:// the tunnel carries TLS end to end; over plain http:// the bytes in the tunnel
/// are clear text, which is why ``APIConfig/validate()`` refuses to send a token that way
/// unless the proxy and the API are both on this machine.
public struct ProxyServer: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// From `http://USER:PASSWORD@host:port`, percent-decoded; sent as `Proxy-Authorization: Basic`.
    public var username: String?
    public var password: String?
    /// Where the setting came from, for messages: `HTTPS_PROXY`, `the profile's proxy`.
    public var origin: String

    /// `host:port`, never the credentials: the only way a proxy is shown.
    public var shown: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The credentials, for the ``Redactor``.
    public var secrets: [String] {
        var out: [String] = []
        if let password, !password.isEmpty {
            out.append(password)
            if let encoded = password.addingPercentEncodingForQuery(), encoded != password { out.append(encoded) }
        }
        return out
    }

    /// curl's default when a proxy URL names no port.
    public static let defaultPort = 1080

    /// Reads `http://[USER:PASSWORD@]HOST[:PORT][/]` or `HOST[:PORT]`.
    public static func parse(_ text: String, origin: String) throws(APIError) -> ProxyServer {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if let scheme = rest.range(of: "://") {
            let name = rest[..<scheme.lowerBound].lowercased()
            guard name == "http" else {
                throw APIError(.usage, "the proxy in \(origin) is \(name)://; opsh talks to proxies over http:// only"
                    + " (the tunnel inside still carries https://): set it to http://HOST:PORT")
            }
            rest = rest[scheme.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                username = String(userinfo[..<colon]).removingPercentEncoding ?? String(userinfo[..<colon])
                let p = userinfo[userinfo.index(after: colon)...]
                password = String(p).removingPercentEncoding ?? String(p)
            } else {
                username = String(userinfo).removingPercentEncoding ?? String(userinfo)
            }
        }
        guard let (host, port) = ProxyServer.hostAndPort(rest, defaultPort: defaultPort), !host.isEmpty else {
            throw APIError(.usage, "the proxy in \(origin) is not HOST:PORT or http://HOST:PORT; check \(origin)")
        }
        return ProxyServer(host: host, port: port, username: username, password: password, origin: origin)
    }

    /// `host`, `host:port`, `[v6]`, `[v6]:port` → host (no brackets) and port.
    static func hostAndPort(_ text: Substring, defaultPort: Int) -> (String, Int)? {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if after.isEmpty { return (host, defaultPort) }
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let colon = text.firstIndex(of: ":") {
            guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
            return (String(text[..<colon]), port)
        }
        return (String(text), defaultPort)  // a bare name, or a bare IPv6 address
    }
}

/// Picks the proxy for the API from the environment and the profile, as curl and most tools do.
///
/// - https:// uses `https_proxy`, then `HTTPS_PROXY`; http:// uses `http_proxy`, then `HTTP_PROXY`;
///   either falls back to `all_proxy`/`ALL_PROXY`, then the profile's `proxy`. Empty means unset.
/// - `no_proxy`/`NO_PROXY` lists hosts to reach directly, comma-separated: `*` (every host),
///   `example.org` or `.example.org` (that host and every host under it), an IP address
///   (`127.0.0.1`, `::1` or `[::1]`), any of these with `:PORT` (only that port).
public enum ProxySelection {
    public static func proxy(for url: String, environment: [String: String],
                             profileProxy: String?) throws(APIError) -> ProxyServer? {
        guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else { return nil }
        let https = parts.scheme?.lowercased() == "https"
        let port = parts.port ?? (https ? 443 : 80)
        let names = https ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy", "HTTP_PROXY"]
        var chosen: (text: String, origin: String)?
        for name in names + ["all_proxy", "ALL_PROXY"] {
            if let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty {
                chosen = (value, name)
                break
            }
        }
        if chosen == nil, let profileProxy, !profileProxy.isEmpty { chosen = (profileProxy, "the profile's proxy") }
        guard let chosen else { return nil }
        for name in ["no_proxy", "NO_PROXY"] {
            if let list = environment[name], !list.isEmpty {
                if bypasses(host: host, port: port, noProxy: list) { return nil }
                break
            }
        }
        return try ProxyServer.parse(chosen.text, origin: chosen.origin)
    }

    /// Whether `host:port` is on the `NO_PROXY` list.
    public static func bypasses(host: String, port: Int, noProxy: String) -> Bool {
        let target = normalized(host)
        for raw in noProxy.split(separator: ",") {
            var entry = Substring(raw.trimmingCharacters(in: .whitespaces))
            if entry.isEmpty { continue }
            if entry == "*" { return true }
            // An optional :PORT, except inside a bare IPv6 address.
            var entryPort: Int?
            if entry.hasPrefix("[") || entry.filter({ $0 == ":" }).count == 1 {
                guard let (h, p) = ProxyServer.hostAndPort(entry, defaultPort: -1) else { continue }
                entry = Substring(h)
                entryPort = p == -1 ? nil : p
            }
            if let entryPort, entryPort != port { continue }
            if entry.hasPrefix("*.") { entry = entry.dropFirst(2) } else if entry.hasPrefix(".") { entry = entry.dropFirst() }
            let name = normalized(String(entry))
            if name.isEmpty { continue }
            if target == name { return true }
            // A suffix matches names only; an IP address matches itself alone.
            if !isIPAddress(target), !isIPAddress(name), target.hasSuffix("." + name) { return true }
        }
        return false
    }

    static func normalized(_ host: String) -> String {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        while h.hasSuffix(".") { h.removeLast() }
        return h
    }

    static func isIPAddress(_ s: String) -> Bool {
        if s.contains(":") { return true }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
