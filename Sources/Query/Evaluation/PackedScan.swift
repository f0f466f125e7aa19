import Records

/// The first stages of a line, done on the columns of packed rows (the session cache)
/// rather than on records: `where` tests each distinct value of a field once and then looks
/// its verdict up by code, row after row; `count` adds up the verdicts; `group` counts
/// codes; `sort ... | first N` reads keys from the columns and makes records of the N rows
/// it keeps. What follows (or a line it cannot do) runs on records as always.
///
/// It gives what the same stages give on records, in the same order, with the same errors
/// (a literal that does not fit a field is checked on the same first value): it reads a
/// field exactly as ``FieldAccessor`` does and calls the same tests, and declines what it
/// cannot read that way (a dotted path, a field whose columns differ between schemas).
struct PackedScan {
    /// How many of the line's stages it does.
    let consumed: Int
    /// Whether the rows it gives have fields of its own making (after `group`).
    let reshapes: Bool
    private let filters: [Filter]
    private let finish: Finish

    private enum Finish {
        /// The rows the filters keep, as records, for the stages after.
        case rows
        case count
        case group(GroupStep, field: String)
        case buckets(TimeBucketStep, field: String)
        case top(fields: [String], descending: [Bool], limit: Int)
    }

    enum Output {
        case value(Value)
        case rows(Selection)
    }

    /// The scan of the first stages of `stages`, or nil when it would do nothing a replay
    /// of the records does not.
    init?(_ stages: [any Stage], context: EvaluationContext) throws {
        var i = 0
        var filters: [Filter] = []
        while i < stages.count, let w = stages[i] as? Where, let test = ColumnTest(w.condition, context: context) {
            filters.append(Filter(test: test, checks: try w.literalChecks(context)))
            i += 1
        }
        var finish = Finish.rows
        var reshapes = false
        let next = i + 1 < stages.count ? stages[i + 1] : nil
        switch i < stages.count ? stages[i] : nil {
        case is Count:
            finish = .count
        case let g as Group where g.field.components.count == 1:
            let field = g.field.components[0]
            var fused: (any RowStep)?
            if let next { fused = try g.makeStep(context, before: next) }
            let made = try fused ?? g.makeStep(context)
            if let s = made as? GroupStep {
                finish = .group(s, field: field)
            } else if let s = made as? TimeBucketStep {
                finish = .buckets(s, field: field)
            }
            reshapes = true
        case let s as Sort where s.keys.allSatisfy({ $0.field.components.count == 1 }):
            if case .first(let n)? = next?.demand, n <= Sort.topLimit {
                finish = .top(fields: s.keys.map { $0.field.components[0] }, descending: s.keys.map(\.descending), limit: n)
            }
        default:
            break
        }
        if case .rows = finish {
            reshapes = false
            guard !filters.isEmpty else { return nil }
        } else {
            i += 1
        }
        self.filters = filters
        self.finish = finish
        self.reshapes = reshapes
        consumed = i
    }

    /// Runs over `rows`: one value (`count`), or rows for the stages after.
    func run(_ rows: PackedRows) throws -> Output {
        switch finish {
        case .rows:
            return .rows(Selection(rows: rows, filters: filters))
        case .count:
            var n = 0
            for part in rows.parts {
                // One comparison: its verdicts added up as they are read, no mask kept.
                if filters.count == 1, let counted = try filters[0].count(part) {
                    n += counted
                } else {
                    n += try Filter.mask(part, filters).map(ColumnTest.ones) ?? part.rows.count
                }
            }
            return .value(.int(n))
        case .group(let step, let field):
            try group(rows, into: step, field: field)
            return .rows(Selection(records: step.flush()))
        case .buckets(let step, let field):
            try buckets(rows, into: step, field: field)
            return .rows(Selection(records: step.flush()))
        case .top(let fields, let descending, let limit):
            return .rows(Selection(records: try top(rows, fields: fields, descending: descending, limit: limit)))
        }
    }

    /// Calls `body` with each selected row of each part, in order.
    private func forEachSelected(_ rows: PackedRows, _ body: (PackedRows.Part, Int) throws -> Void) throws {
        for part in rows.parts {
            let mask = try Filter.mask(part, filters)
            let lo = part.rows.lowerBound
            for i in 0..<part.rows.count where mask.map({ $0[i] != 0 }) ?? true { try body(part, lo + i) }
        }
    }

    // MARK: group

