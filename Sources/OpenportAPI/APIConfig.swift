import Foundation

/// Where the API is and how to talk to it.
public struct APIConfig: Sendable {
    /// The API base, always ending in `/`: `https://api.openport.io/api/v2/`.
    public var baseURL: String
    /// The account's token, sent as `?token=`; nil for none.
    public var token: String?
    /// How many rows to ask for a page (the server may send fewer).
    public var pageSize: Int = 1000
    /// How many pages to fetch at once.
    public var concurrency: Int = 8
    /// Seconds to wait for a connection, and for each read.
    public var connectTimeout: Double = 10
    public var readTimeout: Double = 30
    /// How many times a failed idempotent request is tried in all, and for how long at most.
    public var maxAttempts: Int = 4
    public var retryBudget: Double = 30
    /// Allow sending the token over plain http:// to a host that is not loopback.
    public var allowInsecureHTTP: Bool = false
    /// The authorities trusted for https://; nil for the system's (see ``CertificateAuthorities``).
    public var certificateAuthorities: CertificateAuthorities?
    /// The proxy to tunnel through; nil to connect directly (see ``ProxySelection``).
    public var proxy: ProxyServer?
    /// Where the token and the URL were set, for messages (`profile 'work' in FILE`,
    /// `OPENPORT_TOKEN`, `--token`); nil when not known (the URL: opsh's default).
    public var tokenOrigin: ConfigOrigin?
    public var urlOrigin: ConfigOrigin?

    public static let defaultBaseURL = "https://api.openport.io/api/v2/"

    public init(baseURL: String = APIConfig.defaultBaseURL, token: String? = nil) {
        self.baseURL = APIConfig.normalize(baseURL)
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Adds the trailing slash DRF routes need.
    public static func normalize(_ url: String) -> String {
        var u = url.trimmingCharacters(in: .whitespaces)
        if !u.hasSuffix("/") { u += "/" }
        return u
    }

    /// The host the API lives on, for prompts and messages.
    public var host: String { URLComponents(string: baseURL)?.host ?? baseURL }

    /// Checks the base URL, and that the token will not travel in clear text.
    public func validate() throws(APIError) {
        guard let parts = URLComponents(string: baseURL), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty
        else {
            let origin = urlOrigin.map { " (from \($0.text))" } ?? ""
            throw APIError(.usage, "the API URL '\(Redactor(token: token).redact(baseURL))'\(origin) is not an http(s) URL; give one like \(APIConfig.defaultBaseURL)")
        }
        if scheme == "http", token != nil, !allowInsecureHTTP, !APIConfig.isLoopback(host) {
            throw APIError(.usage, "refusing to send the token over plain http:// to \(host); use https://, or --allow-insecure-http if you really mean it")
        }
        // The tunnel through a proxy carries plain http:// as clear text: the token may cross
        // the network on its way to the proxy. Only when both are on this machine does it not.
        if scheme == "http", token != nil, !allowInsecureHTTP, let proxy, !APIConfig.isLoopback(proxy.host) {
            throw APIError(.usage, "refusing to send the token over plain http:// through the proxy \(proxy.shown) (from \(proxy.origin)); use https://, add \(host) to NO_PROXY, or --allow-insecure-http if you really mean it")
        }
    }

    /// What to say when there is no token and the API needs one.
    public static let noToken = "no token: run 'opsh login' to store your account's API token, or set OPENPORT_TOKEN (nodes works without one)"

    /// Whether `url` (on this API) can be asked without a token: only nodes/ can.
    func answersWithoutToken(_ url: String) -> Bool {
        let relative = url.hasPrefix(baseURL) ? String(url.dropFirst(baseURL.count)) : url
        return Resource(path: relative) == .nodes
    }

    /// Whether `host` is this machine by its spelling alone: an IPv4 literal in 127.0.0.0/8,
    /// the IPv6 literal `::1` (bracketed or not), or exactly `localhost`. A name is looked up
    /// by DNS, which the token must not depend on: `127.evil.example`, `localhost.evil.example`
    /// and `localhost.` are not loopback.
    public static func isLoopback(_ host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, h, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, h, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
    }
}

/// Where a setting of the API came from, in words a message can use, and what to do when it
/// is wrong.
public struct ConfigOrigin: Sendable, Equatable {
    /// `profile 'work' in ~/.config/opsh/config.toml`, `OPENPORT_TOKEN`, `--api-url`.
    public var text: String
    /// How to give a new token there: `'opsh login --profile work' stores a new one`.
    public var remedy: String

    public init(_ text: String, remedy: String = "") {
        self.text = text
        self.remedy = remedy
    }
}
