import Foundation

/// The fate of one API request, a pure function of (seed, request number).
enum Fault: Equatable {
    case none, drop, serverError(Int), throttle, truncate, invalidJSON
}

struct FaultPlan: Sendable {
    let options: FaultOptions
    let seed: UInt64

    var active: Bool {
        options.dropRate > 0 || options.serverErrorRate > 0 || options.throttleRate > 0 || options.truncateRate > 0
            || options.invalidJSONRate > 0 || options.spikeRate > 0 || options.failAfter != nil
    }

    func decide(_ n: Int) -> (fault: Fault, spike: Bool) {
        if let after = options.failAfter, n >= after { return (.serverError(503), false) }
        let h = SplitMix64.hash(seed ^ 0xFA01_7FA0_17FA_017F, UInt64(n))
        let u = Double(h >> 11) * 0x1.0p-53
        let spikeHash = SplitMix64.hash(seed ^ 0x5B1C_E5B1_CE5B_1CE5, UInt64(n))
        let spike = Double(spikeHash >> 11) * 0x1.0p-53 < options.spikeRate
        var edge = 0.0
        edge += options.dropRate
        if u < edge { return (.drop, spike) }
        edge += options.serverErrorRate
        if u < edge { return (.serverError([500, 502, 503, 504][Int(h & 3)]), spike) }
        edge += options.throttleRate
        if u < edge { return (.throttle, spike) }
        edge += options.truncateRate
        if u < edge { return (.truncate, spike) }
        edge += options.invalidJSONRate
        if u < edge { return (.invalidJSON, spike) }
        return (.none, spike)
    }

    static func nginx(_ status: String) -> [UInt8] {
        Array("<html>\r\n<head><title>\(status)</title></head>\r\n<body>\r\n<center><h1>\(status)</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n".utf8)
    }

    /// What a Django app behind nginx answers when things break.
    static func serverError(_ status: Int) -> Reply {
        switch status {
        case 500:  // Django's server_error view without a 500.html template
            return Reply(status: 500, headers: [("Content-Type", Reply.html)],
                         body: Array(Reply.djangoErrorPage(title: "Server Error (500)", details: "").utf8))
        case 502: return Reply(status: 502, headers: [("Content-Type", "text/html")], body: nginx("502 Bad Gateway"))
        case 503: return .json(503, JSONOut.detail("Service temporarily unavailable, try again later."))
        default: return Reply(status: 504, headers: [("Content-Type", "text/html")], body: nginx("504 Gateway Time-out"))
        }
    }

    /// DRF's `Throttled` exception (singular "second" for 1, as DRF words it).
    func throttled(allow: String?) -> Reply {
        let wait = max(0, options.retryAfterSeconds)
        let unit = wait == 1 ? "second" : "seconds"
        var r = Reply.detail(429, "Request was throttled. Expected available in \(wait) \(unit).", allow: allow)
        r.headers.append(("Retry-After", String(wait)))
        return r
    }

    static func truncated(_ reply: Reply) -> Reply {
        var r = reply
        r.body = Array(reply.body.prefix(max(1, reply.body.count / 2)))
        return r
    }

    static func invalidJSON(_ reply: Reply) -> Reply {
        var r = reply
        r.body = Array("<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body><p>Back soon.</p></body></html>\n".utf8)
        return r
    }
}
