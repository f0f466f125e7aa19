import Foundation
import Testing
@testable import OpenportEmulator

@Suite struct PaginationTests {
    let t = HTTP.demo

    @Test func envelopesAndCounts() async throws {
        let port = try await SharedEmulator.port()
        let base = "http://127.0.0.1:\(port)/api/v2/"
        for (path, count) in [("keys/", 1044), ("sessions/", 300), ("openforiplinkclicks/", SharedEmulator.clicks)] {
            let r = try await HTTP.get(port, "/api/v2/\(path)?token=\(t)")
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "application/json")
            #expect(r.text.hasPrefix("{\"count\":\(count),\"next\":\"\(base)\(path)?limit=100&offset=100&token=\(t)\",\"previous\":null,\"results\":[{"))
            #expect(r.results.count == 100)
        }
        let nodes = try await HTTP.get(port, "/api/v2/nodes/")
        #expect(nodes.text == #"{"count":3,"next":null,"previous":null,"results":[{"name":"us","public_ip":"104.131.142.252","status":"active","public_dns_name":"us.openport.io"},{"name":"singapore","public_ip":"128.199.116.155","status":"active","public_dns_name":"spr.openport.io"},{"name":"openport-main-2","public_ip":"95.85.25.182","status":"active","public_dns_name":"openport.io"}]}"#)
    }

    @Test func nextAndPreviousAreDRFsSortedURLs() async throws {
        let port = try await SharedEmulator.port()
        let u = "http://127.0.0.1:\(port)/api/v2/keys/"
        let p2 = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&offset=100")
        #expect(p2.object["next"] as? String == "\(u)?limit=100&offset=200&token=\(t)")
        #expect(p2.object["previous"] as? String == "\(u)?limit=100&token=\(t)")
        let p3 = try await HTTP.get(port, "/api/v2/keys/?offset=200&limit=100&token=\(t)")
        #expect(p3.object["previous"] as? String == "\(u)?limit=100&offset=100&token=\(t)")
        // Every parameter is kept, re-encoded (quote_plus) and sorted by name.
        let odd = try await HTTP.get(port, "/api/v2/keys/?zeta=1&token=\(t)&alpha=a+b%2Fc&limit=10&offset=15")
        #expect(odd.object["next"] as? String == "\(u)?alpha=a+b%2Fc&limit=10&offset=25&token=\(t)&zeta=1")
        #expect(odd.object["previous"] as? String == "\(u)?alpha=a+b%2Fc&limit=10&offset=5&token=\(t)&zeta=1")
        // Last page: no next.
        let last = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=44&offset=1000")
        #expect(last.object["next"] is NSNull)
        #expect(last.results.count == 44)
    }

    @Test func limitAndOffsetParsing() async throws {
        let port = try await SharedEmulator.port()
        let cap = try await HTTP.get(port, "/api/v2/openforiplinkclicks/?token=\(t)&limit=100000")
        #expect(cap.results.count == SharedEmulator.maxPageSize)
        #expect((cap.object["next"] as? String)?.contains("limit=\(SharedEmulator.maxPageSize)&offset=\(SharedEmulator.maxPageSize)&") == true)
        for bad in ["0", "-5", "abc", "", "1.5"] {
            let r = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=\(bad)")
            #expect(r.results.count == 100, "limit=\(bad)")
            #expect((r.object["next"] as? String)?.contains("limit=100&offset=100") == true)
        }
        let spaced = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=+7")  // '+' is a space: int(" 7")
        #expect(spaced.results.count == 7)
        for bad in ["-1", "x"] {
            let r = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&offset=\(bad)&limit=5")
            #expect(r.object["previous"] is NSNull)
            #expect(r.results.first?["id"] as? Int == (try await HTTP.get(port, "/api/v2/keys/?token=\(t)&limit=1")).results.first?["id"] as? Int)
        }
        let past = try await HTTP.get(port, "/api/v2/keys/?token=\(t)&offset=5000")
        #expect(past.status == 200)
        #expect(past.results.isEmpty)
        #expect(past.object["count"] as? Int == 1044)
        #expect(past.object["next"] is NSNull)
        #expect(past.object["previous"] as? String == "http://127.0.0.1:\(port)/api/v2/keys/?limit=100&offset=4900&token=\(t)")
    }

    @Test func followingNextYieldsEveryRowOnce() async throws {
        let port = try await SharedEmulator.port()
        var url: String? = "/api/v2/openforiplinkclicks/?token=\(t)&limit=250"
        var rows: [String] = []
        var pages = 0
        while let next = url {
            let r = try await HTTP.get(port, next)
            #expect(r.status == 200)
            let results = r.text.components(separatedBy: "\"results\":[")[1].dropLast(2)
            rows += results.components(separatedBy: "},{")
            url = (r.object["next"] as? String).map { String($0.dropFirst("http://127.0.0.1:\(port)".count)) }
            pages += 1
        }
        #expect(pages == SharedEmulator.clicks / 250)
        #expect(rows.count == SharedEmulator.clicks)
        // Clicks have no id; the rows must still all be fetched once (duplicates would show up
        // as a short count in a Set only by chance, so compare per-page boundaries too).
        var keys: [Int] = []
        url = "/api/v2/keys/?token=\(t)&limit=250"
        while let next = url {
            let r = try await HTTP.get(port, next)
            keys += r.results.compactMap { $0["id"] as? Int }
            url = (r.object["next"] as? String).map { String($0.dropFirst("http://127.0.0.1:\(port)".count)) }
        }
        #expect(keys.count == 1044)
        #expect(Set(keys).count == 1044)
        #expect(keys == keys.sorted())
    }
}

/// Issue 20: the emulator pages clicks as Django REST Framework does on a busy account: the
/// count in one query, the rows in another, so clicks that arrive in between are in the rows
/// but not the count (and a page near the end holds more rows than the count leaves room for).
@Suite struct CountApartFromRowsTests {
    @Test func clicksArrivingDuringTheCountQueryAreInTheRowsButNotTheCount() async throws {
        var options = EmulatorOptions()
        options.clicks = 1_000
        options.countQueryTime = .milliseconds(200)
        let emulator = try await Emulator.start(options)
        defer { Task { await emulator.stop() } }
        let base = "/api/v2/openforiplinkclicks/?token=\(EmulatorAccounts.demoToken)&limit=1000&offset="
        // Clicks arriving at 200 a second: about 40 during each count query.
        emulator.setAppendRate(200)
        let offset = emulator.clickCount() - 10
        let r = try await HTTP.get(emulator.port, base + "\(offset)")
        let body = try #require(r.json as? [String: Any])
        let count = body["count"] as! Int
        let rows = (body["results"] as! [[String: Any]]).count
        #expect(rows < 1000, "the page reaches the end of the list")
        #expect(offset + rows > count, "the rows run past the count: \(rows) rows from \(offset), count \(count)")
        #expect(body["next"] is NSNull, "next comes from the count, as DRF's does")
    }
}
