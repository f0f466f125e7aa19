import Foundation
import Query
import Records
import Synchronization

/// What opsh knows of addresses beyond themselves: the ``AddressLookup`` the shell hands to
/// every pipeline. Countries, cities and networks' owners come from the MaxMind DB files of
/// `set geoip`; host names from reverse DNS, looked up a bounded number at a time and kept
/// in a ``HostNameCache``.
///
/// A line that names none of these fields touches none of it. After a line, ``finishLine()``
/// gives the one message about lookups that got no answer, and saves the names found.
public final class AddressBook: AddressLookup {
    private let databases = Mutex<[GeoDatabase]>([])
    private let resolver: ReverseDNS?
    private let hosts: HostNameCache
    /// At most this many lookups at once.
    public let concurrency: Int
    private let tally = Mutex(LineTally())

    /// What the lookups of one line went through.
    private struct LineTally {
        /// Addresses whose lookup got no answer (or was not tried once the resolver was given up).
        var unanswered: Set<IPAddress> = []
        /// Lookups without an answer since the last one that had one.
        var failuresInARow = 0
        var resolverDown: Bool { failuresInARow >= AddressBook.givingUpAfter }
    }

    /// After this many lookups in a row without an answer, the rest of the line asks no more.
    static let givingUpAfter = 8

    /// `resolver` nil: no host names (`source_ip.host` says so). `hostCache` nil: names are
    /// kept in memory only. `concurrency` above 32 gains nothing (the resolver's threads).
    public init(resolver: ReverseDNS?, hostCache: URL?, concurrency: Int = 32, hostTTL: Int64 = 86_400) {
        self.resolver = resolver
        self.hosts = HostNameCache(file: hostCache, ttl: hostTTL)
        self.concurrency = max(1, concurrency)
    }

    /// The database files in use, as given.
    public var databasePaths: [String] { databases.withLock { $0.map(\.path) } }

    /// Uses these files from now on (none: no database). Opens them all first: when one
    /// cannot be used, the error says why and the files in use stay as they were.
    public func useDatabases(_ paths: [String]) throws(GeoDatabaseError) {
        var opened: [GeoDatabase] = []
        for path in paths { opened.append(try GeoDatabase(path: path)) }
        databases.withLock { $0 = opened }
    }

    /// Uses databases already open (the demo's).
    public func useDatabases(_ opened: [GeoDatabase]) {
        databases.withLock { $0 = opened }
    }

    public func unavailable(_ field: AddressField) -> String? {
        switch field {
        case .network: return nil
        case .host: return resolver == nil ? "needs a DNS resolver, and none is set up here" : nil
        default:
            let kinds = databases.withLock { $0.map(\.kind) }
            if kinds.contains(where: { $0.answers(field) }) { return nil }
            let needed = field == .city ? "a city database" : field == .asn || field == .org ? "an ASN database" : "a country or city database"
            let have = kinds.isEmpty ? "" : " (the files set hold \(Set(kinds).map(\.rawValue).sorted().joined(separator: " and ")) data)"
            return "needs \(needed)\(have): set geoip FILE[,FILE] or geoip = \"FILE\" in the profile; "
                + GeoDatabaseError.whereToGet
        }
    }

    public func value(_ field: AddressField, of address: IPAddress) -> Value {
        if field == .host {
            guard let known = hosts.name(of: address), let name = known else { return .null }
            return .string(name)
        }
        let database = databases.withLock { $0.first { $0.kind.answers(field) } }
        return database?.value(field, of: address) ?? .null
    }

    public func prepare(_ field: AddressField, for addresses: [IPAddress]) async {
        guard field == .host, let resolver else { return }
        let now = HostNameCache.now()
        var pending = addresses.filter { hosts.name(of: $0, now: now) == nil }[...]
        await withTaskGroup(of: (IPAddress, ReverseDNS.Answer?).self) { group in
            var running = 0
            while true {
                while running < concurrency, let next = pending.popFirst() {
                    if tally.withLock({ $0.resolverDown }) {
                        tally.withLock { _ = $0.unanswered.insert(next) }
                        continue
                    }
                    group.addTask { (next, await resolver.name(of: next)) }
                    running += 1
                }
                guard let (address, answer) = await group.next() else { break }
                running -= 1
                record(answer, for: address)
            }
        }
    }

    private func record(_ answer: ReverseDNS.Answer?, for address: IPAddress) {
        switch answer {
        case .name(let name):
            hosts.store(name, for: address)
            tally.withLock { $0.failuresInARow = 0 }
        case .noName:
            hosts.store(nil, for: address)
            tally.withLock { $0.failuresInARow = 0 }
        case .noAnswer:
            tally.withLock {
                $0.unanswered.insert(address)
                $0.failuresInARow += 1
            }
        case nil:
            break  // cancelled: the line is ending
        }
    }

    /// Ends a line: saves the names found, and gives one line for stderr when some lookups
    /// got no answer (not one per row).
    public func finishLine() -> [String] {
        hosts.save()
        let unanswered = tally.withLock { t in
            defer { t = LineTally() }
            return t.unanswered.count
        }
        guard unanswered > 0, let resolver else { return [] }
        let noun = unanswered == 1 ? "address" : "addresses"
        return ["host names: \(resolver.resolverName) did not answer for \(Self.grouped(unanswered)) \(noun), shown as null; try again later"]
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}

extension GeoDatabase.Kind {
    /// Whether a database of this kind answers `field`.
    func answers(_ field: AddressField) -> Bool { fields.contains(field) }
}
