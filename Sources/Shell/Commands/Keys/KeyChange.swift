import Crypto
import Foundation
import Query
import Records

/// What a write did to a key, or will do: each field whose value differs, old → new, in
/// words a person reads (a public key by its type and fingerprint, as `ssh-keygen -l` shows it).
struct KeyChange {
    struct Field {
        var name: String
        var old: Value
        var new: Value
    }

    let id: String
    /// The key's name before the change.
    let name: String
    let fields: [Field]

    /// The fields of `after` that differ from `before`, among `names` (the fields written).
    init(before: Record, after: [(String, Value)], names: [String]) {
        id = before["id"].plainText
        name = before["name"].plainText
        fields = names.compactMap { field in
            guard let new = after.first(where: { $0.0 == field })?.1 else { return nil }
            let old = before[field]
            return KeyChange.shown(old, field: field) == KeyChange.shown(new, field: field) ? nil : Field(name: field, old: old, new: new)
        }
    }

    /// `key 374 'Box Bruges'`.
    var key: String { "key \(id) '\(TerminalSafe.escape(name))'" }

    /// `name 'Box Bruges' → 'x'`, one a field.
    var lines: [String] {
        fields.map { "\($0.name) \(KeyChange.shown($0.old, field: $0.name)) → \(KeyChange.shown($0.new, field: $0.name))" }
    }

    /// What was done: `updated key 374 'Box Bruges': name 'Box Bruges' → 'x'`, a field a line
    /// when there are several; `key 374 'x' is unchanged` when nothing differs.
    func report(_ verb: String) -> String {
        switch lines.count {
        case 0: return "\(key) is unchanged: it already had those values\n"
        case 1: return "\(verb) \(key): \(lines[0])\n"
        default: return "\(verb) \(key):\n" + lines.map { "  " + $0 + "\n" }.joined()
        }
    }

    /// A value as the change shows it: text in quotes, a public key by its type and
    /// fingerprint, null as null.
    static func shown(_ value: Value, field: String) -> String {
        switch value {
        case .null: return "null"
        case .string(let s) where field == "public_key": return PublicKeyCheck.fingerprint(s) ?? "'\(TerminalSafe.escape(s))'"
        case .string(let s): return "'\(TerminalSafe.escape(s))'"
        default: return TerminalSafe.escape(value.plainText)
        }
    }
}

extension PublicKeyCheck {
    /// `ssh-ed25519 SHA256:…`: the key's type and the SHA-256 of its body in unpadded base64,
    /// as `ssh-keygen -l` shows it; nil when the text is not a public key.
    static func fingerprint(_ key: String) -> String? {
        guard let (type, blob) = body(key) else { return nil }
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
        return "\(type) SHA256:\(digest)"
    }

    /// The type and the decoded body of a public key (its comment left out); nil when it is
    /// not one. Two keys with the same body are the same key, whatever their comments.
    static func body(_ key: String) -> (type: String, blob: Data)? {
        let parts = key.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, types.contains(String(parts[0])), let blob = Data(base64Encoded: String(parts[1])) else { return nil }
        return (String(parts[0]), blob)
    }
}
