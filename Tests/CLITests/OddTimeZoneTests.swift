import Foundation
import Testing

/// Hour buckets in zones with unusual rules, against buckets computed independently: Python's
/// zoneinfo (the system's tz database, not Foundation's ICU) over the API's JSON read with
/// urllib. Each hour is the clock's hour with the offset in force: Lord Howe moves 30 minutes
/// and Chatham (+12:45/+13:45) 60 at a quarter to the hour, so an hour the clock jumped in is
/// split, each part labelled with its real offset; St John's is -03:30/-02:30; Kathmandu
/// +05:45 all year.
@Suite struct OddTimeZoneTests {
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Around each 2021 change of the zone (the demo's clicks cover 2021 and 2022): the
    /// zone, the window, and hours whose count must be above 0 for the data to prove it.
    static let windows: [(zone: String, from: String, to: String, busy: [String])] = [
        ("Australia/Lord_Howe", "2021-04-03T03:00:00Z", "2021-04-04T03:00:00Z", ["2021-04-04T01:00+11:00", "2021-04-04T01:00+10:30"]),
        ("Australia/Lord_Howe", "2021-10-02T03:30:00Z", "2021-10-03T03:30:00Z", ["2021-10-03T01:00+10:30", "2021-10-03T02:00+11:00"]),
        ("Pacific/Chatham", "2021-04-03T02:00:00Z", "2021-04-04T02:00:00Z", ["2021-04-04T03:00+13:45", "2021-04-04T02:00+12:45"]),
        ("Pacific/Chatham", "2021-09-25T02:00:00Z", "2021-09-26T02:00:00Z", ["2021-09-26T02:00+12:45"]),
        ("America/St_Johns", "2021-03-13T17:30:00Z", "2021-03-14T17:30:00Z", []),
        ("America/St_Johns", "2021-11-06T16:30:00Z", "2021-11-07T16:30:00Z", ["2021-11-07T01:00-02:30"]),
        ("Asia/Kathmandu", "2021-11-15T00:00:00Z", "2021-11-16T00:00:00Z", ["2021-11-15T12:00+05:45"]),
    ]

    static let truthScript = #"""
        import collections, datetime, json, sys, urllib.request, zoneinfo
        base, token, windows = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        rows, url = [], base + "openforiplinkclicks/?limit=1000&token=" + token
        while url:
            body = json.load(urllib.request.urlopen(url))
            rows, url = rows + body["results"], body["next"]
        times = [datetime.datetime.fromisoformat(r["timestamp"]) for r in rows if r["timestamp"]]
        def label(t, tz):
            local = t.astimezone(tz)
            minutes = int(local.utcoffset().total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            return local.strftime("%Y-%m-%dT%H:00") + "%s%02d:%02d" % (sign, abs(minutes) // 60, abs(minutes) % 60)
        out = []
        for zone, start, end in windows:
            tz = zoneinfo.ZoneInfo(zone)
            lo, hi = datetime.datetime.fromisoformat(start.replace("Z", "+00:00")), datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
            inside = [t for t in times if lo <= t < hi]
            counts = collections.Counter(label(t, tz) for t in inside)
            # Every hour the clock showed, minute by minute from the first click to the last.
            series, t = [], min(inside).replace(second=0, microsecond=0)
            while t <= max(inside):
                if not series or series[-1] != label(t, tz):
                    series.append(label(t, tz))
                t += datetime.timedelta(minutes=1)
            out.append([[l, counts.get(l, 0)] for l in series])
        print(json.dumps(out))
        """#

    @Test(.enabled(if: python != nil)) func hoursAreLabelledWithTheClockAndItsRealOffset() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let windows = Self.windows.map { [$0.zone, $0.from, $0.to] }
        let windowsJSON = String(decoding: try JSONSerialization.data(withJSONObject: windows), as: UTF8.self)
        let truthRun = try CLI.run(Self.python!, ["-c", Self.truthScript, emulator.baseURL, emulator.token, windowsJSON],
                                   environment: ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"])
        #expect(truthRun.status == 0, "\(truthRun)")
        let truth = try JSONSerialization.jsonObject(with: Data(truthRun.stdout.utf8)) as! [[[Any]]]

        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        var script = ""
        for (i, w) in Self.windows.enumerated() {
            script += "set timezone \(w.zone)\n"
            script += "clicks | where timestamp >= \(w.from) and timestamp < \(w.to) | group timestamp by hour | jsonl > \(home)/\(i).jsonl\n"
        }
        let run = try CLI.run(CLI.executable("opsh"), [], environment: CLI.environment(home: home, [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token, "OPSH_CACHE": "memory",
        ]), stdin: script)
        #expect(run.status == 0 && run.stderr.isEmpty, "\(run)")

        for (i, w) in Self.windows.enumerated() {
            let lines = try String(contentsOfFile: "\(home)/\(i).jsonl", encoding: .utf8).split(separator: "\n")
            let got = try lines.map { line -> (String, Int) in
                let row = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return (row["hour (\(w.zone))"] as? String ?? "missing", row["count"] as? Int ?? -1)
            }
            let expected = truth[i].map { ($0[0] as! String, $0[1] as! Int) }
            #expect(got.map(\.0) == expected.map(\.0), "\(w.zone) \(w.from): hours")
            #expect(got.map(\.1) == expected.map(\.1), "\(w.zone) \(w.from): counts")
            #expect(Set(got.map(\.0)).count == got.count, "\(w.zone) \(w.from): an hour labelled twice")
            for hour in w.busy {
                #expect((expected.first { $0.0 == hour }?.1 ?? 0) > 0, "\(w.zone): the data has no click in \(hour)")
            }
        }
    }
}
