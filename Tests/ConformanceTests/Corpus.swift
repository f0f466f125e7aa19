import Foundation
import OpenportAPI
import Query
import Records
import Shell

/// Lines for opsh: the catalogues' examples, and lines made from the catalogues (every
/// resource, every documented field, every stage, every operator) with values read from the
/// data, so that the answers differ from line to line.
enum Corpus {
    /// The commands' and stages' examples that run to an end and print the same on every run
    /// (not watch, follow, open, help, history, cache, set: a clock, a browser, or no server).
    static var examples: [String] {
        let skipped: Set = ["watch", "open", "help", "history", "exit", "cache", "set", "refresh"]
        let commands = CommandCatalog.all.filter { !skipped.contains($0.name) }.flatMap { $0.examples.map(\.line) }
        let stages = StageCatalog.all.flatMap { $0.examples.map(\.line) }
        return (commands + stages).filter { !$0.contains("follow") && !$0.hasPrefix("usage:") }
    }

    /// A sample of each resource's rows (from `server`), to take values from.
    static func samples(baseURL: String, token: String) async throws -> [Resource: [Record]] {
        var out: [Resource: [Record]] = [:]
        for resource in Resource.allCases {
            let offset = resource == .clicks ? 5_000 : 0
            let probe = Probe(path: resource.path + "?limit=1000&offset=\(offset)&token=\(token)")
            let answer = try await Wire.send(probe, port: URLComponents(string: baseURL)!.port!)
            guard case .object(let page) = try JSONReader().parse(answer.body), case .list(let rows) = page["results"] else {
                throw ProcessFailure(description: "no rows in \(answer)")
            }
            out[resource] = rows.compactMap { if case .object(let r) = $0 { return r } else { return nil } }
        }
        return out
    }

    static func lines(samples: [Resource: [Record]]) -> [String] {
        var lines = examples
        for resource in Resource.allCases {
            let name = resource == .clicks ? "clicks" : resource.rawValue
            lines.append("\(name) | count")
            lines.append("\(name) | first 3 | json")
            lines.append("\(name) | last 2 | jsonl")
            lines.append("\(name) | first 4 | csv")
            lines.append("\(name) | first 5 | table")
            for field in resource.documentedFields {
                lines += fieldLines(name, field, rows: samples[resource] ?? [])
            }
        }
        lines += relationLines(samples)
        return lines
    }

    /// What every field gets: select, sort both ways, uniq, group, nulls, min and max, and each
    /// operator against a value the data has.
    static func fieldLines(_ r: String, _ f: String, rows: [Record]) -> [String] {
        var lines = [
            "\(r) | select \(f) | first 5", "\(r) | sort \(f) | select \(f) | first 3",
            "\(r) | sort -\(f) | select \(f) | first 3", "\(r) | uniq \(f) | count", "\(r) | group \(f) | first 3",
            "\(r) | where \(f) = null | count", "\(r) | where \(f) != null | count", "\(r) | min \(f)", "\(r) | max \(f)",
        ]
        let values = rows.map { $0[f] }.filter { value in
            if case .string(let s) = value { return s.allSatisfy { $0.isLetter || $0.isNumber || " ._@:/-".contains($0) } }
            return value != .null
        }
        guard values.count > 8 else { return lines }
        let v = values[7], w = values[values.count / 2]
        for op in ["=", "==", "!=", "<", "<=", ">", ">="] { lines.append("\(r) | where \(f) \(op) \(literal(v)) | count") }
        lines.append("\(r) | where \(f) in (\(literal(v)), \(literal(w))) | count")
        lines.append("\(r) | where \(f) = \(literal(v)) or \(f) = \(literal(w)) | select \(f) | first 4")
        lines.append("\(r) | where not \(f) = \(literal(v)) and \(f) != null | count")
        switch v {
        case .string(let s):
            let part = String(s.prefix(3)).filter { $0.isLetter || $0.isNumber }
            if !part.isEmpty {
                lines += ["~ \"^\(part)\"", "!~ \"\(part)\"", "contains \"\(part)\"", "startswith \"\(part)\""].map {
                    "\(r) | where \(f) \($0) | count"
                }
            }
            if s.contains(".") && s.first!.isNumber, let dot = s.firstIndex(of: ".") {
                lines.append("\(r) | where \(f) in \(s[..<dot]).0.0.0/8 | count")
                lines.append("\(r) | where \(f) in (10.0.0.0/8, 2a02::/16, \(s[..<dot]).0.0.0/8) | count")
            }
        case .int:
            lines += ["sum", "avg"].map { "\(r) | \($0) \(f)" }
        case .time(let t):
            lines += ["hour", "day", "week", "month", "year"].map { "\(r) | group \(f) by \($0) | first 5" }
            lines.append("\(r) | where \(f) > \(String(t.description.prefix(10))) | count")
            lines.append("\(r) | where \(f) < \(String(t.description.prefix(10))) | group \(f) by month | last 3 | chart")
        default:
            break
        }
        return lines
    }

