import Query
import Shell
import Testing

/// The first step of completion, fed lines with a cursor marker `‸` (removed before analysis).
@Suite("Completion analysis: line and cursor to the kind of thing expected")
struct CompletionAnalyzerTests {
    func kind(_ marked: String) -> CompletionContext {
        let cursor = marked.distance(from: marked.startIndex, to: marked.firstIndex(of: "‸")!)
        return CompletionAnalyzer.analyze(marked.replacingOccurrences(of: "‸", with: ""), cursor: cursor, commands: CommandCatalog.syntax)
    }

    @Test("kinds at marked spots", arguments: [
        ("‸", ExpectedKind.command),
        ("cli‸", .command),
        ("clicks |‸", .stage),
        ("clicks | wh‸", .stage),
        ("clicks | where ‸", .field(source: "clicks", inWhere: true)),
        ("clicks | where po‸", .field(source: "clicks", inWhere: true)),
        ("clicks | where port ‸", .op),
        ("clicks | where port=‸", .value(source: "clicks", field: "port")),
        ("clicks | where port = 62‸", .value(source: "clicks", field: "port")),
        ("clicks | where port ~ ‸", .value(source: "clicks", field: "port")),
        ("clicks | where port=6260 and ‸", .field(source: "clicks", inWhere: true)),
        ("clicks | where port in (22, ‸", .value(source: "clicks", field: "port")),
        ("clicks | where port=6260 ‸", .nothing),
        ("sessions | select port,ke‸", .field(source: "sessions")),
        ("sessions | sort -‸", .field(source: "sessions")),
        ("clicks | group ‸", .field(source: "clicks")),
        ("keys ‸", .subcommand(["add", "set", "replace", "rm"], or: .keyRef)),
        ("keys rm ‸", .keyRef),
        ("keys set 349 ‸", .fields(["name=", "public_key=@"])),
        ("keys add ‸", .fields(["name=", "public_key=@"])),
        ("set ‸", .setting),
        ("set format ‸", .settingValue(name: "format")),
        ("help ‸", .topic),
        ("refresh ‸", .resource),
        ("cache ‸", .choice(["clear"])),
        ("cache clear ‸", .resource),
        ("cache clear clicks ‸", .resource),
        ("open ‸", .port),
        ("clicks | count > ‸", .file),
        ("clicks | where port > ‸", .value(source: "clicks", field: "port")),
        ("clicks | where key_name = \"a|b\" | ‸", .stage),
    ])
    func kinds(line: String, expected: ExpectedKind) {
        #expect(kind(line).kind == expected, "\(line)")
    }

    @Test("the word being completed: where it starts and what is typed")
    func words() {
        let quoted = kind("keys \"Pi Lo‸")
        #expect(quoted.prefix == "Pi Lo" && quoted.wordStart == 5 && quoted.quoted)
        let bare = kind("keys Pi Lo‸")
        #expect(bare.kind == .keyRef && bare.prefix == "Pi Lo" && bare.wordStart == 5)
        let field = kind("sessions | select port,key.na‸")
        #expect(field.prefix == "key.na" && field.wordStart == 23)
        let value = kind("clicks | where source_ip=1.2‸")
        #expect(value.prefix == "1.2" && value.wordStart == 25)
        let wide = kind("keys 日本‸")
        #expect(wide.prefix == "日本" && wide.wordStart == 5, "positions are characters, not bytes")
    }

    @Test("every prefix of real pipelines analyses without trapping, and the kinds follow the grammar")
    func everyPrefix() {
        let lines = [
            "clicks | where port=6260 and timestamp > -7d | group source_ip | first 5",
            "sessions | where local_port=22 | select port,server,key.name | csv > out.csv",
            "keys set \"Pi London\" name=\"Pi Paris\"",
            "keys | where name ~ \"^pi\" or not (id < 400) | sort -last_connection_time,name | json",
            "clicks | where source_ip in 10.0.0.0/8 | count >> counts.txt",
        ]
        for line in lines {
            for cursor in 0...line.count {
                let ctx = CompletionAnalyzer.analyze(line, cursor: cursor, commands: CommandCatalog.syntax)
                #expect(ctx.wordStart <= cursor, "\(line) at \(cursor)")
                #expect(ctx.wordStart >= 0)
                let typed = String(Array(line)[ctx.wordStart..<cursor])
                if !ctx.quoted { #expect(typed.hasSuffix(ctx.prefix) || ctx.prefix.hasSuffix(typed), "\(line) at \(cursor): \(ctx)") }
            }
        }
    }
}
