import Foundation

/// Something the API, the network or the user's settings refused, with a message a person can act on.
///
/// The message never contains the token: every URL in it went through ``Redactor``.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 401: no token, or a token the server does not know.
        case unauthorized
        /// 403: the token is valid but may not do this (a non-paying account).
        case forbidden
        case notFound
        case methodNotAllowed
        /// 400 with per-field messages.
        case validation
        /// 429.
        case throttled
        /// 5xx.
        case server
        /// Other 4xx/3xx.
        case unexpectedStatus
        /// The server answered 2xx with a body that is not the JSON expected.
        case badResponse
        /// The server answered 2xx with JSON that is not a list (one record, a message) where
        /// a list was asked for. Not retried: asking again gives the same.
        case notAList
        /// No answer: refused connection, DNS failure, timeout, reset.
        case transport
        /// A setting is wrong (bad URL, token over http).
        case usage
        /// The server's certificate cannot be trusted (unknown authority, expired, another
        /// name) or the TLS handshake failed. Not retried.
        case tls
        /// The proxy refused the tunnel or wants credentials. Not retried.
        case proxy
        /// The user cancelled (Ctrl-C).
        case cancelled
    }

    public var kind: Kind
    /// The HTTP status, when there was an answer.
    public var status: Int?
    /// One line, for people.
    public var message: String
    /// Per-field messages of a 400, in the server's order.
    public var fieldErrors: [(field: String, messages: [String])]
    /// Seconds the server asked to wait (429 `Retry-After`).
    public var retryAfter: Double?
    /// For ``Kind/transport``: what went wrong on the way (a timeout, a closed connection…).
    public var transport: TransportFailure?

    public init(_ kind: Kind, _ message: String, status: Int? = nil,
                fieldErrors: [(field: String, messages: [String])] = [], retryAfter: Double? = nil,
                transport: TransportFailure? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
        self.fieldErrors = fieldErrors
        self.retryAfter = retryAfter
        self.transport = transport
    }

    public var description: String { message }

    /// Whether trying the same idempotent request again may help.
    public var isTransient: Bool {
        switch kind {
        case .throttled: return true
        case .transport: return transport?.isTransient ?? true
        case .server: return status.map { [502, 503, 504].contains($0) } ?? false
        case .badResponse: return true
        default: return false
        }
    }
}

/// Removes the token from anything that may reach a person: URLs, messages, bodies.
public struct Redactor: Sendable {
    public let token: String?
    /// Other secrets to blank out: a proxy's password.
    public let secrets: [String]

    public init(token: String?, secrets: [String] = []) {
        self.token = token
        self.secrets = secrets.filter { !$0.isEmpty }
    }

    /// Tokens shorter than this are not secrets worth hunting for in prose: blanking `a` or
    /// `token` everywhere would mangle messages (`Invalid***token.`). They are still blanked
    /// in `token=` parameters, like any token.
    public static let minimumSecretLength = 6

    /// `?token=SECRET` becomes `?token=***`, and a token long enough to be a secret is blanked
    /// wherever it appears as a whole word; so are the other secrets, and the credentials in
    /// any `scheme://USER:PASSWORD@host`.
    public func redact(_ text: String) -> String {
        var out = Redactor.redactUserinfo(text)
        if let token, token.count >= Redactor.minimumSecretLength {
            out = out.replacingWords(token, with: "***")
            if let encoded = token.addingPercentEncodingForQuery(), encoded != token {
                out = out.replacingWords(encoded, with: "***")
            }
        }
        for secret in secrets { out = out.replacingAll(secret, with: "***") }
        // Any token= query value, even one we were not given (a `next` link from elsewhere).
        var result = ""
        var rest = Substring(out)
        while let r = rest.range(of: "token=") {
            result += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            let end = rest.firstIndex(where: { $0 == "&" || $0 == "#" || $0 == " " || $0 == "\"" || $0 == "'" }) ?? rest.endIndex
            if rest.startIndex != end { result += "***" }
            rest = rest[end...]
        }
        result += rest
        return result
    }

    /// `http://user:pass@proxy:3128` becomes `http://***@proxy:3128`.
    static func redactUserinfo(_ text: String) -> String {
        guard text.contains("@"), text.contains("://") else { return text }
        var result = ""
        var rest = Substring(text)
        while let r = rest.range(of: "://") {
            result += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            let authorityEnd = rest.firstIndex(where: { "/?# \"'".contains($0) }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                result += "***"
                rest = rest[at...]
            }
        }
        result += rest
        return result
    }
}

extension String {
    /// Replaces `target` where it is not part of a longer word (letters, digits, `-`, `_`).
    func replacingWords(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        func isWordChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "-" || c == "_" }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            let before = r.lowerBound > rest.startIndex ? rest[rest.index(before: r.lowerBound)] : (result.last ?? " ")
            let after = r.upperBound < rest.endIndex ? rest[r.upperBound] : " "
            let whole = !(isWordChar(before) && isWordChar(target.first!)) && !(isWordChar(after) && isWordChar(target.last!))
            result += rest[..<r.lowerBound]
            result += whole ? replacement : String(rest[r])
            rest = rest[r.upperBound...]
        }
        result += rest
        return result
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        result += rest
        return result
    }

    /// Percent-encodes for a query value: everything but RFC 3986 unreserved characters.
    func addingPercentEncodingForQuery() -> String? {
        addingPercentEncoding(withAllowedCharacters: unreservedCharacters)
    }
}

/// RFC 3986's unreserved characters: what a query value keeps as it is.
private let unreservedCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
