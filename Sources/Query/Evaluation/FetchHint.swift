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
    /// What the stages need from the source: walking from the start, `select` and renderers
    /// pass, a `count` needs only the count, a `first N` only N rows; anything else (a filter,
    /// a sort) needs all.
    public var fetchHint: FetchHint {
        for placed in stages {
            switch placed.stage {
            case is Count: return .countOnly
            case let first as First: return .firstN(first.rows)
            case is Select: continue
            case let s where type(of: s).kind == .renderer: continue
            default: return .all
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
