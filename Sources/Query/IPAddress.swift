/// An IPv4 or IPv6 address, compared by value: `2001:db8::1` equals `2001:0db8:0:0::1`.
///
/// IPv4 addresses sort before IPv6 ones; within a family, numerically.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var isV6: Bool
    /// The address as a 128-bit number (IPv4 in the low 32 bits of `low`).
    public var high: UInt64
    public var low: UInt64

    public init(v4 value: UInt32) {
        isV6 = false
        high = 0
        low = UInt64(value)
    }

    public init(v6 high: UInt64, _ low: UInt64) {
        isV6 = true
        self.high = high
        self.low = low
    }

    /// Parses `10.0.0.1`, `2001:db8::1`, `::ffff:1.2.3.4`, `fe80::1%eth0` (the zone is dropped).
    public init?(_ text: some StringProtocol) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { IPAddress.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { IPAddress.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isV6 != b.isV6 { return !a.isV6 }
        return (a.high, a.low) < (b.high, b.low)
    }

    public var description: String {
        if !isV6 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)"
        }
        let groups = (0..<8).map { i -> UInt16 in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
        }
        // The longest run of two or more zero groups becomes "::".
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8, groups[j] == 0 { j += 1 }
            if j - i > best.length, j - i >= 2 { best = (i, j - i) }
            i = j
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::" + hex[(best.start + best.length)...].joined(separator: ":")
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        guard !b.isEmpty, b.count <= 64 else { return nil }
        if !b.contains(58) {  // no ':'
            return parseV4(b, 0..<b.count).map { IPAddress(v4: $0) }
        }
        return parseV6(b)
    }

    /// A dotted quad in `b[range]`: four decimal parts of 1 to 3 digits, each at most 255.
    static func parseV4(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for i in range {
            let c = b[i]
            if c >= 48, c <= 57 {
                part = part * 10 + UInt32(c - 48)
                digits += 1
                guard digits <= 3, part <= 255 else { return nil }
            } else if c == 46 {  // '.'
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    static func parseV6(_ b: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        var n = b.count
        if let zone = b.firstIndex(of: 37) { n = zone }  // '%'
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var compressed = false
        var i = 0
        if n >= 2, b[0] == 58, b[1] == 58 {
            compressed = true
            i = 2
        }
        while i < n {
            let start = i
            var dotted = false
            while i < n, b[i] != 58 {
                if b[i] == 46 { dotted = true }
                i += 1
            }
            if dotted {
                guard i == n, let v4 = parseV4(b, start..<i) else { return nil }
                let pair = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if compressed { tail += pair } else { head += pair }
                break
            }
            guard i - start >= 1, i - start <= 4 else { return nil }
            var group: UInt16 = 0
            for j in start..<i {
                let c = b[j]
                let d: UInt8
                switch c {
                case 48...57: d = c - 48
                case 97...102: d = c - 87
                case 65...70: d = c - 55
                default: return nil
                }
                group = group << 4 | UInt16(d)
            }
            if compressed { tail.append(group) } else { head.append(group) }
            if i == n { break }
            i += 1  // the ':'
            if i < n, b[i] == 58 {
                guard !compressed else { return nil }
                compressed = true
                i += 1
            } else if i == n {
                return nil
            }
        }
        let count = head.count + tail.count
        guard compressed ? count <= 7 : count == 8 else { return nil }
        let all = head + [UInt16](repeating: 0, count: 8 - count) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for g in all[0..<4] { high = high << 16 | UInt64(g) }
        for g in all[4..<8] { low = low << 16 | UInt64(g) }
        return IPAddress(v6: high, low)
    }
}

/// A network in CIDR form: `10.0.0.0/8`, `2001:db8::/32`. An address without a prefix length
/// is a network of one.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]),
              parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(parts[1]),
              length <= (address.isV6 ? 128 : 32) else { return nil }
        self.address = address
        self.prefixLength = length
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether `ip` is inside: same family, same leading `prefixLength` bits.
    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isV6 == address.isV6 else { return false }
        if !ip.isV6 {
            let mask: UInt64 = prefixLength == 0 ? 0 : (UInt64(0xFFFF_FFFF) << UInt64(32 - prefixLength)) & 0xFFFF_FFFF
            return ip.low & mask == address.low & mask
        }
        let highBits = min(prefixLength, 64)
        let lowBits = max(prefixLength - 64, 0)
        let highMask: UInt64 = highBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - highBits)
        let lowMask: UInt64 = lowBits == 0 ? 0 : ~UInt64(0) << UInt64(64 - lowBits)
        return ip.high & highMask == address.high & highMask && ip.low & lowMask == address.low & lowMask
    }
}
