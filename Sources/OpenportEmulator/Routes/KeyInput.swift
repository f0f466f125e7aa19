import Foundation
import Records

/// The writable fields of the key serializer: `public_key` and `name` (in serializer order).
/// Read-only fields in the body (url, id, times, redirect_token, bytes_this_month) are ignored.
struct KeyInput {
    var publicKey: String?
    var name: String?

    static func parse(_ req: APIRequest, partial: Bool) -> Result<KeyInput, Reply> {
        let allow = req.route.allowHeader
        let data: Record
        switch parseBody(req) {
        case .failure(let e): return .failure(e)
        case .success(.object(let record)): data = record
        case .success(.null):
            return .failure(.json(400, JSONOut.fieldErrors([("non_field_errors", ["No data provided"])]), allow: allow))
        case .success(let v):
            let message = "Invalid data. Expected a dictionary, but got \(v.pythonTypeName)."
            return .failure(.json(400, JSONOut.fieldErrors([("non_field_errors", [message])]), allow: allow))
        }
        var errors: [(String, [String])] = []
        var input = KeyInput()
        for field in ["public_key", "name"] {
            guard data.schema.position(of: field) != nil else {
                if !partial { errors.append((field, ["This field is required."])) }
                continue
            }
            switch validateChar(data[field], maxLength: field == "name" ? 255 : nil) {
            case .failure(let message): errors.append((field, [message.text]))
            case .success(let s):
                if field == "name" {
                    input.name = s
                } else if isPublicKey(s) {
                    input.publicKey = s
                } else {
                    errors.append((field, ["Invalid public key."]))
                }
            }
        }
        if !errors.isEmpty { return .failure(.json(400, JSONOut.fieldErrors(errors), allow: allow)) }
        return .success(input)
    }

    struct Message: Error { let text: String }

    /// DRF `CharField(allow_blank=False, trim_whitespace=True, max_length=...)`.
    static func validateChar(_ v: Value, maxLength: Int?) -> Result<String, Message> {
        let raw: String
        switch v {
        case .null: return .failure(Message(text: "This field may not be null."))
        case .string(let s): raw = s
        case .time(let t): raw = t.description
        case .int(let n): raw = String(n)
        case .double(let d): raw = JSONWriter.format(d)  // Python's str(float): 1500.0, 1.5
        case .bool, .list, .object: return .failure(Message(text: "Not a valid string."))
        }
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.isEmpty { return .failure(Message(text: "This field may not be blank.")) }
        if let maxLength, s.unicodeScalars.count > maxLength {
            return .failure(Message(text: "Ensure this field has no more than \(maxLength) characters."))
        }
        return .success(s)
    }

    static let keyTypes: Set<String> = [
        "ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// An OpenSSH public key line: `TYPE BASE64 [comment]`, the blob starting with TYPE.
    static func isPublicKey(_ s: String) -> Bool {
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2, keyTypes.contains(String(parts[0])),
            let blob = Data(base64Encoded: String(parts[1])), blob.count > 4
        else { return false }
        let bytes = [UInt8](blob)
        let n = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        return n == parts[0].utf8.count && bytes.count >= 4 + n && Array(bytes[4..<4 + n]) == Array(parts[0].utf8)
    }

    /// DRF parsers: JSON and form bodies; an empty body is empty data; anything else is a 415.
    static func parseBody(_ req: APIRequest) -> Result<Value, Reply> {
        let allow = req.route.allowHeader
        if req.body.isEmpty { return .success(.object(Record([]))) }
        let full = req.contentType ?? ""
        let media = full.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "application/json":
            do {
                return .success(try RequestJSON.parse(req.body))
            } catch {
                return .failure(.detail(400, "JSON parse error - \(error.message)", allow: allow))
            }
        case "application/x-www-form-urlencoded":
            let q = Query(String(decoding: req.body, as: UTF8.self))
            var members: [(String, Value)] = []
            for (k, v) in q.items {
                if let i = members.firstIndex(where: { $0.0 == k }) { members[i].1 = .string(v) } else { members.append((k, .string(v))) }
            }
            return .success(.object(Record(members)))
        default:
            return .failure(.detail(415, "Unsupported media type \"\(full)\" in request.", allow: allow))
        }
    }
}
