import Foundation
import OpenportAPI
import OpenportEmulator
import Records
@testable import Shell
import Testing

/// Inputs that crashed, get's page size, history and exit, redaction, help.
@Suite("Inputs that crashed, get's page size, history and exit, redaction, help")
struct SmallAnswerTests: AwkwardDataTests {
    // MARK: 8, 9. inputs that crashed

    @Test("deep nesting and huge counts are refused or handled, never a crash")
    func crashInputs() async throws {
        try await withShell { shell in
        let parens = "clicks | where " + String(repeating: "(", count: 10_000) + "port=1" + String(repeating: ")", count: 10_000)
        #expect(failure(await shell.run(parens))?.contains("nests deeper than") == true)
        let nots = "clicks | where " + String(repeating: "not ", count: 50_000) + "port=1"
        #expect(failure(await shell.run(nots))?.contains("nests deeper than") == true)
        let chain = "clicks | where " + Array(repeating: "port=1", count: 20_000).joined(separator: " and ")
        #expect(failure(await shell.run(chain))?.contains("comparisons") == true)
        let fine = "nodes | where " + String(repeating: "(", count: 60) + "name=us" + String(repeating: ")", count: 60) + " | count"
        #expect(await shell.run(fine).out == "1\n")

        for n in ["4611686018427387904", "9223372036854775807"] {
            #expect(await shell.run("nodes | last \(n) | count").out == "3\n")
            #expect(await shell.run("nodes | first \(n) | count").out == "3\n")
            #expect(await shell.run("nodes | sort name | first \(n) | count").out == "3\n")
            #expect(await shell.run("nodes | group name | first \(n) | count").out == "3\n")
            #expect(await shell.run("keys | first \(n) | count").out == "1044\n")
            #expect(await shell.run("history \(n)").outcome == .ok)
        }
        #expect(failure(await shell.run("set timeout 9999999999999999h")) != nil)
        #expect(failure(await shell.run("set timeout 99999999999999999999")) != nil)
        }
    }

    // MARK: smaller

    @Test("get PATH asks for page-size rows a page")
    func getUsesPageSize() async throws {
        try await withShell { shell in
        let total = try await shell.independentRows("openforiplinkclicks/").count
        let r = await shell.runCountingRequests("get openforiplinkclicks/ | count")
        #expect(r.out == "\(total)\n")
        // Pages of 1,000; each after the first also asks for the 3 rows in front of its own (to be
        // placed by them), and the last one row past the end: 996 new rows a page after the first.
        #expect(r.requests == 1 + (total - 1000 + 995) / 996, "\(r.requests) requests")
        }
    }

    @Test("history N shows the last N lines; exit N ends with N")
    func historyAndExit() async throws {
        try await withShell { shell in
        _ = await shell.run("nodes | count")
        _ = await shell.run("keys | count")
        let h = await shell.run("history 2")
        #expect(h.out.split(separator: "\n").count == 2)
        #expect(h.out.contains("keys | count") && h.out.contains("history 2") && !h.out.contains("nodes"))
        #expect(await shell.run("exit 3").outcome == .exit(3))
        #expect(await shell.run("exit").outcome == .exit())
        #expect(failure(await shell.run("exit 300")) != nil)
        }
    }

    @Test("short tokens are blanked in token= only, so prose stays readable; long ones everywhere")
    func redaction() {
        #expect(Redactor(token: "a").redact("Invalid token. a=1") == "Invalid token. a=1")
        #expect(Redactor(token: "token").redact("Invalid token.") == "Invalid token.")
        #expect(Redactor(token: "x").redact("GET keys/?token=x&limit=1") == "GET keys/?token=***&limit=1")
        let long = "s3cr3tT0kenValue"
        #expect(Redactor(token: long).redact("bad \(long). and ?token=\(long)") == "bad ***. and ?token=***")
    }

    @Test("help where says how an instant without an offset is read")
    func instantWithoutOffsetDocumented() async throws {
        try await withShell { shell in
        // In the zone of set timezone (UTC unless set), the zone tables show times in.
        #expect(await shell.run("help where").out.contains("without an offset is its wall clock"))
        }
    }
}