    /// `group F`: codes counted per dictionary; each group made when its first row is met,
    /// so that groups keep the order their values were first seen in.
    private func group(_ rows: PackedRows, into step: GroupStep, field: String) throws {
        var tallies: [ObjectIdentifier: CodeTally] = [:]
        for part in rows.parts {
            let mask = try Filter.mask(part, filters)
            switch part.block.column(named: field) {
            case .column(.codes(let codes, let dictionary)):
                let tally = tallies[ObjectIdentifier(dictionary)] ?? CodeTally(dictionary)
                tallies[ObjectIdentifier(dictionary)] = tally
                codes.withBuffer { buffer in
                    switch buffer {
                    case .one(let b): tally.count(b, part.rows, mask, step)
                    case .two(let b): tally.count(b, part.rows, mask, step)
                    case .four(let b): tally.count(b, part.rows, mask, step)
                    }
                }
            default:
                let lo = part.rows.lowerBound
                let read = Column(part.block, field)
                for i in 0..<part.rows.count where mask.map({ $0[i] != 0 }) ?? true {
                    step.counts[step.group(of: read[lo + i])] += 1
                }
            }
        }
        for tally in tallies.values { tally.add(to: step) }
    }

    /// Rows per code of one dictionary, and the group each code counts in.
    private final class CodeTally {
        let dictionary: ValueDictionary
        var counts: [Int]
        var groups: [Int]

        init(_ dictionary: ValueDictionary) {
            self.dictionary = dictionary
            counts = Array(repeating: 0, count: dictionary.values.count)
            groups = Array(repeating: -1, count: dictionary.values.count)
        }

        func count<Code: FixedWidthInteger>(_ codes: UnsafeBufferPointer<Code>, _ rows: Range<Int>, _ mask: [UInt8]?, _ step: GroupStep) {
            let values = dictionary.values
            counts.withUnsafeMutableBufferPointer { counts in
                groups.withUnsafeMutableBufferPointer { groups in
                    @inline(__always) func add(_ c: Int) {
                        if counts[c] == 0, groups[c] < 0 { groups[c] = step.group(of: values[c]) }
                        counts[c] += 1
                    }
                    if let mask {
                        for (i, row) in rows.enumerated() where mask[i] != 0 { add(Int(codes[row])) }
                    } else {
                        for row in rows { add(Int(codes[row])) }
                    }
                }
            }
        }

        func add(to step: GroupStep) {
            for (c, n) in counts.enumerated() where n > 0 { step.counts[groups[c]] += n }
        }
    }

    /// `group F by UNIT`: instants straight from a timestamp column.
    private func buckets(_ rows: PackedRows, into step: TimeBucketStep, field: String) throws {
        for part in rows.parts {
            let mask = try Filter.mask(part, filters)
            let lo = part.rows.lowerBound
            if case .column(.times(let times)) = part.block.column(named: field) {
                let forms = times.tags.map { tag -> Bool in if case .time = tag { return true } else { return false } }
                try times.withBuffers { micros, tags in
                    for i in 0..<part.rows.count where mask.map({ $0[i] != 0 }) ?? true {
                        let tag = Int(tags[lo + i])
                        if forms[tag] { step.add(micros: micros[lo + i]) } else { try step.add(times[lo + i]) }
                    }
                }
            } else {
                let read = Column(part.block, field)
                for i in 0..<part.rows.count where mask.map({ $0[i] != 0 }) ?? true { try step.add(read[lo + i]) }
            }
        }
    }

    // MARK: sort ... | first N

    private func top(_ rows: PackedRows, fields: [String], descending: [Bool], limit: Int) throws -> [Record] {
        guard limit > 0 else { return [] }
        var top = TopRows<(part: Int, row: Int)>(descending: descending, limit: limit)
        var keys = [OrderKey](repeating: OrderKey(.null), count: fields.count)
        var dictionaryKeys: [ObjectIdentifier: [OrderKey]] = [:]
        for (p, part) in rows.parts.enumerated() {
            let mask = try Filter.mask(part, filters)
            let readers = fields.map { field -> (Int) -> OrderKey in
                let column = part.block.column(named: field)
                if case .column(.codes(let codes, let dictionary)) = column {
                    let id = ObjectIdentifier(dictionary)
                    let byCode = dictionaryKeys[id] ?? dictionary.values.map(OrderKey.init)
                    dictionaryKeys[id] = byCode
                    return { byCode[codes[$0]] }
                }
                let read = Column(part.block, field)
                return { OrderKey(read[$0]) }
            }
            let lo = part.rows.lowerBound
            for i in 0..<part.rows.count where mask.map({ $0[i] != 0 }) ?? true {
                for k in readers.indices { keys[k] = readers[k](lo + i) }
                top.offer(keys, (p, lo + i))
            }
        }
        return top.take().map { rows.parts[$0.part].block.record($0.row) }
    }
}

