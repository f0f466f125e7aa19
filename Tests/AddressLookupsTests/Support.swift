import Foundation

/// The repository's root, from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A scratch directory, removed by `remove()`.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("opsh-geo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Writes a small .mmdb file with MaxMind's writer (scripts/geoip/mmdb-write.pl, Debian's
/// libmaxmind-db-writer-perl, which `make test` installs): `networks` are (CIDR, record).
func writeDatabase(_ path: String, type: String, _ networks: [(String, [String: Any])]) throws {
    let spec: [String: Any] = ["type": type, "description": "opsh test", "networks": networks.map { [$0.0, $0.1] }]
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
    process.arguments = [repositoryRoot.appendingPathComponent("scripts/geoip/mmdb-write.pl").path, path]
    let input = Pipe()
    process.standardInput = input
    try process.run()
    input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: spec))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mmdb-write.pl failed: is libmaxmind-db-writer-perl installed (make test-deps)?"])
    }
}

/// A country record as GeoLite2 holds it.
func country(_ code: String, _ name: String, city: String? = nil) -> [String: Any] {
    var record: [String: Any] = ["country": ["iso_code": code, "names": ["en": name]]]
    if let city { record["city"] = ["names": ["en": city]] }
    return record
}

/// An ASN record as GeoLite2-ASN holds it.
func owner(_ number: Int, _ name: String) -> [String: Any] {
    ["autonomous_system_number": number, "autonomous_system_organization": name]
}
