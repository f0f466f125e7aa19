import Query
import Testing

/// parse(print(parse(x))) == parse(x), over many generated lines.
@Suite struct RoundTrip {
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    struct Generator {
        var rng: SplitMix
        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        mutating func space() -> String { pick(["", " ", "  "]) }

        mutating func field() -> String { pick(["port", "source_ip", "timestamp", "key.name", "key_name", "a.b.c"]) }

        mutating func value() -> String {
            pick(["6260", "-1", "2.5", "pi", "null", "true", "false", "2021-11-15", "2021-11-15T18:23:34Z",
                  "2021-11-15T18:23:34+01:00", "-24h", "-7d", "now", "10.0.0.1", "2001:db8::1",
                  #""Pi London""#, "'a|b'", #""x=y""#, #""ünï 🦊""#, #""q\"uote""#, #""back\\slash""#,
                  #""tab\there""#, "''", #""and""#])
        }

        mutating func comparison() -> String {
            let op = pick(["=", "==", "!=", "<", "<=", ">", ">=", "~", "!~", "contains", "startswith", "in"])
            if op == "in" {
                if chance(0.5) { return "\(field()) in \(pick(["10.0.0.0/8", "2001:db8::/32", "192.168.0.0/16"]))" }
                let items = (0..<Int.random(in: 1...3, using: &rng)).map { _ in value() }
                return "\(field()) in (\(items.joined(separator: ",\(space())")))"
            }
            let isWord = op.first!.isLetter
            let gap = isWord ? " " : space()
            let v = op.contains("~") ? pick(["^pi", #""a.b""#, "'(?-i)X'"]) : value()
            return "\(field())\(gap)\(op)\(isWord ? " " : space())\(v)"
        }

        mutating func condition(depth: Int = 0) -> String {
            if depth > 2 || chance(0.4) { return comparison() }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return "\(condition(depth: depth + 1)) and \(condition(depth: depth + 1))"
            case 1: return "\(condition(depth: depth + 1)) or \(condition(depth: depth + 1))"
            case 2: return "not \(condition(depth: depth + 1))"
            default: return "(\(space())\(condition(depth: depth + 1))\(space()))"
            }
        }

        mutating func recordStage() -> String {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0, 1: return "where \(condition())"
            case 2: return "select " + (0..<Int.random(in: 1...3, using: &rng)).map { _ in field() }.joined(separator: ",")
            case 3: return "sort " + (0..<Int.random(in: 1...2, using: &rng)).map { _ in (chance(0.5) ? "-" : "") + field() }.joined(separator: ",")
            case 4: return pick(["first", "first 5", "last", "last 0"])
            case 5: return "uniq \(field())"
            case 6: return "group \(field())"
            default: return "first 3"
            }
        }

        mutating func line() -> String {
            var text = pick(["clicks", "sessions", #"keys add name="Pi London" public_key=@~/.ssh/id.pub"#,
                             "keys rm 349 --yes", "get keys/349/", #"keys "my key""#, #"set prompt "a\"b""#])
            for _ in 0..<Int.random(in: 0...3, using: &rng) { text += "\(space())|\(space())\(recordStage())" }
            if chance(0.3) { text += " | " + pick(["count", "sum port", "avg port", "min timestamp", "max key.name"]) }
            if chance(0.3) { text += " | " + pick(["table", "json", "jsonl", "csv"]) }
            if chance(0.2) { text += pick([" > out.txt", " >> log.jsonl", #" > "my file.csv""#]) }
            return text
        }
    }

    @Test func printingThenParsingGivesTheSamePipeline() throws {
        var generator = Generator(rng: SplitMix(state: 2021))
        for _ in 0..<1000 {
            let line = generator.line()
            let parsed = try Pipeline(parsing: line)
            let printed = parsed.description
            let reparsed = try Pipeline(parsing: printed)
            #expect(reparsed == parsed, "\(line)\n→ \(printed)")
            #expect(reparsed.description == printed)
        }
    }

    @Test func rightNestedConditionsKeepTheirParentheses() throws {
        let p = try Pipeline(parsing: "x | where a=1 or (b=2 or c=3)")
        #expect(p.description == "x | where a = 1 or (b = 2 or c = 3)")
        #expect(try Pipeline(parsing: p.description) == p)
    }

    @Test func positionsDoNotMatterToEquality() throws {
        #expect(try Pipeline(parsing: "clicks|where port==6260") == Pipeline(parsing: "clicks  |  where port = 6260"))
        #expect(try Pipeline(parsing: "clicks | where port = 6260") != Pipeline(parsing: "clicks | where port = \"6260\""))
    }
}
