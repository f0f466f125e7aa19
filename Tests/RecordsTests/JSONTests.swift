import Records
import Testing

@Suite("JSON reading and writing")
struct JSONTests {
    let reader = JSONReader()

    @Test("a DRF page reads into records that keep field order")
    func page() throws {
        let v = try reader.parse(#"{"count":2,"next":null,"previous":null,"results":[{"port":6260,"source_ip":"1.2.3.4","timestamp":"2021-11-15T18:23:34.113431+01:00","key_name":"EURO44"},{"port":23456,"source_ip":"2.3.4.5","timestamp":null,"key_name":"USA45"}]}"#)
        let page = try #require(v.record)
        #expect(page.fields == ["count", "next", "previous", "results"])
        guard case .list(let rows) = page["results"] else { Issue.record("no results"); return }
        let a = try #require(rows[0].record), b = try #require(rows[1].record)
        #expect(a.fields == ["port", "source_ip", "timestamp", "key_name"])
        #expect(a.schema === b.schema, "rows with the same fields share one schema")
        #expect(a["port"] == .int(6260))
        #expect(a["timestamp"].plainText == "2021-11-15T18:23:34.113431+01:00")
        #expect(b["timestamp"] == .null)
        #expect(a["missing"] == .null)
    }

    @Test("writing what was read gives the same text", arguments: [
        #"{"a":1,"b":[true,false,null],"c":"x\"y\\z","d":{"e":-2.5}}"#,
        #"{"name":"\u001b[31mred\u001b[0m","ip":"2001:db8::1","t":"2022-06-19T16:29:25+02:00"}"#,
        #"[]"#, #"{}"#, #"[1,-0.5,1.0e+20,"日本 é 🎉"]"#,
    ])
    func roundTrip(text: String) throws {
        let v = try reader.parse(text)
        let again = try reader.parse(JSONWriter.string(v))
        #expect(again == v)
    }

    @Test("escapes, surrogate pairs and unicode decode")
    func escapes() throws {
        let v = try reader.parse(#"["\u00e9\ud83c\udf89\n\t\/", "日本"]"#)
        #expect(v == .list([.string("é🎉\n\t/"), .string("日本")]))
    }

    @Test("control characters are escaped on output, so JSON output is inert in a terminal")
    func inertOutput() {
        let s = JSONWriter.string(.string("\u{1b}[31mred\u{7f}"))
        #expect(s == #""\u001b[31mred\u007f""#)
    }

    @Test("bad JSON is an error with a position", arguments: [
        "", "{", #"{"a":}"#, "[1,]", #""abc"#, "nul", "01x", #"{"a":1} x"#, "[" + String(repeating: "[", count: 600),
    ])
    func errors(text: String) {
        #expect(throws: JSONError.self) { try reader.parse(text) }
    }

    @Test("numbers: ints stay ints, big or fractional ones become doubles")
    func numbers() throws {
        #expect(try reader.parse("42") == .int(42))
        #expect(try reader.parse("-7") == .int(-7))
        #expect(try reader.parse("2.5") == .double(2.5))
        #expect(try reader.parse("1e3") == .double(1000))
        #expect(try reader.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test("DRF datetimes print back exactly", arguments: [
        "2021-11-15T18:23:34.113431+01:00", "2022-06-19T16:29:25+02:00", "2023-04-11T06:17:26.261628+02:00",
        "2021-11-15T17:23:34Z", "2021-11-15T17:23:34.5Z", "1999-12-31T23:59:59-05:30", "2024-02-29T00:00:00+00:00",
    ])
    func printsBack(text: String) throws {
        let t = try #require(Timestamp(text))
        #expect(t.description == text)
    }

    @Test("equality is by instant, offsets honoured")
    func instants() throws {
        let a = try #require(Timestamp("2021-11-15T18:23:34+01:00"))
        let b = try #require(Timestamp("2021-11-15T17:23:34Z"))
        #expect(a == b)
        #expect(try #require(Timestamp("2021-11-15T17:23:35Z")) > a)
        #expect(b.micros == 1_636_997_014_000_000)
    }

    @Test("anything else is not a timestamp", arguments: [
        "2021-11-15", "2021-13-01T00:00:00Z", "2021-02-30T00:00:00Z", "2021-11-15T18:23:34", "hello world, hello",
        "2021-11-15T18:23:34.1234567Z", "2021-11-15T25:00:00Z",
    ])
    func rejects(text: String) {
        #expect(Timestamp(text) == nil)
    }
}
