import Foundation
import OpenportAPI
import Query
import Records

extension Interpreter {
    /// `cache`: what is held in memory and on disk; `cache clear [RESOURCE ...]`: forget it.
    func cacheCommand(_ args: [CommandArgument], pipeline: Pipeline) async throws {
        guard let first = args.first else {
            try await emit(cacheReport(), pipeline: pipeline)
            return
        }
        guard first.text == "clear" else {
            throw QueryError("'cache' takes nothing, or clear [RESOURCE]", column: first.range.lowerBound,
                             length: max(1, first.range.count), suggestion: Suggest.nearest(first.text, among: ["clear"]))
        }
        let resources = try Invocation.resources(args.dropFirst(), for: "cache clear")
        if resources.isEmpty {
            cache.clear(nil)
        } else {
            for r in resources { cache.clear(r) }
        }
        let what = resources.isEmpty ? "every resource" : resources.map(\.rawValue).joined(separator: ", ")
        output.message("cleared \(what) from the cache\(cache.disk == nil ? "" : " (memory and disk)")\n")
    }

    /// One row per resource held in memory or on disk: rows, age and size of each.
    func cacheReport() -> String {
        let held = Dictionary(cache.snapshot, uniquingKeysWith: { a, _ in a })
        let onDisk = Dictionary((cache.disk?.summaries() ?? []).map { ($0.resource, $0) }, uniquingKeysWith: { a, _ in a })
        let resources = Resource.allCases.filter { held[$0] != nil || onDisk[$0] != nil }
        let where_ = cache.disk.map { "on disk: \(TerminalSafe.escape($0.directory))\n" } ?? "on disk: nothing (cache = memory, off, or --demo)\n"
        guard !resources.isEmpty else { return "the cache is empty\n" + where_ }
        let settings = self.settings
        let now = Date().timeIntervalSince1970
        let rows = resources.map { r -> Record in
            var pairs: [(String, Value)] = [("resource", .string(r.rawValue))]
            if let e = held[r] {
                let age = ContinuousClock.now - e.fetchedAt
                let fresh = !e.stale && age <= (settings.freshness[r] ?? .zero)
                pairs += [
                    ("rows", .int(e.records.count)),
                    ("age", .string(e.stale ? "stale" : Interpreter.age(Double(age.components.seconds)) + (fresh ? "" : " (stale)"))),
                    ("size", .string(Interpreter.bytes(e.approximateBytes))),
                    ("fetch", .string(String(format: "%.2fs", e.fetchSeconds))),
                    ("requests", .int(e.requests)),
                ]
            } else {
                pairs += ["rows", "age", "size", "fetch", "requests"].map { ($0, Value.string("-")) }
            }
            if let d = onDisk[r] {
                pairs += [
                    ("disk rows", d.rows.map { .int($0) } ?? .string("unreadable")),
                    ("disk age", .string((d.fetchedWall.map { Interpreter.age(max(0, now - $0)) } ?? "?") + (d.needsFullScan ? " (rescan)" : ""))),
                    ("disk size", .string(Interpreter.bytes(d.bytes))),
                ]
            } else {
                pairs += ["disk rows", "disk age", "disk size"].map { ($0, Value.string("-")) }
            }
            return Record(pairs)
        }
        let toTerminal = terminal.stdoutIsTerminal
        return Render.table(rows, options: RenderOptions(width: toTerminal ? terminal.width() : nil, color: toTerminal && terminal.color))
            + where_
    }

    /// 42s, 5m, 3h, 2d.
    static func age(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    static func bytes(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
        if n >= 1 << 10 { return String(format: "%.0f kB", Double(n) / 1024) }
        return "\(n) B"
    }
}
