import Foundation
import Records

/// The emulator's data set as one JSON document, for another server to load the same rows
/// (`opsh-emulator --dump FILE`; `conformance/` loads it into a Django REST Framework app).
///
/// Times are µs since the epoch (UTC), so the loader renders them in the account's zone itself.
/// A click is `[port, source_ip, timestamp, key id]`, listed oldest first (its position is its
/// id); its `key_name` is left out: a server reads it through the key, as the emulator does.
public enum DataSetDump {
    /// The data set `options` (seed and clicks) gives, as JSON.
    public static func json(_ options: EmulatorOptions) -> [UInt8] {
        let built = DataSet.build(seed: options.seed, demoClicks: options.clicks)
        var out: [UInt8] = Array(#"{"nodes":["#.utf8)
        out.append(contentsOf: DataSet.nodesJSON.joined(separator: [UInt8(ascii: ",")]))
        out.append(contentsOf: #"],"accounts":["#.utf8)
        append(account: built.demo, token: EmulatorAccounts.demoToken, to: &out)
        out.append(UInt8(ascii: ","))
        append(account: built.other, token: EmulatorAccounts.otherToken, to: &out)
        out.append(contentsOf: #",{"token":"#.utf8)
        JSONOut.appendString(EmulatorAccounts.freeToken, to: &out)
        out.append(contentsOf: #","paying":false}]}"#.utf8)
        out.append(UInt8(ascii: "\n"))
        return out
    }

    static func append(account: Account, token: String, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"token":"#.utf8)
        JSONOut.appendString(token, to: &out)
        out.append(contentsOf: #","paying":true,"keys":["#.utf8)
        for (n, key) in account.keys.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            append(key: key, to: &out)
        }
        out.append(contentsOf: #"],"sessions":["#.utf8)
        for (n, session) in account.sessions.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            append(session: session, to: &out)
        }
        out.append(contentsOf: #"],"clicks":["#.utf8)
        appendClicks(account.clicks, to: &out)
        out.append(contentsOf: "]}".utf8)
    }

    static func append(key: Key, to out: inout [UInt8]) {
        var fields: [(String, (inout [UInt8]) -> Void)] = [
            ("id", { JSONOut.appendInt(key.id, to: &$0) }),
            ("public_key", { JSONOut.appendString(key.publicKey, to: &$0) }),
            ("name", { JSONOut.appendString(key.name, to: &$0) }),
            ("last_connection_time", { appendMicros(key.lastConnection, to: &$0) }),
            ("creation_time", { appendMicros(key.creation, to: &$0) }),
            ("redirect_token", { JSONOut.appendString(key.redirectToken, to: &$0) }),
            ("bytes_this_month", { JSONOut.appendInt(key.bytesThisMonth, to: &$0) }),
        ]
        fields.append(("counter_reset_time", { appendMicros(key.counterReset, to: &$0) }))
        appendObject(fields, to: &out)
    }

    static func append(session s: Session, to out: inout [UInt8]) {
        appendObject([
            ("key", { JSONOut.appendInt(s.keyId, to: &$0) }),
            ("port", { JSONOut.appendInt(s.port, to: &$0) }),
            ("local_port", { JSONOut.appendInt(s.localPort, to: &$0) }),
            ("server", { JSONOut.appendString(s.server, to: &$0) }),
            ("http_forwarding_address", { JSONOut.appendOptionalString(s.httpForwardingAddress, to: &$0) }),
            ("open_port_for_ip_link", { JSONOut.appendString(s.openPortForIPLink, to: &$0) }),
            ("redirect_url", { JSONOut.appendString(s.redirectURL, to: &$0) }),
        ], to: &out)
    }

    static func appendObject(_ fields: [(String, (inout [UInt8]) -> Void)], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (n, (name, value)) in fields.enumerated() {
            JSONOut.appendKey(name, to: &out, first: n == 0)
            value(&out)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func appendMicros(_ micros: Int64?, to out: inout [UInt8]) {
        if let micros { out.append(contentsOf: String(micros).utf8) } else { out.append(contentsOf: "null".utf8) }
    }

    /// Each row read back from the bytes the emulator serves, with the id of its key.
    static func appendClicks(_ table: ClickTable, to out: inout [UInt8]) {
        let reader = JSONReader()
        for i in 0..<table.count {
            guard case .object(let row)? = try? reader.parse(table.row(i)) else {
                preconditionFailure("the emulator's click row \(i) is not a JSON object")
            }
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            out.append(contentsOf: JSONWriter.string(row["port"]).utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: JSONWriter.string(row["source_ip"]).utf8)
            out.append(UInt8(ascii: ","))
            if case .time(let t) = row["timestamp"] { appendMicros(t.micros, to: &out) } else { appendMicros(nil, to: &out) }
            out.append(UInt8(ascii: ","))
            appendMicros(table.keyId(i) < 0 ? nil : Int64(table.keyId(i)), to: &out)
            out.append(UInt8(ascii: "]"))
        }
    }
}
