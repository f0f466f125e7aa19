import Foundation
import OpenportEmulator
import Records
import Testing

/// opsh against each server while its data changes as DESIGN.md's "How a DRF server behaves
/// while its data changes" says: its answer must be the data as it was at one instant.
@Suite("opsh's answers hold while the data changes, on both servers", .serialized)
struct ChangeTests {
    /// A server's whole click list, each row as compact JSON (Records' writer, so that opsh's
    /// `jsonl` and the API's JSON compare as values).
    static func allClicks(baseURL: String) async throws -> [String] {
        let port = URLComponents(string: baseURL)!.port!
        var rows: [String] = []
        var offset = 0
        while true {
            let answer = try await Wire.send(Probe(path: "openforiplinkclicks/?limit=1000&offset=\(offset)&token={demo}"), port: port)
            guard case .object(let page) = try JSONReader().parse(answer.body), case .list(let items) = page["results"] else {
                throw ProcessFailure(description: "not a page: \(answer)")
            }
            rows += items.map { JSONWriter.string($0) }
            if items.isEmpty || page["next"] == .null { return rows }
            offset += items.count
        }
    }

    /// The rows of `opsh` output in jsonl, as compact JSON.
    static func rows(ofJSONL text: String) throws -> [String] {
        try text.split(separator: "\n").map { JSONWriter.string(try JSONReader().parse(String($0))) }
    }

    /// What `seen` lacks or has too many of, against the list `now` of a server that only grew
    /// by new clicks: `seen` must be every row as of one instant (all old rows, and of the new
    /// ones exactly those up to some point).
    static func problems(seen: [String], now: [String], newest: Set<String>) -> [String] {
        var counts: [String: Int] = [:]
        for row in now { counts[row, default: 0] += 1 }
        var problems: [String] = []
        for row in seen {
            if let n = counts[row], n > 0 { counts[row] = n - 1 } else { problems.append("read but not on the server (or twice): \(row)") }
        }
        let missedOld = counts.filter { $0.value > 0 && !newest.contains($0.key) }
        problems += missedOld.keys.sorted().prefix(10).map { "an old row not read: \($0)" }
        return problems
    }

    /// New clicks arrive while opsh pages through the list with small pages, in each order:
    /// every row opsh gives is on the server, none twice, no old row missed.
    @Test(arguments: [ClickOrder.newestFirst, .oldestFirst])
    func rowsAppendedWhileAScanPages(order: ClickOrder) async throws {
        var options = ServerOptions()
        options.clicks = 3_000
        options.order = order
        let pair = try await ServerPair.start(options)
        let before = Set(try await Self.allClicks(baseURL: pair.emulator.baseURL))
        let beforeDRF = Set(try await Self.allClicks(baseURL: pair.drf.baseURL))
        let drf = pair.drf
        let appender = try await onOwnThread { try drf.appending(rate: 20) }
        pair.emulator.setAppendRate(20)
        let lines = ["set page-size 100", "set concurrency 4", "clicks | jsonl"]
        async let emulatorRun = onOwnThread { try ScriptRun.run(lines, baseURL: pair.emulator.baseURL, token: ServerPair.demoToken) }
        async let drfRun = onOwnThread { try ScriptRun.run(lines, baseURL: pair.drf.baseURL, token: ServerPair.demoToken) }
        let (fromEmulator, fromDRF) = try await (emulatorRun, drfRun)
        _ = try await onOwnThread { appender.stop() }
        pair.emulator.setAppendRate(0)
        for (name, run, base, old) in [
            ("emulator", fromEmulator, pair.emulator.baseURL, before), ("DRF", fromDRF, pair.drf.baseURL, beforeDRF),
        ] {
            let now = try await Self.allClicks(baseURL: base)
            let seen = try Self.rows(ofJSONL: run.outputs.last ?? "")
            let newest = Set(now).subtracting(old)
            let problems = Self.problems(seen: seen, now: now, newest: newest)
            let report = """
                \(name), \(order): \(seen.count) rows read, \(now.count) on the server now (\(old.count) before)
                \(problems.prefix(10).joined(separator: "\\n"))
                stderr: \(run.stderr.prefix(2000))
                """
            #expect(problems.isEmpty && run.status == 0, "\(report)")
        }
        await pair.stop()
    }
}

extension ChangeTests {
    /// One process reads the clicks (and keeps them on disk); a key whose name two others share
    /// is renamed and another deleted; the next process must count them as the server does now.
    @Test func keysRenamedAndDeletedBetweenTwoProcesses() async throws {
        var options = ServerOptions()
        options.clicks = 5_000
        let pair = try await ServerPair.start(options)
        for (name, base, port) in [("emulator", pair.emulator.baseURL, pair.emulator.port), ("DRF", pair.drf.baseURL, pair.drf.port)] {
            let home = NSTemporaryDirectory() + "/opsh-conformance-home-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: home) }
            let first = try await onOwnThread {
                try ScriptRun.run(["clicks | count", "keys | count", "sessions | count"], baseURL: base,
                                  token: ServerPair.demoToken, home: home)
            }
            #expect(first.status == 0, "\(name): \(first.stderr)")
            let keys = try await Wire.send(Probe(path: "keys/?limit=1000&offset=0&token={demo}"), port: port)
            let pis = keys.body.matches(of: /"id":(\d+),"last_connection_time"/).map { Int($0.1)! }.filter { id in
                keys.body.contains(#""name":"raspberrypi","id":\#(id),"#)
            }
            try #require(pis.count == 3, "\(name): three keys called raspberrypi")
            _ = try await Wire.send(.json("PATCH", "keys/\(pis[0])/?token={demo}", #"{"name":"pi renamed"}"#), port: port)
            _ = try await Wire.send(Probe(method: "DELETE", path: "keys/\(pis[1])/?token={demo}"), port: port)

            let now = try await Self.allClicks(baseURL: base)
            func count(_ keyName: String) -> String { String(now.filter { $0.contains(#""key_name":\#(keyName)}"#) }.count) + "\n" }
            let lines = [
                "clicks | where key_name = \"pi renamed\" | count", "clicks | where key_name = raspberrypi | count",
                "clicks | where key_name = null | count",
            ]
            let second = try await onOwnThread { try ScriptRun.run(lines, baseURL: base, token: ServerPair.demoToken, home: home) }
            let expected = [count(#""pi renamed""#), count(#""raspberrypi""#), count("null")]
            #expect(second.outputs == expected, "\(name): opsh counted \(second.outputs), the server has \(expected)\n\(second.stderr)")
        }
        await pair.stop()
    }
}
