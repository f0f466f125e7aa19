import Foundation
import OpenportAPI
import Query

extension Pipeline {
    /// The line as a table shows it when the line chooses no columns: the resource's
    /// ``Resource/shownByDefault`` columns (those the records have), then any field the line
    /// sorts by. nil when the line keeps its own shape: it selects, groups, counts, or
    /// renders other than as a table (JSON and CSV keep every field).
    ///
    ///     keys | where name ~ pi | sort -creation_time | first 5
    ///     → keys | where name ~ pi | sort -creation_time | first 5
    ///            | select id,name,last_connection_time,bytes_this_month,creation_time
    func showingDefaultColumns(of resource: Resource?, format: OutputFormat) -> Pipeline? {
        guard let defaults = resource?.shownByDefault else { return nil }
        var body = stages
        var renderer: PlacedStage?
        if let last = body.last, type(of: last.stage).kind == .renderer {
            guard last.stage is Table else { return nil }
            renderer = body.removeLast()
        } else if format != .table {
            return nil
        }
        guard !body.contains(where: { type(of: $0.stage).reshapes || type(of: $0.stage).kind != .records }) else { return nil }
        var columns = defaults.map { FieldPath($0) }
        for reference in body.flatMap(\.stage.fieldReferences) where reference.stage == Sort.name {
            let path = FieldPath(reference.path.components)
            if !columns.contains(path) { columns.append(path) }
        }
        var shown = self
        shown.stages = body + [PlacedStage(Select(columns, onlyPresent: true))] + (renderer.map { [$0] } ?? [])
        return shown
    }
}

extension OutputFormat {
    /// The format a file's name asks for: `keys.csv`, `clicks.json`, `clicks.jsonl` (or
    /// `.ndjson`); nil for any other name.
    init?(fileName path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "csv": self.init(rawValue: "csv")
        case "json": self.init(rawValue: "json")
        case "jsonl", "ndjson": self.init(rawValue: "jsonl")
        default: return nil
        }
    }
}
