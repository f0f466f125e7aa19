import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import OpenportEmulator

@Suite struct RoutingTests {
    let t = HTTP.demo

    @Test func authenticationAndPermission() async throws {
        let port = try await SharedEmulator.port()
        let none = try await HTTP.get(port, "/api/v2/keys/")
        #expect(none.status == 401)
        #expect(none.text == #"{"detail":"Authentication credentials were not provided."}"#)
        #expect(none.header("WWW-Authenticate") == "Token")
        let bad = try await HTTP.get(port, "/api/v2/sessions/?token=nope")
        #expect(bad.status == 401)
        #expect(bad.text == #"{"detail":"Invalid token."}"#)
        #expect(bad.header("WWW-Authenticate") == "Token")
        let free = try await HTTP.get(port, "/api/v2/openforiplinkclicks/?token=\(EmulatorAccounts.freeToken)")
        #expect(free.status == 403)
        #expect(free.text == #"{"detail":"You do not have permission to perform this action."}"#)
        let header = try await HTTP.get(port, "/api/v2/keys/?limit=1", headers: [("Authorization", "Token \(t)")])
        #expect(header.status == 200)
        #expect(header.object["next"] as? String == "http://127.0.0.1:\(port)/api/v2/keys/?limit=1&offset=1")
        let badHeader = try await HTTP.get(port, "/api/v2/keys/", headers: [("Authorization", "Token")])
        #expect(badHeader.status == 401)
        #expect(badHeader.text == #"{"detail":"Invalid token header. No credentials provided."}"#)
        for token in ["", t, EmulatorAccounts.freeToken] {
            let nodes = try await HTTP.get(port, "/api/v2/nodes/?token=\(token)")
            #expect(nodes.status == 200)
            #expect(nodes.object["count"] as? Int == 3)
        }
        // nodes/ takes anyone, but DRF authenticates a token given before it asks permissions.
        #expect(try await HTTP.get(port, "/api/v2/nodes/?token=nope").text == #"{"detail":"Invalid token."}"#)
    }

    @Test func djangoNotFoundAndAppendSlash() async throws {
        let port = try await SharedEmulator.port()
        for path in ["/api/v2/nope/", "/", "/api/v1/keys/", "/api/v2/keys/1/2/"] {
            let r = try await HTTP.get(port, path + "?token=\(t)")
            #expect(r.status == 404, "\(path)")
            #expect(r.header("Content-Type") == "text/html; charset=utf-8")
            #expect(r.text.contains("<h1>Not Found</h1><p>The requested resource was not found on this server.</p>"))
        }
        let r = try await HTTP.get(port, "/api/v2/keys?token=\(t)&limit=5")
        #expect(r.status == 301)
        #expect(r.header("Location") == "/api/v2/keys/?token=\(t)&limit=5")
        #expect(r.body.isEmpty)
        let detail = try await HTTP.get(port, "/api/v2/keys/349")
        #expect(detail.status == 301)
        #expect(detail.header("Location") == "/api/v2/keys/349/")
        #expect(try await HTTP.get(port, "/api/v2/nodes").header("Location") == "/api/v2/nodes/")
        #expect(try await HTTP.get(port, "/api/v2").header("Location") == "/api/v2/")
    }

    @Test func methodNotAllowed() async throws {
        let port = try await SharedEmulator.port()
        let cases: [(String, String, String)] = [
            ("POST", "/api/v2/sessions/?token=\(t)", "GET, HEAD, OPTIONS"),
            ("DELETE", "/api/v2/nodes/", "GET, HEAD, OPTIONS"),
            ("PUT", "/api/v2/keys/?token=\(t)", "GET, POST, HEAD, OPTIONS"),
            ("POST", "/api/v2/openforiplinkclicks/?token=\(t)", "GET, HEAD, OPTIONS"),
            ("POST", "/api/v2/keys/123/?token=\(t)", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ]
        for (method, path, allow) in cases {
            let r = try await HTTP.request(method, port: port, path)
            #expect(r.status == 405, "\(method) \(path)")
            #expect(r.text == "{\"detail\":\"Method \\\"\(method)\\\" not allowed.\"}")
            #expect(r.header("Allow") == allow)
        }
        // Authentication comes first, as in DRF's APIView.initial().
        let anon = try await HTTP.request("POST", port: port, "/api/v2/sessions/")
        #expect(anon.status == 401)
        let head = try await HTTP.request("HEAD", port: port, "/api/v2/nodes/")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(Int(head.header("Content-Length") ?? "") ?? 0 > 0)
        let options = try await HTTP.request("OPTIONS", port: port, "/api/v2/keys/?token=\(t)")
        #expect(options.status == 200)
        #expect(options.object["name"] as? String == "Key List")
        #expect(options.header("Allow") == "GET, POST, HEAD, OPTIONS")
    }

    @Test func requestCountCountsEverything() async throws {
        let emu = try await startEmulator()
        defer { Task { await emu.stop() } }
        #expect(emu.requestCount == 0)
        _ = try await HTTP.get(emu.port, "/api/v2/nodes/")
        _ = try await HTTP.get(emu.port, "/nowhere")
        _ = try await HTTP.get(emu.port, "/api/v2/keys/")
        #expect(emu.requestCount == 3)
        emu.resetRequestCount()
        #expect(emu.requestCount == 0)
        await emu.stop()
        await emu.stop()  // twice is fine
    }

    @Test func stopWithAnOpenKeepAliveConnection() async throws {
        let emu = try await startEmulator()
        let port = emu.port
        // A keep-alive connection left open by a client.
        let fd = await Task.detached { () -> Int32 in
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            let req = Array("GET /api/v2/nodes/ HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            _ = req.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var buf = [UInt8](repeating: 0, count: 4096)
            _ = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return fd
        }.value
        defer { close(fd) }
        // Stopping does not wait for the client to close: only a stop that waits for it
        // (forever: the client here keeps it open) reaches the five minutes; a slow machine
        // does not.
        let stopped = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await emu.stop(); return true }
            group.addTask { try? await Task.sleep(for: .seconds(300)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(stopped, "stop waited for a keep-alive connection the client left open")
    }
}
