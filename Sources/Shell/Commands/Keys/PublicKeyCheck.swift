import Foundation

/// Checks that text looks like an OpenSSH public key before it is sent: a known type, a
/// base64 body that decodes, and a body that names the same type.
enum PublicKeyCheck {
    static let types = [
        "ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// nil when the key looks right, else what is wrong with it.
    static func problem(_ key: String) -> String? {
        let parts = key.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard let type = parts.first.map(String.init) else { return "the public key is empty" }
        guard types.contains(type) else {
            if type.hasPrefix("-----BEGIN") { return "that is a private key or a PEM file; give the .pub file" }
            return "the public key should start with a key type such as ssh-ed25519 or ssh-rsa, not '\(type.prefix(20))'"
        }
        guard parts.count >= 2 else {
            return "the public key ends after '\(type)': a key has spaces, so put it in quotes (public_key=\"\(type) AAAA... comment\") or read it from its file (public_key=@~/.ssh/id_ed25519.pub)"
        }
        guard let blob = Data(base64Encoded: String(parts[1])), blob.count > 4 else {
            return "the public key's body after '\(type)' is not valid base64"
        }
        let bytes = [UInt8](blob)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0, 4 + length <= bytes.count,
              String(decoding: bytes[4..<(4 + length)], as: UTF8.self) == type
        else {
            return "the public key's body does not match its type '\(type)' (a truncated or edited key?)"
        }
        return nil
    }
}
