import Records

/// The running state of a records-to-records stage, for one run of a pipeline.
///
/// Work is synchronous, a batch at a time; the engine passes each page through every step
/// before it asks for the next page.
protocol RowStep: AnyObject {
    /// Takes a batch, gives what passes on now.
    func take(_ rows: [Record]) throws -> [Record]
    /// True once the step wants no more input (`first N` has N): the engine stops fetching.
    var isSatisfied: Bool { get }
    /// What the step held back, once the input has ended (`sort`, `group`, `last`).
    func flush() throws -> [Record]
}

extension RowStep {
    var isSatisfied: Bool { false }
    func flush() throws -> [Record] { [] }
}

/// The running state of a stage that turns records into one value (`count`, `sum`, ...).
/// It keeps no rows.
protocol Reducer: AnyObject {
    func take(_ rows: [Record]) throws
    func result() throws -> Value
}

/// The running state of a renderer: text out as records come in.
protocol TextWriter: AnyObject {
    /// Text for a batch (a table returns nothing until ``finish()``).
    func take(_ rows: [Record]) -> String
    /// The rest of the text, once the input has ended.
    func finish() -> String
    /// The text for a single value, when the stage before was `count`, `sum`, ...
    func value(_ value: Value) -> String
}

/// A stage that keeps records flowing.
protocol RecordStage: Stage {
    func makeStep(_ context: EvaluationContext) throws -> any RowStep
    /// A step that does this stage knowing the stage after it, when that saves work
    /// (`sort` before `first 5` keeps 5 rows, not all); nil for the plain step.
    func makeStep(_ context: EvaluationContext, before next: any Stage) throws -> (any RowStep)?
}

extension RecordStage {
    func makeStep(_ context: EvaluationContext, before next: any Stage) throws -> (any RowStep)? { nil }
}

/// A stage that reduces records to one value.
protocol ReductionStage: Stage {
    func makeReducer(_ context: EvaluationContext, range: Range<Int>) -> any Reducer
}

/// A stage that renders what reaches it as text.
protocol RendererStage: Stage {
    func makeWriter(_ options: RenderOptions) -> any TextWriter
}

/// A step whose fields are checked on the first rows it sees.
final class CheckedStep: RowStep {
    let inner: any RowStep
    var check: ReshapedFieldCheck

    init(_ inner: any RowStep, references: [FieldReference]) {
        self.inner = inner
        check = ReshapedFieldCheck(references)
    }

    func take(_ rows: [Record]) throws -> [Record] {
        try check.verify(rows)
        return try inner.take(rows)
    }

    var isSatisfied: Bool { inner.isSatisfied }

    func flush() throws -> [Record] { try inner.flush() }
}

/// A reducer whose field is checked on the first rows it sees.
final class CheckedReducer: Reducer {
    let inner: any Reducer
    var check: ReshapedFieldCheck

    init(_ inner: any Reducer, references: [FieldReference]) {
        self.inner = inner
        check = ReshapedFieldCheck(references)
    }

    func take(_ rows: [Record]) throws {
        try check.verify(rows)
        try inner.take(rows)
    }

    func result() throws -> Value { try inner.result() }
}