/// Reads one field of a block's rows as ``FieldAccessor`` does, whatever its column.
private struct Column {
    let block: RowBlock
    let field: String
    let column: RowBlock.FieldColumn

    init(_ block: RowBlock, _ field: String) {
        self.block = block
        self.field = field
        column = block.column(named: field)
    }

    @inline(__always)
    subscript(row: Int) -> Value {
        switch column {
        case .absent: return .null
        case .column(let c): return c[row]
        case .mixed: return block.value(of: field, row: row)
        }
    }
}

/// One `where` stage: its condition over columns, and the checks of its literals still to make.
private final class Filter {
    let test: ColumnTest
    var checks: [LiteralCheck]

    init(test: ColumnTest, checks: [LiteralCheck]) {
        self.test = test
        self.checks = checks
    }

    /// The rows of `part` that pass every filter, one byte a row (nil: every row). Each
    /// filter's literals are checked first on the first non-null value among the rows that
    /// reach it, as ``WhereStep`` checks them.
    static func mask(_ part: PackedRows.Part, _ filters: [Filter]) throws -> [UInt8]? {
        var mask: [UInt8]?
        for filter in filters {
            try filter.check(part, mask)
            let verdicts = filter.test.evaluate(part)
            if var m = mask {
                for i in m.indices { m[i] &= verdicts[i] }
                mask = m
            } else {
                mask = verdicts
            }
        }
        return mask
    }

    /// How many rows of `part` pass, when the test is one comparison on a column of codes
    /// (counted without a mask); nil otherwise.
    func count(_ part: PackedRows.Part) throws -> Int? {
        guard case .compare(let field, let test, let verdicts) = test,
              case .column(.codes(let codes, let dictionary)) = part.block.column(named: field) else { return nil }
        try check(part, nil)
        let byCode = verdicts.of(dictionary, test)
        let lo = part.rows.lowerBound
        let n = part.rows.count
        return byCode.withUnsafeBufferPointer { v in
            codes.withBuffer { buffer in
                switch buffer {
                case .one(let b): return ColumnTest.count(b, from: lo, n, v)
                case .two(let b): return ColumnTest.count(b, from: lo, n, v)
                case .four(let b): return ColumnTest.count(b, from: lo, n, v)
                }
            }
        }
    }

    private func check(_ part: PackedRows.Part, _ mask: [UInt8]?) throws {
        guard !checks.isEmpty else { return }
        var left: [LiteralCheck] = []
        for c in checks {
            let read = Column(part.block, c.field.path[0])
            let lo = part.rows.lowerBound
            let first = (0..<part.rows.count).lazy.filter { i in mask.map { $0[i] != 0 } ?? true }
                .map { read[lo + $0] }.first { !$0.isNull }
            guard let first else {
                left.append(c)
                continue
            }
            if let problem = c.problem(with: first) { throw problem }
        }
        checks = left
    }
}

