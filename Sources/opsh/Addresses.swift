import AddressLookups
import Foundation
import OpenportEmulator
import Shell

/// The address lookups a session starts with: which databases, which resolver, where host
/// names are kept.
///
/// `--demo` uses its own: the demo's made-up databases and a DNS server on 127.0.0.1 that
/// knows the demo's made-up names, so the demo never asks a DNS server off this machine.
/// Otherwise: the profile's `geoip` files; reverse DNS through /etc/resolv.conf's servers, or
/// `OPSH_DNS_SERVER` (`127.0.0.1:5353`); names kept in `$XDG_CACHE_HOME/opsh/hosts.tsv`
/// when the cache is on disk.
struct AddressSetup {
    let book: AddressBook
    /// The demo's DNS server, kept running for the session.
    let demoServer: ReverseDNSServer?
    /// What `set` lists as the geoip setting.
    let geoip: [String]

    static func make(demo: Bool, resolved: ResolvedConfig, cacheMode: CacheMode, environment: [String: String],
                     warn: (String) -> Void) throws(ConfigError) -> AddressSetup {
        if demo { return makeDemo(warn: warn) }
        var server: ReverseDNS.Server?
        if let text = ResolvedConfig.nonEmpty(environment["OPSH_DNS_SERVER"]) {
            guard let parsed = ReverseDNS.Server(text) else {
                throw ConfigError("OPSH_DNS_SERVER is an IPv4 address with an optional port (127.0.0.1:5353), not '\(text.shownSafely)'")
            }
            server = parsed
        }
        let hostCache = cacheMode == .disk
            ? CompletionCache.directory(environment: environment).map { URL(fileURLWithPath: $0).appendingPathComponent("hosts.tsv") }
            : nil
        let book = AddressBook(resolver: ReverseDNS(server: server), hostCache: hostCache)
        var files: [String] = []
        if !resolved.geoip.isEmpty {
            do {
                try book.useDatabases(resolved.geoip)
                files = resolved.geoip
            } catch {
                warn("warning: \(resolved.geoipPlace ?? "geoip"): \(error.message)")
            }
        }
        return AddressSetup(book: book, demoServer: nil, geoip: files)
    }

    private static func makeDemo(warn: (String) -> Void) -> AddressSetup {
        let server = try? ReverseDNSServer(names: DemoHostNames.name(for:))
        let book = AddressBook(resolver: server.map { ReverseDNS(server: .init(host: "127.0.0.1", port: $0.port)) }, hostCache: nil)
        do {
            book.useDatabases(try [DemoGeoDatabases.city, DemoGeoDatabases.asn].map(openDemoDatabase))
        } catch {
            warn("warning: the demo's address databases could not be opened (\(error.reason)); source_ip.country and .org are unavailable")
        }
        return AddressSetup(book: book, demoServer: server, geoip: ["(the demo's city and ASN databases)"])
    }

    /// Why a demo database could not be opened, in words.
    struct DemoDatabaseError: Error {
        let reason: String
    }

    /// Writes a demo database to a file of its own, opens it (libmaxminddb maps the file) and
    /// removes the file, which the mapping keeps alive.
    private static func openDemoDatabase(_ base64: String) throws(DemoDatabaseError) -> GeoDatabase {
        guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
            throw DemoDatabaseError(reason: "the embedded copy is not base64")
        }
        let directory = FileManager.default.temporaryDirectory
        let path = directory
            .appendingPathComponent("opsh-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).mmdb").path
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw DemoDatabaseError(reason: "cannot write a file in \(directory.path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        do { return try GeoDatabase(path: path) } catch { throw DemoDatabaseError(reason: error.message) }
    }
}
