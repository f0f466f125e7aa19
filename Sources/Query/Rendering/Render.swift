import Records

/// The renderers as plain functions, for the shell to use outside a pipeline (showing one
/// key, a command's result).
public enum Render {
    /// See ``TableRenderer``.
    public static func table(_ records: [Record], options: RenderOptions = RenderOptions()) -> String {
        TableRenderer.render(records, options: options)
    }

    /// One JSON array; indented when `options.prettyJSON`.
    public static func json(_ records: [Record], options: RenderOptions = RenderOptions()) -> String {
        let writer = JSONWriterStep(pretty: options.prettyJSON)
        return writer.take(records) + writer.finish()
    }

    /// One compact JSON object a line.
    public static func jsonl(_ records: [Record]) -> String {
        JSONLWriterStep().take(records)
    }

    /// RFC 4180 CSV with a header row and CRLF line ends.
    public static func csv(_ records: [Record], options: RenderOptions = RenderOptions()) -> String {
        let writer = CSVWriterStep(escapeControls: options.escapeControls)
        return writer.take(records) + writer.finish()
    }

    /// A single value (what `count` gives) in a format: just the value and a newline.
    public static func value(_ value: Value, format: OutputFormat, options: RenderOptions = RenderOptions()) -> String {
        format.stage.makeWriter(options).value(value)
    }
}
