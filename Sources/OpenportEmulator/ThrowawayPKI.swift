#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A throwaway certificate authority and the server certificates it signs, made with the
/// `openssl` command in a fresh temporary directory: for tests and benchmarks of HTTPS,
/// never for anything real. `remove()` deletes the directory, keys included.
///
///     let pki = try ThrowawayPKI()
///     var options = EmulatorOptions()
///     options.tls = try pki.server()                      // 127.0.0.1 and localhost
///     // opsh --cacert \(pki.caFile) ...
public final class ThrowawayPKI: Sendable {
    public let directory: String
    /// The authority's name, as a certificate's issuer shows it.
    public let name: String
    /// The authority's certificate (PEM): what a client is told to trust.
    public var caFile: String { directory + "/ca.pem" }
    var caKey: String { directory + "/ca.key" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A new authority, `CN=name`, valid for a day.
    public init(name: String = "opsh test CA") throws {
        var template = Array((NSTemporaryDirectory() + "/opsh-pki-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot make a temporary directory") }
        directory = String(cString: made)
        self.name = name
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "1",
                          "-subj", "/CN=\(name)",
                          "-addext", "basicConstraints=critical,CA:TRUE",
                          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: directory)
    }

    /// A server certificate signed by this authority for `names` (`DNS:localhost`,
    /// `IP:127.0.0.1`); `expired` makes one whose validity ended a day ago.
    public func server(names: [String] = ["DNS:localhost", "IP:127.0.0.1"], expired: Bool = false,
                       label: String? = nil) throws -> EmulatorTLS {
        let label = label ?? "server-\(UUID().uuidString.prefix(8))"
        let base = directory + "/" + label
        try Self.openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=opsh test server"], in: directory)
        let extensions = "subjectAltName=\(names.joined(separator: ","))\nbasicConstraints=CA:FALSE\n"
            + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        // OpenSSL 3.0 has no -not_after; a negative -days ends the validity before it starts.
        try Self.openssl(["x509", "-req", "-in", base + ".csr", "-CA", caFile, "-CAkey", caKey,
                          "-set_serial", String(UInt32.random(in: 1...UInt32.max)),
                          "-days", expired ? "-1" : "1", "-extfile", base + ".ext", "-out", base + ".pem"], in: directory)
        return EmulatorTLS(certificateFile: base + ".pem", privateKeyFile: base + ".key")
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func openssl(_ arguments: [String], in directory: String) throws {
        guard let path = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "openssl is needed for HTTPS tests (apt-get install openssl; make test-deps)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: "
                + String(decoding: text, as: UTF8.self))
        }
    }
}
