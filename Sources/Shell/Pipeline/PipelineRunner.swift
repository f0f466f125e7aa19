import AddressLookups
import Foundation
import OpenportAPI
import Query
import Records

/// Where a pipeline's records come from.
enum PipelineInput {
    /// A resource, through the session cache.
    case resource(Resource)
    /// Records already at hand (one key, the rows of `get PATH`); `resource` names their kind.
    case records([Record], resource: Resource?)

    var resource: Resource? {
        switch self {
        case .resource(let r): return r
        case .records(_, let r): return r
        }
    }
}

/// Runs a line's pipeline: fetches what it needs through the cache, evaluates its stages and
/// writes the result, as it is made, where the line sends it.
struct PipelineRunner: Sendable {
    let output: OutputSink
    let terminal: any Terminal
    let settings: Settings
    let cache: SessionCache
    let source: RecordSource
    let progress: ProgressReporter
    /// Whether a screenful of output may go through the pager (a person at a terminal).
    let mayPage: Bool
    let valueIndex: ValueIndex
    /// What address fields (`source_ip.country`, `.host`) are looked up through.
    let addresses: AddressBook

    var info: TerminalInfo { terminal.info }

    /// Fetches what the pipeline needs, runs its stages and writes the result as it is made.
    func run(_ pipeline: Pipeline, from input: PipelineInput) async throws {
        if let last = pipeline.stages.last, last.stage is Follow {
            // The listing commands run follow themselves; nothing else can be followed.
            throw QueryError("follow watches clicks or sessions, not \(TerminalSafe.escape(pipeline.command.name))", column: last.range.lowerBound,
                             length: max(1, last.range.count))
        }
        // (Not read from disk here: the fetch reads them, beside what it asks the server for.)
        let before = input.resource.flatMap { cache.held($0)?.fetchedAt }
        try await writing(pipeline) { target in
            var attempt = 0
            while true {
                do {
                    try await evaluate(pipeline, from: input, into: &target)
                    break
                } catch let changed as ScanChanged {
                    // Rows were added or removed while paging, where the data cannot show which:
                    // start again so nothing is missed or doubled, unless output has begun.
                    attempt += 1
                    let list = input.resource?.rawValue ?? "list"
                    if target.written > 0 {
                        throw ShellError("the \(list) changed during the scan after output had begun (\(changed.before) → \(changed.after) rows), so it may miss or repeat rows; run the line again")
                    }
                    if attempt >= 3 {
                        throw ShellError("the \(list) changed during each of 3 scans (\(changed.before) → \(changed.after) rows); try again")
                    }
                }
            }
        }
        if let r = input.resource, case .resource = input, let entry = cache.any(r), entry.fetchedAt != before {
            // Fresh rows: ready their values for TAB while the user reads the answer.
            let (index, cache) = (valueIndex, self.cache)
            Task.detached(priority: .background) { index.warm(resource: r, cache: cache) }
        }
    }

    /// Runs `body` with the line's output target (stdout, the pager, or the redirect's file),
    /// then closes it: on success the file is put in place; on failure a new file is removed.
    func writing(_ pipeline: Pipeline, prose: Bool = false, _ body: (inout OutputTarget) async throws -> Void) async throws {
        let pagerRows = mayPage && info.stdoutIsTerminal && settings.pager ? info.height() : nil
        let progress = self.progress
        var target = try OutputTarget(output: output, terminal: terminal, redirect: pipeline.redirect, pagerRows: pagerRows,
                                      prose: prose, toTerminal: info.stdoutIsTerminal, onTerminalOutput: { progress.suspend() })
        do {
            try await body(&target)
        } catch {
            try? target.close(success: false)
            throw error
        }
        try target.close(success: true)
    }

    /// Writes text to stdout (through the pager when taller than the screen), or to the
    /// redirect's file.
    func emit(_ text: String, pipeline: Pipeline, prose: Bool = false) async throws {
        try await writing(pipeline, prose: prose) { $0.write(text) }
    }

    /// The pipeline's whole output as text (for `watch`, which redraws it).
    func evaluate(_ pipeline: Pipeline, from input: PipelineInput) async throws -> String {
        var text = ""
        try await evaluate(pipeline, from: input, into: &text)
        return text
    }

