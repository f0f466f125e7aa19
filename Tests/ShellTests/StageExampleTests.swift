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

    /// Every command's examples run on the demo data (but watch's, which run until stopped).
    @Test func everyCommandExampleRuns() async throws {
        try await ShellHarness.with(EmulatorOptions()) { shell in
            for spec in CommandCatalog.all {
                if case .commandLine = spec.arguments { continue }
                for example in spec.examples {
                    let r = await shell.run(example.line)
                    #expect(r.outcome == .ok, "\(spec.name): \(example.line) gave \(r)")
                    // Each prints something, but those that change state (set, refresh, cache clear, save).
                    let quiet = ["set", "refresh", "save"].contains(spec.name) || example.line.hasPrefix("cache clear")
                    #expect(!r.out.isEmpty || quiet, "\(spec.name): \(example.line) printed nothing")
                }
            }
        }
    }

    func check(_ example: StageExample, of stage: String, in shell: ShellHarness) async throws {
        let pipeline = try Pipeline(parsing: example.line)
        switch example.result {
        case .live:
            #expect(pipeline.stages.contains { type(of: $0.stage).name == "follow" }, "\(example.line) runs until stopped")
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
