import Foundation
import OpenportAPI
import Query
import Records

/// `clicks | ... | follow`: new clicks as they arrive; `sessions | follow`: sessions as they
/// come (+) and go (-). The listing commands hand a line that ends in `follow` to this.
struct Follower {
    let context: CommandContext

    func follow(_ pipeline: Pipeline, line: String, resource: Resource) async throws {
        guard let last = pipeline.stages.last, let follow = last.stage as? Follow else { return }
        for placed in pipeline.stages.dropLast() where !Follow.before.contains(type(of: placed.stage).name) {
            throw QueryError("only where and select may stand before follow, which prints records as they arrive; '\(type(of: placed.stage).name)' needs them all",
                             column: placed.range.lowerBound, length: max(1, placed.range.count))
        }
        guard resource == .clicks || resource == .sessions else {
            throw QueryError("follow watches clicks or sessions, not \(resource.rawValue)", column: last.range.lowerBound,
                             length: max(1, last.range.count))
        }
        // The stages before follow, as a pipeline of their own.
        let filterText = String(line.prefix(last.range.lowerBound)).trimmingCharacters(in: .whitespaces)
        let filters = try Pipeline(parsing: String(filterText.dropLast(filterText.hasSuffix("|") ? 1 : 0)))
        let deadline = follow.duration.map { ContinuousClock.now + $0 }
        var known = try await context.source.all(resource)
        do {
            while true {
                var wait = context.settings.followInterval
                if let deadline {
                    let left = deadline - ContinuousClock.now
                    if left <= .zero { return }
                    wait = min(wait, left)
                }
                try await Task.sleep(for: wait)
                context.cache.markStale(resource)
                let now = try await context.source.all(resource)
                let lines = try await changes(from: known, to: now, resource: resource, filters: filters)
                known = now
                if !lines.isEmpty { context.output.write(lines.joined(separator: "\n") + "\n") }
            }
        } catch is CancellationError {
            // Ctrl-C: following ends; what was fetched stays cached. The prompt starts on a
            // line of its own, after the terminal's ^C.
            if context.interactive { context.output.write("\n") }
        }
    }

    /// The lines to print for what changed between two fetches, through the filters.
    private func changes(from known: [Record], to now: [Record], resource: Resource, filters: Pipeline) async throws -> [String] {
        if resource == .clicks {
            let fresh = Follower.arrived(before: known, after: now)
            return try await filtered(fresh, through: filters, resource: resource).map(FollowLine.line)
        }
        let (came, went) = Follower.sessionChanges(before: known, after: now)
        return try await filtered(came, through: filters, resource: resource).map { "+ " + FollowLine.line($0) }
            + (try await filtered(went, through: filters, resource: resource)).map { "- " + FollowLine.line($0) }
    }

    /// The records that pass `filters` (where and select only), in order.
    private func filtered(_ rows: [Record], through filters: Pipeline, resource: Resource) async throws -> [Record] {
        guard !rows.isEmpty else { return [] }
        let joins = try await context.pipelines.joins(for: filters, input: .resource(resource))
        let evaluation = EvaluationContext(now: .current, relation: { joins.related($0, $1) }, zone: context.settings.zone)
        guard case .records(let out) = try await filters.evaluate(RecordSource.replay(rows), context: evaluation) else { return [] }
        return out
    }

    /// The clicks in `after` that `before` did not hold, oldest first. The refresh keeps the
    /// old rows as a block at one end (new clicks are added at the other); failing that (a
    /// full refetch), whatever `after` holds more of than `before`.
    static func arrived(before: [Record], after: [Record]) -> [Record] {
        let extra = after.count - before.count
        guard extra > 0 else { return [] }
        if let first = before.first, let last = before.last {
            if after[0] == first, after[before.count - 1] == last { return Array(after[before.count...]) }
            if after[extra] == first, after[after.count - 1] == last { return Array(after[..<extra].reversed()) }
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
