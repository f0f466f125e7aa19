import Foundation

/// A response before it becomes a Hummingbird `Response`.
struct Reply: Error {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// Whether Django's XFrameOptionsMiddleware saw it (it adds `X-Frame-Options: DENY`).
    var framed = true

    static let json = "application/json"
    static let html = "text/html; charset=utf-8"

    static func json(_ status: Int, _ body: [UInt8], allow: String? = nil) -> Reply {
        var r = Reply(status: status, headers: [("Content-Type", json)], body: body)
        r.drf(allow: allow)
        return r
    }

    static func detail(_ status: Int, _ message: String, allow: String? = nil) -> Reply {
        json(status, JSONOut.detail(message), allow: allow)
    }

    /// Headers DRF's `APIView.finalize_response` adds to every response of a view.
    mutating func drf(allow: String?) {
        if let allow { headers.append(("Allow", allow)) }
        headers.append(("Vary", "Accept"))
    }

    /// Django's `page_not_found` when there is no 404.html template (DEBUG off).
    static let notFoundHTML: [UInt8] = Array(
        djangoErrorPage(title: "Not Found", details: "The requested resource was not found on this server.").utf8)

    static func djangoErrorPage(title: String, details: String) -> String {
        """

        <!doctype html>
        <html lang="en">
        <head>
          <title>\(title)</title>
        </head>
        <body>
          <h1>\(title)</h1><p>\(details)</p>
        </body>
        </html>

        """
    }

    static func notFound() -> Reply {
        Reply(status: 404, headers: [("Content-Type", html)], body: notFoundHTML)
    }

    /// Django `CommonMiddleware` (APPEND_SLASH): a relative Location, empty body, and no
    /// X-Frame-Options (the clickjacking middleware after it never sees the answer).
    static func appendSlash(_ location: String) -> Reply {
        var reply = Reply(status: 301, headers: [("Content-Type", html), ("Location", location)], body: [])
        reply.framed = false
        return reply
    }

    /// Headers Django's security middlewares add to every response.
    static let djangoHeaders: [(String, String)] = [
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
}
