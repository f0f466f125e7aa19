import Foundation
import NIOSSL

/// The certificate authorities opsh trusts for https://, when not the system's.
///
/// One source wins, highest first: `--cacert FILE`, a profile's `ca_file`, then
/// `SSL_CERT_FILE` and `SSL_CERT_DIR` (together, as OpenSSL reads them). The chosen
/// authorities replace the system's, as curl's `--cacert` does. There is no way to turn
/// verification off.
public struct CertificateAuthorities: Sendable, Equatable {
    /// PEM files, each with one certificate or more.
    public var files: [String]
    /// Directories of PEM files (`SSL_CERT_DIR`, colon-separated); files that hold no
    /// certificate are skipped, as OpenSSL does.
    public var directories: [String]
    /// How the user named them, for messages: `--cacert /etc/ca.pem`, `SSL_CERT_FILE /etc/ca.pem`.
    public var origin: String

    public init(files: [String], directories: [String] = [], origin: String) {
        self.files = files
        self.directories = directories
        self.origin = origin
    }

    /// The setting that wins: `--cacert`, then the profile's `ca_file`, then `SSL_CERT_FILE`/`SSL_CERT_DIR`.
    /// Nil means the system's authorities.
    public static func chosen(cacert: String?, profileCAFile: String?, environment: [String: String]) -> CertificateAuthorities? {
        if let cacert, !cacert.isEmpty { return .init(files: [cacert], origin: "--cacert \(cacert)") }
        if let profileCAFile, !profileCAFile.isEmpty { return .init(files: [profileCAFile], origin: "ca_file \(profileCAFile)") }
        let file = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let dirs = (environment["SSL_CERT_DIR"] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        guard file != nil || !dirs.isEmpty else { return nil }
        var origin: [String] = []
        if let file { origin.append("SSL_CERT_FILE \(file)") }
        if !dirs.isEmpty { origin.append("SSL_CERT_DIR \(dirs.joined(separator: ":"))") }
        return .init(files: file.map { [$0] } ?? [], directories: dirs, origin: origin.joined(separator: " and "))
    }

    /// Reads the certificates; a file that is missing or holds none is a usage error.
    func load() throws(APIError) -> [NIOSSLCertificate] {
        var all: [NIOSSLCertificate] = []
        for file in files {
            all += try Self.read(file, origin: origin)
        }
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                throw APIError(.usage, "cannot read the directory \(directory) (from \(origin)); fix or unset SSL_CERT_DIR")
            }
            for name in names.sorted() {
                all += (try? Self.read(directory + "/" + name, origin: origin)) ?? []
            }
        }
        if all.isEmpty {
            throw APIError(.usage, "\(origin) holds no certificate; give a PEM file of the authorities to trust")
        }
        return all
    }

    static func read(_ path: String, origin: String) throws(APIError) -> [NIOSSLCertificate] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw APIError(.usage, "the certificate file \(path) (from \(origin)) \(reason); give a PEM file of the authorities to trust")
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            throw APIError(.usage, "the certificate file \(path) (from \(origin)) holds no PEM certificate"
                + " (-----BEGIN CERTIFICATE-----); give a PEM file of the authorities to trust")
        }
        return certificates
    }
}
