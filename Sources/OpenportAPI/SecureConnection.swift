import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// HTTPS and proxies: the TLS and proxy parts of the client's configuration, and their
/// failures turned into one line that names the host, the cause in plain words and what to do.
///
/// Errors are recognised by their types (`NIOSSLError`, `NIOSSLExtraError`,
/// `HTTPClientError`, `NIOConnectionError`), never shown as BoringSSL prints them.
enum SecureConnection {
    /// Trust roots and the proxy, on the client's HTTP configuration.
    static func configure(_ http: inout HTTPClient.Configuration, for config: APIConfig) throws(APIError) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let authorities = config.certificateAuthorities {
            tls.trustRoots = .certificates(try authorities.load())
        }
        http.tlsConfiguration = tls
        // HTTP/1.1 even when a server offers HTTP/2: `make bench` measured 8 pooled connections
        // faster than 8 streams on one connection for a full scan (README, Performance).
        http.httpVersion = .http1Only
        if let proxy = config.proxy {
            // AsyncHTTPClient asks an HTTP proxy for a CONNECT tunnel, for http:// as for https://.
            http.proxy = .server(host: proxy.host, port: proxy.port,
                                 authorization: proxy.username.map { .basic(username: $0, password: proxy.password ?? "") })
        }
    }

    /// The API's host and port, as the URL gives them.
    struct Target {
        var host: String
        var port: Int
        var https: Bool

        init(_ config: APIConfig) {
            let parts = URLComponents(string: config.baseURL)
            host = parts?.host ?? config.host
            https = parts?.scheme?.lowercased() == "https"
            port = parts?.port ?? (https ? 443 : 80)
        }

        var shown: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
    }

    /// A message for a TLS or proxy failure, or nil for anything else.
    static func explain(_ error: any Error, config: APIConfig, redactor: Redactor) async -> APIError? {
        let target = Target(config)
        if let proxy = config.proxy, let e = proxyError(error, proxy: proxy, target: target) {
            return APIError(e.kind, redactor.redact(e.message))
        }
        if let e = await tlsError(error, config: config, target: target) {
            return APIError(.tls, redactor.redact(e))
        }
        return nil
    }

    // MARK: proxies

    static func proxyError(_ error: any Error, proxy: ProxyServer, target: Target) -> (kind: APIError.Kind, message: String)? {
        let named = "the proxy \(proxy.shown) (from \(proxy.origin))"
        let direct = "or add \(target.host) to NO_PROXY to connect directly"
        if let e = error as? HTTPClientError {
            switch e {
            case .proxyAuthenticationRequired:
                if proxy.username == nil {
                    return (.proxy, "\(named) wants a user name and password (407); add USER:PASSWORD@ before \(proxy.shown) in \(proxy.origin)")
                }
                return (.proxy, "\(named) refused the user name and password (407); check them in \(proxy.origin)")
            case .invalidProxyResponse:
                // Some proxies (tinyproxy) answer wrong credentials with 401 or 403, not 407.
                let credentials = proxy.username == nil ? "" : "the user name and password in \(proxy.origin), and "
                return (.proxy, "\(named) refused to open a tunnel to \(target.shown); check \(credentials)that it allows CONNECT to port \(target.port), \(direct)")
            case .httpProxyHandshakeTimeout:
                return (.transport, "\(named) did not open a tunnel to \(target.shown) in time; check the proxy, \(direct)")
            case .connectTimeout:
                return (.transport, "cannot connect to \(named): timed out; check the proxy setting, \(direct)")
            case .remoteConnectionClosed:
                return nil  // after the tunnel: the API's side
            default:
                break
            }
        }
        if let reason = connectFailure(error) {
            return (.transport, "cannot connect to \(named): \(reason); check the proxy setting, \(direct)")
        }
        return nil
    }

    /// Why a TCP connection could not be made, in words; nil when it was made.
    static func connectFailure(_ error: any Error) -> String? {
        if let e = error as? NIOConnectionError {
            let errnos = e.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            if errnos.contains(ECONNREFUSED) { return "connection refused" }
            if e.connectionErrors.isEmpty, e.dnsAError != nil || e.dnsAAAAError != nil { return "cannot find the host" }
            if errnos.contains(ENETUNREACH) || errnos.contains(EHOSTUNREACH) { return "network unreachable" }
            return "cannot connect"
        }
        if let e = error as? IOError, e.errnoCode == ECONNREFUSED { return "connection refused" }
        if let e = error as? ChannelError, case .connectTimeout = e { return "timed out" }
        return nil
    }

    // MARK: TLS

    static let trustHint = "give the authority's certificate with --cacert FILE, ca_file in the profile, or SSL_CERT_FILE"

    static func tlsError(_ error: any Error, config: APIConfig, target: Target) async -> String? {
        let host = target.host
        if let e = error as? NIOSSLExtraError, e == .failedToValidateHostname {
            let certified = await peerCertificate(config: config).map { Self.names(in: $0) } ?? []
            return mismatch(host: host, names: certified)
        }
        let reasons: [String]
        if let e = error as? NIOSSLError {
            switch e {
            case .handshakeFailed(let b): reasons = Self.reasons(b)
            case .noCertificateToValidate: return "\(host) sent no certificate; check the API URL"
            case .unableToValidateCertificate: reasons = ["CERTIFICATE_VERIFY_FAILED"]
            default: return nil  // unclean shutdowns and the like: the transport's business
            }
        } else if let b = error as? BoringSSLError {
            reasons = Self.reasons(b)
        } else {
            return nil
        }
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            return await verificationFailure(config: config, target: target)
        }
        if reasons.contains(where: { ["WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "PACKET_LENGTH_TOO_LONG", "RECORD_TOO_LARGE"].contains($0) }) {
            return "\(target.shown) does not speak TLS; if the API is served over plain HTTP, use an http:// URL (on loopback only)"
        }
        let words = reasons.first.map { " (" + $0.lowercased().replacingOccurrences(of: "_", with: " ") + ")" } ?? ""
        return "the TLS handshake with \(host) failed\(words); check the API URL, and \(trustHint)"
    }

    /// BoringSSL's reason codes (`CERTIFICATE_VERIFY_FAILED`), without numbers or file names.
    static func reasons(_ error: BoringSSLError) -> [String] {
        let stack: NIOBoringSSLErrorStack
        switch error {
        case .sslError(let s), .unknownError(let s), .invalidSNIName(let s), .failedToSetALPN(let s):
            stack = s
        default:
            return []
        }
        // "error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /path:123"
        return stack.compactMap { info in
            let text = String(describing: info)
            let head = text.components(separatedBy: " at ").first ?? text
            return head.split(separator: ":").last.map { String($0).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Says why a certificate failed verification: expired, not yet valid, another name, or an
    /// authority opsh does not trust, from a look at the certificate itself.
    static func verificationFailure(config: APIConfig, target: Target) async -> String {
        let host = target.host
        let trusted = config.certificateAuthorities.map { "the authorities in \($0.origin)" } ?? "the system's authorities"
        guard let leaf = await peerCertificate(config: config) else {
            return "cannot verify the certificate of \(host) with \(trusted); \(trustHint)"
        }
        let now = time(nil)
        if leaf.notValidAfter < now {
            return "the certificate of \(host) expired on \(day(leaf.notValidAfter)); the server must renew it (or this machine's clock is wrong)"
        }
        if leaf.notValidBefore > now {
            return "the certificate of \(host) is not valid before \(day(leaf.notValidBefore)); check this machine's clock"
        }
        let certified = names(in: leaf)
        if !certified.isEmpty, !certified.contains(where: { matches(host: host, name: $0) }) {
            return mismatch(host: host, names: certified)
        }
        let issuer = leaf.issuerName.first { $0.type == .commonName }?.value
        let subject = leaf.subjectName.first { $0.type == .commonName }?.value
        let selfSigned = leaf.issuerName == leaf.subjectName
        let by = selfSigned ? "is self-signed" + (subject.map { " (\"\($0)\")" } ?? "")
            : "is signed by an authority opsh does not trust" + (issuer.map { " (\"\($0)\")" } ?? "")
        return "the certificate of \(host) \(by), not by \(trusted); \(trustHint)"
    }

    static func mismatch(host: String, names: [String]) -> String {
        let listed = names.isEmpty ? "other names" : names.prefix(5).joined(separator: ", ")
        return "the certificate of \(host) is for \(listed), not \(host); use an API URL with a name the certificate holds (--api-url, OPENPORT_API_URL)"
    }

    static func day(_ t: time_t) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(t)))
    }

    /// The DNS names and IP addresses a certificate is for (its common name when it has none).
    static func names(in certificate: NIOSSLCertificate) -> [String] {
        let alternative: [String] = certificate._subjectAlternativeNames().compactMap { name in
            switch name.nameType {
            case .dnsName: return String(decoding: name.contents, as: UTF8.self)
            case .ipAddress: return address(Array(name.contents))
            default: return nil
            }
        }
        if !alternative.isEmpty { return alternative }
        return certificate.subjectName.filter { $0.type == .commonName }.map(\.value)
    }

    /// An IP address from its 4 or 16 bytes, as inet_ntop writes it.
    static func address(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        var text = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) != nil }
        return ok ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    static func matches(host: String, name: String) -> Bool {
        let h = ProxySelection.normalized(host), n = ProxySelection.normalized(name)
        if h == n { return true }
        if n.hasPrefix("*."), let dot = h.firstIndex(of: ".") { return h[dot...] == n.dropFirst() }
        return false
    }

    /// The server's certificate, read without verifying it, to say why verification failed.
    ///
    /// The probe connects as the client does (through the proxy, if any), completes the TLS
    /// handshake and closes the connection before the pool may use it: no request, no path
    /// and no token crosses it. Its answer only shapes a message; it is never trusted.
    static func peerCertificate(config: APIConfig) async -> NIOSSLCertificate? {
        final class Seen: Sendable { let certificate = Mutex<NIOSSLCertificate?>(nil) }
        struct Probed: Error {}
        let seen = Seen()
        var http = HTTPClient.Configuration()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        http.tlsConfiguration = tls
        http.httpVersion = .http1Only
        http.redirectConfiguration = .disallow
        http.timeout = .init(connect: .seconds(5), read: .seconds(5))
        http.connectionPool.retryConnectionEstablishment = false
        if let proxy = config.proxy {
            http.proxy = .server(host: proxy.host, port: proxy.port,
                                 authorization: proxy.username.map { .basic(username: $0, password: proxy.password ?? "") })
        }
        http.http1_1ConnectionDebugInitializer = { channel in
            channel.eventLoop.submit {
                let handler = try channel.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
                seen.certificate.withLock { $0 = handler.peerCertificate }
            }.flatMapThrowing { _ -> Void in throw Probed() }
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        let target = Target(config)
        var request = HTTPClientRequest(url: "https://\(target.shown)/")
        request.method = .HEAD
        _ = try? await client.execute(request, timeout: .seconds(10))
        try? await client.shutdown()
        return seen.certificate.withLock { $0 }
    }
}
