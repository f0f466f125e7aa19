import Records

/// What a pipeline gives back.
public enum QueryResult: Sendable, Equatable {
    /// Records, when the pipeline ends in a records stage (or has no stages).
    case records([Record])
    /// One value, after `count`, `sum`, `avg`, `min` or `max`.
    case value(Value)
    /// Text, when the pipeline ends in a renderer.
    case text(String)
}

/// A renderer a line gets when it names none (`set format`, `--format`): the renderer stages
/// that can render any records (``FormatStage``), read from the stage catalogue, so a new
/// renderer stage is a format with no other edit.
public struct OutputFormat: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    public let rawValue: String
    let make: @Sendable () -> any RendererStage

    private init<S: FormatStage>(_ type: S.Type) {
        rawValue = S.name
        make = { S() }
    }

    /// The format named `name` (a renderer stage's name), if it is one.
    public init?(rawValue name: String) {
        guard let found = Self.allCases.first(where: { $0.rawValue == name }) else { return nil }
        self = found
    }

    /// Every format, in catalogue order.
    public static let allCases: [OutputFormat] = StageCatalog.all.compactMap { type in
        (type as? any FormatStage.Type).map { OutputFormat($0) }
    }

    /// The default.
    public static let table = OutputFormat(Table.self)

    var stage: any RendererStage { make() }
    public var description: String { rawValue }
    public static func == (a: OutputFormat, b: OutputFormat) -> Bool { a.rawValue == b.rawValue }
    public func hash(into h: inout Hasher) { h.combine(rawValue) }
}

/// A renderer stage that can render whatever records reach it, so it can be the default.
protocol FormatStage: RendererStage {
    init()
}

extension Pipeline {
    /// Runs the stages over `input` and gives what comes out: records, one value or, when the
    /// line ends in a renderer, its text.
    ///
    ///     let result = try await pipeline.evaluate(batches, context: EvaluationContext(now: now))
    public func evaluate(_ input: RecordBatches, context: EvaluationContext) async throws -> QueryResult {
        let plan = try Plan(stages.map(\.stage), ranges: stages.map(\.range), context: context, renderer: nil)
        var text = ""
        let collected = try await plan.run(input, into: &text)
        if plan.writer != nil { return .text(text) }
        if let value = collected.value { return .value(value) }
        return .records(collected.records)
    }

    /// A value the shell worked out without running the stages (`clicks | count` from the
    /// list's `count`), rendered by the line's own renderer, else by `format`.
    public func renderValue(_ value: Value, format: OutputFormat, options: RenderOptions) -> String {
        let named = stages.last.flatMap { $0.stage as? any RendererStage }
        return (named ?? format.stage).makeWriter(options).value(value)
    }

    /// Runs the stages over `input` and writes the rendered output to `out` as it goes:
    /// `jsonl`, `csv` and `json` a page at a time, a table once all rows are in. When the line
    /// names no renderer, `format` renders it.
    public func render(_ input: RecordBatches, context: EvaluationContext, format: OutputFormat = .table,
                       into out: inout some TextOutputStream) async throws {
        let plan = try Plan(stages.map(\.stage), ranges: stages.map(\.range), context: context,
                            renderer: format.stage.makeWriter(context.render))
        _ = try await plan.run(input, into: &out)
    }
}

/// An output whose reader can go away (a pager the user quit): once ``isClosed``, a pipeline
/// writing to it stops reading its input, as if satisfied, and ends without an error.
public protocol ClosableOutputStream: TextOutputStream {
    var isClosed: Bool { get }
}

/// One run of a pipeline: the stages' running states, wired together.
struct Plan {
    var steps: [any RowStep] = []
    var reducer: (any Reducer)?
    var writer: (any TextWriter)?
    /// Per step, then for the reducer: the address fields to look up and check before a
    /// batch reaches it (nil for a stage that names none).
    var preparations: [AddressPreparation?] = []
    var reducerPreparation: AddressPreparation?
    /// What it was made from, for a ``PackedScan`` to take the first stages over.
    let stages: [any Stage]
    let ranges: [Range<Int>]
    let context: EvaluationContext

