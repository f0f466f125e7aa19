import Foundation
import Testing
@testable import OpenportEmulator

@Suite struct DataSetTests {
    let t = HTTP.demo

    func allKeysText(_ port: Int) async throws -> (String, [[String: Any]]) {
        var text = ""
        var rows: [[String: Any]] = []
        for offset in stride(from: 0, to: 1044, by: 250) {
            let r = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=250&offset=\(offset)")
            text += r.text
            rows += r.results
        }
        return (text, rows)
    }

    @Test func awkwardNamesArePresentAndEscaped() async throws {
        let port = try await SharedEmulator.port()
        let (text, rows) = try await allKeysText(port)
        let names = rows.compactMap { $0["name"] as? String }
        #expect(names.count == 1044)
        for name in DataSet.awkwardNames { #expect(names.contains(name), "\(name)") }
        #expect(names.filter { $0 == DataSet.duplicateName }.count == 2)
        #expect(names.contains { $0.count == 200 })
        #expect(names.contains("\u{1b}[31mred alert\u{1b}[0m"))
        // Exact escaping as Python's json.dumps(ensure_ascii=False).
        #expect(text.contains(#""name":"\u001b[31mred alert\u001b[0m""#))
        #expect(text.contains(#""name":"the \"big\" server""#))
        #expect(text.contains(#""name":"C:\\backup""#))
        #expect(text.contains(#""name":"Café Brussel""#))
        #expect(text.contains(#""name":"rocket 🚀 box""#))
        #expect(text.contains(#""name":"東京 日本 server""#))
        #expect(!text.contains(": "))  // compact separators
        // Fields in the seed's order; some null last connections; both timestamp shapes.
        #expect(text.contains(#"{"url":"http://127.0.0.1:\#(port)/api/v2/keys/"#))
        #expect(rows.contains { $0["last_connection_time"] is NSNull })
        let times = rows.compactMap { $0["creation_time"] as? String }
        #expect(times.contains { $0.count == 25 && $0.hasSuffix("+01:00") })
        #expect(times.contains { $0.count == 32 && $0.hasSuffix("+02:00") })
        let ids = rows.compactMap { $0["id"] as? Int }
        #expect(ids.allSatisfy { (300..<20000).contains($0) })
        #expect(zip(ids, ids.dropFirst()).contains { $1 - $0 > 1 })
    }

    @Test func sessionsAndClicksShape() async throws {
        let port = try await SharedEmulator.port()
        var sessions: [[String: Any]] = []
        for offset in [0, 250] {
            sessions += try await HTTP.get(port, "/api/v2/sessions/?token=\(t)&limit=250&offset=\(offset)").results
        }
        #expect(sessions.count == 300)
        // A port is unique on its server; a few are used on two servers at once.
        let places = sessions.map { "\($0["port"] as? Int ?? -1)@\($0["server"] as? String ?? "")" }
        #expect(Set(places).count == 300)
        let ports = sessions.compactMap { $0["port"] as? Int }
        #expect(Set(ports).count < 300 && Set(ports).count > 280)
        let s6260 = try #require(sessions.first { $0["port"] as? Int == 6260 })
        #expect(s6260["local_port"] as? Int == 22)
        #expect(s6260["open_port_for_ip_link"] as? String == "https://openport.io/l/6260/")
        #expect((s6260["key"] as? String)?.hasPrefix("http://127.0.0.1:\(port)/api/v2/keys/") == true)
        #expect(Set(sessions.compactMap { $0["server"] as? String }) == ["openport.io", "us.openport.io", "spr.openport.io"])
        #expect(sessions.contains { $0["http_forwarding_address"] is String })

        let clicks = try await HTTP.get(port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=250")
        let first = try #require(clicks.results.first)
        #expect(Array(first.keys).sorted() == ["key_name", "port", "source_ip", "timestamp"])
        #expect(clicks.text.contains(#"{"port":"#))
        var all: [[String: Any]] = []
        for offset in stride(from: 0, to: SharedEmulator.clicks, by: 250) {
            all += try await HTTP.get(port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=250&offset=\(offset)").results
        }
        let hot = all.filter { $0["port"] as? Int == 6260 }.count
        #expect(hot > 30 && hot < 130)  // ~3%
        #expect(all.contains { ($0["source_ip"] as? String)?.contains(":") == true })
        let stamps = all.compactMap { $0["timestamp"] as? String }
        #expect(stamps.first?.hasPrefix("2021-01-01") == true)
        #expect(stamps.last?.hasPrefix("2022-12-31") == true)
        #expect(stamps == stamps.sorted())  // oldest first by default (opsh must not rely on it)
    }

    @Test func sameSeedSameBytes() async throws {
        let a = try await startEmulator()
        let b = try await startEmulator()
        let c = try await startEmulator { $0.seed = 7 }
        for path in ["/api/v2/keys/?token=\(t)&offset=500", "/api/v2/openforiplinkclicks/?token=\(t)&offset=400",
                     "/api/v2/sessions/?token=\(t)"] {
            let ra = try await HTTP.get(a.port, path, host: "api.example")
            let rb = try await HTTP.get(b.port, path, host: "api.example")
            let rc = try await HTTP.get(c.port, path, host: "api.example")
            #expect(ra.body == rb.body)
            #expect(ra.body != rc.body)
            #expect(ra.text.contains("http://api.example/api/v2/"))
        }
        await a.stop(); await b.stop(); await c.stop()
    }

    @Test func addClicksAndNewestFirst() async throws {
        let emu = try await startEmulator { $0.clickOrder = .newestFirst }
        #expect(emu.clickCount() == 500)
        let before = try await HTTP.get(emu.port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=5")
        let stamps = before.results.compactMap { $0["timestamp"] as? String }
        #expect(stamps == stamps.sorted(by: >))
        emu.addClicks(7)
        #expect(emu.clickCount() == 507)
        #expect(emu.clickCount(token: EmulatorAccounts.otherToken) == 50)
        let after = try await HTTP.get(emu.port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=9")
        #expect(after.object["count"] as? Int == 507)
        let newest = after.results.compactMap { $0["timestamp"] as? String }
        #expect(newest.count >= 7)
        #expect(newest[0] > stamps[0])
        // The old first row is now the 8th.
        let oldFirst = before.text.components(separatedBy: "\"results\":[")[1].components(separatedBy: "},{")[0]
        let eighth = after.text.components(separatedBy: "\"results\":[")[1].components(separatedBy: "},{")[7]
        #expect(oldFirst.dropFirst() == eighth)
        await emu.stop()
    }

    @Test func appendRateMakesABusyAccount() async throws {
        // (Undated clicks among the dated ones, so that the newest are the last rows listed.)
        let emu = try await startEmulator {
            $0.appendRate = 200
            $0.undatedClicksLast = false
        }
        try await Task.sleep(for: .milliseconds(300))
        let first = try await HTTP.get(emu.port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=1")
        let n = first.object["count"] as? Int ?? 0
        #expect(n >= 500 + 40, "new clicks arrive while serving: \(n)")
        // The count is read before the page's rows, as DRF does: clicks arriving meanwhile are not in it.
        #expect(emu.clickCount() >= n)
        emu.setAppendRate(0)
        let stopped = try await HTTP.get(emu.port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=1")
        try await Task.sleep(for: .milliseconds(100))
        let later = try await HTTP.get(emu.port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=1")
        #expect(stopped.object["count"] as? Int == later.object["count"] as? Int)
        // The new clicks are the newest: oldest first, they are listed at the end.
        let last = try await HTTP.get(emu.port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=2&offset=\(emu.clickCount() - 2)")
        let stamps = last.results.compactMap { $0["timestamp"] as? String }
        #expect(stamps.count == 2 && stamps[0] < stamps[1])
        await emu.stop()
    }
}
