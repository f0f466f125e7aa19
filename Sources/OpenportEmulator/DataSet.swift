import Foundation

// MARK: - Records

struct Key: Sendable {
    var id: Int
    var publicKey: String
    var name: String
    var lastConnection: Int64?  // µs since epoch
    var creation: Int64
    var redirectToken: String
    var bytesThisMonth: Int
    var counterReset: Int64

    /// Seed field order: url, public_key, name, id, last_connection_time, creation_time,
    /// redirect_token, bytes_this_month, counter_reset_time.
    func appendJSON(links: Links, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"url\":".utf8)
        JSONOut.appendString(links.key(id), to: &out)
        out.append(contentsOf: ",\"public_key\":".utf8)
        JSONOut.appendString(publicKey, to: &out)
        out.append(contentsOf: ",\"name\":".utf8)
        JSONOut.appendString(name, to: &out)
        out.append(contentsOf: ",\"id\":".utf8)
        JSONOut.appendInt(id, to: &out)
        out.append(contentsOf: ",\"last_connection_time\":".utf8)
        if let lastConnection {
            BrusselsTime.appendQuoted(micros: lastConnection, to: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: ",\"creation_time\":".utf8)
        BrusselsTime.appendQuoted(micros: creation, to: &out)
        out.append(contentsOf: ",\"redirect_token\":".utf8)
        JSONOut.appendString(redirectToken, to: &out)
        out.append(contentsOf: ",\"bytes_this_month\":".utf8)
        JSONOut.appendInt(bytesThisMonth, to: &out)
        out.append(contentsOf: ",\"counter_reset_time\":".utf8)
        BrusselsTime.appendQuoted(micros: counterReset, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

struct Session: Sendable {
    var keyId: Int
    var port: Int
    var localPort: Int
    var server: String
    var httpForwardingAddress: String?
    var openPortForIPLink: String
    var redirectURL: String

    /// Seed field order: key, port, local_port, server, http_forwarding_address,
    /// open_port_for_ip_link, redirect_url.
    func appendJSON(links: Links, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"key\":".utf8)
        JSONOut.appendString(links.key(keyId), to: &out)
        out.append(contentsOf: ",\"port\":".utf8)
        JSONOut.appendInt(port, to: &out)
        out.append(contentsOf: ",\"local_port\":".utf8)
        JSONOut.appendInt(localPort, to: &out)
        out.append(contentsOf: ",\"server\":".utf8)
        JSONOut.appendString(server, to: &out)
        out.append(contentsOf: ",\"http_forwarding_address\":".utf8)
        JSONOut.appendOptionalString(httpForwardingAddress, to: &out)
        out.append(contentsOf: ",\"open_port_for_ip_link\":".utf8)
        JSONOut.appendString(openPortForIPLink, to: &out)
        out.append(contentsOf: ",\"redirect_url\":".utf8)
        JSONOut.appendString(redirectURL, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// Click rows, pre-serialized once: row i is `bytes[ends[i-1] ..< ends[i]]`.
/// ~110 bytes a row, so 178,268 clicks take about 20 MB.
struct ClickRows: Sendable {
    var bytes: [UInt8] = []
    var ends: [Int] = []
    /// The id of the key each row was made through (-1: none), so that renaming or deleting
    /// a key relabels its clicks, as the server does.
    var keyIds: [Int32] = []
    /// When each row's click happened (microseconds since 1970, also for a row shown with a
    /// null timestamp): the order of the list.
    var times: [Int64] = []
    var count: Int { ends.count }

    /// Removes the rows at `positions`.
    mutating func remove(_ positions: Set<Int>) {
        guard !positions.isEmpty else { return }
        var kept = ClickRows()
        kept.bytes.reserveCapacity(bytes.count)
        for i in 0..<count where !positions.contains(i) { kept.append(row(i), keyId: keyIds[i], time: times[i]) }
        self = kept
    }

    /// Puts the rows of `other` before position `i`.
    mutating func insert(_ other: ClickRows, at i: Int) {
        var merged = ClickRows()
        merged.bytes.reserveCapacity(bytes.count + other.bytes.count)
        for j in 0..<i { merged.append(row(j), keyId: keyIds[j], time: times[j]) }
        for j in 0..<other.count { merged.append(other.row(j), keyId: other.keyIds[j], time: other.times[j]) }
        for j in i..<count { merged.append(row(j), keyId: keyIds[j], time: times[j]) }
        self = merged
    }

    /// Lists one more row, made through key `keyId` (-1: none) for a click at `time`.
    mutating func append(_ row: some Collection<UInt8>, keyId: Int32, time: Int64) {
        bytes.append(contentsOf: row)
        ends.append(bytes.count)
        keyIds.append(keyId)
        times.append(time)
    }

    func row(_ i: Int) -> ArraySlice<UInt8> {
        bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]]
    }

    static let keyNameMarker = Array(",\"key_name\":".utf8)

    /// Rewrites the `key_name` of every row made through key `id`: `name`, or null.
    mutating func relabel(keyId id: Int, name: String?) {
        let suffix = name.map { ClickRows.keyNameMarker + JSONOut.quoted($0) + [UInt8(ascii: "}")] } ?? ClickGenerator.nullName
        guard keyIds.contains(Int32(id)) else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var newEnds: [Int] = []
        newEnds.reserveCapacity(ends.count)
        let marker = ClickRows.keyNameMarker
        for i in 0..<count {
            let r = row(i)
            if keyIds[i] == Int32(id) {
                // The key_name is the row's last field; its marker cannot occur inside a JSON
                // string (quotes there are escaped), so the first match is the field.
                var cut = r.endIndex
                var j = r.startIndex
                while j + marker.count <= r.endIndex {
                    if r[j] == marker[0], r[j..<(j + marker.count)].elementsEqual(marker) { cut = j; break }
                    j += 1
                }
                out.append(contentsOf: r[r.startIndex..<cut])
                out.append(contentsOf: suffix)
                if name == nil { keyIds[i] = -1 }
            } else {
                out.append(contentsOf: r)
            }
            newEnds.append(out.count)
        }
        bytes = out
        ends = newEnds
    }

}

/// An account's clicks in listing order, oldest first. With `EmulatorOptions.undatedClicksLast`,
/// as DRF lists a model ordered by `timestamp` (then id): clicks without a time come after
/// every dated one, where PostgreSQL sorts NULL (newest first reverses the whole list, so they
/// lead it); otherwise they stay where they were made, among the dated ones.
struct ClickTable: Sendable {
    var dated = ClickRows()
    var undated = ClickRows()

    var count: Int { dated.count + undated.count }

    func row(_ i: Int) -> ArraySlice<UInt8> {
        i < dated.count ? dated.row(i) : undated.row(i - dated.count)
    }

    /// The id of the key row `i` was made through (-1: none).
    func keyId(_ i: Int) -> Int32 {
        i < dated.count ? dated.keyIds[i] : undated.keyIds[i - dated.count]
    }

    mutating func relabel(keyId id: Int, name: String?) {
        dated.relabel(keyId: id, name: name)
        undated.relabel(keyId: id, name: name)
    }

    /// Removes the rows at `positions` (in listing order, oldest first).
    mutating func remove(_ positions: Set<Int>) {
        let n = dated.count
        dated.remove(positions.filter { $0 < n })
        undated.remove(Set(positions.filter { $0 >= n }.map { $0 - n }))
    }

    mutating func reserveCapacity(_ n: Int) {
        dated.bytes.reserveCapacity(n * 112)
        dated.ends.reserveCapacity(n)
        dated.keyIds.reserveCapacity(n)
    }
}


/// Makes click rows for one account: which ports, IPs and key names, and where time is.
struct ClickGenerator: Sendable {
    var rng: SplitMix64
    var lastMicros: Int64
    /// `{"port":N,"source_ip":` for each candidate port.
    let portPrefix: [[UInt8]]
    /// `,"key_name":"NAME"}` for each candidate port.
    var nameSuffix: [[UInt8]]
    /// The key id behind each candidate port.
    let portKeyIds: [Int32]
    /// Index into the port arrays of the hot port (6260 for demo), if any, and its share.
    let hotPortIndex: Int?
    let hotPortShare: Double
    /// Indices of a few busy ports (30% of the traffic together).
    let busyPorts: [Int]
    /// Ports of live sessions are 0..<liveCount; the rest belong to closed sessions.
    let liveCount: Int
    let ipv4: [[UInt8]]
    let ipv6: [[UInt8]]
    /// Whether clicks without a time are listed apart, after every dated one (as DRF orders
    /// by time), or where they were made (see `EmulatorOptions.undatedClicksLast`).
    var undatedLast = false

    static let nullName: [UInt8] = Array(",\"key_name\":null}".utf8)
    static let timestampKey: [UInt8] = Array(",\"timestamp\":".utf8)

    /// Draws one click at `micros` (or, rarely, with no time, unless `exactTime`) and lists it in `table`.
    /// `undated`: the row's time is null whatever the draw says (nil: one in a thousand).
    mutating func appendRow(micros: Int64, to table: inout ClickTable, exactTime: Bool = false, undated forced: Bool? = nil) {
        let u = rng.unit()
        let p: Int
        if let hot = hotPortIndex, u < hotPortShare {
            p = hot
        } else if u < hotPortShare + 0.30, !busyPorts.isEmpty {
            p = busyPorts[rng.below(busyPorts.count)]
        } else if u < 0.93 || liveCount == portPrefix.count {
            p = rng.below(liveCount)
        } else {
            p = liveCount + rng.below(portPrefix.count - liveCount)
        }
        var row = portPrefix[p]
        // Hot IPs: a cubic skew makes the first addresses of each pool far more frequent.
        let pool = rng.chance(0.05) ? ipv6 : ipv4
        let s = rng.unit()
        row.append(contentsOf: pool[min(pool.count - 1, Int(Double(pool.count) * s * s * s))])
        row.append(contentsOf: ClickGenerator.timestampKey)
        let undated = forced ?? (!exactTime && rng.chance(0.001))
        if undated {
            row.append(contentsOf: "null".utf8)
        } else {
            // ~2% of the rows have whole seconds (DRF then omits the fraction).
            let t = !exactTime && rng.chance(0.02) ? micros - micros % 1_000_000 : micros
            BrusselsTime.appendQuoted(micros: t, to: &row)
        }
        // A few clicks of keys deleted long ago: the server shows them with key_name null.
        let orphan = rng.chance(0.003)
        row.append(contentsOf: orphan ? ClickGenerator.nullName : nameSuffix[p])
        if undated && undatedLast {
            table.undated.append(row, keyId: orphan ? -1 : portKeyIds[p], time: micros)
        } else {
            table.dated.append(row, keyId: orphan ? -1 : portKeyIds[p], time: micros)
        }
    }

    /// Later clicks through key `id` carry `name` (null once the key is deleted).
    mutating func relabel(keyId id: Int, name: String?) {
        for p in portKeyIds.indices where portKeyIds[p] == Int32(id) {
            nameSuffix[p] = name.map { ClickRows.keyNameMarker + JSONOut.quoted($0) + [UInt8(ascii: "}")] } ?? ClickGenerator.nullName
        }
    }

    /// Clicks written late: each at a random place in the middle of the list (not the first or
    /// last 5 %), with a time between its neighbours'.
    mutating func insertLate(_ n: Int, into table: inout ClickTable) {
        for _ in 0..<max(0, n) {
            let margin = max(1, table.dated.count / 20)
            guard table.dated.count > 2 * margin else { return }
            let i = margin + rng.below(table.dated.count - 2 * margin)
            let (before, after) = (table.dated.times[i - 1], table.dated.times[i])
            guard after - before > 2 else { continue }
            var row = ClickTable()
            appendRow(micros: before + 1 + Int64(rng.below(Int(after - before - 1))), to: &row, exactTime: true)
            table.dated.insert(row.dated, at: i)
        }
    }

    /// A new click at `micros` (or just after the newest, if that is later): one that
    /// arrives now, on a demo whose history ends now.
    mutating func append(at micros: Int64, to table: inout ClickTable) {
        lastMicros = max(lastMicros + 1, micros)
        appendRow(micros: lastMicros, to: &table)
    }

    /// New clicks after the newest one (a few seconds to ten minutes apart); `undated`: each
    /// without a time (listed where `undatedLast` says).
    mutating func append(_ n: Int, to table: inout ClickTable, undated: Bool? = nil) {
        for _ in 0..<max(0, n) {
            lastMicros += Int64(rng.int(in: 1_000_000...600_000_000))
            appendRow(micros: lastMicros, to: &table, undated: undated)
        }
    }
}

struct Account: Sendable {
    var keys: [Key]  // sorted by id
    var sessions: [Session]
    var clicks: ClickTable
    var generator: ClickGenerator
}

// MARK: - Generation

/// Where the demo account's history lies in time. The same draws of the same seed give the
/// same rows whatever the timeline: only their times move.
struct Timeline: Sendable {
    /// The two years of clicks (the activity's shape, the outage week, laid over them).
    var clicksFrom: Int64
    var clicksTo: Int64
    /// Added to every time of a key (creation, last connection, counter reset).
    var keysShift: Int64

    /// What the tests pin: the clicks of 2021 and 2022 (Brussels), the keys' times up to
    /// 2023-04-11.
    static let pinned = Timeline(clicksFrom: BrusselsTime.utcMicros(year: 2020, month: 12, day: 31, hour: 23),  // 2021-01-01 00:00 +01:00
                                 clicksTo: BrusselsTime.utcMicros(year: 2022, month: 12, day: 31, hour: 23),  // 2023-01-01 00:00 +01:00
                                 keysShift: 0)

    /// The pinned keys' times end just before this: their counter reset, 2023-04-11 04:17 UTC.
    static let pinnedKeysNow = BrusselsTime.utcMicros(year: 2023, month: 4, day: 11, hour: 6)

    /// Two years of clicks up to `end` (µs), the keys' times moved to end just before it (by
    /// whole seconds: a time the server writes without a fraction keeps none).
    static func ending(at end: Int64) -> Timeline {
        let shift = end - pinnedKeysNow
        return Timeline(clicksFrom: end - (pinned.clicksTo - pinned.clicksFrom), clicksTo: end,
                        keysShift: shift - shift % 1_000_000)
    }
}

enum DataSet {

    static let nodesJSON: [[UInt8]] = [
        Array(#"{"name":"us","public_ip":"104.131.142.252","status":"active","public_dns_name":"us.openport.io"}"#.utf8),
        Array(#"{"name":"singapore","public_ip":"128.199.116.155","status":"active","public_dns_name":"spr.openport.io"}"#.utf8),
        Array(#"{"name":"openport-main-2","public_ip":"95.85.25.182","status":"active","public_dns_name":"openport.io"}"#.utf8),
    ]

    static let ansiName = "\u{1b}[31mred alert\u{1b}[0m"
    static let longName: String = {
        let words = "Long key name for the build farm in the basement next to the coffee machine "
        var s = ""
        while s.count < 200 { s += words }
        return String(s.prefix(200))
    }()
    static let duplicateName = "shared-box"
    /// Three keys share this name (and other keys are called raspberrypi-N).
    static let triplicateName = "raspberrypi"
    /// Names that hold what a terminal or a line reader would act on: tab, newline, an OSC
    /// title sequence ended by BEL, a bidi override.
    static let controlNames = ["tab\there", "two\nlines", "\u{1b}]0;pwned\u{07}title", "bidi \u{202E}gpj.exe"]
    /// A name of digits that no key has as its id (ids are 300 and up).
    static let digitsName = "123"

    /// Names every demo data set has (each exactly once, except `duplicateName`: twice).
    static let fixedDemoNames: [String] = [
        "root@HQ", "Pi London", "EURO44", "USA45", "web-03",
        "Office Pi 2",
        "Jan's laptop",
        "the \"big\" server",
        "Café Brussel",
        "東京 日本 server",
        "rocket 🚀 box",
        "left|right",
        "env=prod",
        ansiName,
        longName,
        "C:\\backup",
        duplicateName, duplicateName,
    ]

    /// More awkward names, given to keys after the shuffle (in place of generic `clientN`
    /// names), so that the keys above keep their ids from one version of the data to the next.
    static let laterNames: [String] = [triplicateName, triplicateName, triplicateName, digitsName] + controlNames

    /// Every awkward name: each shows up in sessions and clicks.
    static var awkwardNames: [String] { fixedDemoNames + laterNames }

    static let places = [
        "London", "Paris", "Brussels", "Ghent", "Antwerp", "Berlin", "Amsterdam", "Madrid", "Lisbon", "Oslo",
        "Tokyo", "Austin", "Denver", "Lyon", "Milan", "Prague", "Vienna", "Dublin", "Leuven", "Bruges",
    ]
    static let devices = ["Pi", "NAS", "Router", "Laptop", "Desktop", "Cam", "Printer", "Server", "Box", "Gateway"]
    static let hosts = ["HQ", "gateway", "backup", "build", "vps1", "vps2", "nas", "office", "lab", "cloud"]
    static let people = ["jan", "marie", "pieter", "sofie", "tom", "lisa", "bart", "an", "koen", "eva"]
    static let regions = ["eu", "us", "ap", "sa"]

    static func genericName(_ r: inout SplitMix64) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch r.below(12) {
        case 0: return "\(r.pick(devices)) \(r.pick(places))"
        case 1: return "web-\(two(r.int(in: 1...80)))"
        case 2: return "db-\(two(r.int(in: 1...40)))"
        case 3: return "EURO\(r.int(in: 1...99))"
        case 4: return "USA\(r.int(in: 1...99))"
        case 5: return "root@\(r.pick(hosts))\(r.int(in: 1...30))"
        case 6: return "raspberrypi-\(r.int(in: 1...500))"
        case 7: return "\(r.pick(places).lowercased())-gw-\(r.int(in: 1...20))"
        case 8: return "sensor-\(String(r.below(0x10000), radix: 16))"
        case 9: return "client\(r.int(in: 1...3000))"
        case 10: return "\(r.pick(people))-laptop-\(r.int(in: 1...9))"
        default: return "edge-\(r.pick(regions))-\(two(r.int(in: 1...60)))"
        }
    }

    static func token(_ r: inout SplitMix64, length: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        return String((0..<length).map { _ in r.pick(letters) })
    }

    static func sshString(_ bytes: [UInt8]) -> [UInt8] {
        let n = UInt32(bytes.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + bytes
    }

    static func randomBytes(_ r: inout SplitMix64, _ n: Int) -> [UInt8] {
        (0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }
    }

    static func publicKey(_ r: inout SplitMix64) -> String {
        let comment = r.pick(["root", "pi", "admin", "ubuntu", "jan@laptop", "deploy@ci", "pi@raspberrypi"])
        let u = r.unit()
        let type: String
        var blob: [UInt8]
        if u < 0.6 {
            type = "ssh-rsa"
            var modulus = randomBytes(&r, 128)
            modulus[0] |= 0x80
            blob = sshString(Array(type.utf8)) + sshString([1, 0, 1]) + sshString([0] + modulus)
        } else if u < 0.95 {
            type = "ssh-ed25519"
            blob = sshString(Array(type.utf8)) + sshString(randomBytes(&r, 32))
        } else {
            type = "ecdsa-sha2-nistp256"
            blob = sshString(Array(type.utf8)) + sshString(Array("nistp256".utf8)) + sshString([4] + randomBytes(&r, 64))
        }
        return "\(type) \(Data(blob).base64EncodedString()) \(comment)"
    }

    static func randomMicros(_ r: inout SplitMix64, from a: Int64, to b: Int64, fraction: Double) -> Int64 {
        let t = a + Int64(r.unit() * Double(b - a))
        return r.chance(fraction) ? t : t - t % 1_000_000
    }

    static let counterReset = BrusselsTime.utcMicros(year: 2023, month: 4, day: 11, hour: 4, minute: 17, second: 26) + 261_628
    static let previousCounterReset = BrusselsTime.utcMicros(year: 2023, month: 3, day: 11, hour: 5, minute: 17, second: 25) + 874_102

    static func makeKeys(_ r: inout SplitMix64, ids: [Int], names: [String], shift: Int64 = 0) -> [Key] {
        let createdFrom = BrusselsTime.utcMicros(year: 2014, month: 1, day: 1)
        let createdTo = BrusselsTime.utcMicros(year: 2022, month: 12, day: 31)
        let seenTo = BrusselsTime.utcMicros(year: 2023, month: 4, day: 10, hour: 20)
        return zip(ids, names).map { id, name in
            let creation = randomMicros(&r, from: createdFrom, to: createdTo, fraction: 0.3)
            let last: Int64? = r.chance(0.15) ? nil : randomMicros(&r, from: creation, to: seenTo, fraction: 0.5)
            return Key(
                id: id, publicKey: publicKey(&r), name: name, lastConnection: last, creation: creation,
                redirectToken: token(&r, length: 7),
                bytesThisMonth: r.chance(0.8) ? 0 : r.int(in: 1_000...5_000_000_000),
                counterReset: r.chance(0.9) ? counterReset : previousCounterReset)
        }.map { key in
            var k = key
            k.creation += shift
            k.lastConnection = k.lastConnection.map { $0 + shift }
            k.counterReset += shift
            return k
        }
    }

    static func makeSession(_ r: inout SplitMix64, key: Key, port: Int, localPort: Int? = nil) -> Session {
        let local = localPort ?? {
            let u = r.unit()
            if u < 0.6 { return 22 }
            return r.pick([80, 8080, 443, 3000, 5000, 8000, 8081, 3389, 5900, 1883, 9000])
        }()
        let su = r.unit()
        let server = su < 0.8 ? "openport.io" : su < 0.92 ? "us.openport.io" : "spr.openport.io"
        let http = [80, 8080, 443, 3000, 5000, 8000, 8081, 9000].contains(local) && r.chance(0.35)
        return Session(
            keyId: key.id, port: port, localPort: local, server: server,
            httpForwardingAddress: http ? "https://\(token(&r, length: 6).lowercased())-\(port).openport.io" : nil,
            openPortForIPLink: "https://\(server)/l/\(port)/",
            redirectURL: "https://\(server)/r/\(token(&r, length: 8))/\(local)")
    }

    static func ipv4Pool(_ r: inout SplitMix64, _ n: Int) -> [[UInt8]] {
        let firsts = [2, 5, 31, 37, 46, 62, 77, 78, 80, 81, 82, 84, 85, 86, 88, 91, 94, 109, 141, 145, 178, 185, 188,
                      193, 194, 195, 212, 213, 217]
        var seen = Set<String>()
        var out: [[UInt8]] = []
        while out.count < n {
            let ip = "\(r.pick(firsts)).\(r.below(256)).\(r.below(256)).\(r.int(in: 1...254))"
            if seen.insert(ip).inserted { out.append(JSONOut.quoted(ip)) }
        }
        return out
    }

    static func ipv6Pool(_ r: inout SplitMix64, _ n: Int) -> [[UInt8]] {
        var seen = Set<String>()
        var out: [[UInt8]] = []
        while out.count < n {
            let ip: String
            if r.chance(0.1) {
                // IPv4-mapped, as a dual-stack server logs an IPv4 client.
                ip = "::ffff:\(r.int(in: 1...223)).\(r.below(256)).\(r.below(256)).\(r.int(in: 1...254))"
            } else if r.chance(0.2) {
                ip = "2001:db8::\(String(r.int(in: 1...0xffff), radix: 16))"
            } else {
                let groups = (0..<5).map { _ in String(r.int(in: 1...0xffff), radix: 16) }
                ip = "2a02:1810:\(String(r.int(in: 0x1000...0xffff), radix: 16)):\(groups.joined(separator: ":"))"
            }
            if seen.insert(ip).inserted { out.append(JSONOut.quoted(ip)) }
        }
        return out
    }

    static func makeGenerator(
        _ r: inout SplitMix64, sessions: [Session], closedPorts: [Int], keys: [Key], hotPort: Int?,
        ipv4: Int, ipv6: Int, from start: Int64
    ) -> ClickGenerator {
        let nameOf = Dictionary(keys.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var ports: [Int] = []
        var names: [String] = []
        var keyIds: [Int32] = []
        for s in sessions {
            ports.append(s.port)
            names.append(nameOf[s.keyId] ?? "")
            keyIds.append(Int32(s.keyId))
        }
        for p in closedPorts {
            ports.append(p)
            let k = r.pick(keys)
            names.append(k.name)
            keyIds.append(Int32(k.id))
        }
        let hotIndex = hotPort.flatMap { ports.firstIndex(of: $0) }
        var busy: [Int] = []
        if sessions.count > 20 {
            while busy.count < 8 {
                let i = r.below(sessions.count)
                if i != hotIndex, !busy.contains(i) { busy.append(i) }
            }
        }
        return ClickGenerator(
            rng: SplitMix64(seed: r.next()),
            lastMicros: start,
            portPrefix: ports.map { Array("{\"port\":\($0),\"source_ip\":".utf8) },
            nameSuffix: names.map { Array(",\"key_name\":".utf8) + JSONOut.quoted($0) + [UInt8(ascii: "}")] },
            portKeyIds: keyIds,
            hotPortIndex: hotIndex, hotPortShare: hotIndex == nil ? 0 : 0.03, busyPorts: busy,
            liveCount: sessions.count, ipv4: ipv4Pool(&r, ipv4), ipv6: ipv6Pool(&r, ipv6))
    }

    /// `n` clicks over the timeline's two years (2021-01-01 .. 2022-12-31 in Brussels when
    /// pinned), oldest first, as people click: more by day than by night, fewer at weekends, a
    /// slow growth over the two years, and a quiet week (an outage) 7 months in (August 2021)
    /// that charts show as a gap.
    static func makeClicks(_ n: Int, generator g: inout ClickGenerator, timeline: Timeline = .pinned) -> ClickTable {
        var table = ClickTable()
        table.reserveCapacity(n)
        let activity = ClickActivity(from: timeline.clicksFrom, to: timeline.clicksTo)
        var last = timeline.clicksFrom
        for i in 0..<max(0, n) {
            // Evenly spaced positions (with jitter) along the cumulative activity: the rows
            // keep their order, and each draws from the generator exactly as before.
            let position = (Double(i) + g.rng.unit()) / Double(n)
            let t = max(last, activity.instant(at: position))
            last = t
            g.appendRow(micros: t, to: &table)
        }
        g.lastMicros = last
        return table
    }

    struct Built {
        var demo: Account
        var other: Account
        var nextKeyId: Int
        var rng: SplitMix64
    }

    static func build(seed: UInt64, demoClicks: Int, undatedLast: Bool = false, timeline: Timeline = .pinned) -> Built {
        var r = SplitMix64(seed: seed)

        // Ids: unique, non-contiguous, 300 ..< 20000, demo and other disjoint.
        var idSet = Set<Int>()
        var ids: [Int] = []
        while ids.count < 1044 + 5 {
            let id = r.int(in: 300...19_999)
            if idSet.insert(id).inserted { ids.append(id) }
        }
        let demoIds = ids[0..<1044].sorted()
        let otherIds = ids[1044...].sorted()

        // Names: the fixed awkward ones plus unique realistic ones, shuffled.
        var names = fixedDemoNames
        var used = Set(names)
        while names.count < 1044 {
            let n = genericName(&r)
            if used.insert(n).inserted { names.append(n) }
        }
        for i in stride(from: names.count - 1, to: 0, by: -1) { names.swapAt(i, r.below(i + 1)) }
        let slots = names.indices.filter { names[$0].hasPrefix("client") }
        for (slot, name) in zip(slots, laterNames) { names[slot] = name }
        // One key is named with another key's id, as people do ("377"): `keys 377` is ambiguous.
        if slots.count > laterNames.count {
            let i = slots[laterNames.count]
            names[i] = String(demoIds[(i + 1) % demoIds.count])
        }
        let demoKeys = makeKeys(&r, ids: demoIds, names: names, shift: timeline.keysShift)

        // Ports: unique 1024...65535, 6260 first (root@HQ, local port 22).
        var portSet: Set<Int> = [6260]
        func newPort() -> Int {
            while true {
                let p = r.int(in: 1024...65535)
                if portSet.insert(p).inserted { return p }
            }
        }
        var sessions: [Session] = []
        let byName = Dictionary(demoKeys.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        sessions.append(makeSession(&r, key: byName["root@HQ"]!, port: 6260, localPort: 22))
        // Every awkward name shows up in sessions and clicks.
        for name in awkwardNames where name != "root@HQ" {
            for k in demoKeys where k.name == name && !sessions.contains(where: { $0.keyId == k.id }) {
                sessions.append(makeSession(&r, key: k, port: newPort()))
            }
        }
        // Ports repeat across servers: sessions that share a port with another one, on
        // another server, for keys of another name and for two keys of the same name.
        func onAnotherServer(_ s: Session, key: Key) -> Session {
            var twin = makeSession(&r, key: key, port: s.port)
            let servers = ["openport.io", "us.openport.io", "spr.openport.io"].filter { $0 != s.server }
            twin.server = r.pick(servers)
            twin.openPortForIPLink = "https://\(twin.server)/l/\(s.port)/"
            return twin
        }
        let pis = demoKeys.filter { $0.name == triplicateName }
        if let first = sessions.first(where: { $0.keyId == pis[0].id }) {
            sessions.append(onAnotherServer(first, key: pis[1]))
        }
        for _ in 0..<6 {
            let s = sessions[r.below(sessions.count)]
            let other = r.pick(demoKeys)
            if other.id != s.keyId, other.name != demoKeys.first(where: { $0.id == s.keyId })?.name,
               !sessions.contains(where: { $0.port == s.port && $0.keyId == other.id }) {
                sessions.append(onAnotherServer(s, key: other))
            }
        }
        while sessions.count < 300 {
            sessions.append(makeSession(&r, key: r.pick(demoKeys), port: newPort()))
        }
        for i in stride(from: sessions.count - 1, to: 0, by: -1) { sessions.swapAt(i, r.below(i + 1)) }
        let closed = (0..<60).map { _ in newPort() }
        var demoGen = makeGenerator(
            &r, sessions: sessions, closedPorts: closed, keys: demoKeys, hotPort: 6260, ipv4: 3000, ipv6: 150,
            from: timeline.clicksFrom)
        demoGen.undatedLast = undatedLast
        let demoClicksTable = makeClicks(demoClicks, generator: &demoGen, timeline: timeline)

        // The other account: 5 keys, 3 sessions, 50 clicks.
        let otherKeys = makeKeys(&r, ids: otherIds, names: ["laptop", "Pi London", "nas", "build-01", "cam-garage"],
                                 shift: timeline.keysShift)
        let otherSessions = [
            makeSession(&r, key: otherKeys[0], port: newPort(), localPort: 22),
            makeSession(&r, key: otherKeys[1], port: newPort(), localPort: 8080),
            makeSession(&r, key: otherKeys[3], port: newPort(), localPort: 22),
        ]
        var otherGen = makeGenerator(
            &r, sessions: otherSessions, closedPorts: [newPort()], keys: otherKeys, hotPort: nil, ipv4: 12, ipv6: 2,
            from: timeline.clicksFrom)
        otherGen.undatedLast = undatedLast
        let otherClicks = makeClicks(50, generator: &otherGen, timeline: timeline)

        return Built(
            demo: Account(keys: demoKeys, sessions: sessions, clicks: demoClicksTable, generator: demoGen),
            other: Account(keys: otherKeys, sessions: otherSessions, clicks: otherClicks, generator: otherGen),
            nextKeyId: 20_000 + r.int(in: 1...50),
            rng: SplitMix64(seed: r.next()))
    }
}

/// How busy each hour of the demo's two years is, as a cumulative table: positions in [0, 1)
/// map to instants, so evenly spread positions give clicks with the shape of the activity.
struct ClickActivity {
    let start: Int64
    /// Cumulative weight at the end of each hour.
    let cumulative: [Double]

    init(from start: Int64, to end: Int64) {
        self.start = start
        let hours = Int((end - start) / 3_600_000_000)
        // A week 7 months in (2021-08-09 .. 16 when pinned).
        let outageFrom = start + BrusselsTime.utcMicros(year: 2021, month: 8, day: 9) - Timeline.pinned.clicksFrom
        let outageTo = outageFrom + 7 * 86_400_000_000
        var total = 0.0
        var table: [Double] = []
        table.reserveCapacity(hours)
        for h in 0..<hours {
            let t = start + Int64(h) * 3_600_000_000
            let seconds = t / 1_000_000
            let local = seconds + Int64(BrusselsTime.offset(utcSeconds: seconds))
            let hourOfDay = Int((local % 86_400) / 3_600)
            let weekday = Int(((local / 86_400) + 3) % 7)  // 0 = Monday
            let day: Double = hourOfDay < 7 ? 0.15 : hourOfDay < 9 ? 0.8 : hourOfDay < 18 ? 1.6 : hourOfDay < 23 ? 1.1 : 0.4
            let week: Double = weekday >= 5 ? 0.55 : 1.0
            let growth = 0.6 + 0.8 * Double(h) / Double(max(1, hours))
            let quiet: Double = t >= outageFrom && t < outageTo ? 0.0 : 1.0
            total += day * week * growth * quiet
            table.append(total)
        }
        cumulative = table.map { $0 / max(total, 1e-9) }
    }

    /// The instant at `position` (0 ..< 1) of the cumulative activity.
    func instant(at position: Double) -> Int64 {
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] < position { lo = mid + 1 } else { hi = mid }
        }
        let before = lo == 0 ? 0 : cumulative[lo - 1]
        let within = cumulative[lo] > before ? (position - before) / (cumulative[lo] - before) : 0
        return start + Int64(lo) * 3_600_000_000 + Int64(min(max(within, 0), 1) * 3_599_999_999)
    }
}
