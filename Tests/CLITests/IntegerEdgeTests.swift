import Foundation
import Testing

/// Whole numbers at the edges of 64 bits stay whole and exact: read, printed, compared and
/// added (a running total may pass 64 bits on the way to an answer that fits); an answer
/// that does not fit is one clear error, never a float.
@Suite struct IntegerEdgeTests {
    /// An emulator whose keys `root@HQ`, `Pi London` and `EURO44` (in id order) hold `bytes`.
    final class Account {
        let emulator: EmulatorProcess
        let home: String
        let ids: [Int]

        init() throws {
            let emulator = try EmulatorProcess(["--clicks", "100"], commands: true)
            self.emulator = emulator
            home = try CLI.temporaryDirectory()
            ids = try ["root@HQ", "Pi London", "EURO44"].map { try #require(Int(try emulator.send("key-ids \($0)"))) }.sorted()
        }

        deinit {
            emulator.stop()
            try? FileManager.default.removeItem(atPath: home)
        }

        func set(_ bytes: [Int]) throws {
            for (id, b) in zip(ids, bytes) { #expect(try emulator.send("bytes \(id) \(b)") == "ok") }
        }

        func opsh(_ line: String) throws -> CLI.Result {
            try CLI.run(CLI.executable("opsh"), ["-c", line], environment: CLI.environment(home: home, [
                "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "off",
            ]))
        }

        /// Every key's bytes_this_month, read with Foundation's JSON parser.
        func allBytes() throws -> [Int] {
            let rows = try opsh("keys | select bytes_this_month | jsonl").stdout.split(separator: "\n")
            return try rows.map { line in
                let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return (row["bytes_this_month"] as! NSNumber).intValue
            }
        }
    }

    @Test func theSmallestAndLargestIntegersPrintAsIntegers() throws {
        let account = try Account()
        try account.set([Int.min, Int.max, 0])
        let (low, high) = (account.ids[0], account.ids[1])
        let json = try account.opsh("keys | where id=\(low) | select bytes_this_month | jsonl")
        #expect(json.stdout == "{\"bytes_this_month\":-9223372036854775808}\n", "\(json)")
        let table = try account.opsh("keys | where id=\(high) or id=\(low) | sort id | select id,bytes_this_month")
        #expect(table.stdout.contains("-9223372036854775808") && table.stdout.contains("9223372036854775807"), "\(table)")
        #expect(!table.stdout.contains("e+18"), "\(table)")
        #expect(try account.opsh("keys | min bytes_this_month").stdout == "-9223372036854775808\n")
        #expect(try account.opsh("keys | max bytes_this_month").stdout == "9223372036854775807\n")
        #expect(try account.opsh("keys | where bytes_this_month = -9223372036854775808 | count").stdout == "1\n")
        #expect(try account.opsh("keys | where bytes_this_month > 9223372036854775806 | select id | csv").stdout == "id\r\n\(high)\r\n")
    }

    @Test func aSumThatFitsIsExactWhateverItsRunningTotalDid() throws {
        let account = try Account()
        // In list order: the largest integer, then a trillion (the running total passes 64
        // bits), then the largest's negative (back in range).
        try account.set([Int.max, 1_000_000_000_000, -Int.max])
        let bytes = try account.allBytes()
        #expect(bytes.count == 1044)
        let others = bytes.filter { ![Int.max, 1_000_000_000_000, -Int.max].contains($0) }.reduce(0, +)
        let sum = try account.opsh("keys | sum bytes_this_month")
        #expect(sum.status == 0 && sum.stdout == "\(others + 1_000_000_000_000)\n", "\(sum)")
    }

    @Test func aSumBeyond64BitsIsOneClearError() throws {
        let account = try Account()
        try account.set([Int.max, Int.max, 0])
        let others = try account.allBytes().filter { $0 != Int.max }.reduce(0, +)
        let exact = "\(Int128(Int.max) * 2 + Int128(others))"
        let sum = try account.opsh("keys | sum bytes_this_month")
        #expect(sum.status == 1 && sum.stdout.isEmpty, "\(sum)")
        #expect(sum.stderrLines.count == 1 && sum.stderr.contains(exact) && sum.stderr.contains("beyond the 64-bit"), "\(sum)")
        let avg = try account.opsh("keys | avg bytes_this_month")
        #expect(avg.status == 0 && Double(avg.stdout.trimmingCharacters(in: .newlines)) != nil, "\(avg)")
    }
}
