import Records

/// `sort [-]F[,...]`: orders the records by one or more fields.
public struct Sort: Stage, RecordStage, Equatable {
    public static let name = "sort"
    public static let synopsis = "sort [-]F[,...]"
    public static let summary = "order records by fields; -field for descending"
    public static let help = """
        Orders the records by the fields given, the first deciding first; -field sorts that
        field descending. Numbers sort as numbers, timestamps as instants, IP addresses as
        addresses (IPv4 first), other text by Unicode order (case-sensitive). Nulls and missing fields come last either way. The sort is
        stable: records that tie keep their order.
        sort ... | first N keeps only N records while it reads.
        """
    public static let examples = [
        StageExample("clicks | sort -timestamp | first 3", shows: "the 3 latest clicks, latest first", result: .rows(3)),
        StageExample("clicks | sort port,-timestamp", shows: "by port, and latest first within a port", result: .rows(178_268)),
    ]
    public static let kind = StageKind.records
    public static let syntax = StageSyntax.fields

    public struct Key: Sendable, Equatable {
        public var field: FieldPath
        public var descending: Bool
        public init(_ field: FieldPath, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }
    }

    public var keys: [Key]

    public init(_ keys: [Key]) { self.keys = keys }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Sort {
        Sort(try arguments.fieldList(allowDescending: true).map { Key($0.0, descending: $0.descending) })
    }

    public var description: String {
        "sort " + keys.map { ($0.descending ? "-" : "") + $0.field.description }.joined(separator: ",")
    }

    public var fieldReferences: [FieldReference] { keys.map { FieldReference(path: $0.field, stage: Self.name) } }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep { try makeStep(context, limit: nil) }

    /// Before `first N`: keeps only the N best rows while sorting.
    func makeStep(_ context: EvaluationContext, before next: any Stage) throws -> (any RowStep)? {
        guard case .first(let n) = next.demand else { return nil }
        return try makeStep(context, limit: n)
    }

    /// The largest `first N` after a sort that keeps only N rows while reading.
    static let topLimit = 1000

    /// With a `limit` (from a `first N` right after), keeps only the best N while reading.
    func makeStep(_ context: EvaluationContext, limit: Int?) throws -> any RowStep {
        let accessors = keys.map { FieldAccessor($0.field, context: context) }
        let descending = keys.map(\.descending)
        if let limit, limit <= Sort.topLimit { return TopSortStep(accessors, descending: descending, limit: limit) }
        return SortStep(accessors, descending: descending)
    }

    @inline(__always)
    static func compareKey(_ x: OrderKey, _ y: OrderKey, descending: Bool) -> Int {
        switch (x.isNull, y.isNull) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default:
            let c = ValueOrder.compare(x, y)
            return descending ? -c : c
        }
    }
}

/// A full sort: keys read once per row, indices sorted, ties broken by arrival.
final class SortStep: RowStep {
    let accessors: [FieldAccessor]
    let descending: [Bool]
    var rows: [Record] = []

    init(_ accessors: [FieldAccessor], descending: [Bool]) {
        self.accessors = accessors
        self.descending = descending
    }

    func take(_ batch: [Record]) -> [Record] {
        rows.append(contentsOf: batch)
        return []
    }

    func flush() -> [Record] {
        let keys = accessors.map { accessor in rows.map { OrderKey(accessor.value(of: $0)) } }
        let descending = self.descending
        var order = Array(rows.indices)
        if keys.count == 1 {
            let column = keys[0]
            let desc = descending[0]
            order.sort { i, j in
                let c = Sort.compareKey(column[i], column[j], descending: desc)
                return c != 0 ? c < 0 : i < j
            }
        } else {
            order.sort { i, j in
                for k in keys.indices {
                    let c = Sort.compareKey(keys[k][i], keys[k][j], descending: descending[k])
                    if c != 0 { return c < 0 }
                }
                return i < j
            }
        }
        defer { rows = [] }
        return order.map { rows[$0] }
    }
}

/// `sort ... | first N`: keeps the best N rows seen so far, in order, and nothing else.
final class TopSortStep: RowStep {
    let accessors: [FieldAccessor]
    var top: TopRows<Record>
    var scratch: [OrderKey]

    init(_ accessors: [FieldAccessor], descending: [Bool], limit: Int) {
        self.accessors = accessors
        top = TopRows(descending: descending, limit: limit)
        scratch = Array(repeating: OrderKey(.null), count: accessors.count)
    }

    func take(_ batch: [Record]) -> [Record] {
        guard top.limit > 0 else { return [] }
        for row in batch {
            for k in accessors.indices { scratch[k] = OrderKey(accessors[k].value(of: row)) }
            top.offer(scratch, row)
        }
        return []
    }

    func flush() -> [Record] { top.take() }
}

/// The best `limit` rows offered so far by their keys, in order (ties: the first offered
/// first). Keys are kept in one flat array, so a row that gets in costs no allocation.
struct TopRows<Row> {
    let descending: [Bool]
    let limit: Int
    /// Kept rows, best first, with when each was offered.
    private var rows: [(seq: Int, row: Row)] = []
    /// Their keys, `descending.count` per row.
    private var keys: [OrderKey] = []
    private var seq = 0

    init(descending: [Bool], limit: Int) {
        self.descending = descending
        self.limit = limit
    }

    /// Whether keys `a` (offered at `i`) come before kept row `j`.
    @inline(__always)
    private func precedes(_ a: [OrderKey], _ i: Int, kept j: Int) -> Bool {
        let k = descending.count
        for n in 0..<k {
            let c = Sort.compareKey(a[n], keys[j * k + n], descending: descending[n])
            if c != 0 { return c < 0 }
        }
        return i < rows[j].seq
    }

    /// Offers the next row, with its keys.
    @inline(__always)
    mutating func offer(_ candidate: [OrderKey], _ row: Row) {
        defer { seq += 1 }
        guard limit > 0 else { return }
        if rows.count == limit, !precedes(candidate, seq, kept: rows.count - 1) { return }
        // Binary search for the first kept row the new one precedes.
        var lo = 0
        var hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if precedes(candidate, seq, kept: mid) { hi = mid } else { lo = mid + 1 }
        }
        let k = descending.count
        if rows.count == limit {
            rows.removeLast()
            keys.removeLast(k)
        }
        rows.insert((seq, row), at: lo)
        keys.insert(contentsOf: candidate, at: lo * k)
    }

    /// The rows kept, best first (and forgets them).
    mutating func take() -> [Row] {
        defer {
            rows = []
            keys = []
        }
        return rows.map(\.row)
    }
}
