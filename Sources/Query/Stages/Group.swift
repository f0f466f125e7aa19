import Records

/// `group F`: how many records hold each value of a field, most frequent first;
/// `group F by day`: how many fall in each hour, day, week, month or year, in time order.
public struct Group: Stage, RecordStage, Equatable {
    public static let name = "group"
    public static let synopsis = "group F [by hour|day|week|month|year]"
    public static let summary = "count the records per value of a field, or per day (hour, week, ...) of a time"
    public static let help = """
        Gives one record per distinct value of the field: {F: value, count: n}, most
        frequent first; values with equal counts keep the order they were first seen in.
        Null counts as a value. Keeps one counter per distinct value, not the records.

        group F by UNIT counts a timestamp field per hour, day, week (from Monday), month
        or year, in time order, every bucket from the first to the last, empty ones
        included (0), so the series has no gaps. Buckets are in UTC unless 'set timezone'
        names another zone (local, Europe/Brussels, ...); the column's name says which:
        day (UTC). Records whose field is null are counted last, as null.
        """
    public static let examples = [
        StageExample("clicks | group source_ip | first 5", shows: "the 5 addresses that clicked most", result: .rows(5)),
        StageExample("clicks | where timestamp > 2022-12-24 | group port", shows: "clicks per port since a day (-7d: this week's)", result: .rows(345)),
        StageExample("clicks | where port=6260 | group timestamp by month", shows: "port 6260's clicks per month, gaps as 0", result: .rows(25)),
        StageExample("keys | group last_connection_time by year | chart", shows: "when keys were last used, as a bar chart", result: .rows(11)),
    ]
    public static let kind = StageKind.records
    public static let reshapes = true
    public static let syntax = StageSyntax.fieldBy(TimeUnit.allCases.map(\.rawValue))

    public var field: FieldPath
    /// `by day`: count per span of time rather than per value.
    public var unit: TimeUnit?

    public init(_ field: FieldPath, by unit: TimeUnit? = nil) {
        self.field = field
        self.unit = unit
    }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Group {
        let field = try arguments.field()
        guard try arguments.parser.peek().isKeyword("by") else { return Group(field) }
        _ = try arguments.parser.next()
        let token = try arguments.parser.peek()
        let units = TimeUnit.allCases.map(\.rawValue)
        guard token.kind == .word, let unit = TimeUnit(rawValue: token.text.lowercased()) else {
            let hint = Suggest.nearest(token.text, among: units).map { " (did you mean '\($0)'?)" } ?? ""
            throw QueryError("group \(field) by needs one of \(units.joined(separator: ", "))\(token.kind == .end ? "" : ", not \(token.quotedForMessage)")\(hint)",
                             at: token.kind == .end ? token.range.lowerBound..<token.range.lowerBound : token.range)
        }
        _ = try arguments.parser.next()
        return Group(field, by: unit)
    }

    public var description: String { unit.map { "group \(field) by \($0.rawValue)" } ?? "group \(field)" }

    /// The bucket column's name: `day (UTC)`.
    public static func bucketColumn(_ unit: TimeUnit, zone: BucketZone) -> String { "\(unit.rawValue) (\(zone.name))" }
    public var fieldReferences: [FieldReference] { [FieldReference(path: field, stage: Self.name)] }

    func makeStep(_ context: EvaluationContext) throws -> any RowStep { makeStep(context, limit: nil) }

    /// Before `first N`: keeps only the N largest groups.
    func makeStep(_ context: EvaluationContext, before next: any Stage) throws -> (any RowStep)? {
        guard case .first(let n) = next.demand else { return nil }
        return makeStep(context, limit: n)
    }

    /// With a `limit` (from a `first N` right after), orders only the top N groups.
    func makeStep(_ context: EvaluationContext, limit: Int?) -> any RowStep {
        if let unit {
            return TimeBucketStep(FieldAccessor(field, context: context), unit: unit, zone: context.zone,
                                  schema: Schema([Group.bucketColumn(unit, zone: context.zone), "count"]), field: field)
        }
        return GroupStep(FieldAccessor(field, context: context), schema: Schema([field.description, "count"]), limit: limit)
    }
}

final class GroupStep: RowStep {
    let field: FieldAccessor
    let schema: Schema
    /// With a `first N` right after: only the top N groups are ordered.
    let limit: Int?
    /// Text values (the usual case) hash faster as plain strings.
    var textIndex: [String: Int] = [:]
    var otherIndex: [Value: Int] = [:]
    var values: [Value] = []
    var counts: [Int] = []

    init(_ field: FieldAccessor, schema: Schema, limit: Int? = nil) {
        self.field = field
        self.schema = schema
        self.limit = limit
    }

    func take(_ rows: [Record]) -> [Record] {
        for row in rows { counts[group(of: field.value(of: row))] += 1 }
        return []
    }

