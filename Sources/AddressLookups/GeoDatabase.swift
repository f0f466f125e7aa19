#if canImport(Glibc)
import Glibc
#endif
import CMaxMindDB
import Foundation
import Query
import Records

/// One MaxMind DB file (`.mmdb`) read with libmaxminddb: a country, city or ASN database
/// (GeoLite2 from MaxMind, or DB-IP Lite, whose files have the same layout).
///
///     let db = try GeoDatabase(path: "GeoLite2-Country.mmdb")
///     db.value(.country, of: IPAddress("81.2.69.160")!)   // .string("GB")
public final class GeoDatabase: @unchecked Sendable {
    // @unchecked: `handle` is written once, by MMDB_open, and only read after; libmaxminddb's
    // lookups on an opened MMDB_s are safe from several threads at once (its documentation:
    // the library is thread-safe as long as the MMDB_s is not modified). MMDB_close runs in
    // deinit, when no other reference is left.

    /// What a file holds, from its metadata's `database_type`.
    public enum Kind: String, Sendable {
        case country, city, asn

        /// The fields of an address that this kind answers.
        var fields: Set<AddressField> {
            switch self {
            case .country: return [.country, .countryName]
            case .city: return [.country, .countryName, .city]
            case .asn: return [.asn, .org]
            }
        }
    }

    /// The file, as given.
    public let path: String
    public let kind: Kind
    /// The metadata's `database_type`: `GeoLite2-Country`, `DBIP-ASN-Lite (compat=GeoLite2-ASN)`.
    public let type: String
    private let handle: UnsafeMutablePointer<MMDB_s>

    /// Opens `path`; the error says what is wrong with the file and where such files come from.
    public init(path: String) throws(GeoDatabaseError) {
        let expanded = (path as NSString).expandingTildeInPath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory) else {
            throw GeoDatabaseError("\(path) does not exist")
        }
        guard !isDirectory.boolValue else { throw GeoDatabaseError("\(path) is a directory, not a .mmdb file") }
        guard FileManager.default.isReadableFile(atPath: expanded) else {
            throw GeoDatabaseError("cannot read \(path): permission denied")
        }
        let handle = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        let status = MMDB_open(expanded, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            handle.deallocate()
            throw GeoDatabaseError(status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR
                ? "cannot read \(path): \(String(cString: strerror(errno)))"
                : "\(path) is not a MaxMind DB (.mmdb) file")
        }
        let type = handle.pointee.metadata.database_type.map { String(cString: $0) } ?? ""
        guard let kind = Self.kind(of: type) else {
            MMDB_close(handle)
            handle.deallocate()
            throw GeoDatabaseError("\(path) is a '\(TerminalSafe.escape(type))' database; opsh reads country, city and ASN databases")
        }
        self.path = path
        self.kind = kind
        self.type = type
        self.handle = handle
    }

    deinit {
        MMDB_close(handle)
        handle.deallocate()
    }

    /// A country, city or ASN database by its `database_type` (MaxMind's GeoLite2-* and
    /// GeoIP2-*, DB-IP's DBIP-*-Lite); ISP databases carry ASNs too.
    static func kind(of type: String) -> Kind? {
        let t = type.lowercased()
        if t.contains("asn") || t.contains("isp") { return .asn }
        if t.contains("city") { return .city }
        if t.contains("country") { return .country }
        return nil
    }

    /// `field` of `address`, or null when the file has no network holding it, or no such
    /// field for that network.
    public func value(_ field: AddressField, of address: IPAddress) -> Value {
        guard kind.fields.contains(field), var entry = lookup(address) else { return .null }
        switch field {
        case .country: return string(&entry, Self.countryCode)
        case .countryName: return string(&entry, Self.countryName)
        case .city: return string(&entry, Self.cityName)
        case .asn: return number(&entry, Self.asnNumber)
        case .org: return string(&entry, Self.asnOrganization)
        case .network, .host: return .null
        }
    }

    private func lookup(_ address: IPAddress) -> MMDB_entry_s? {
        var error: Int32 = 0
        let result: MMDB_lookup_result_s
        if address.isV6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &sa.sin6_addr) { bytes in
                for i in 0..<8 {
                    bytes[i] = UInt8(truncatingIfNeeded: address.high >> UInt64(56 - 8 * i))
                    bytes[8 + i] = UInt8(truncatingIfNeeded: address.low >> UInt64(56 - 8 * i))
                }
            }
            result = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(handle, $0, &error) }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_addr.s_addr = UInt32(truncatingIfNeeded: address.low).bigEndian
            result = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(handle, $0, &error) }
            }
        }
        guard error == MMDB_SUCCESS, result.found_entry else { return nil }
        return result.entry
    }

    private func data(_ entry: inout MMDB_entry_s, _ path: DataPath) -> MMDB_entry_data_s? {
        var data = MMDB_entry_data_s()
        guard MMDB_aget_value(&entry, &data, path.pointers) == MMDB_SUCCESS, data.has_data else { return nil }
        return data
    }

    private func string(_ entry: inout MMDB_entry_s, _ path: DataPath) -> Value {
        guard let data = data(&entry, path), data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING), let start = data.utf8_string else {
            return .null
        }
        let bytes = UnsafeRawBufferPointer(start: start, count: Int(data.data_size))
        return .string(String(decoding: bytes, as: UTF8.self))
    }

    private func number(_ entry: inout MMDB_entry_s, _ path: DataPath) -> Value {
        guard let data = data(&entry, path) else { return .null }
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_UINT16: return .int(Int(data.uint16))
        case MMDB_DATA_TYPE_UINT32: return .int(Int(data.uint32))
        case MMDB_DATA_TYPE_UINT64: return .int(Int(truncatingIfNeeded: data.uint64))
        default: return .null
        }
    }

    static let countryCode = DataPath(["country", "iso_code"])
    static let countryName = DataPath(["country", "names", "en"])
    static let cityName = DataPath(["city", "names", "en"])
    static let asnNumber = DataPath(["autonomous_system_number"])
    static let asnOrganization = DataPath(["autonomous_system_organization"])
}

/// A path into a record of the file (`country`, `iso_code`), as the NULL-ended array of C
/// strings MMDB_aget_value takes, made once and kept for the program's life.
struct DataPath: @unchecked Sendable {
    // @unchecked: the strings and the array are allocated once, never written or freed after.
    let pointers: UnsafePointer<UnsafePointer<CChar>?>

    init(_ steps: [String]) {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: steps.count + 1)
        for (i, step) in steps.enumerated() { array[i] = UnsafePointer(strdup(step)) }
        array[steps.count] = nil
        pointers = UnsafePointer(array)
    }
}

/// A database file opsh cannot use, with the message to show.
public struct GeoDatabaseError: Error, Sendable, CustomStringConvertible {
    public let message: String

    /// `what` followed by where such files come from.
    init(_ what: String) {
        message = what + "; " + GeoDatabaseError.whereToGet
    }

    /// Where the free databases come from, for every message about them.
    public static let whereToGet = "use a country, city or ASN .mmdb file: GeoLite2 from maxmind.com (free account) or DB-IP Lite from db-ip.com (see the README)"

    public var description: String { message }
}
