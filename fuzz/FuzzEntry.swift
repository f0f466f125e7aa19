// libFuzzer entry for opsh's pure layers: the lexer and parser of the command language, the
// completion analyser, the JSON reader (and writer, round trip), DRF timestamps, and the
// evaluator and renderers over a small fixed record set. Built by `make fuzz` (see Makefile):
// Records and Query as modules, then this file. The completion analyser reads the shell's real
// command catalogue, which `opsh --generate-command-syntax` writes and `make fuzz` names in
// OPSH_COMMAND_SYNTAX.
import Dispatch
import Foundation
import Query
import Records

/// A few clicks, keys and sessions with what servers send: nulls, nesting, unicode, control
/// characters and an escape sequence in a name, timestamps, IPv4 and IPv6 addresses.
let fixture: [Record] = {
    let text = #"""
    [
     {"id": 1, "port": 6260, "source_ip": "10.0.0.1", "timestamp": "2021-11-15T18:23:34.123456Z", "key_name": "pi", "name": "pi", "bytes_this_month": 12.5, "key": "http://h/api/v2/keys/1/", "local_port": 22, "tags": ["a", "b"], "meta": {"n": 1, "deep": {"x": null}}},
     {"id": 2392, "port": 22, "source_ip": "2a02:1810::1", "timestamp": "2021-11-16T01:02:03+02:00", "key_name": null, "name": "\u001b[31mred\u001b[0m\u0007", "bytes_this_month": -3, "key": null, "local_port": 80, "tags": [], "meta": null},
     {"id": 3, "port": 6260, "source_ip": "192.168.1.20", "timestamp": "2020-02-29T00:00:00Z", "key_name": "Pi Lounge", "name": "日本語 名前", "bytes_this_month": 1e300, "key": "http://h/api/v2/keys/3/", "local_port": 22, "tags": ["x"], "meta": {"n": 2}},
     {"id": 4, "port": 0, "source_ip": "not an ip", "timestamp": "garbage", "key_name": "tab\there", "name": "", "bytes_this_month": null, "key": "http://h/api/v2/keys/4/", "local_port": null, "tags": null, "meta": {"n": "two"}}
    ]
    """#
    guard case .list(let items) = try! JSONReader().parse(text) else { fatalError("fixture") }
    return items.compactMap(\.record)
}()

let keyRecord: Record = {
    guard case .object(let r) = try! JSONReader().parse(#"{"id": 1, "name": "pi\u001b]0;title\u0007", "url": "http://h/api/v2/keys/1/"}"#) else {
        fatalError("fixture")
    }
    return r
}()

/// Runs an async body to its end on this (non-pool) thread.
func runBlocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

func batches(_ records: [Record], split: Int) -> RecordBatches {
    RecordBatches { out in
        var rest = records[...]
        while !rest.isEmpty {
            let n = max(1, split)
            try await out.send(Array(rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)

    // JSON: parse; whatever parses must survive writing and reading back unchanged.
    if let value = try? JSONReader().parse(bytes) {
        let written = JSONWriter.string(value)
        guard let again = try? JSONReader().parse(written) else {
            fatalError("JSONWriter wrote text JSONReader cannot read: \(written)")
        }
        if again != value, JSONWriter.string(again) != written {
            fatalError("JSON round trip changed the value: \(written)")
        }
        _ = JSONWriter.pretty(value)
    }

    // DRF timestamps, from text and from bytes.
    _ = Timestamp(text)
    _ = Timestamp(utf8: bytes)

    // Completion at the end, in the middle, and at a cursor the first byte picks, with the
    // shell's commands.
    let count = text.count
    let commands = { (word: String) in commandSyntax[word] }
    _ = CompletionAnalyzer.analyze(text, cursor: count, commands: commands)
    _ = CompletionAnalyzer.analyze(text, cursor: count / 2, commands: commands)
    if let b = bytes.first { _ = CompletionAnalyzer.analyze(text, cursor: Int(b) % (count + 2), commands: commands) }

    // Quoting: whatever completion inserts for a name, the parser reads back as that name.
    if !text.isEmpty, let quoted = try? Pipeline(parsing: "keys " + Quoting.doubleQuoted(text)),
       quoted.command.arguments.map(\.text) != [text] {
        fatalError("quoted text does not read back: \(Quoting.doubleQuoted(text))")
    }

    // The command language: parse, then run the stages over the fixture.
    guard let pipeline = try? Pipeline(parsing: text) else { return 0 }
    _ = pipeline.fetchHint
    _ = pipeline.fieldReferences
    let split = Int(bytes.first ?? 1) % 3 + 1
    let width = Int(bytes.last ?? 0) % 50 + 1
    let key = keyRecord
    let context = EvaluationContext(
        now: Timestamp(micros: 1_637_000_000_000_000),
        relation: { field, _ in field == "key" ? key : nil },
        render: RenderOptions(width: width, color: size % 2 == 0, footer: true, prettyJSON: true, escapeControls: true))
    runBlocking {
        _ = try? await pipeline.evaluate(batches(fixture, split: split), context: context)
        var out = ""
        for format in OutputFormat.allCases {
            try? await pipeline.render(batches(fixture, split: split), context: context, format: format, into: &out)
        }
        // A terminal-bound table never carries a raw escape character.
        if out.unicodeScalars.contains("\u{1b}"), !context.render.color {
            fatalError("raw ESC in rendered output for: \(text)")
        }
    }
    return 0
}

/// The shell's command catalogue, as `opsh --generate-command-syntax` wrote it to the file
/// that OPSH_COMMAND_SYNTAX names.
let commandSyntax: [String: CommandSyntax] = {
    guard let path = ProcessInfo.processInfo.environment["OPSH_COMMAND_SYNTAX"],
          let data = FileManager.default.contents(atPath: path),
          let syntax = try? JSONDecoder().decode([String: CommandSyntax].self, from: data), !syntax.isEmpty else {
        fatalError("OPSH_COMMAND_SYNTAX must name the output of `opsh --generate-command-syntax` (make fuzz does this)")
    }
    return syntax
}()
