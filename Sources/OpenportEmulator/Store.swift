import Foundation

/// All mutable state of one emulator, behind one lock. Handlers copy what they need out
/// of it (a page of rows at most) and serialize outside the lock where possible.
final class Store: @unchecked Sendable {
    private let lock = NSLock()
    private var accounts: [String: Account]
    private var nextKeyId: Int
    private var rng: SplitMix64
    private var requests = 0
    let clickOrder: ClickOrder
    let countQueryTime: Duration
    /// `EmulatorOptions.newClicksPerPage` and `newClicksFromPage`; pages of clicks served so far.
    private let newClicksPerPage: Int
    private let newClicksFromPage: Int
    private var clickPagesServed = 0
    /// Clicks added to the demo account per second, from `appendStart`; `appended` so far.
    private var appendRate: Double
    private var appendStart = ContinuousClock.now
    private var appended = 0
    /// With a history that ends now (`EmulatorOptions.end`): the wall-clock time of
    /// `appendStart`, so that each new click carries the moment it was due.
    private var liveSince: Int64?

    init(options: EmulatorOptions) {
        appendRate = max(0, options.appendRate)
        let end = options.end.map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) }
        liveSince = end.map { _ in BrusselsTime.nowMicros() }
        let built = DataSet.build(seed: options.seed, demoClicks: options.clicks, undatedLast: options.undatedClicksLast,
                                  timeline: end.map(Timeline.ending) ?? .pinned)
        accounts = [EmulatorAccounts.demoToken: built.demo, EmulatorAccounts.otherToken: built.other]
        nextKeyId = built.nextKeyId
        rng = built.rng
        clickOrder = options.clickOrder
        countQueryTime = options.countQueryTime
        newClicksPerPage = max(0, options.newClicksPerPage)
        newClicksFromPage = options.newClicksFromPage
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: Accounts

    enum Access { case paying, free, unknown }

    func access(_ token: String) -> Access {
        if token == EmulatorAccounts.freeToken { return .free }
        return locked { accounts[token] != nil } ? .paying : .unknown
    }

    // MARK: Request counting

    /// Counts the request and returns its 0-based sequence number.
    func countRequest() -> Int { locked { defer { requests += 1 }; return requests } }
    var requestCount: Int { locked { requests } }
    func resetRequestCount() { locked { requests = 0 } }

    // MARK: Keys

    func keyCount(_ token: String) -> Int { locked { accounts[token]?.keys.count ?? 0 } }

    func keys(_ token: String, _ range: Range<Int>) -> [Key] {
        locked {
            guard let keys = accounts[token]?.keys else { return [] }
            let r = range.clamped(to: 0..<keys.count)
            return Array(keys[r])
        }
    }

    func key(_ token: String, id: Int) -> Key? {
        locked { accounts[token]?.keys.first { $0.id == id } }
    }

    func keyIDs(_ token: String, named name: String) -> [Int] {
        locked { accounts[token]?.keys.filter { $0.name == name }.map(\.id) ?? [] }
    }

    func createKey(_ token: String, name: String, publicKey: String) -> Key? {
        locked {
            guard accounts[token] != nil else { return nil }
            let now = BrusselsTime.nowMicros()
            let key = Key(
                id: nextKeyId, publicKey: publicKey, name: name, lastConnection: nil, creation: now,
                redirectToken: DataSet.token(&rng, length: 7), bytesThisMonth: 0, counterReset: now)
            nextKeyId += rng.int(in: 1...7)
            accounts[token]!.keys.append(key)  // ids only grow: the list stays sorted
            return key
        }
    }

    func updateKey(_ token: String, id: Int, name: String?, publicKey: String?) -> Key? {
        locked {
            guard let i = accounts[token]?.keys.firstIndex(where: { $0.id == id }) else { return nil }
            if let name, name != accounts[token]!.keys[i].name {
                accounts[token]!.keys[i].name = name
                relabelClicks(token, keyId: id, name: name)
            }
            if let publicKey { accounts[token]!.keys[i].publicKey = publicKey }
            return accounts[token]!.keys[i]
        }
    }

    /// Sets a key's `bytes_this_month` (a counter the server keeps; any 64-bit value).
    func setBytesThisMonth(_ token: String, id: Int, bytes: Int) -> Bool {
        locked {
            guard let i = accounts[token]?.keys.firstIndex(where: { $0.id == id }) else { return false }
            accounts[token]!.keys[i].bytesThisMonth = bytes
            return true
        }
    }

    /// Deletes a key and (like a Django ForeignKey with on_delete=CASCADE) its sessions.
    func deleteKey(_ token: String, id: Int) -> Bool {
        locked {
            guard let i = accounts[token]?.keys.firstIndex(where: { $0.id == id }) else { return false }
            accounts[token]!.keys.remove(at: i)
            accounts[token]!.sessions.removeAll { $0.keyId == id }
            relabelClicks(token, keyId: id, name: nil)
            return true
        }
    }

    /// Like the server, shows a key's clicks under its new name, or with `key_name` null once
    /// the key is gone: rows a client cached before keep the old name. Called under the lock.
    private func relabelClicks(_ token: String, keyId: Int, name: String?) {
        guard var account = accounts[token] else { return }
        accounts[token] = nil  // keep the table uniquely referenced while rewriting
        account.clicks.relabel(keyId: keyId, name: name)
        account.generator.relabel(keyId: keyId, name: name)
        accounts[token] = account
    }

    // MARK: Sessions

    func sessionCount(_ token: String) -> Int { locked { accounts[token]?.sessions.count ?? 0 } }

    func sessions(_ token: String, _ range: Range<Int>) -> [Session] {
        locked {
            guard let s = accounts[token]?.sessions else { return [] }
            return Array(s[range.clamped(to: 0..<s.count)])
        }
    }

    // MARK: Clicks

    func clickCount(_ token: String) -> Int { locked { accounts[token]?.clicks.count ?? 0 } }

    /// Adds the demo account's clicks that are due at `appendRate` (a busy account).
    func appendDueClicks(now: ContinuousClock.Instant = .now) {
        locked {
            guard appendRate > 0 else { return }
            let elapsed = (now - appendStart).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            let due = Int(appendRate * seconds) - appended
            guard due > 0, var account = accounts[EmulatorAccounts.demoToken] else { return }
            accounts[EmulatorAccounts.demoToken] = nil
            if let liveSince {
                // Each at the moment it was due (never ahead of the clock).
                let wall = BrusselsTime.nowMicros()
                for k in 1...due {
                    let due = liveSince + Int64((Double(appended + k) / appendRate * 1_000_000).rounded())
                    account.generator.append(at: min(due, wall), to: &account.clicks)
                }
            } else {
                account.generator.append(due, to: &account.clicks)
            }
            accounts[EmulatorAccounts.demoToken] = account
            appended += due
        }
    }

    /// Changes the rate of new clicks from now on (0 stops them).
    func setAppendRate(_ rate: Double) {
        locked {
            appendRate = max(0, rate)
            appendStart = .now
            appended = 0
            if liveSince != nil { liveSince = BrusselsTime.nowMicros() }
        }
    }

    /// One page of clicks, read as Django REST Framework reads it: the count first, then the
    /// rows of the range `page` picks for that count, in a second query. On a busy account
    /// (`appendRate` > 0) the clicks that arrive during the count query (`countQueryTime`) land
    /// between the two, so the rows come from a list longer than the count says.
    func clickPage(_ token: String, page: (Int) -> Range<Int>, into out: inout [UInt8]) -> Int {
        let n = clickCount(token)
        let busy = locked { appendRate > 0 }
        if busy { appendDueClicks(now: .now + countQueryTime) }
        clickRows(token, page(n), into: &out)
        let served = locked {
            clickPagesServed += 1
            return clickPagesServed
        }
        if newClicksPerPage > 0, served >= newClicksFromPage { addClicks(newClicksPerPage, token: token) }
        return n
    }

    /// The rows of `range` (in listing order), joined with `,`.
    func clickRows(_ token: String, _ range: Range<Int>, into out: inout [UInt8]) {
        locked {
            guard let table = accounts[token]?.clicks else { return }
            let n = table.count
            let r = range.clamped(to: 0..<n)
            var first = true
            for i in r {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: table.row(clickOrder == .oldestFirst ? i : n - 1 - i))
            }
        }
    }

    /// Changes one account's clicks in place (the table stays uniquely referenced meanwhile).
    private func changeClicks(_ token: String, _ change: (inout ClickTable, inout ClickGenerator) -> Void) {
        locked {
            guard var account = accounts[token] else { return }
            accounts[token] = nil
            change(&account.clicks, &account.generator)
            accounts[token] = account
        }
    }

    /// Clicks that happened a while ago but are written only now: each lands at a random place
    /// in the middle of the list, by its time (a late row).
    func insertLateClicks(_ n: Int, token: String) {
        changeClicks(token) { table, generator in generator.insertLate(n, into: &table) }
    }

    /// Removes `n` clicks from random places in the middle of the list (not the first or last 5 %).
    func removeMiddleClicks(_ n: Int, token: String) {
        changeClicks(token) { table, generator in
            let margin = table.count / 20
            guard table.count - 2 * margin > n else { return }
            var chosen = Set<Int>()
            while chosen.count < n { chosen.insert(margin + generator.rng.below(table.count - 2 * margin)) }
            table.remove(chosen)
        }
    }

    /// Removes the `n` oldest clicks (a retention purge).
    func purgeOldestClicks(_ n: Int, token: String) {
        changeClicks(token) { table, _ in table.remove(Set(0..<min(n, table.count))) }
    }

    func addClicks(_ n: Int, token: String, undated: Bool? = nil) {
        locked {
            guard var account = accounts[token] else { return }
            accounts[token] = nil  // keep the table uniquely referenced while appending
            account.generator.append(n, to: &account.clicks, undated: undated)
            accounts[token] = account
        }
    }
}
