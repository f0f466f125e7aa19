import AsyncHTTPClient
import NIOCore
import NIOHTTP1
#if canImport(NIOPosix)
import NIOPosix
#endif
#if canImport(NIOSSL)
import NIOSSL
#endif

/// Why a request got no usable answer, read from the error's type (never from its text).
///
/// One case per thing a person can act on; a new transport (TLS options, a proxy) adds its
/// error types to ``classify(_:answerStarted:cancelled:)`` and, if it needs one, a case here.
public enum TransportFailure: Sendable, Equatable {
    /// The user cancelled (Ctrl-C): not a failure of the network.
    case cancelled
    /// No connection within the connect timeout.
    case connectTimeout
    /// Connected, but no (complete) answer within the read timeout or the request's deadline.
    case timedOut
    /// Nothing listens there.
    case refused
    /// The server closed or reset the connection before answering.
    case closed
    /// The answer began, but the connection ended before its body was complete.
    case cutOff
    /// The name does not resolve.
    case hostNotFound
    /// The TLS handshake or session failed.
    case tls
    /// Something else: the error's type name, for a bug report.
    case other(String)

    /// Whether trying the same idempotent request again may help.
    public var isTransient: Bool {
        switch self {
        case .cancelled: return false
        case .connectTimeout, .timedOut, .refused, .closed, .cutOff, .hostNotFound, .tls, .other: return true
        }
    }

    /// Whether the server (or the path to it) seems overloaded: a reason to send less at once.
    public var suggestsOverload: Bool { self == .timedOut || self == .connectTimeout }

    /// The failure behind `error`. `answerStarted`: the status line had arrived (so a closed
    /// connection cut the body off). `cancelled`: the task running the request was cancelled
    /// (AsyncHTTPClient reports its own deadline as `.cancelled` too: that one is a timeout).
    public static func classify(_ error: any Error, answerStarted: Bool, cancelled: Bool) -> TransportFailure {
        if cancelled || error is CancellationError { return .cancelled }
        if let e = error as? HTTPClientError {
            switch e {
            case .cancelled, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return .timedOut
            case .connectTimeout, .tlsHandshakeTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return .connectTimeout
            case .remoteConnectionClosed, .bodyLengthMismatch:
                return answerStarted ? .cutOff : .closed
            default:
                return .other("HTTPClientError.\(e.shortName)")
            }
        }
        if let e = error as? ChannelError {
            switch e {
            case .connectTimeout: return .connectTimeout
            case .eof, .ioOnClosedChannel, .alreadyClosed, .inputClosed, .outputClosed:
                return answerStarted ? .cutOff : .closed
            default: return .other("ChannelError")
            }
        }
        if let e = error as? IOError { return classify(errno: e.errnoCode, answerStarted: answerStarted) }
        if error is HTTPParserError { return answerStarted ? .cutOff : .closed }
        #if canImport(NIOPosix)
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first {
                return classify(first.error, answerStarted: false, cancelled: false)
            }
            return e.dnsAError != nil || e.dnsAAAAError != nil ? .hostNotFound : .other("NIOConnectionError")
        }
        if error is SocketAddressError { return .hostNotFound }
        #endif
        #if canImport(NIOSSL)
        if error is NIOSSLError { return .tls }
        #endif
        let type = String(reflecting: Swift.type(of: error))
        if type.contains("GetaddrinfoError") || type.contains("Resolver") { return .hostNotFound }
        return .other(type)
    }

    static func classify(errno code: CInt, answerStarted: Bool) -> TransportFailure {
        switch code {
        case 111: return .refused  // ECONNREFUSED
        case 104, 32: return answerStarted ? .cutOff : .closed  // ECONNRESET, EPIPE
        case 110: return .timedOut  // ETIMEDOUT
        case 101, 113: return .other("network unreachable (errno \(code))")  // ENETUNREACH, EHOSTUNREACH
        default: return .other("IOError (errno \(code))")
        }
    }

    /// The error a person reads: what failed, on which host and request, and what to check.
    public func apiError(host: String, what: String) -> APIError {
        let reason: String
        switch self {
        case .cancelled: return APIError(.cancelled, "cancelled")
        case .connectTimeout: reason = "timed out connecting to \(host)"
        case .timedOut: reason = "\(host) did not answer \(what) in time"
        case .refused: reason = "cannot connect to \(host): connection refused"
        case .closed: reason = "\(host) closed the connection during \(what)"
        case .cutOff:
            return APIError(.transport, "\(host) cut off its answer to \(what) (the connection ended mid-body); try again",
                            transport: self)
        case .hostNotFound: reason = "cannot find the host \(host)"
        case .tls: reason = "TLS failed with \(host)"
        case .other(let type): reason = "cannot reach \(host) (\(type))"
        }
        return APIError(.transport, "\(reason); check OPENPORT_API_URL and your network", transport: self)
    }
}

extension HTTPClientError {
    /// `readTimeout` for `HTTPClientError.readTimeout`: the case's name without Foundation's wording.
    var shortName: String {
        let text = String(describing: self)
        return text.hasPrefix("HTTPClientError.") ? String(text.dropFirst("HTTPClientError.".count)) : text
    }
}
