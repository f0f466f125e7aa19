import Query
import Records
import Testing

/// `chart` drawn at fixed widths, compared character for character.
@Suite struct ChartTests {
    func draw(_ rows: [(String, Int)], label: String = "name", width: Int, ascii: Bool = false) async throws -> String {
        let records = rows.map { Record([(label, .string($0.0)), ("count", .int($0.1))]) }
        let stream = RecordBatches.replay(records)
        var out = ""
        try await Pipeline(parsing: "clicks | chart").render(
            stream, context: EvaluationContext(render: RenderOptions(width: width, ascii: ascii)), into: &out)
        return out
    }

    @Test func barsInEighthsWithValueAndShare() async throws {
        // 41 columns: label 2, bar 29, value 1, share 5, and 4 spaces.
        let text = try await draw([("a", 4), ("bb", 2), ("c", 0), ("d", 1)], width: 41)
        #expect(text == """
            a  █████████████████████████████ 4 57.1%
            bb ██████████████▌               2 28.6%
            c                                0  0.0%
            d  ███████▎                      1 14.3%

            """)
        for line in text.split(separator: "\n") { #expect(line.count <= 41) }
    }

    @Test func asciiWhenAsked() async throws {
        let text = try await draw([("a", 4), ("bb", 2)], width: 40, ascii: true)
        #expect(text == """
            a  ############################ 4 66.7%
            bb ##############               2 33.3%

            """)
    }

    @Test func aTimeSeriesGetsASparklineTitle() async throws {
        let text = try await draw([("2021-01-01", 0), ("2021-01-02", 5), ("2021-01-03", 10)], label: "day (UTC)", width: 60)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "▁▅█  total 15 · least 0 · most 10")
        #expect(lines.count == 5)
        #expect(lines[1].hasPrefix("2021-01-01 "))
    }

    @Test func labelsAreCutAndEscaped() async throws {
        let text = try await draw([(String(repeating: "x", count: 50), 1), ("\u{1b}[31mred", 1)], width: 30)
        #expect(!text.contains("\u{1b}"))
        #expect(text.contains("\\e[31mred"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 30 })
        #expect(text.contains("…"))
    }
}
