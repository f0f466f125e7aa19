import Records

/// A field that an IP address has beyond the address itself, written after it with a dot:
/// `source_ip.net`, `source_ip.net16`, `source_ip.host`, `source_ip.country`.
///
/// Networks are worked out here from the address alone; the rest come from an
/// ``AddressLookup`` (a MaxMind DB file, reverse DNS) that the evaluation context carries.
/// An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is the IPv4 host it carries: its network
/// is an IPv4 one, and it is looked up as that IPv4 address.
///
/// Why a dotted name and not `source_ip/24`: a dot already means "a field of this value"
/// (`key.name`), so these read, parse, complete after `source_ip.` and name a column
/// (`select source_ip.net`) like every other path, with no second syntax; and `/` stays free
/// for the networks written as values (`where source_ip in 10.0.0.0/8`).
public enum AddressField: Sendable, Hashable {
    /// `net`: the address's network, /24 for IPv4 and /48 for IPv6 (the longest prefixes
    /// the Internet routes); `netN`: its first N bits (an IPv4 address keeps at most 32).
    case network(bits: Int?)
    /// `host`: its name by reverse DNS (PTR), or null.
    case host
    /// `country`: the ISO code of its country (`DE`), from a country or city database.
    case country
    /// `country_name`: its country's English name (`Germany`).
    case countryName
    /// `city`: its city's English name, from a city database.
    case city
    /// `asn`: the number of the network's owner (autonomous system), from an ASN database.
    case asn
    /// `org`: the name of the network's owner (`Deutsche Telekom AG`).
    case org

    /// The field named `name`, if it is one: `net`, `net24`, `host`, `country`, ...
    public init?(name: String) {
        switch name {
        case "net": self = .network(bits: nil)
        case "host": self = .host
        case "country": self = .country
        case "country_name": self = .countryName
        case "city": self = .city
        case "asn": self = .asn
        case "org": self = .org
        default:
            guard name.hasPrefix("net"), name.count > 3, name.count <= 6 else { return nil }
            let digits = name.dropFirst(3)
            guard digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), digits.first != "0" || digits == "0",
                  let bits = Int(digits), bits <= 128 else { return nil }
            self = .network(bits: bits)
        }
    }

    /// How it is written after the dot.
    public var name: String {
        switch self {
        case .network(let bits): return bits.map { "net\($0)" } ?? "net"
        case .host: return "host"
        case .country: return "country"
        case .countryName: return "country_name"
        case .city: return "city"
        case .asn: return "asn"
        case .org: return "org"
        }
    }

    /// The names TAB offers after `source_ip.`, in this order.
    public static let names = ["net", "net24", "net16", "net48", "net64", "host", "country", "country_name", "city", "asn", "org"]

    /// Whether reading it means waiting for the network (reverse DNS): such fields are
    /// looked up before a batch reaches the stage that reads them.
    public var waits: Bool { self == .host }

    /// The value for `address` (IPv4-mapped addresses as their IPv4): a network worked out
    /// here, anything else from `lookup`.
    public func value(of address: IPAddress, lookup: any AddressLookup) -> Value {
        let host = address.unmapped
        if case .network(let bits) = self { return .string(host.network(bits: bits).description) }
        return lookup.value(self, of: host)
    }
}

extension IPAddress {
    /// The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:1.2.3.4` → `1.2.3.4`);
    /// any other address as it is.
    public var unmapped: IPAddress {
        guard isV6, high == 0, low >> 32 == 0xFFFF else { return self }
        return IPAddress(v4: UInt32(truncatingIfNeeded: low))
    }

    /// The network of `bits` leading bits holding this address (nil: /24 for IPv4, /48 for
    /// IPv6), its host bits cleared: `10.1.2.3` → `10.1.2.0/24`.
    public func network(bits: Int?) -> IPNetwork {
        let width = isV6 ? 128 : 32
        let n = min(bits ?? (isV6 ? 48 : 24), width)
        var cleared = self
        if isV6 {
            cleared.high = n >= 64 ? high : (n == 0 ? 0 : high & ~UInt64(0) << UInt64(64 - n))
            cleared.low = n <= 64 ? 0 : (n == 128 ? low : low & ~UInt64(0) << UInt64(128 - n))
        } else {
            cleared.low = n == 0 ? 0 : low & (UInt64(0xFFFF_FFFF) << UInt64(32 - n)) & 0xFFFF_FFFF
        }
        return IPNetwork(address: cleared, prefixLength: n)
    }
}

extension IPNetwork {
    /// A network from its parts; `address` should have its host bits cleared.
    public init(address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }
}
