import Foundation
import OpenportAPI
import Query
import Records

/// `refresh [--full] [RESOURCE...]`: fetches afresh, now, what the cache holds.
struct RefreshCommand: ShellCommand, Equatable {
    static let spec = CommandSpec(
        name: "refresh", synopsis: "refresh [--full] [RESOURCE...]",
        summary: "fetch afresh now what the cache holds (the click log: only what is new, when that is provably right)",
        details: """
        Rows cached before a refresh are never served again as current, whether they are held in
        memory or read from the disk cache later. The click log is brought up to date with a few
        requests (both ends of the list, a page from its middle, and the keys, whose renames
        relabel clicks in place), or scanned in full when those do not prove the rest unchanged.
        --full scans the click log in full whatever they show.
        """,
        examples: [StageExample("refresh clicks", shows: "bring the click log up to date", result: .quiet),
                   StageExample("refresh", shows: "everything the cache holds, fetched afresh", result: .quiet),
                   StageExample("refresh --full clicks", shows: "read the whole click log again", result: .quiet)],
        arguments: .resources, reads: .refresh)

    let resources: [Resource]
    let full: Bool

    static func parse(_ invocation: Invocation) throws -> RefreshCommand {
        let args = invocation.arguments
        let isFull = { (a: CommandArgument) -> Bool in if case .flag("full") = a.kind { return true } else { return false } }
        return RefreshCommand(resources: try Invocation.resources(args.filter { !isFull($0) }, for: "refresh"),
                              full: args.contains(where: isFull))
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let named = resources.isEmpty ? Resource.allCases : resources
        for r in named {
            context.cache.markStale(r)
            if full, context.cache.any(r) != nil { context.cache.requireFullScan(r) }
        }
        // What the cache holds (in memory or on disk) is fetched again; a resource named but not
        // held is fetched too. The click log first: its refresh reads the keys afresh, which
        // then need no request of their own.
        let held = named.filter { !resources.isEmpty || context.cache.any($0) != nil }
            .sorted { ($0 == .clicks ? 0 : 1) < ($1 == .clicks ? 0 : 1) }
        var lines: [String] = []
        for r in held { lines.append(try await refreshed(r, context)) }
        if context.interactive {
            context.output.message((lines.isEmpty ? ["nothing is cached: the next command fetches afresh"] : lines).joined(separator: "\n") + "\n")
        }
        return .ok
    }

    /// Fetches `r` afresh; one line saying what came back and what it cost.
    private func refreshed(_ r: Resource, _ context: CommandContext) async throws -> String {
        let before = context.cache.any(r)?.records.count
        let requests = context.client.requestCount
        let started = ContinuousClock.now
        let rows = try await context.source.all(r).count
        let ms = Int(((ContinuousClock.now - started).inSeconds * 1000).rounded())
        let change = before.map { rows == $0 ? ", unchanged" : rows > $0 ? ", \(DigitGroups.text(rows - $0)) more" : ", \(DigitGroups.text($0 - rows)) fewer" } ?? ""
        let n = context.client.requestCount - requests
        let cost = n == 0 ? "read with the click log" : "\(n) request\(n == 1 ? "" : "s"), \(ms) ms"
        return "\(r.rawValue): \(DigitGroups.text(rows)) rows\(change) (\(cost))"
    }
}
