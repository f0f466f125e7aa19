import OpenportEmulator
import Query
import Records
import Shell
import Testing

/// Every stage example gives, on the demo data, the result its help says (nushell's `result:`).
@Suite("Stage examples give what their help says", .serialized) struct StageExampleTests {
    static let examples = StageCatalog.all.flatMap { stage in stage.examples.map { (stage.name, $0) } }

    /// The demo's data with its history pinned, and the shell's clock at its end, as `opsh
    /// --demo` is at the moment it starts: `-7d` and `yesterday` mean the same in every run.
    static func demo(_ body: (ShellHarness) async throws -> Void) async throws {
        var settings = Settings()
        let end = Timestamp(micros: Int64((EmulatorOptions.pinnedEnd.timeIntervalSince1970 * 1_000_000).rounded()))
        settings.now = { end }
        let shell = try await ShellHarness.start(EmulatorOptions(), settings: settings)
        do { try await body(shell) } catch {
            await shell.stop()
            throw error
        }
        await shell.stop()
    }

    @Test func everyExampleOnTheDemoData() async throws {
        try await Self.demo { shell in
            for (name, example) in Self.examples {
                try await check(example, of: name, in: shell)
            }
        }
    }

    /// Every command's example gives, on the demo data, what its help says (in catalogue
    /// order, in one shell: `set format json` comes after the listings).
    @Test func everyCommandExampleOnTheDemoData() async throws {
        try await Self.demo { shell in
            for spec in CommandCatalog.all {
                for example in spec.examples {
                    try await check(example, of: spec.name, in: shell)
                }
            }
        }
    }

    func check(_ example: StageExample, of stage: String, in shell: ShellHarness) async throws {
        let pipeline = try Pipeline(parsing: example.line)
        switch example.result {
        case .live:
            let runsUntilStopped = pipeline.stages.contains { type(of: $0.stage).name == "follow" } || pipeline.command.name == "watch"
            #expect(runsUntilStopped, "\(example.line) runs until stopped")
        case .quiet:
            let r = await shell.run(example.line)
            #expect(r.outcome == .ok && r.out.isEmpty, "\(stage): \(example.line) gave \(r)")
        case .someRows:
            let kept = pipeline.stages.filter { type(of: $0.stage).kind != .renderer }
            let r = await shell.run(([pipeline.command.description] + kept.map(\.stage.description) + ["count"]).joined(separator: " | "))
            #expect(r.outcome == .ok && (Int(r.out.trimmingCharacters(in: .newlines)) ?? 0) > 0, "\(stage): \(example.line) gave \(r)")
            #expect(await shell.run(example.line).outcome == .ok, "\(example.line)")
        case .instant:
            let r = await shell.run(example.line)
            #expect(r.outcome == .ok && Timestamp(r.out.trimmingCharacters(in: .newlines)) != nil, "\(stage): \(example.line) gave \(r)")
        case .contains(let text):
            let r = await shell.run(example.line)
            #expect(r.outcome == .ok && r.out.contains(text), "\(stage): \(example.line) gave \(r)")
        case .value(let expected):
            let r = await shell.run(example.line)
            #expect(r.outcome == .ok && r.out == expected + "\n", "\(stage): \(example.line) gave \(r)")
        case .rows(let expected):
            // The records the line gives, counted: its renderer, if any, is left out.
            let kept = pipeline.stages.filter { type(of: $0.stage).kind != .renderer }
            let counted = ([pipeline.command.description] + kept.map(\.stage.description) + ["count"]).joined(separator: " | ")
            let r = await shell.run(counted)
            #expect(r.outcome == .ok && r.out == "\(expected)\n", "\(stage): \(example.line) gave \(r.out) rows, its help says \(expected)")
            // And the line itself runs as written.
            let whole = await shell.run(example.line)
            #expect(whole.outcome == .ok, "\(example.line): \(whole)")
        }
    }
}
