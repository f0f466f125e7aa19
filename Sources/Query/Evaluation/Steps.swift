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
}

/// A stage that reduces records to one value.
protocol ReductionStage: Stage {
    func makeReducer(_ context: EvaluationContext, range: Range<Int>) -> any Reducer
}

/// A stage that renders what reaches it as text.
protocol RendererStage: Stage {
    func makeWriter(_ options: RenderOptions) -> any TextWriter
}