/// A `where` condition over the columns of a block.
private indirect enum ColumnTest {
    case compare(field: String, test: (Value) -> Bool, verdicts: VerdictCache)
    case and(ColumnTest, ColumnTest)
    case or(ColumnTest, ColumnTest)
    case not(ColumnTest)

    /// nil when a comparison names a dotted path (a join, or a nested field): records only.
    init?(_ condition: Condition, context: EvaluationContext) {
        switch condition {
        case .compare(let c):
            guard c.field.components.count == 1 else { return nil }
            self = .compare(field: c.field.components[0], test: c.valueTest(now: context.now), verdicts: VerdictCache())
        case .and(let a, let b):
            guard let x = ColumnTest(a, context: context), let y = ColumnTest(b, context: context) else { return nil }
            self = .and(x, y)
        case .or(let a, let b):
            guard let x = ColumnTest(a, context: context), let y = ColumnTest(b, context: context) else { return nil }
            self = .or(x, y)
        case .not(let a):
            guard let x = ColumnTest(a, context: context) else { return nil }
            self = .not(x)
        }
    }

    /// 1 for each row of `part` that passes, 0 for the others.
    func evaluate(_ part: PackedRows.Part) -> [UInt8] {
        switch self {
        case .compare(let field, let test, let verdicts):
            return ColumnTest.compare(part, field: field, test: test, verdicts: verdicts)
        case .and(let a, let b):
            var x = a.evaluate(part)
            let y = b.evaluate(part)
            for i in x.indices { x[i] &= y[i] }
            return x
        case .or(let a, let b):
            var x = a.evaluate(part)
            let y = b.evaluate(part)
            for i in x.indices { x[i] |= y[i] }
            return x
        case .not(let a):
            var x = a.evaluate(part)
            for i in x.indices { x[i] ^= 1 }
            return x
        }
    }

    private static func compare(_ part: PackedRows.Part, field: String, test: (Value) -> Bool, verdicts: VerdictCache) -> [UInt8] {
        let n = part.rows.count
        let lo = part.rows.lowerBound
        var out = [UInt8](repeating: 0, count: n)
        switch part.block.column(named: field) {
        case .column(.codes(let codes, let dictionary)):
            let byCode = verdicts.of(dictionary, test)
            byCode.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    codes.withBuffer { buffer in
                        switch buffer {
                        case .one(let b): gather(b, from: lo, v, into: o)
                        case .two(let b): gather(b, from: lo, v, into: o)
                        case .four(let b): gather(b, from: lo, v, into: o)
                        }
                    }
                }
            }
        case .column(.times(let times)):
            // A form of text: the test sees the timestamp; another value: its verdict, once.
            let byTag = times.tags.map { tag -> UInt8? in
                if case .value(let v) = tag { return test(v) ? 1 : 0 }
                return nil
            }
            times.withBuffers { micros, tags in
                for i in 0..<n {
                    let tag = Int(tags[lo + i])
                    out[i] = byTag[tag] ?? (test(times[lo + i]) ? 1 : 0)
                }
            }
        case .absent:
            if test(.null) { for i in 0..<n { out[i] = 1 } }
        case .mixed:
            for i in 0..<n { out[i] = test(part.block.value(of: field, row: lo + i)) ? 1 : 0 }
        }
        return out
    }

    /// The verdicts of `n` rows from `lo`, added up.
    @inline(__always)
    static func count<Code: FixedWidthInteger>(_ codes: UnsafeBufferPointer<Code>, from lo: Int, _ n: Int,
                                               _ verdicts: UnsafeBufferPointer<UInt8>) -> Int {
        var total = 0
        for i in lo..<(lo + n) { total &+= Int(verdicts[Int(codes[i])]) }
        return total
    }

    /// How many rows a mask keeps.
    static func ones(_ mask: [UInt8]) -> Int {
        mask.withUnsafeBufferPointer { m in
            var total = 0
            for x in m { total &+= Int(x) }
            return total
        }
    }

    @inline(__always)
    private static func gather<Code: FixedWidthInteger>(_ codes: UnsafeBufferPointer<Code>, from lo: Int,
                                                        _ verdicts: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        for i in 0..<out.count { out[i] = verdicts[Int(codes[lo + i])] }
    }
}

/// A comparison's verdict on each value of a dictionary, worked out once per run.
private final class VerdictCache {
    private var byDictionary: [ObjectIdentifier: [UInt8]] = [:]

    func of(_ dictionary: ValueDictionary, _ test: (Value) -> Bool) -> [UInt8] {
        let id = ObjectIdentifier(dictionary)
        if let known = byDictionary[id] { return known }
        let made = dictionary.values.map { test($0) ? UInt8(1) : 0 }
        byDictionary[id] = made
        return made
    }
}

/// Rows for the stages after a ``PackedScan``: the rows its filters keep, made into
/// records a batch at a time, or records it made (groups, the top rows).
struct Selection: AsyncIteratorProtocol {
    private let rows: PackedRows
    private let filters: [Filter]
    private var part = 0
    /// The selected rows of the current part, and how many of them were given.
    private var selected: [Int] = []
    private var given = 0
    private var records: [Record]?

    fileprivate init(rows: PackedRows, filters: [Filter]) {
        self.rows = rows
        self.filters = filters
    }

    fileprivate init(records: [Record]) {
        rows = PackedRows()
        filters = []
        self.records = records
    }

    mutating func next() async throws -> [Record]? {
        if let made = records {
            records = nil
            return made.isEmpty ? nil : made
        }
        while given == selected.count {
            guard part < rows.parts.count else { return nil }
            let p = rows.parts[part]
            let mask = try Filter.mask(p, filters)
            selected = p.rows.enumerated().compactMap { i, row in mask.map { $0[i] != 0 } ?? true ? row : nil }
            given = 0
            part += 1
        }
        let end = min(given + PackedRows.Batches.size, selected.count)
        defer { given = end }
        return rows.parts[part - 1].block.records(selected[given..<end])
    }
}
