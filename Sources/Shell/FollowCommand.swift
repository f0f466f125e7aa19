import Foundation
import OpenportAPI
import Query
import Records

/// `... | follow`: new clicks as they arrive; sessions as they come (+) and go (-).
extension Interpreter {
    func follow(_ pipeline: Pipeline, line: String, resource: Resource) async throws {
        guard let last = pipeline.stages.last, let follow = last.stage as? Follow else { return }
        for placed in pipeline.stages.dropLast() where !Follow.before.contains(type(of: placed.stage).name) {
            throw QueryError("only where and select may stand before follow, which prints records as they arrive; '\(type(of: placed.stage).name)' needs them all",
                             column: placed.range.lowerBound, length: max(1, placed.range.count))
        }
        guard resource == .clicks || resource == .sessions else {
            throw ShellError("follow watches clicks or sessions, not \(resource.rawValue)")
        }
        // The stages before follow, as a pipeline of their own.
        let filterText = String(line.prefix(last.range.lowerBound)).trimmingCharacters(in: .whitespaces)
        let filters = try Pipeline(parsing: String(filterText.dropLast(filterText.hasSuffix("|") ? 1 : 0)))
        let deadline = follow.seconds.map { ContinuousClock.now + .seconds($0) }
        let interval = settings.followInterval
        // The rows as packed in the cache: each poll compares their ends, not every row.
        var known = try await source.packedRows(resource)
        do {
            while true {
                var wait = interval
                if let deadline {
                    let left = deadline - ContinuousClock.now
                    if left <= .zero { return }
                    wait = min(wait, left)
                }
                try await Task.sleep(for: wait)
                cache.markStale(resource)
                let now = try await source.packedRows(resource)
                var lines: [String] = []
                if resource == .clicks {
                    let fresh = Interpreter.arrived(before: known, after: now)
                    if !fresh.isEmpty {
                        lines = try await filtered(fresh, through: filters, resource: resource).map(FollowLine.line)
                    }
                } else {
                    let (came, went) = Interpreter.sessionChanges(before: Array(known), after: Array(now))
                    lines = try await filtered(came, through: filters, resource: resource).map { "+ " + FollowLine.line($0) }
                        + (try await filtered(went, through: filters, resource: resource)).map { "- " + FollowLine.line($0) }
                }
                known = now
                if !lines.isEmpty { output.write(lines.joined(separator: "\n") + "\n") }
            }
        } catch is CancellationError {
            // Ctrl-C: following ends; what was fetched stays cached. The prompt starts on a
            // line of its own, after the terminal's ^C.
            if options.interactive { output.write("\n") }
        }
    }

    /// The records that pass `filters` (where and select only), in order.
    private func filtered(_ rows: [Record], through filters: Pipeline, resource: Resource) async throws -> [Record] {
        guard !rows.isEmpty else { return [] }
        let joins = try await prepareJoins(for: filters, input: .resource(resource))
        let context = EvaluationContext(now: .current, relation: { joins.related($0, $1) }, zone: settings.zone)
        guard case .records(let out) = try await filters.evaluate(RecordSource.replay(rows), context: context) else { return [] }
        return out
    }

    /// The clicks in `after` that `before` did not hold, oldest first. The refresh keeps the
    /// old rows as a block at one end (new clicks are added at the other); failing that (a
    /// full refetch), whatever `after` holds more of than `before`.
    static func arrived(before: PackedRows, after: PackedRows) -> [Record] {
        let extra = after.count - before.count
        guard extra > 0 else { return [] }
        if let first = before.first, let last = before.last {
            if after[0] == first, after[before.count - 1] == last { return after.records(in: before.count..<after.count) }
            if after[extra] == first, after[after.count - 1] == last { return after.records(in: 0..<extra).reversed() }
        }
        var seen: [Record: Int] = [:]
        for r in before { seen[r, default: 0] += 1 }
        var out: [Record] = []
        for r in after {
            if let n = seen[r], n > 0 { seen[r] = n - 1 } else { out.append(r) }
        }
        return out
    }

    /// Sessions that appeared and that disappeared, each session known by its port, server and key.
    static func sessionChanges(before: [Record], after: [Record]) -> (came: [Record], went: [Record]) {
        func id(_ r: Record) -> String { "\(r["port"].plainText)@\(r["server"].plainText)#\(r["key"].plainText)" }
        let old = Set(before.map(id))
        let new = Set(after.map(id))
        return (after.filter { !old.contains(id($0)) }, before.filter { !new.contains(id($0)) })
    }
}
