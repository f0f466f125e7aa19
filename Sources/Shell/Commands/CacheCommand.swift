import Foundation
import OpenportAPI
import Query
import Records

/// `cache`: what is held in memory and on disk; `cache clear [RESOURCE ...]`: forget it.
struct CacheCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "cache", synopsis: "cache [clear [RESOURCE]]", summary: "what is cached, in memory and on disk; clear removes it",
        examples: [StageExample("cache", shows: "rows, age and size of each resource, in memory and on disk", result: .contains("resource")),
                   StageExample("cache clear clicks", shows: "forget the click log (memory and disk)", result: .quiet),
                   StageExample("cache clear", shows: "forget everything", result: .quiet)],
        subcommands: [SubcommandSpec("clear", synopsis: "cache clear [RESOURCE]", summary: "forget what is cached of these resources (all when none is named)",
                                     arguments: .resources)])

    enum Action: Equatable {
        /// What is cached.
        case report
        /// Forget these resources; all of them when the list is empty.
        case clear([Resource])
    }

    let action: Action

    static func parse(_ invocation: Invocation) throws -> CacheCommand {
        let args = invocation.arguments
        guard let first = args.first else { return CacheCommand(action: .report) }
        guard first.text == "clear" else {
            throw QueryError("'cache' takes nothing, or clear [RESOURCE]", column: first.range.lowerBound,
                             length: max(1, first.range.count), suggestion: Suggest.nearest(first.text, among: ["clear"]))
        }
        return CacheCommand(action: .clear(try Invocation.resources(args.dropFirst(), for: "cache clear")))
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        switch action {
        case .report:
            try await context.pipelines.emit(CacheCommand.report(context), pipeline: invocation.pipeline)
        case .clear(let resources):
            let cache = context.cache
            if resources.isEmpty {
                cache.clear(nil)
            } else {
                for r in resources { cache.clear(r) }
            }
            let what = resources.isEmpty ? "every resource" : resources.map(\.rawValue).joined(separator: ", ")
            context.output.message("cleared \(what) from the cache\(cache.disk == nil ? "" : " (memory and disk)")\n")
        }
        return .ok
    }

    /// One row per resource held in memory or on disk: rows, age and size of each.
    static func report(_ context: CommandContext) -> String {
        let cache = context.cache
        let held = Dictionary(cache.snapshot, uniquingKeysWith: { a, _ in a })
        let onDisk = Dictionary((cache.disk?.summaries() ?? []).map { ($0.resource, $0) }, uniquingKeysWith: { a, _ in a })
        let resources = Resource.allCases.filter { held[$0] != nil || onDisk[$0] != nil }
        let where_ = cache.disk.map { "on disk: \(TerminalSafe.escape($0.directory))\n" } ?? "on disk: nothing (cache = memory, off, or --demo)\n"
        guard !resources.isEmpty else { return "the cache is empty\n" + where_ }
        let settings = context.settings
        let now = Date().timeIntervalSince1970
        let rows = resources.map { r -> Record in
            var pairs: [(String, Value)] = [("resource", .string(r.rawValue))]
            if let e = held[r] {
                let age = ContinuousClock.now - e.fetchedAt
                let fresh = !e.stale && age <= (settings.freshness[r] ?? .zero)
                pairs += [
                    ("rows", .int(e.records.count)),
                    ("age", .string(e.stale ? "stale" : CacheCommand.age(Double(age.components.seconds)) + (fresh ? "" : " (stale)"))),
                    ("size", .string(CacheCommand.bytes(e.approximateBytes))),
                    ("fetch", .string(String(format: "%.2fs", e.fetchSeconds))),
                    ("requests", .int(e.requests)),
                ]
            } else {
                pairs += ["rows", "age", "size", "fetch", "requests"].map { ($0, Value.string("-")) }
            }
            if let d = onDisk[r] {
                pairs += [
                    ("disk rows", d.rows.map { .int($0) } ?? .string("unreadable")),
                    ("disk age", .string((d.fetchedWall.map { CacheCommand.age(max(0, now - $0)) } ?? "?") + (d.needsFullScan ? " (rescan)" : ""))),
                    ("disk size", .string(CacheCommand.bytes(d.bytes))),
                ]
            } else {
                pairs += ["disk rows", "disk age", "disk size"].map { ($0, Value.string("-")) }
            }
            return Record(pairs)
        }
        let toTerminal = context.info.stdoutIsTerminal
        return Render.table(rows, options: RenderOptions(width: toTerminal ? context.info.width() : nil, color: toTerminal && context.info.color))
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
