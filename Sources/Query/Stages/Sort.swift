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

    /// With a `limit` (from a `first N` right after), keeps only the best N while reading.
    func makeStep(_ context: EvaluationContext, limit: Int?) throws -> any RowStep {
        let accessors = keys.map { FieldAccessor($0.field, context: context) }
        let descending = keys.map(\.descending)
        if let limit, limit <= 1000 { return TopSortStep(accessors, descending: descending, limit: limit) }
        return SortStep(accessors, descending: descending)
    }

    /// Whether keys `a` (row `i`) come before keys `b` (row `j`): nulls last, ties by row.
    @inline(__always)
    static func precedes(_ a: [OrderKey], _ i: Int, _ b: [OrderKey], _ j: Int, descending: [Bool]) -> Bool {
        for k in 0..<a.count {
            let c = compareKey(a[k], b[k], descending: descending[k])
            if c != 0 { return c < 0 }
        }
        return i < j
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
    let descending: [Bool]
    let limit: Int
    var best: [(keys: [OrderKey], seq: Int, row: Record)] = []
    var seq = 0
    var scratch: [OrderKey]

    init(_ accessors: [FieldAccessor], descending: [Bool], limit: Int) {
        self.accessors = accessors
        self.descending = descending
        self.limit = limit
        scratch = Array(repeating: OrderKey(.null), count: accessors.count)
    }

    func take(_ batch: [Record]) -> [Record] {
        guard limit > 0 else { return [] }
        for row in batch {
            defer { seq += 1 }
            for k in accessors.indices { scratch[k] = OrderKey(accessors[k].value(of: row)) }
            if best.count == limit, let worst = best.last,
               !Sort.precedes(scratch, seq, worst.keys, worst.seq, descending: descending) {
                continue
            }
            // Binary search for the first entry the new row precedes.
            var lo = 0
            var hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if Sort.precedes(scratch, seq, best[mid].keys, best[mid].seq, descending: descending) {
                    hi = mid
                } else {
                    lo = mid + 1
                }
            }
            best.insert((scratch, seq, row), at: lo)
            if best.count > limit { best.removeLast() }
        }
        return []
    }

    func flush() -> [Record] {
        defer { best = [] }
        return best.map(\.row)
    }
}