    /// Paths through relations, the key details command, and `get`.
    static func relationLines(_ samples: [Resource: [Record]]) -> [String] {
        var lines = [
            "sessions | select port,key.name,key.id | first 5", "sessions | group key.name | first 5",
            "clicks | select port,key_name,key.name,key.id,session.server,session.key.name | first 10",
            "clicks | group key.id | first 3", "clicks | where key.name = raspberrypi | count",
            "clicks | where session.local_port = 22 | count", "clicks | where key_name = null | count",
            "clicks | group session.server", "clicks | where port=6260 | group timestamp by day | chart",
            "keys raspberrypi", "keys 123", "keys \"Pi London\"", "get nodes/", "get sessions/ | count",
            "get openforiplinkclicks/?limit=3 | select port,timestamp", "keys | where name ~ \"^rasp\" | select id,name",
            "clicks | where timestamp > 2022-03-27T00:30:00Z and timestamp < 2022-03-27T01:30:00Z | select timestamp",
            "clicks | where timestamp > 2022-10-30T00:00:00Z and timestamp < 2022-10-30T02:00:00Z | select timestamp",
        ]
        for key in (samples[.keys] ?? []).prefix(200).enumerated().filter({ $0.offset % 40 == 0 }).map(\.element) {
            if case .int(let id) = key["id"] { lines += ["keys \(id)", "get keys/\(id)/", "keys id=\(id) | json"] }
        }
        return lines
    }

    static func literal(_ v: Value) -> String {
        switch v {
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .time(let t): return Timestamp(micros: t.micros).description
        default: return JSONWriter.string(v)
        }
    }
}

/// The real opsh binary running a script against one server, each line's output apart.
struct ScriptRun {
    var outputs: [String]
    var stderr: String
    var status: Int32

    /// Runs `lines` in one opsh process (so the session cache carries from line to line, as
    /// for a user), with `help exit` between them to split the output by.
    /// `home` is kept (with its disk cache) when given; a new one is made and removed otherwise.
    static func run(_ lines: [String], baseURL: String, token: String, home given: String? = nil) throws -> ScriptRun {
        let opsh = try Checkout.executable("opsh")
        let separator = try Run.checked(opsh, ["-c", "help exit"]).stdout
        let home = given ?? NSTemporaryDirectory() + "/opsh-conformance-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { if given == nil { try? FileManager.default.removeItem(atPath: home) } }
        let environment = [
            "PATH": "/usr/bin:/bin", "HOME": home, "XDG_STATE_HOME": home + "/state", "XDG_CACHE_HOME": home + "/cache",
            "XDG_CONFIG_HOME": home + "/config", "LANG": "C.UTF-8", "PAGER": "cat", "TERM": "dumb",
            "OPENPORT_API_URL": baseURL, "OPENPORT_TOKEN": token,
        ]
        let script = lines.map { $0 + "\nhelp exit\n" }.joined()
        let done = try Run.program(opsh, ["--keep-going"], environment: environment, stdin: script)
        // The server's own address is all that may differ between two servers' answers.
        let host = URLComponents(string: baseURL).map { "\($0.host ?? ""):\($0.port ?? 0)" } ?? baseURL
        // And the age of the click log `keys ID` mentions, which is the clock's.
        let stdout = done.stdout.replacingOccurrences(of: host, with: "HOST")
            .replacing(/fetched \d+[smhd] ago/, with: "fetched (some time) ago")
        var outputs = stdout.components(separatedBy: separator)
        if outputs.last == "" { outputs.removeLast() }
        return ScriptRun(outputs: outputs, stderr: done.stderr.replacingOccurrences(of: host, with: "HOST"), status: done.status)
    }

    /// What stderr said about the `index`-th line (script line 2 × index + 1).
    func messages(about index: Int) -> [Substring] {
        stderr.split(separator: "\n").filter { $0.hasPrefix("opsh: line \(2 * index + 1):") || $0.hasPrefix("opsh: line \(2 * index + 1),") }
    }
}
