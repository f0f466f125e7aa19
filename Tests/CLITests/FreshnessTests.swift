#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OpenportEmulator
import Testing

/// Issue 20: what the disk cache serves is current, or fetched afresh, whatever changed on the
/// server between two opsh processes: new clicks, keys renamed or deleted (also when another
/// key has the same name), the oldest clicks purged, late clicks in the middle. Each test
/// changes the emulator's data between the built `opsh` processes that share one disk cache,
/// and compares their answers with the data read from the API by Foundation's JSON parser.
@Suite struct FreshnessTests {
    /// An account whose data the test changes between opsh processes: an emulator whose data
    /// the test changes through `--commands`, and a home (with its disk cache) that the opsh
    /// processes share.
    final class ChangingAccount {
        let emulator: EmulatorProcess
        let home: String

        init(_ arguments: [String] = []) throws {
            emulator = try EmulatorProcess(["--clicks", "5000"] + arguments, commands: true)
            home = try CLI.temporaryDirectory()
        }

        deinit {
            emulator.stop()
            try? FileManager.default.removeItem(atPath: home)
        }

        /// The environment opsh runs in: this account, this home.
        var environment: [String: String] {
            CLI.environment(home: home, ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token])
        }

        func opsh(_ arguments: [String] = [], stdin: String = "") throws -> CLI.Result {
            try CLI.run(CLI.executable("opsh"), arguments, environment: environment, stdin: stdin)
        }

        /// Every click now, as the API lists it, read with Foundation's parser.
        func clicks() throws -> [[String: Any]] {
            var rows: [[String: Any]] = []
            var next: String? = emulator.baseURL + "openforiplinkclicks/?limit=1000&token=" + emulator.token
            while let u = next {
                let body = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(string: u)!)) as! [String: Any]
                rows += body["results"] as! [[String: Any]]
                next = body["next"] as? String
            }
            return rows
        }

        /// How many clicks now carry `name` (nil: a null key_name).
        func clicks(named name: String?) throws -> Int {
            try clicks().filter { ($0["key_name"] as? String) == name }.count
        }

        func keyIDs(named name: String) throws -> [Int] {
            try emulator.send("key-ids \(name)").split(separator: " ").compactMap { Int($0) }
        }
    }

    static let count = "clicks | where port > 0 | count"

    static func identity(_ row: [String: Any]) -> String {
        ["port", "source_ip", "timestamp", "key_name"].map { "\(row[$0] ?? "-")" }.joined(separator: "|")
    }

    static func rows(_ jsonl: String) throws -> [String] {
        try jsonl.split(separator: "\n").map { try identity(JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]) }
    }

    @Test("refresh as the first line of a script fetches afresh, whatever is on disk",
          arguments: ["refresh", "refresh clicks", "refresh keys", "refresh --full clicks"])
    func refreshFirstInAScript(line: String) throws {
        let account = try ChangingAccount()
        let first = try account.opsh(stdin: Self.count + "\n")
        #expect(first.status == 0, "\(first)")
        // The server gets a new click, and one of three keys called raspberrypi is renamed.
        try account.emulator.send("add 1")
        let ids = try account.keyIDs(named: "raspberrypi")
        #expect(ids.count == 3)
        try account.emulator.send("rename \(ids[1]) pi garage")
        let r = try account.opsh(stdin: "\(line)\n\(Self.count)\nclicks | where key_name = \"pi garage\" | count\n")
        let garage = try account.clicks(named: "pi garage")
        #expect(garage > 0, "the renamed key has clicks")
        #expect(r.status == 0, "\(r)")
        // (`refresh keys` alone also brings the clicks up to date: the keys show a key the
        // cached clicks name renamed, so those are stale, and read again.)
        #expect(r.stdout == "\(try account.clicks().count)\n\(garage)\n", "\(r)")
    }

    @Test("refresh in one process with -c, the question in the next")
    func refreshWithDashC() throws {
        let account = try ChangingAccount()
        _ = try account.opsh(["-c", Self.count])
        try account.emulator.send("add 3")
        let refreshed = try account.opsh(["-c", "refresh"])
        #expect(refreshed.status == 0 && refreshed.stdout.isEmpty, "\(refreshed)")
        let r = try account.opsh(["-c", Self.count])
        #expect(r.stdout == "\(try account.clicks().count)\n", "\(r)")
    }

    @Test("a key renamed or deleted while another key has its name: the next process counts right")
    func sharedNameRenamedThenDeleted() throws {
        let account = try ChangingAccount()
        let first = try account.opsh(stdin: Self.count + "\nkeys | count\n")
        #expect(first.status == 0, "\(first)")
        let ids = try account.keyIDs(named: "raspberrypi")
        try account.emulator.send("rename \(ids[0]) pi kitchen")
        let question = "set ttl.clicks 0\nclicks | where key_name = raspberrypi | count\nclicks | where key_name = \"pi kitchen\" | count\nclicks | where key_name = null | count\n"
        func truth() throws -> String {
            "\(try account.clicks(named: "raspberrypi"))\n\(try account.clicks(named: "pi kitchen"))\n\(try account.clicks(named: nil))\n"
        }
        #expect(try account.clicks(named: "pi kitchen") > 0)
        let renamed = try account.opsh(stdin: question)
        #expect(renamed.stdout == (try truth()), "after the rename: \(renamed)")
        // Deleted: the server shows its clicks with key_name null.
        try account.emulator.send("delete \(ids[2])")
        let deleted = try account.opsh(stdin: question)
        #expect(deleted.stdout == (try truth()), "after the deletion: \(deleted)")
    }

    @Test("the oldest clicks purged, late ones in the middle and new ones at the end: the next process has the log as it is",
          arguments: [[], ["--newest-first"]])
    func purgeLateAndNew(order: [String]) throws {
        let account = try ChangingAccount(order)
        _ = try account.opsh(stdin: Self.count + "\n")
        for change in ["purge 5", "late 5", "add 5"] { try account.emulator.send(change) }
        let r = try account.opsh(["--format", "jsonl"], stdin: "set ttl.clicks 0\nclicks\n")
        #expect(r.status == 0, "\(r)")
        #expect(try Self.rows(r.stdout) == account.clicks().map(Self.identity), "the log as the server lists it now, row for row")
    }

    @Test("set rescan 0: a change in the middle that leaves both ends and the count is seen at once")
    func rescanZeroSeesTheMiddle() throws {
        let account = try ChangingAccount()
        _ = try account.opsh(stdin: Self.count + "\n")
        for change in ["remove-middle 4", "late 4"] { try account.emulator.send(change) }
        let r = try account.opsh(["--format", "jsonl"], stdin: "set ttl.clicks 0\nset rescan 0\nclicks\n")
        #expect(try Self.rows(r.stdout) == account.clicks().map(Self.identity), "\(r.stderr)")
    }
}

