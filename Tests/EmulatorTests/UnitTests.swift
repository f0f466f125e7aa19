import Foundation
import Testing
@testable import OpenportEmulator
import Records

@Suite struct UnitTests {
    @Test func jsonEscapingMatchesPython() {
        let s = "a\"b\\c\n\r\t\u{08}\u{0C}\u{1b}\u{01}\u{7f}é日🚀/\u{2028}"
        let out = String(decoding: JSONOut.quoted(s), as: UTF8.self)
        #expect(out == "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u001b\\u0001\u{7f}é日🚀/\\u2028\"")
    }

    @Test func brusselsTimestamps() {
        let t = BrusselsTime.utcMicros(year: 2023, month: 4, day: 11, hour: 4, minute: 17, second: 26) + 261_628
        #expect(BrusselsTime.string(micros: t) == "2023-04-11T06:17:26.261628+02:00")
        #expect(BrusselsTime.string(micros: BrusselsTime.utcMicros(year: 2016, month: 11, day: 12, hour: 23, minute: 18, second: 19))
                == "2016-11-13T00:18:19+01:00")
        // EU DST switches: last Sunday of March / October at 01:00 UTC.
        let spring = BrusselsTime.utcMicros(year: 2021, month: 3, day: 28, hour: 1)
        #expect(BrusselsTime.string(micros: spring - 1_000_000) == "2021-03-28T01:59:59+01:00")
        #expect(BrusselsTime.string(micros: spring) == "2021-03-28T03:00:00+02:00")
        let autumn = BrusselsTime.utcMicros(year: 2022, month: 10, day: 30, hour: 1)
        #expect(BrusselsTime.string(micros: autumn - 1) == "2022-10-30T02:59:59.999999+02:00")
        #expect(BrusselsTime.string(micros: autumn) == "2022-10-30T02:00:00+01:00")
        #expect(BrusselsTime.string(micros: 1_000_005) == "1970-01-01T01:00:01.000005+01:00")
    }

    @Test func queryEncodingLikeDRF() {
        let q = Query("token=abc&b=%C3%A9+x&a=1&a=2&empty&z=a%2Bb")
        #expect(q["a"] == "2")
        #expect(q["b"] == "é x")
        #expect(q["empty"] == "")
        #expect(q.encodedSorted(replacing: "offset", with: "10") == "a=1&a=2&b=%C3%A9+x&empty=&offset=10&token=abc&z=a%2Bb")
        #expect(q.encodedSorted(replacing: "a", with: nil) == "b=%C3%A9+x&empty=&token=abc&z=a%2Bb")
        #expect(Query.quotePlus("a b/c~d_e.f-g") == "a+b%2Fc~d_e.f-g")
    }

    @Test func pythonIntParsing() {
        #expect(pythonInt("12") == 12)
        #expect(pythonInt(" 12 ") == 12)
        #expect(pythonInt("+3") == 3)
        #expect(pythonInt("-3") == -3)
        #expect(pythonInt("1_000") == 1000)
        for bad in ["", "1.5", "abc", "1__0", "_1", "1_", "0x10", "١٢"] { #expect(pythonInt(bad) == nil, "\(bad)") }
    }

    @Test func pageArithmetic() {
        let q = Query("token=T")
        let p = Page(query: Query("token=T&offset=150&limit=100"), count: 180, maxLimit: 1000)
        #expect(p.range == 150..<180)
        #expect(p.next(base: "B", query: q) == nil)
        #expect(Page(query: Query("offset=50"), count: 180, maxLimit: 1000).previous(base: "B", query: q) == "B?limit=100&token=T")
        #expect(Page(query: Query("limit=7"), count: 0, maxLimit: 5).limit == 5)
    }

    @Test func publicKeyValidation() {
        #expect(KeyInput.isPublicKey(KeysTests.ed25519))
        #expect(!KeyInput.isPublicKey("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIBjm6RnsSh9gor3IIrhxz9uljY/i9/w5c98MS7N2jjDO"))
        var r = SplitMix64(seed: 1)
        for _ in 0..<50 { #expect(KeyInput.isPublicKey(DataSet.publicKey(&r))) }
    }

    /// Bodies Records' reader turns away get Python's `json.loads` message (what DRF answers),
    /// as Python 3.11 words and places them.
    @Test func jsonErrorsWordedAsPython() throws {
        let cases: [(String, String)] = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
            ("not json", "Expecting value: line 1 column 1 (char 0)"),
            ("{\"name\":", "Expecting value: line 1 column 9 (char 8)"),
            ("{\"name\":\"x\",}", "Expecting property name enclosed in double quotes: line 1 column 13 (char 12)"),
            ("{\"name\":\"x\" \"public_key\":\"y\"}", "Expecting ',' delimiter: line 1 column 13 (char 12)"),
            ("{\"name\":\"\\u12\"}", "Invalid \\uXXXX escape: line 1 column 11 (char 10)"),
            ("{\"name\":\"\\q\"}", "Invalid \\escape: line 1 column 10 (char 9)"),
            ("{\"name\":\"abc", "Unterminated string starting at: line 1 column 9 (char 8)"),
            ("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"),
            ("{\"a\":\"x\ty\"}", "Invalid control character at: line 1 column 8 (char 7)"),
            ("{\"a\":1", "Expecting ',' delimiter: line 1 column 7 (char 6)"),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            ("tru", "Expecting value: line 1 column 1 (char 0)"),
            ("{\"a\":-}", "Expecting value: line 1 column 6 (char 5)"),
            ("{\"a\":1.}", "Expecting ',' delimiter: line 1 column 7 (char 6)"),
            ("{\"name\":\"x\"} extra", "Extra data: line 1 column 14 (char 13)"),
            ("{'name':'x'}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
            ("[1,", "Expecting value: line 1 column 4 (char 3)"),
            ("{\"a\":1,", "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
        ]
        for (body, python) in cases {
            var message: String?
            do { _ = try RequestJSON.parse(Array(body.utf8)) } catch { message = error.message }
            #expect(message == python, "\(body)")
        }
        guard case .object(let r) = try RequestJSON.parse(Array(#"{"a":[1,2.50,"\u00e9\ud83d\ude80"],"b":null}"#.utf8)) else {
            Issue.record("not an object")
            return
        }
        #expect(r.fields == ["a", "b"] && r["a"] == .list([.int(1), .double(2.5), .string("é🚀")]) && r["b"] == .null)
    }
}
