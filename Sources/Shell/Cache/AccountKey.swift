#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Crypto
import Foundation

/// Names one account on one API in file names, without the token: a salted SHA-256 of the
/// API's URL and the token, cut to 16 hex digits.
///
/// The salt is 16 random bytes kept beside the files (`salt`, mode 0600), made on first use,
/// so the name says nothing about the token to anyone who lacks that file.
public enum AccountKey {
    /// `3f1c…` (16 hex digits) for `apiURL` and `token` (nil: no token).
    public static func name(apiURL: String, token: String?, directory: String) -> String {
        let salt = salt(in: directory)
        var bytes = salt
        bytes += Array(normalized(apiURL).utf8) + [0]
        bytes += Array((token ?? "").utf8)
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined().prefix(16).description
    }

    /// `https://API.openport.io/api/v2` and `https://api.openport.io/api/v2/` are one API.
    static func normalized(_ url: String) -> String {
        var u = url.trimmingCharacters(in: .whitespaces)
        if !u.hasSuffix("/") { u += "/" }
        if let scheme = u.range(of: "://") {
            let rest = u[scheme.upperBound...]
            let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            u = u[..<scheme.upperBound].lowercased() + rest[..<hostEnd].lowercased() + rest[hostEnd...]
        }
        return u
    }

    /// The salt file's bytes, made (exclusively, so two processes agree) when missing.
    static func salt(in directory: String) -> [UInt8] {
        let path = directory + "/salt"
        if let data = FileManager.default.contents(atPath: path), data.count >= 16 { return Array(data) }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        var fresh = [UInt8](repeating: 0, count: 16)
        for i in fresh.indices { fresh[i] = UInt8.random(in: 0...255) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 {
            _ = fresh.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            return fresh
        }
        // Another process made it first: use theirs once it is whole.
        for _ in 0..<50 {
            if let data = FileManager.default.contents(atPath: path), data.count >= 16 { return Array(data) }
            usleep(2_000)
        }
        return fresh
    }
}
