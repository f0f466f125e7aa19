import OpenportAPI
import Query
import Records

extension CompletionEngine {
    /// The fields of a resource that hold IP addresses: those whose value in the first cached
    /// record reads as one, and a click's `source_ip` before anything is cached.
    func addressHolders(of r: Resource) -> [String] {
        guard let first = cache.any(r)?.records.first else { return r == .clicks ? ["source_ip"] : [] }
        return first.fields.filter { f in first[f].string.flatMap { IPAddress($0) } != nil }
    }

    /// `source_ip.` beside the fields, and after it `source_ip.net`, `source_ip.country`, ...
    func addressFieldNames(of r: Resource, prefix: String) -> [String] {
        addressHolders(of: r).flatMap { holder in
            prefix.hasPrefix(holder + ".") ? AddressField.names.map { holder + "." + $0 } : [holder + "."]
        }
    }

    /// The values of an address field (`source_ip.country`) among the cached rows, in
    /// alphabetical order: worked out from the distinct addresses, through the lookups that
    /// answer at once (databases, host names already found); never a lookup on the network.
    /// nil when `path` is no address field.
    func addressValues(resource r: Resource, path: String) -> [String]? {
        let parts = path.split(separator: ".").map(String.init)
        guard parts.count == 2, let field = AddressField(name: parts[1]), addressHolders(of: r).contains(parts[0]) else {
            return nil
        }
        if case .network = field {} else if addresses.unavailable(field) != nil { return [] }
        var seen = Set<String>()
        for text in values.top(resource: r, field: parts[0], cache: cache, prefetch: prefetch) {
            guard let address = IPAddress(text) else { continue }
            let value = field.value(of: address, lookup: addresses)
            if !value.isNull { seen.insert(value.plainText) }
        }
        return seen.sorted()
    }
}
