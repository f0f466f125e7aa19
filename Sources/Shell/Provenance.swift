import Records

/// What a resource's rows were read under, kept with them in memory and on disk, so that a later
/// refresh can prove them current or know it cannot.
///
/// A click names its key only by `key_name`, which the server rewrites in place when the key is
/// renamed (and sets to null when it is deleted): neither end of the click list shows that,
/// and neither does the count. So the clicks carry the keys' names as they were when the clicks
/// were read (``KeyMap``); a refresh compares them with the keys as they are now.
public struct Provenance: Sendable, Equatable {
    /// Clicks: each key's name (by id) when the rows were read; nil when not known.
    public var keyMap: KeyMap?
    /// Clicks: the distinct `key_name`s the rows carry (so a refresh need not read every row).
    public var keyNames: Set<String>?
    /// Seconds since 1970 when the rows last came from a scan of the whole list (every row read);
    /// an incremental refresh keeps it, and `set rescan` bounds how old it may grow.
    public var fullScanWall: Double

    public init(keyMap: KeyMap? = nil, keyNames: Set<String>? = nil, fullScanWall: Double) {
        self.keyMap = keyMap
        self.keyNames = keyNames
        self.fullScanWall = fullScanWall
    }
}

/// Each key's name, by id, at one moment.
public struct KeyMap: Sendable, Equatable {
    /// A key with a null name maps to nil.
    public var names: [Int: String?]

    public init(names: [Int: String?] = [:]) { self.names = names }

    /// The map of a list of keys (records with `id` and `name`); keys without a whole-number id
    /// cannot be followed and are left out.
    public init(keys: some Sequence<Record>) {
        var names: [Int: String?] = [:]
        for k in keys {
            guard case .int(let id) = k["id"] else { continue }
            names[id] = k["name"].string
        }
        self.names = names
    }

    /// The ids of keys in this map that `now` shows renamed or no longer has (deleted).
    public func changed(in now: KeyMap) -> [Int] {
        names.compactMap { id, name in
            guard let current = now.names[id], current == name else { return id }
            return nil
        }.sorted()
    }

    /// This map with the keys `now` has and this one does not (keys added since).
    public func adding(newIn now: KeyMap) -> KeyMap {
        KeyMap(names: names.merging(now.names) { mine, _ in mine })
    }

    /// Every name a key has in this map.
    public var allNames: Set<String> { Set(names.values.compactMap { $0 }) }
}

extension Provenance {
    /// The distinct `key_name`s of packed clicks (read from the column, not row by row).
    public static func keyNames(_ rows: PackedRows) -> Set<String> {
        Set(rows.valueCounts(of: "key_name").keys.compactMap(\.string))
    }

    /// The distinct `key_name`s of some clicks (one lookup of the field per schema, not per row).
    public static func keyNames(_ rows: some Sequence<Record>) -> Set<String> {
        var names = Set<String>()
        var keyName = FieldLookup("key_name")
        for r in rows {
            if case .string(let n) = keyName.value(in: r) { names.insert(n) }
        }
        return names
    }
}