    /// How output is rendered for where the pipeline sends it.
    func renderOptions(for pipeline: Pipeline) -> RenderOptions {
        let toTerminal = info.stdoutIsTerminal && pipeline.redirect == nil
        let paged = toTerminal && mayPage && settings.pager ? OutputTarget.pagedFrom(rows: info.height()) : nil
        // A table goes to a pipe or a file as plain rows, unless the line names `table`.
        let namedTable = pipeline.stages.last?.stage is Table
        return RenderOptions(width: toTerminal ? info.width() : nil, color: toTerminal && info.color, footer: false,
                             prettyJSON: toTerminal, escapeControls: toTerminal,
                             ascii: settings.asciiDrawing(environment: ProcessInfo.processInfo.environment),
                             sayEmpty: toTerminal, plain: !toTerminal && !namedTable, pagedFrom: paged,
                             zone: settings.zone, readableNumbers: toTerminal)
    }

    /// The format a line gets when it names no renderer: what the name of the file it writes
    /// asks for (`> keys.csv`), else `set format`.
    func format(for pipeline: Pipeline) -> OutputFormat {
        pipeline.redirect.flatMap { OutputFormat(fileName: $0.path) } ?? settings.format
    }

    /// Runs the pipeline, writing its output, rendered for where it goes, to `out` as it is made.
    func evaluate(_ pipeline: Pipeline, from input: PipelineInput, into out: inout some TextOutputStream) async throws {
        let options = renderOptions(for: pipeline)
        let format = format(for: pipeline)
        // A table of keys, sessions or clicks shows a few columns unless the line chooses.
        let shown = pipeline.showingDefaultColumns(of: input.resource, format: format) ?? pipeline
        let joins = try await joins(for: shown, input: input)
        defer {
            let noun = input.resource == .clicks ? "click" : input.resource == .sessions ? "session" : "row"
            for line in joins.warnings(rowNoun: noun) + addresses.finishLine() { output.message("opsh: \(line)\n") }
        }
        let context = EvaluationContext(now: settings.now(), relation: { joins.related($0, $1) }, render: options, zone: settings.zone,
                                        addresses: addresses)
        let batches: RecordBatches
        switch input {
        case .records(let rows, _):
            batches = RecordSource.replay(rows)
        case .resource(let r):
            switch pipeline.fetchHint {
            case .countOnly:
                // `clicks | count`: the body's count answers it, one request for one row.
                // Fields the stages before it name (`select port | count`) are checked on a row.
                let (n, sample) = try await source.count(r)
                if let sample { try fieldCheck(pipeline, resource: r).verify(sample) }
                out.write(pipeline.renderValue(.int(n), format: format, options: options))
                return
            case .firstN(let n):
                batches = source.rows(r, limit: max(n, 1))
            default:
                batches = source.rows(r)
            }
        }
        let checked = fieldCheck(pipeline, resource: input.resource).guarding(batches)
        try await shown.render(checked, context: context, format: format, into: &out)
    }

    /// The check of the fields the pipeline reads on the source's records, with the fields of
    /// the records its relations lead to (documented, and any the cache shows).
    func fieldCheck(_ pipeline: Pipeline, resource: Resource?) -> FieldCheck {
        let relations = (resource?.relations ?? [:]).mapValues { target in
            var fields = target.documentedFields
            for f in cache.any(target)?.records.first?.fields ?? [] where !fields.contains(f) { fields.append(f) }
            return fields
        }
        return FieldCheck(FieldCheck.references(before: pipeline), relations: relations)
    }

    /// The joins a pipeline's paths need (see ``Joins``); the related rows are fetched once,
    /// through the cache.
    func joins(for pipeline: Pipeline, input: PipelineInput) async throws -> Joins {
        let needed = PipelineRunner.joinedResources(for: pipeline, from: input.resource)
        guard !needed.isEmpty else { return .none }
        let keys = try await source.all(.keys)
        let sessions = needed.contains(.sessions) ? try await source.all(.sessions) : []
        return Joins(keys: keys, sessions: sessions)
    }

    /// The lists a pipeline's dotted paths join with, in the order they are fetched: the keys
    /// for `key.*`, and for clicks the sessions too (a click's key is found by name and port,
    /// its session by port and its key's name: either needs both lists). `explain` reads this.
    static func joinedResources(for pipeline: Pipeline, from resource: Resource?) -> [Resource] {
        let heads = Set(pipeline.fieldReferences.filter { $0.path.components.count > 1 }.map { $0.path.components[0] })
        guard let resource, !heads.isDisjoint(with: resource.relations.keys) else { return [] }
        return resource == .clicks ? [.keys, .sessions] : [.keys]
    }
}