    /// The group `v` counts in (values equal by `==` share one), made with no rows the first
    /// time it is seen: groups keep the order they were first seen in.
    @inline(__always)
    func group(of v: Value) -> Int {
        if case .string(let s) = v {
            if let i = textIndex[s] { return i }
            textIndex[s] = values.count
        } else {
            if let i = otherIndex[v] { return i }
            otherIndex[v] = values.count
        }
        values.append(v)
        counts.append(0)
        return values.count - 1
    }

    func flush() -> [Record] {
        let counts = self.counts
        func before(_ a: Int, _ b: Int) -> Bool { counts[a] != counts[b] ? counts[a] > counts[b] : a < b }
        var order: [Int]
        if let limit, limit < values.count / 4 {
            // Keep the best `limit` in order; most candidates lose to the worst kept at once.
            order = []
            order.reserveCapacity(limit + 1)
            for i in values.indices {
                if order.count == limit, let worst = order.last, !before(i, worst) { continue }
                var lo = 0
                var hi = order.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if before(i, order[mid]) { hi = mid } else { lo = mid + 1 }
                }
                order.insert(i, at: lo)
                if order.count > limit { order.removeLast() }
            }
        } else {
            order = values.indices.sorted(by: before)
        }
        return order.map { Record(schema: schema, values: [values[$0], .int(counts[$0])]) }
    }
}

/// `group F by UNIT`: a counter per bucket of local time, given back in time order with the
/// empty buckets between the first and the last.
final class TimeBucketStep: RowStep {
    let accessor: FieldAccessor
    let unit: TimeUnit
    let zone: BucketZone
    let schema: Schema
    let field: FieldPath
    /// Counts per bucket start (days, seconds of day).
    var counts: [Int: Int] = [:]
    var nulls = 0
    let offsets = BucketZone.OffsetCache()

    init(_ accessor: FieldAccessor, unit: TimeUnit, zone: BucketZone, schema: Schema, field: FieldPath) {
        self.accessor = accessor
        self.unit = unit
        self.zone = zone
        self.schema = schema
        self.field = field
    }

    /// One number per bucket start, for the dictionary.
    private static func key(_ start: (days: Int, seconds: Int)) -> Int { start.days * 86_400 + start.seconds }

    /// The bucket of an instant. Hours are instants (the local hour's start), so the hour
    /// that repeats when clocks go back is two buckets and the hour skipped when they go
    /// forward is none; days and longer are civil dates (a DST day has 23 or 25 hours).
    private func key(_ micros: Int64) -> Int {
        let civil = zone.civil(micros, cache: offsets)
        guard unit == .hour else { return Self.key(unit.start(days: civil.days, seconds: civil.seconds)) }
        let seconds = Int(micros.quotient(dividingBy: 1_000_000))
        return seconds - civil.seconds % 3600
    }
    func take(_ rows: [Record]) throws -> [Record] {
        for row in rows { try add(accessor.value(of: row)) }
        return []
    }

    /// Counts one value: null apart, a timestamp (or text that reads as one) in its bucket.
    func add(_ value: Value) throws {
        switch value {
        case .null:
            nulls += 1
        case .time(let t):
            add(micros: t.micros)
        case .string(let s):
            guard let t = Timestamp(s) else { throw notTime(.string(s)) }
            add(micros: t.micros)
        case let other:
            throw notTime(other)
        }
    }

    /// Counts an instant in its bucket.
    @inline(__always)
    func add(micros: Int64) { counts[key(micros), default: 0] += 1 }

    func notTime(_ value: Value) -> QueryError {
        QueryError("group \(field) by \(unit.rawValue) needs a timestamp field; \(field) holds \(TerminalSafe.escape(String(value.plainText.prefix(30))))",
                   at: field.range)
    }

    func flush() -> [Record] {
        var values: [Value] = []
        if unit == .hour, let first = counts.keys.min(), let last = counts.keys.max() {
            var t = first
            while t <= last, values.count < 2_000_000 {
                let civil = zone.civil(Int64(t) * 1_000_000)
                values.append(.string(unit.label(days: civil.days, seconds: civil.seconds) + zone.offsetSuffix(at: t)))
                values.append(.int(counts[t] ?? 0))
                // The next local hour's start: an hour on, floored to the local hour (zones
                // with half-hour offsets included).
                let next = zone.civil(Int64(t + 3600) * 1_000_000)
                t = t + 3600 - next.seconds % 3600
            }
        } else if let first = counts.keys.min(), let last = counts.keys.max() {
            var bucket = (days: first.quotient(dividingBy: 86_400), seconds: first - first.quotient(dividingBy: 86_400) * 86_400)
            // At most a million buckets: an hourly series over a century is the limit.
            var emitted = 0
            while Self.key(bucket) <= last, emitted < 1_000_000 {
                values.append(.string(unit.label(days: bucket.days, seconds: bucket.seconds)))
                values.append(.int(counts[Self.key(bucket)] ?? 0))
                bucket = unit.next(days: bucket.days, seconds: bucket.seconds)
                emitted += 1
            }
        }
        if nulls > 0 {
            values.append(.null)
            values.append(.int(nulls))
        }
        counts = [:]
        return Record.rows(schema: schema, values: values)
    }
}
