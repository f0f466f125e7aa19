import Records

/// What a pipeline can learn about an IP address from the world: its country and its
/// network's owner (from a database file), its name (from DNS).
///
/// Query does no I/O itself: the shell hands an implementation in through
/// ``EvaluationContext/addresses``, as it hands joins in through ``EvaluationContext/relation``.
/// Lookups happen only for lines that name such a field, and only for the rows that reach
/// the stage that reads it.
public protocol AddressLookup: Sendable {
    /// nil when `field` can be answered; else what is missing and what to do about it, to
    /// follow the field's name: "needs a country database: set geoip FILE (...)".
    func unavailable(_ field: AddressField) -> String?

    /// Looks up `field` for `addresses` ahead of reading it, a few at a time, for fields that
    /// wait on the network (``AddressField/waits``). Returns once each address has an answer
    /// or its lookup gave up; a lookup that gave up reads as null, and the implementation
    /// reports that on its own, once.
    func prepare(_ field: AddressField, for addresses: [IPAddress]) async

    /// The value of `field` for `address` (never IPv4-mapped: callers unmap it), or null.
    /// Never waits: a field that ``AddressField/waits`` reads what ``prepare(_:for:)`` found.
    func value(_ field: AddressField, of address: IPAddress) -> Value
}

/// No lookups: networks still work (they need none); any other address field says so.
public struct NoAddressLookup: AddressLookup {
    public init() {}
    public func unavailable(_ field: AddressField) -> String? {
        field.waits ? "needs a DNS resolver, and none is set up here" : "needs an address database (set geoip FILE)"
    }
    public func prepare(_ field: AddressField, for addresses: [IPAddress]) async {}
    public func value(_ field: AddressField, of address: IPAddress) -> Value { .null }
}
