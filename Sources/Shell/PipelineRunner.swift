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
    /// Fetches what the pipeline needs, runs its stages and writes the result.
    func runPipeline(_ pipeline: Pipeline, from input: PipelineInput) async throws {
        var attempt = 0
        let before = input.resource.flatMap { cache.any($0)?.fetchedAt }
        while true {
            do {
                let text = try await evaluate(pipeline, from: input)
                if let r = input.resource, case .resource = input, let entry = cache.any(r), entry.fetchedAt != before {
                    // Fresh rows: ready their values for TAB while the user reads the answer.
                    let (index, cache) = (valueIndex, self.cache)
                    Task.detached(priority: .background) { index.warm(resource: r, cache: cache) }
                }
                try await emit(text, pipeline: pipeline)
                return
            } catch let changed as ScanChanged {
                // Rows were added or removed while paging: start again so nothing is missed or doubled.
                attempt += 1
                if attempt >= 3 {
                    throw ShellError("the \(input.resource?.rawValue ?? "list") changed during each of 3 scans (\(changed.before) → \(changed.after) rows); try again")
                }
            }
        }
    }

    /// The pipeline's output as text, rendered for where it goes.
    func evaluate(_ pipeline: Pipeline, from input: PipelineInput) async throws -> String {
        let settings = self.settings
        let toTerminal = terminal.stdoutIsTerminal && pipeline.redirect == nil
        let options = RenderOptions(width: toTerminal ? terminal.width() : nil,
                                    color: toTerminal && terminal.color,
                                    footer: false,
                                    prettyJSON: toTerminal,
                                    escapeControls: toTerminal,
                                    ascii: settings.asciiDrawing(environment: ProcessInfo.processInfo.environment))
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
            case .countOnly where pipeline.stages.count == 1 || pipeline.stages.dropFirst().allSatisfy({ type(of: $0.stage).kind == .renderer }):
                // `clicks | count`: the body's count answers it, one request for one row.
                let n = try await source.count(r)
                return pipeline.renderValue(.int(n), format: settings.format, options: options)
            case .firstN(let n):
                batches = source.rows(r, limit: max(n, 1))
            default:
                batches = source.rows(r)
            }
        }
        let checked = FieldCheck(pipeline: pipeline, resource: input.resource, cache: cache).guarding(batches)
        var out = ""
        try await pipeline.render(checked, context: context, format: settings.format, into: &out)
        return out
    }

    /// Writes text to stdout, or to the redirect's file.
    func emit(_ text: String, pipeline: Pipeline, prose: Bool = false) async throws {
        guard let redirect = pipeline.redirect else {
            if options.interactive, terminal.stdoutIsTerminal, settings.pager, Pager.needed(text, rows: terminal.height()) {
                let pager = Pager(chop: !prose)
                if pager.show(text) { return }
                output.message("opsh: the pager '\(TerminalSafe.escape(pager.command))' failed, so here is the output directly; fix PAGER or 'set pager off'\n")
            }
            output.write(text)
            return
        }
        let path = (redirect.path as NSString).expandingTildeInPath
        let url = URL(fileURLWithPath: path)
        do {
            if redirect.append, FileManager.default.fileExists(atPath: path) {
                let handle = try FileHandle(forWritingTo: url)
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(text.utf8))
            } else {
                try Data(text.utf8).write(to: url)
            }
        } catch {
            throw ShellError("cannot write \(redirect.path): \((error as NSError).localizedDescription)")
        }
    }

    /// The joins a pipeline's paths need (see ``Joins``); the related rows are fetched once,
    /// through the cache.
    func prepareJoins(for pipeline: Pipeline, input: PipelineInput) async throws -> Joins {
        let heads = Set(pipeline.fieldReferences.filter { $0.path.components.count > 1 }.map { $0.path.components[0] })
        guard let resource = input.resource, !heads.isDisjoint(with: resource.relations.keys) else { return .none }
        // A click's key is found by name and port, its session by port and its key's name:
        // either needs both lists.
        let needsSessions = resource == .clicks
        let keys = try await source.all(.keys)
        let sessions = needsSessions ? try await source.all(.sessions) : []
        return Joins(keys: keys, sessions: sessions)
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
