import Records

/// Checks the fields a pipeline names against the first record that arrives, so a typo
/// (`where prot=6260`) is an error with a suggestion rather than a silent empty answer: the
/// one field checker. The shell checks a source's records with their relations (`key.name`
/// must name a field of a key); the evaluator checks what a reshaping stage (`select`,
/// `group`, `uniq`) made, where a column may be named `key.name` itself.
public struct FieldCheck: Sendable {
    public let references: [FieldReference]
    /// The relations a dotted path may follow, and the fields of the records each leads to.
    public let relations: [String: [String]]

    public init(_ references: [FieldReference], relations: [String: [String]] = [:]) {
        self.references = references
        self.relations = relations
    }

    /// The fields read up to the first stage that reshapes records (after it, the fields are
    /// the stage's own, checked by the evaluator).
    public static func references(before pipeline: Pipeline) -> [FieldReference] {
        var refs: [FieldReference] = []
        for placed in pipeline.stages {
            refs += placed.stage.fieldReferences
            if type(of: placed.stage).reshapes { break }
        }
        return refs
    }

    /// Throws for the first reference `record` cannot answer.
    public func verify(_ record: Record) throws(QueryError) {
        for ref in references {
            let parts = ref.path.components
            let head = parts[0]
            if parts.count > 1, let fields = relations[head], record[head].record == nil {
                // key.name: the step after the relation must be a field of the related records.
                if fields.contains(parts[1]) { continue }
                let hint = Suggest.nearest(parts[1], among: fields).map { " (did you mean '\(head).\($0)'?)" } ?? ""
                throw QueryError("no field '\(parts[1])' in \(head)\(hint); \(head) has: \(fields.joined(separator: ", "))",
                                 column: ref.range.lowerBound, length: max(1, ref.range.count))
            }
            if record.has(head) || (parts.count > 1 && record.has(ref.path.description)) { continue }
            let candidates = record.fields + relations.keys.sorted()
            let hint = (Suggest.nearest(ref.path.description, among: candidates) ?? Suggest.nearest(head, among: candidates))
                .map { " (did you mean '\($0)'?)" } ?? ""
            throw QueryError("no field '\(ref.path.description)' in these records\(hint); they have: \(record.fields.joined(separator: ", "))",
                             column: ref.range.lowerBound, length: max(1, ref.range.count))
        }
    }

    /// Checks the first rows of a stream once; the rows pass on unchanged. Packed rows stay
    /// packed (a pipeline reads their columns): their first row is checked when they are read.
    public func guarding(_ batches: RecordBatches) -> RecordBatches {
        guard !references.isEmpty else { return batches }
        let check = self
        return RecordBatches.deferred {
            let batches = try await batches.resolved()
            if let packed = batches.packed {
                if let first = packed.first { try check.verify(first) }
                return batches
            }
            return check.checking(batches)
        }
    }

    /// `batches`, their first record checked as it passes.
    private func checking(_ batches: RecordBatches) -> RecordBatches {
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
}

/// A ``FieldCheck`` on the first rows a stage receives after a reshaping stage.
struct ReshapedFieldCheck {
    let check: FieldCheck
    private(set) var done = false

    init(_ references: [FieldReference]) {
        check = FieldCheck(references)
        done = references.isEmpty
    }

    mutating func verify(_ rows: [Record]) throws(QueryError) {
        guard !done, let first = rows.first else { return }
        done = true
        try check.verify(first)
    }
}
