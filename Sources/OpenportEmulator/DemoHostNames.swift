import Foundation

/// Made-up host names for the demo's made-up addresses, as its DNS server answers them:
/// most IPv4 addresses have one (`217-81-3-4.cable.example`, under the `.example` domain
/// kept for documentation), one in five has none, and of IPv6 only 2a02:1810::/32 has names.
public enum DemoHostNames {
    public static func name(for address: String) -> String? {
        // FNV-1a: the same address gets the same answer in every run.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in address.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        if hash % 5 == 0 { return nil }
        let kinds = ["cable", "dsl", "fiber", "mobile", "static"]
        let kind = kinds[Int(hash / 5 % UInt64(kinds.count))]
        if !address.contains(":") {
            return address.replacingOccurrences(of: ".", with: "-") + ".\(kind).example"
        }
        guard address.hasPrefix("2a02:1810:") else { return nil }
        return address.dropFirst(10).replacingOccurrences(of: ":", with: "-") + ".v6.\(kind).example"
    }
}
