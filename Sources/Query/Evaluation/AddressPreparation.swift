import Records

/// What one stage needs done before a batch reaches it, for the address fields it names
/// (`source_ip.host`, `source_ip.country`): host names looked up (they wait on the network),
/// and, on the first address seen, a check that the field can be answered at all and that
/// a name after an address is one of its fields (`source_ip.contry` is a mistake, not null).
///
/// Works on the rows as they reach that stage, so only the rows that need a lookup get one
/// (`where port=6260 | select source_ip.host` looks up port 6260's addresses only).
final class AddressPreparation {
    private final class Reference {
        let path: FieldPath
        let field: AddressField?
        let prefix: FieldAccessor
        let whole: String
        /// Whether the first address (or, for a name that is no address field, the first
        /// value) has been checked.
        var checked = false

        init(_ path: FieldPath, context: EvaluationContext) {
            self.path = path
            field = AddressField(name: path.components[path.components.count - 1])
            prefix = FieldAccessor(FieldPath(Array(path.components.dropLast()), range: path.range), context: context)
            whole = path.description
        }
    }

    private let references: [Reference]
    private let lookup: any AddressLookup

    /// nil when the stage names no dotted path.
    init?(_ references: [FieldReference], context: EvaluationContext) {
        let paths = references.map(\.path).filter { $0.components.count > 1 }
        guard !paths.isEmpty else { return nil }
        self.references = paths.map { Reference($0, context: context) }
        lookup = context.addresses
    }

    /// Checks and looks up what `rows` need before the stage reads them.
    func prepare(_ rows: [Record]) async throws {
        for ref in references where !ref.checked || ref.field?.waits == true {
            var addresses = Set<IPAddress>()
            for row in rows {
                if row.schema.position(of: ref.whole) != nil { continue }  // a column `select` made
                let value = ref.prefix.value(of: row)
                guard case .string(let text) = value, let address = IPAddress(text) else {
                    // Something other than an address (a relation's URL, a nested object): the
                    // path is not an address field's, and the first such value decides.
                    if !value.isNull, !ref.checked {
                        ref.checked = true
                        if ref.field?.waits != true { break }
                    }
                    continue
                }
                if !ref.checked { try check(ref) }
                guard ref.field?.waits == true else { break }
                addresses.insert(address.unmapped)
            }
            if let field = ref.field, field.waits, !addresses.isEmpty {
                await lookup.prepare(field, for: Array(addresses))
                try Task.checkCancellation()
            }
        }
    }

    /// The first address under `ref`'s prefix: the name after it must be an address field,
    /// and one the lookup can answer.
    private func check(_ ref: Reference) throws(QueryError) {
        ref.checked = true
        let range = ref.path.range
        let prefix = ref.path.components.dropLast().joined(separator: ".")
        guard let field = ref.field else {
            let name = ref.path.components[ref.path.components.count - 1]
            let hint = Suggest.nearest(name, among: AddressField.names).map { " (did you mean '\(prefix).\($0)'?)" } ?? ""
            throw QueryError("\(prefix) holds IP addresses, which have no field '\(name)'\(hint); they have: "
                             + "net, netN (net16, net64, ...), host, country, country_name, city, asn, org",
                             column: range.lowerBound, length: max(1, range.count))
        }
        if case .network = field { return }
        if let reason = lookup.unavailable(field) {
            throw QueryError("\(ref.whole) \(reason)", column: range.lowerBound, length: max(1, range.count))
        }
    }
}
