import Records

/// `jsonl`: one compact JSON object per line.
public struct JSONL: Stage, FormatStage, Equatable {
    public static let name = "jsonl"
    public static let synopsis = "jsonl"
    public static let summary = "write one JSON object per line"
    public static let help = """
        Writes each record as one compact JSON object on its own line (JSON Lines), as the
        pages arrive: good for jq, grep and large outputs.
        """
    public static let examples = [StageExample("clicks | first 2 | jsonl", shows: "two clicks, a line each", result: .rows(2))]
    public static let kind = StageKind.renderer

    public init() {}
    public static func parse(_ arguments: inout StageArguments) throws(QueryError) -> JSONL { JSONL() }
    public var description: String { "jsonl" }

    func makeWriter(_ options: RenderOptions) -> any TextWriter { JSONLWriterStep() }
}

final class JSONLWriterStep: TextWriter {
    func take(_ rows: [Record]) -> String {
        var bytes: [UInt8] = []
        for row in rows {
            JSONWriter.write(.object(row), into: &bytes)
            bytes.append(0x0A)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func finish() -> String { "" }
    func value(_ value: Value) -> String { JSONWriter.string(value) + "\n" }
}
