import Foundation
import OpenportAPI
import Query
import Records

/// A click as itself: every field but `key_name`, which the server rewrites when the key is
/// renamed or deleted.
struct ClickIdentity: Hashable {
    let values: [Value]

    init(_ r: Record) {
        values = zip(r.fields, r.values).compactMap { $0.0 == "key_name" ? nil : $0.1 }
    }
}

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
        // The rows as packed in the cache: each poll compares their ends, not every row.
        var known = try await context.source.packedRows(resource)
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
                let now: PackedRows
                do {
                    now = try await context.source.packedRows(resource)
                } catch is ScanChanged {
                    // The list kept changing under three scans in a row: nothing is lost by
                    // waiting, the next poll compares with the same rows.
                    context.output.message("opsh: the \(resource.rawValue) changed during each of 3 scans; following on\n")
                    continue
                }
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
    private func changes(from known: PackedRows, to now: PackedRows, resource: Resource, filters: Pipeline) async throws -> [String] {
        if resource == .clicks {
            let fresh = Follower.arrived(before: known, after: now)
            return try await filtered(fresh, through: filters, resource: resource).map(FollowLine.line)
        }
        let (came, went) = Follower.sessionChanges(before: Array(known), after: Array(now))
        return try await filtered(came, through: filters, resource: resource).map { "+ " + FollowLine.line($0) }
            + (try await filtered(went, through: filters, resource: resource)).map { "- " + FollowLine.line($0) }
    }

    /// The records that pass `filters` (where and select only), in order.
    private func filtered(_ rows: [Record], through filters: Pipeline, resource: Resource) async throws -> [Record] {
        guard !rows.isEmpty else { return [] }
        let joins = try await context.pipelines.joins(for: filters, input: .resource(resource))
        let addresses = context.pipelines.addresses
        let evaluation = EvaluationContext(now: .current, relation: { joins.related($0, $1) }, zone: context.settings.zone,
                                           addresses: addresses)
        defer { for line in addresses.finishLine() { context.output.message("opsh: \(line)\n") } }
        guard case .records(let out) = try await filters.evaluate(RecordSource.replay(rows), context: evaluation) else { return [] }
        return out
    }

    /// The clicks in `after` that `before` did not hold, oldest first. The refresh keeps the
    /// old rows as a block at one end (new clicks are added at the other); failing that (a
    /// full rescan: rows purged, late rows in the middle, keys renamed), whatever `after` holds
    /// more of than `before`, a click being the same click whatever its `key_name` now says
    /// (a rename relabels old clicks; they are not new).
    static func arrived(before: PackedRows, after: PackedRows) -> [Record] {
        if let first = before.first, let last = before.last, after.count > before.count {
            let extra = after.count - before.count
            if after[0] == first, after[before.count - 1] == last { return after.records(in: before.count..<after.count) }
            if after[extra] == first, after[after.count - 1] == last { return after.records(in: 0..<extra).reversed() }
        }
        var seen: [ClickIdentity: Int] = [:]
        for r in before { seen[ClickIdentity(r), default: 0] += 1 }
        var out: [Record] = []
        for r in after {
            let id = ClickIdentity(r)
            if let n = seen[id], n > 0 { seen[id] = n - 1 } else { out.append(r) }
        }
        // Listed newest first, the new ones come first: print them oldest first.
        if let order = ListOrder.of(after, field: "timestamp"), order == .newestFirst { out.reverse() }
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
