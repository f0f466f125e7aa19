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

extension Interpreter {
    /// Fetches what the pipeline needs, runs its stages and writes the result as it is made.
    func runPipeline(_ pipeline: Pipeline, from input: PipelineInput) async throws {
        let before = input.resource.flatMap { cache.any($0)?.fetchedAt }
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
        let pagerRows = options.interactive && terminal.stdoutIsTerminal && settings.pager ? terminal.height() : nil
        let progress = progressReporter
        var target = try OutputTarget(output: output, redirect: pipeline.redirect, pagerRows: pagerRows, prose: prose,
                                      toTerminal: terminal.stdoutIsTerminal, onTerminalOutput: { progress.suspend() })
        defer { progress.resume() }
        do {
            try await body(&target)
        } catch {
            try? target.close(success: false)
            throw error
        }
        try target.close(success: true)
    }

    /// The pipeline's whole output as text (for `watch`, which redraws it).
    func evaluate(_ pipeline: Pipeline, from input: PipelineInput) async throws -> String {
        var text = ""
        try await evaluate(pipeline, from: input, into: &text)
        return text
    }

    /// Runs the pipeline, writing its output, rendered for where it goes, to `out` as it is made.
    func evaluate(_ pipeline: Pipeline, from input: PipelineInput, into out: inout some TextOutputStream) async throws {
        let settings = self.settings
        let toTerminal = terminal.stdoutIsTerminal && pipeline.redirect == nil
        let options = RenderOptions(width: toTerminal ? terminal.width() : nil,
                                    color: toTerminal && terminal.color,
                                    footer: false,
                                    prettyJSON: toTerminal,
                                    escapeControls: toTerminal,
                                    ascii: settings.asciiDrawing(environment: ProcessInfo.processInfo.environment),
                                    sayEmpty: toTerminal)
        let joins = try await prepareJoins(for: pipeline, input: input)
        defer {
            let noun = input.resource == .clicks ? "click" : input.resource == .sessions ? "session" : "row"
            for line in joins.warnings(rowNoun: noun) { output.message("opsh: \(line)\n") }
        }
        let context = EvaluationContext(now: .current, relation: { joins.related($0, $1) }, render: options, zone: settings.zone)
        let source = self.source

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
                if let sample { try FieldCheck(pipeline: pipeline, resource: r, cache: cache).verify(sample) }
                out.write(pipeline.renderValue(.int(n), format: settings.format, options: options))
                return
            case .firstN(let n):
                batches = source.rows(r, limit: max(n, 1))
            default:
                batches = source.rows(r)
            }
        }
        let checked = FieldCheck(pipeline: pipeline, resource: input.resource, cache: cache).guarding(batches)
        try await pipeline.render(checked, context: context, format: settings.format, into: &out)
    }

    /// Writes text to stdout (through the pager when taller than the screen), or to the
    /// redirect's file.
    func emit(_ text: String, pipeline: Pipeline, prose: Bool = false) async throws {
        try await writing(pipeline, prose: prose) { $0.write(text) }
    }

    /// The joins a pipeline's paths need (see ``Joins``); the related rows are fetched once,
    /// through the cache.
    func prepareJoins(for pipeline: Pipeline, input: PipelineInput) async throws -> Joins {
        let needed = Interpreter.joinedResources(for: pipeline, from: input.resource)
        guard !needed.isEmpty else { return .none }
        let keys = try await source.all(.keys)
        let sessions = needed.contains(.sessions) ? try await source.all(.sessions) : []
        return Joins(keys: keys, sessions: sessions)
    }

    /// The lists a pipeline's dotted paths join with, in the order they are fetched: the keys
    /// for `key.*`, and for clicks the sessions too (a click's key is found by name and port,
    /// its session by port and its key's name: either needs both lists).
    static func joinedResources(for pipeline: Pipeline, from resource: Resource?) -> [Resource] {
        let heads = Set(pipeline.fieldReferences.filter { $0.path.components.count > 1 }.map { $0.path.components[0] })
        guard let resource, !heads.isDisjoint(with: resource.relations.keys) else { return [] }
        return resource == .clicks ? [.keys, .sessions] : [.keys]
    }
}

extension Interpreter {
    /// The number a resource URL ends with: `https://h/api/v2/keys/15371/` → 15371.
    public static func trailingID(_ url: String) -> Int? {
        url.split(separator: "/").last.flatMap { Int($0) }
    }
}

/// Checks the fields a pipeline names against the first record that arrives, so a typo
/// (`where prot=6260`) is an error with a suggestion rather than a silent empty answer.
/// Only fields read before a stage that reshapes records (select, group, uniq) are checked:
/// after those the fields are the stage's own.
struct FieldCheck: Sendable {
    let references: [FieldReference]
    let relations: Set<String>
    /// The fields of the records a relation leads to (`key` → a key's fields).
    let relatedFields: [String: [String]]

    init(pipeline: Pipeline, resource: Resource?, cache: SessionCache) {
        var refs: [FieldReference] = []
        for placed in pipeline.stages {
            let stage = placed.stage
            refs += stage.fieldReferences
            if type(of: stage).reshapes { break }
        }
        references = refs
        let targets = resource?.relations ?? [:]
        relations = Set(targets.keys)
        relatedFields = targets.mapValues { target in
            var fields = target.documentedFields
            for f in cache.any(target)?.records.first?.fields ?? [] where !fields.contains(f) { fields.append(f) }
            return fields
        }
    }

    func guarding(_ batches: RecordBatches) -> RecordBatches {
        guard !references.isEmpty else { return batches }
        let check = self
        return RecordBatches { out in
            var checked = false
            for try await batch in batches {
                if !checked, let first = batch.first {
                    try check.verify(first)
                    checked = true
                }
                try await out.send(batch)
            }
            try Task.checkCancellation()
        }
    }

    func verify(_ record: Record) throws {
        for ref in references {
            let head = ref.path.components[0]
            let parts = ref.path.components
            if parts.count > 1, relations.contains(head), let fields = relatedFields[head], !record.has(head) || record[head].record == nil {
                // key.name: the step after the relation must be a field of the related records.
                if fields.contains(parts[1]) { continue }
                let hint = Suggest.nearest(parts[1], among: fields).map { " (did you mean '\(head).\($0)'?)" } ?? ""
                throw QueryError("no field '\(parts[1])' in \(head)\(hint); \(head) has: \(fields.joined(separator: ", "))",
                                 column: ref.range.lowerBound, length: max(1, ref.range.count))
            }
            if record.has(head) { continue }
            let hint = Suggest.nearest(head, among: record.fields + Array(relations)).map { " (did you mean '\($0)'?)" } ?? ""
            throw QueryError("no field '\(ref.path.description)' in these records\(hint); they have: \(record.fields.joined(separator: ", "))",
                             column: ref.range.lowerBound, length: max(1, ref.range.count))
        }
    }
}
