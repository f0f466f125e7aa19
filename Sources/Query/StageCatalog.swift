/// Every stage, in the order `help` lists them. The parser, `help`, completion and
/// "did you mean" all read this one list.
public enum StageCatalog {
    public static let all: [any Stage.Type] = [
        Where.self, Select.self, Sort.self, First.self, Last.self,
        Count.self, Uniq.self, Group.self, Sum.self, Avg.self, Min.self, Max.self,
        Table.self, JSON.self, JSONL.self, CSV.self, Chart.self, Follow.self,
    ]

    /// The stage names, in catalogue order.
    public static let names: [String] = all.map { $0.name }

    /// The stage called `name`, if there is one.
    public static func named(_ name: String) -> (any Stage.Type)? {
        all.first { $0.name == name }
    }
}