    /// `reshaped`: the rows it gets have fields of an earlier stage's making (`group`), so
    /// each stage checks the fields it names on them.
    init(_ stages: [any Stage], ranges: [Range<Int>], context: EvaluationContext, renderer: (any TextWriter)?,
         reshaped: Bool = false) throws {
        self.stages = stages
        self.ranges = ranges
        self.context = context
        var i = 0
        // After a stage that reshapes records, each stage's fields are checked on the rows it gets.
        var reshaped = reshaped
        func checked(_ step: any RowStep, _ stage: any Stage) -> any RowStep {
            reshaped && !stage.fieldReferences.isEmpty ? CheckedStep(step, references: stage.fieldReferences) : step
        }
        while i < stages.count {
            let stage = stages[i]
            if let s = stage as? any RecordStage {
                let fused = i + 1 < stages.count ? try s.makeStep(context, before: stages[i + 1]) : nil
                steps.append(checked(try fused ?? s.makeStep(context), stage))
                preparations.append(AddressPreparation(stage.fieldReferences, context: context))
            } else if let s = stage as? any ReductionStage {
                reducerPreparation = AddressPreparation(stage.fieldReferences, context: context)
                let made = s.makeReducer(context, range: ranges[i])
                reducer = reshaped && !stage.fieldReferences.isEmpty ? CheckedReducer(made, references: stage.fieldReferences) : made
            } else if let s = stage as? any RendererStage {
                writer = s.makeWriter(context.render)
            }
            if type(of: stage).reshapes { reshaped = true }
            i += 1
        }
        if writer == nil { writer = renderer }
    }

    /// Pulls batches through the steps until the input ends or a step is satisfied, then
    /// flushes; text goes to `out` as it is made. Rows packed in memory go through a
    /// ``PackedScan`` first, when the first stages can be done on their columns.
    func run(_ input: RecordBatches, into out: inout some TextOutputStream) async throws -> (records: [Record], value: Value?) {
        // Nothing is asked of a source that a satisfied step (`first 0`) will not read.
        let input = steps.contains(where: { $0.isSatisfied }) ? input : try await input.resolved()
        if let packed = input.packed, let scan = try PackedScan(stages, context: context) {
            let rest = try Plan(Array(stages[scan.consumed...]), ranges: Array(ranges[scan.consumed...]), context: context,
                                renderer: writer, reshaped: scan.reshapes)
            switch try scan.run(packed) {
            case .value(let value):
                if let writer = rest.writer { out.write(writer.value(value)) }
                return ([], value)
            case .rows(var rows):
                return try await rest.pump(&rows, into: &out).result
            }
        }
        var iterator = input.makeAsyncIterator()
        let (result, satisfied) = try await pump(&iterator, into: &out)
        if satisfied { await Self.terminate(input) }
        return result
    }

    /// Runs the steps over what `input` gives; `satisfied` when it stopped reading early.
    func pump<Input: AsyncIteratorProtocol>(_ input: inout Input, into out: inout some TextOutputStream) async throws
        -> (result: (records: [Record], value: Value?), satisfied: Bool) where Input.Element == [Record] {
        var collected: [Record] = []
        func deliver(_ rows: [Record], _ out: inout some TextOutputStream) async throws {
            guard !rows.isEmpty else { return }
            if let reducer {
                try await reducerPreparation?.prepare(rows)
                try reducer.take(rows)
            } else if let writer {
                out.write(writer.take(rows))
            } else {
                collected.append(contentsOf: rows)
            }
        }
        var satisfied = steps.contains { $0.isSatisfied }
        if !satisfied {
            while let batch = try await input.next() {
                let rows = try await pass(batch, from: 0)
                try await deliver(rows, &out)
                if steps.contains(where: { $0.isSatisfied }) || (out as? any ClosableOutputStream)?.isClosed == true {
                    satisfied = true
                    break
                }
            }
            if !satisfied { try Task.checkCancellation() }
        }
        for i in steps.indices {
            let rows = try await pass(try steps[i].flush(), from: i + 1)
            try await deliver(rows, &out)
        }
        var value: Value?
        if let reducer { value = try reducer.result() }
        if let writer {
            out.write(value.map(writer.value) ?? writer.finish())
        }
        return ((collected, value), satisfied)
    }

    /// Takes `rows` through the steps from `first` on, each batch made ready for the address
    /// fields a step reads (host names looked up) before it reaches that step.
    func pass(_ rows: [Record], from first: Int) async throws -> [Record] {
        var rows = rows
        for i in steps.indices.dropFirst(first) where !rows.isEmpty {
            if let preparation = preparations[i] { try await preparation.prepare(rows) }
            rows = try steps[i].take(rows)
        }
        return rows
    }

    /// Ends `input` early, so its producer's `onTermination` runs and the fetch stops.
    ///
    /// A stream terminates when the task waiting on it is cancelled; the caller's task must
    /// not be, so a child task cancels itself and then asks for one more element.
    static func terminate(_ input: RecordBatches) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                withUnsafeCurrentTask { $0?.cancel() }
                var iterator = input.makeAsyncIterator()
                _ = try? await iterator.next()
            }
        }
    }
}