@Suite struct DebugTextTests {
    @Test("the check on every process's stderr finds what issue 20 saw, and passes plain messages")
    func findsDebugDescriptions() {
        #expect(DebugText.find(in: "opsh: line 2: ScanChanged(before: 178270, after: 178271, reason: \"x\")\n") != nil)
        #expect(DebugText.find(in: "opsh: Optional(\"x\")") != nil)
        #expect(DebugText.find(in: "opsh: line 2: the list changed while it was read (178270 → 178271 rows); run the line again\n") == nil)
        #expect(DebugText.find(in: "opsh: no field 'prot' in these records (did you mean 'port'?)\n") == nil)
    }
}

/// Issue 20, item 4: a follow goes on through a late click (which makes the next poll a full
/// rescan) and another that arrives during that rescan, printing every new click once.
@Suite struct FollowThroughRescansTests {
    @Test func lateClicksDuringARescanArePrintedOnceAndFollowGoesOn() throws {
        let account = try FreshnessTests.ChangingAccount(["--max-page-size", "100", "--newest-first", "--latency-ms", "20"])
        let emulator = account.emulator
        let before = try account.clicks()
        let followed = Locked<CLI.Result?>(nil)
        let done = DispatchSemaphore(value: 0)
        let (opsh, env) = (try CLI.executable("opsh"), account.environment)
        Thread.detachNewThread {
            let r = try? CLI.run(opsh, [], environment: env,
                                 stdin: "set follow.interval 300ms\nclicks | select port,source_ip,timestamp | follow --for 10s\n")
            followed.withLock { $0 = r }
            done.signal()
        }
        // The keys and the first scan, then a quiet moment between polls: a late click in the middle.
        try Self.quiet(emulator, after: 50)
        try emulator.send("late 1")
        // A poll cannot prove the log now: it scans all of it again. During that scan, another.
        let polled = try Self.requests(emulator)
        try Self.wait { try Self.requests(emulator) > polled + 40 }
        for change in ["late 1", "add 1"] { try emulator.send(change) }
        done.wait()
        let r = try #require(followed.withLock { $0 })
        #expect(r.status == 0, "\(r)")
        #expect(!r.stderr.contains("changed during"), "\(r)")
        // The new clicks: the log after, less the log before.
        var seen: [String: Int] = [:]
        for row in before { seen[FreshnessTests.identity(row), default: 0] += 1 }
        var new: [[String: Any]] = []
        for row in try account.clicks() {
            let id = FreshnessTests.identity(row)
            if let n = seen[id], n > 0 { seen[id] = n - 1 } else { new.append(row) }
        }
        #expect(new.count == 3)
        let printed = r.stdout.split(separator: "\n").map(String.init)
        #expect(printed.count == 3, "two late clicks and a new one, each once\n\(r)")
        for row in new {
            // As follow shows it: in set timezone's zone (UTC).
            let shown = (row["timestamp"] as? String).flatMap(TimeModelTests.instant).map {
                TimeModelTests.written($0.0, fraction: $0.fraction, in: TimeZone(identifier: "UTC")!)
            }
            let stamp = "timestamp=\(shown ?? "null")"
            #expect(printed.filter { $0.contains(stamp) }.count == 1, "\(stamp) once\n\(r)")
        }
    }

    static func requests(_ emulator: EmulatorProcess) throws -> Int { Int(try emulator.send("requests")) ?? 0 }

    /// Waits (a minute at most) until `condition` holds, looking every 20 ms.
    static func wait(_ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + CLI.patience
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            usleep(20_000)
        }
    }

    /// Waits until the emulator has answered more than `n` requests and then none for 150 ms
    /// (a follow waiting for its next poll).
    static func quiet(_ emulator: EmulatorProcess, after n: Int) throws {
        try wait { try requests(emulator) > n }
        var last = try requests(emulator)
        var since = ContinuousClock.now
        while ContinuousClock.now - since < .milliseconds(150) {
            usleep(10_000)
            let now = try requests(emulator)
            if now != last {
                last = now
                since = .now
            }
        }
    }
}
