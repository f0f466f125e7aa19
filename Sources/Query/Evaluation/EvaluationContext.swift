import Foundation
import Records

/// What a pipeline needs from the world while it runs.
public struct EvaluationContext: Sendable {
    /// The instant `now`, `-24h` and `-7d` are measured from.
    public var now: Timestamp
    /// Follows a relation: called when a dotted path (`key.name`) reaches a field whose value
    /// is not an object (a session's `key` is a URL). Given the field's name and value, it
    /// returns the related record, or nil, which reads as null. When the record lacks the
    /// path's first field altogether (`key.name` on a click, which has `key_name`), it is
    /// called with that name and the whole record as an `.object`, to join on other fields.
    /// Within one run, each distinct value is looked up once per path.
    public var relation: @Sendable (_ field: String, _ value: Value) -> Record?
    /// How renderers lay out their output.
    public var render: RenderOptions
    /// The zone of `set timezone`: `group timestamp by day` counts days in it, a bare date in
    /// `where` is a day in it, a time without an offset its wall clock.
    public var zone: BucketZone
    /// Countries, networks' owners and host names of addresses (`source_ip.country`):
    /// see ``AddressField``.
    public var addresses: any AddressLookup

    public init(now: Timestamp = .current,
                relation: @escaping @Sendable (_ field: String, _ value: Value) -> Record? = { _, _ in nil },
                render: RenderOptions = RenderOptions(), zone: BucketZone = .utc,
                addresses: any AddressLookup = NoAddressLookup()) {
        self.now = now
        self.relation = relation
        self.render = render
        self.zone = zone
        self.addresses = addresses
    }
}

/// How renderers lay out their output; the shell decides from the terminal and settings.
public struct RenderOptions: Sendable, Equatable {
    /// The terminal's width: a table shows the columns that fit (see ``TableRenderer``). nil
    /// never cuts.
    public var width: Int?
    /// ANSI styling: bold headers, dim `null`.
    public var color: Bool
    /// A last line `(3 rows)` under a table.
    public var footer: Bool
    /// `json` indented, one field a line, rather than on one line.
    public var prettyJSON: Bool
    /// Escape control characters in `csv` output (see `TerminalSafe`); turn off when writing to
    /// a file or a pipe. Tables are always escaped; JSON escapes controls itself.
    public var escapeControls: Bool
    /// Plain ASCII for drawings (`chart`): when the output cannot show Unicode blocks.
    public var ascii: Bool
    /// A table with no rows says `(no rows)` rather than nothing (for a person at a terminal;
    /// a script gets no output).
    public var sayEmpty: Bool
    /// The zone a table shows times in (`set timezone`); nil: as the API wrote them.
    public var zone: BucketZone?
    /// Tables show byte counts in kB, MB, GB and decimals rounded (for a person at a
    /// terminal); otherwise every number exactly. See ``CellText``.
    public var readableNumbers: Bool
    /// A table as plain tab-separated rows, no header and no rules: for a pipe or a file.
    public var plain: Bool
    /// A table this many lines long or longer goes through a pager that scrolls sideways, so
    /// its lines are left whole rather than fitted to ``width``. nil: no pager.
    public var pagedFrom: Int?

    public init(width: Int? = nil, color: Bool = false, footer: Bool = false, prettyJSON: Bool = false,
                escapeControls: Bool = true, ascii: Bool = false, sayEmpty: Bool = false, plain: Bool = false,
                pagedFrom: Int? = nil, zone: BucketZone? = nil, readableNumbers: Bool = false) {
        self.sayEmpty = sayEmpty
        self.plain = plain
        self.pagedFrom = pagedFrom
        self.zone = zone
        self.readableNumbers = readableNumbers
        self.width = width
        self.color = color
        self.footer = footer
        self.prettyJSON = prettyJSON
        self.escapeControls = escapeControls
        self.ascii = ascii
    }
}

extension Timestamp {
    /// The current instant, in UTC.
    public static var current: Timestamp {
        Timestamp(micros: Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()))
    }
}
