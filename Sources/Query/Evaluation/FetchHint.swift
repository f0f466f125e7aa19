/// How much of its source a pipeline needs, so the shell can fetch no more than that.
public enum FetchHint: Sendable, Equatable {
    /// Only the number of records: one request, read the body's `count`.
    /// (`clicks | count`, `clicks | select port | count`.)
    case countOnly
    /// The first N records in server order (`clicks | first 10`, `clicks | select port | first 5`).
    case firstN(Int)
    /// Everything, or as much as the stages pull before they are satisfied.
    case all
}

extension Pipeline {
    /// What the stages need from the source, from each stage's ``Stage/demand``: walking
    /// from the start, stages that give a row for each row pass; a `count` followed only by
    /// renderers needs only the count, a `first N` only N rows; anything else needs all.
    public var fetchHint: FetchHint {
        for (i, placed) in stages.enumerated() {
            switch placed.stage.demand {
            case .eachRow: continue
            case .count:
                let rest = stages[(i + 1)...]
                return rest.allSatisfy { type(of: $0.stage).kind == .renderer } ? .countOnly : .all
            case .first(let n): return .firstN(n)
            case .everything: return .all
            }
        }
        return .all
    }

    /// Every field path the stages read, in order, with where it was written: for the shell
    /// to check against the fields it knows ("did you mean 'source_ip'?").
    public var fieldReferences: [FieldReference] {
        stages.flatMap(\.stage.fieldReferences)
    }
}
