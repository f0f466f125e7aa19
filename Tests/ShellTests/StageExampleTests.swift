import OpenportEmulator
import Query
import Records
import Shell
import Testing

/// Every stage example gives, on the demo data, the result its help says (nushell's `result:`).
@Suite("Stage examples give what their help says", .serialized) struct StageExampleTests {
    static let examples = StageCatalog.all.flatMap { stage in stage.examples.map { (stage.name, $0) } }

    @Test func everyExampleOnTheDemoData() async throws {
        // The data `opsh --demo` serves.
        try await ShellHarness.with(EmulatorOptions()) { shell in
            for (name, example) in Self.examples {
                try await check(example, of: name, in: shell)
            }
        }
    }

    /// Every command's example gives, on the demo data, what its help says (in catalogue
    /// order, in one shell: `set format json` comes after the listings).
    @Test func everyCommandExampleOnTheDemoData() async throws {
        try await ShellHarness.with(EmulatorOptions()) { shell in
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
