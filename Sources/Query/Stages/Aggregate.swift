import Records

/// The four reductions over one field: `sum F`, `avg F`, `min F`, `max F`.
public enum AggregateFunction: String, Sendable {
    case sum, avg, min, max
}

/// What `sum`, `avg`, `min` and `max` share: a field to read and a function to apply.
public protocol AggregateStage: Stage, Equatable {
    static var function: AggregateFunction { get }
    var field: FieldPath { get }
    init(_ field: FieldPath)
}

extension AggregateStage {
    public static var name: String { function.rawValue }
    public static var synopsis: String { "\(name) F" }
    public static var kind: StageKind { .reduction }
    public static var syntax: StageSyntax { .fields }

    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> Self {
        Self(try arguments.field())
    }

    public var description: String { "\(Self.name) \(field)" }
    public var fieldReferences: [FieldReference] { [FieldReference(path: field, stage: Self.name)] }
}

extension AggregateStage {
    func makeReducer(_ context: EvaluationContext, range: Range<Int>) -> any Reducer {
        AggregateReducer(Self.function, field: field, accessor: FieldAccessor(field, context: context))
    }
}

/// `sum F`: the total of a numeric field.
public struct Sum: AggregateStage, ReductionStage {
    public static let function = AggregateFunction.sum
    public static let summary = "the total of a numeric field"
    public static let help = """
        Adds up a numeric field; nulls and missing values are skipped. Whole numbers give a
        whole number, anything with a fraction a decimal. The sum of nothing is 0.
        A field holding text is an error that names the numeric fields.
        """
    public static let examples = [StageExample("sessions | sum local_port", shows: "the local ports added up", result: .value("688989"))]
    public var field: FieldPath
    public init(_ field: FieldPath) { self.field = field }
}

/// `avg F`: the mean of a numeric field.
public struct Avg: AggregateStage, ReductionStage {
    public static let function = AggregateFunction.avg
    public static let summary = "the mean of a numeric field"
    public static let help = """
        The mean of a numeric field, as a decimal; nulls and missing values are skipped.
        The mean of nothing is null. A field holding text is an error.
        """
    public static let examples = [StageExample("clicks | avg port", shows: "the mean port clicked", result: .value("32299.68044741625"))]
    public var field: FieldPath
    public init(_ field: FieldPath) { self.field = field }
}

/// `min F`: the smallest value of a field.
public struct Min: AggregateStage, ReductionStage {
    public static let function = AggregateFunction.min
    public static let summary = "the smallest value of a field"
    public static let help = """
        The smallest value of a field: numbers as numbers, timestamps as instants, text by
        Unicode order. Nulls are skipped; the min of nothing is null.
        """
    public static let examples = [StageExample("clicks | min timestamp", shows: "when the first click came", result: .value("2021-01-01T00:36:12.328731+01:00"))]
    public var field: FieldPath
    public init(_ field: FieldPath) { self.field = field }
}

/// `max F`: the largest value of a field.
public struct Max: AggregateStage, ReductionStage {
    public static let function = AggregateFunction.max
    public static let summary = "the largest value of a field"
    public static let help = """
        The largest value of a field: numbers as numbers, timestamps as instants, text by
        Unicode order. Nulls are skipped; the max of nothing is null.
        """
    public static let examples = [StageExample("clicks | max port", shows: "the highest port clicked", result: .value("65437"))]
    public var field: FieldPath
    public init(_ field: FieldPath) { self.field = field }
}

final class AggregateReducer: Reducer {
    let function: AggregateFunction
    let field: FieldPath
    let accessor: FieldAccessor
    var intSum = 0
    var doubleSum = 0.0
    var exact = true      // every value so far an int, and no overflow
    var n = 0
    var best: OrderKey?
    var firstRecord: Record?

    init(_ function: AggregateFunction, field: FieldPath, accessor: FieldAccessor) {
        self.function = function
        self.field = field
        self.accessor = accessor
    }

    func take(_ rows: [Record]) throws {
        if firstRecord == nil { firstRecord = rows.first }
        switch function {
        case .sum, .avg:
            for row in rows {
                switch accessor.value(of: row) {
                case .null: continue
                case .int(let i):
                    n += 1
                    doubleSum += Double(i)
                    if exact {
                        let (s, overflow) = intSum.addingReportingOverflow(i)
                        if overflow { exact = false } else { intSum = s }
                    }
                case .double(let d):
                    n += 1
                    doubleSum += d
                    exact = false
                default:
                    throw notNumeric()
                }
            }
        case .min, .max:
            let wanted = function == .min ? -1 : 1
            for row in rows {
                let v = OrderKey(accessor.value(of: row))
                if v.isNull { continue }
                if let b = best, ValueOrder.compare(v, b) != wanted { continue }
                best = v
            }
        }
    }

    func result() -> Value {
        switch function {
        case .sum: return exact ? .int(intSum) : .double(doubleSum)
        case .avg: return n == 0 ? .null : .double(doubleSum / Double(n))
        case .min, .max: return best?.value ?? .null
        }
    }

    /// `sum needs a numeric field; port and id are numeric, name is not`.
    func notNumeric() -> QueryError {
        let numeric = (firstRecord?.pairs ?? []).filter { $0.1.number != nil }.map(\.0)
        let message: String
        if numeric.isEmpty {
            message = "\(function.rawValue) needs a numeric field, and \(field) is not (these records have none)"
        } else {
            let list = numeric.count == 1 ? numeric[0] : numeric.dropLast().joined(separator: ", ") + " and " + numeric.last!
            message = "\(function.rawValue) needs a numeric field; \(list) \(numeric.count == 1 ? "is" : "are") numeric, \(field) is not"
        }
        return QueryError(message, at: field.range)
    }
}
