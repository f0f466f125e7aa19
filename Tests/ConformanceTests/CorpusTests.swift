import Foundation
import OpenportEmulator
import Testing

/// The real opsh binary, the same lines, against the emulator and against Django REST
/// Framework serving the same rows: every answer must be the same.
@Suite("opsh answers the same from the emulator and from DRF", .serialized)
struct CorpusTests {
    /// Runs `lines` against both servers at once and expects each line's output and messages equal.
    static func compare(_ lines: [String], on pair: ServerPair) async throws {
        async let fromEmulator = onOwnThread {
            try ScriptRun.run(lines, baseURL: pair.emulator.baseURL, token: ServerPair.demoToken)
        }
        async let fromDRF = onOwnThread {
            try ScriptRun.run(lines, baseURL: pair.drf.baseURL, token: ServerPair.demoToken)
        }
        let (emulator, drf) = try await (fromEmulator, fromDRF)
        #expect(emulator.outputs.count == lines.count && drf.outputs.count == lines.count,
                "each line's output should end with the separator: \(emulator.outputs.count), \(drf.outputs.count) of \(lines.count)")
        var differing = 0
        for (i, line) in lines.enumerated() where i < min(emulator.outputs.count, drf.outputs.count) {
            let same = emulator.outputs[i] == drf.outputs[i] && emulator.messages(about: i) == drf.messages(about: i)
            if !same { differing += 1 }
            #expect(same, """
                \(line)
                --- emulator:
                \(emulator.outputs[i].prefix(1500))\(emulator.messages(about: i).joined(separator: "\\n"))
                --- DRF:
                \(drf.outputs[i].prefix(1500))\(drf.messages(about: i).joined(separator: "\\n"))
                """)
        }
        #expect(emulator.status == drf.status, "exit status \(emulator.status) against the emulator, \(drf.status) against DRF")
        #expect(differing == 0, "\(differing) of \(lines.count) lines answered differently")
    }

    /// Every example, and at least 200 lines made from the catalogues, listed newest first (as
    /// the reference server lists clicks).
    @Test func catalogueCorpusNewestFirst() async throws {
        let pair = try await ServerPair.shared(ServerOptions())
        let samples = try await Corpus.samples(baseURL: pair.emulator.baseURL, token: ServerPair.demoToken)
        let lines = Corpus.lines(samples: samples)
        #expect(lines.count >= 200 + Corpus.examples.count)
        try await Self.compare(lines, on: pair)
    }

    /// The lines that list rows in the server's order, on a smaller data set listed oldest first.
    @Test func orderedLinesOldestFirst() async throws {
        var options = ServerOptions()
        options.clicks = 20_000
        options.order = .oldestFirst
        let pair = try await ServerPair.shared(options)
        let samples = try await Corpus.samples(baseURL: pair.emulator.baseURL, token: ServerPair.demoToken)
        let lines = Corpus.lines(samples: samples).filter { $0.contains("first") || $0.contains("last") || $0.contains("json") }
        try await Self.compare(lines, on: pair)
    }
}
