import Foundation
import Testing
@testable import OpenportEmulator

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

    @Test func jsonParserErrors() throws {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array("{".utf8)) }
        let message: String? = {
            do {
                _ = try JSONParser.parse(Array("".utf8))
                return nil
            } catch let e as JSONParser.Failure {
                return e.message
            } catch {
                return nil
            }
        }()
        #expect(message == "Expecting value: line 1 column 1 (char 0)")
        #expect(try JSONParser.parse(Array(#"{"a":[1,2.50,"\u00e9\ud83d\ude80"],"b":null}"#.utf8))
                == .object([("a", .array([.number("1"), .number("2.5"), .string("é🚀")])), ("b", .null)]))
    }
}
