import Query
import Records
import Testing

/// Runs one condition over a single record and says whether it held.
func holds(_ condition: String, _ pairs: [(String, Value)], now: Timestamp = Fixture.now) async throws -> Bool {
    let pipeline = try Pipeline(parsing: "x | where \(condition)")
    let result = try await pipeline.evaluate(batches([Record(pairs)]), context: EvaluationContext(now: now))
    guard case .records(let rows) = result else { return false }
    return rows.count == 1
}

@Suite struct Numbers {
    @Test func intsCompareNumerically() async throws {
        let r: [(String, Value)] = [("port", .int(6260))]
        #expect(try await holds("port = 6260", r))
        #expect(try await holds("port == 6260.0", r))
        #expect(try await holds("port != 22", r))
        #expect(try await holds("port > 999", r))          // not text order ("6260" < "999")
        #expect(try await holds("port >= 6260", r))
        #expect(try await holds("port <= 6260", r))
        #expect(try await !holds("port < 6260", r))
        #expect(try await holds("port in (22, 6260)", r))
        // A word where the field holds numbers is a mistake to point at, not an empty answer.
        await #expect(throws: QueryError.self) { try await holds("port = pi", r) }
        #expect(try await holds("port ~ ^62", r))
    }

    @Test func doublesAndTextThatReadsAsANumber() async throws {
        #expect(try await holds("ratio > 0.5", [("ratio", .double(0.75))]))
        #expect(try await holds("port = 6260", [("port", .string("6260"))]))
        #expect(try await holds("port > 999", [("port", .string("6260"))]))
        #expect(try await holds("port = \"6260\"", [("port", .int(6260))]))
    }
}

@Suite struct Text {
    let r: [(String, Value)] = [("name", .string("Pi London"))]

    @Test func equalityIsExactAndCaseSensitive() async throws {
        #expect(try await holds(#"name = "Pi London""#, r))
        #expect(try await !holds(#"name = "pi london""#, r))
        #expect(try await holds(#"name != "pi london""#, r))
    }

    @Test func regexIgnoresCaseUnlessToldNot() async throws {
        #expect(try await holds("name ~ ^pi", r))
        #expect(try await !holds("name ~ '(?-i)^pi'", r))
        #expect(try await holds("name !~ berlin", r))
    }

    @Test func containsAndStartswithIgnoreCase() async throws {
        #expect(try await holds("name contains LONDON", r))
        #expect(try await holds("name startswith pi", r))
        #expect(try await !holds("name startswith london", r))
        #expect(try await holds("name contains ÜNÏ", [("name", .string("Café ünï"))]))
        #expect(try await holds("name startswith CAFÉ", [("name", .string("Café ünï"))]))
    }

    @Test func orderingIsByUnicode() async throws {
        #expect(try await holds("name > Pa", r))
        #expect(try await holds("name < Q", r))
    }

    @Test func booleans() async throws {
        #expect(try await holds("public = true", [("public", .bool(true))]))
        #expect(try await holds("public != false", [("public", .bool(true))]))
    }
}

@Suite struct Nulls {
    @Test func nullEqualsOnlyNull() async throws {
        let r: [(String, Value)] = [("name", .null), ("port", .int(1))]
        #expect(try await holds("name = null", r))
        #expect(try await holds("nothing_here = null", r))
        #expect(try await !holds("name != null", r))
        #expect(try await holds("port != null", r))
        #expect(try await !holds("port = null", r))
        #expect(try await !holds(#"name = "null""#, r))
    }

    @Test func orderingWithNullIsFalse() async throws {
        let r: [(String, Value)] = [("port", .null)]
        for op in ["<", "<=", ">", ">="] {
            #expect(try await !holds("port \(op) 5", r))
            #expect(try await !holds("missing \(op) 5", r))
        }
        #expect(try await !holds("port > null", [("port", .int(5))]))
    }

    @Test func negationsOfNullAreTrue() async throws {
        let r: [(String, Value)] = [("name", .null)]
        #expect(try await holds("name != 5", r))
        #expect(try await holds("name !~ x", r))
        #expect(try await !holds("name ~ x", r))
        #expect(try await !holds("name contains x", r))
        #expect(try await !holds("name in 10.0.0.0/8", r))
    }
}

@Suite struct Times {
    let r: [(String, Value)] = [("timestamp", .time(Timestamp("2021-11-15T18:23:34+01:00")!))]

    @Test func offsetsAreHonoured() async throws {
        #expect(try await holds("timestamp = 2021-11-15T17:23:34Z", r))
        #expect(try await holds("timestamp = 2021-11-15T12:23:34-05:00", r))
        #expect(try await holds("timestamp = \"2021-11-15 17:23:34Z\"", r))
        #expect(try await holds("timestamp > 2021-11-15T17:23:33Z", r))
    }

    @Test func aDateIsItsWholeUTCDay() async throws {
        #expect(try await holds("timestamp = 2021-11-15", r))
        #expect(try await !holds("timestamp = 2021-11-16", r))
        #expect(try await holds("timestamp >= 2021-11-15", r))
        #expect(try await holds("timestamp <= 2021-11-15", r))
        #expect(try await !holds("timestamp > 2021-11-15", r))
        #expect(try await !holds("timestamp < 2021-11-15", r))
        #expect(try await holds("timestamp < 2021-11-16", r))
        #expect(try await holds("timestamp > 2021-11-14", r))
        let midnight: [(String, Value)] = [("timestamp", .time(Timestamp("2021-11-16T00:30:00+01:00")!))]
        #expect(try await holds("timestamp = 2021-11-15", midnight))  // 23:30 UTC
    }

    @Test func relativeTimesCountBackFromNow() async throws {
        let now = Timestamp("2021-11-16T12:00:00Z")!
        #expect(try await holds("timestamp > -24h", r, now: now))
        #expect(try await !holds("timestamp > -12h", r, now: now))
        #expect(try await holds("timestamp > -7d", r, now: now))
        #expect(try await holds("timestamp < -30m", r, now: now))
        #expect(try await holds("timestamp < now", r, now: now))
        #expect(try await !holds("timestamp > now", r, now: now))
        #expect(try await holds("timestamp > -24h", r, now: Timestamp("2021-11-16T17:23:33Z")!))
        #expect(try await !holds("timestamp > -24h", r, now: Timestamp("2021-11-16T17:23:35Z")!))
    }

    @Test func textThatIsATimeComparesAsATime() async throws {
        #expect(try await holds("at > 2021-01-01", [("at", .string("2021-11-15T18:23:34+01:00"))]))
    }
}

@Suite struct Addresses {
    @Test func cidrMembership() async throws {
        #expect(try await holds("ip in 10.0.0.0/8", [("ip", .string("10.200.3.4"))]))
        #expect(try await !holds("ip in 10.0.0.0/8", [("ip", .string("11.0.0.1"))]))
        #expect(try await holds("ip in 192.168.0.0/16", [("ip", .string("192.168.255.1"))]))
        #expect(try await holds("ip in 0.0.0.0/0", [("ip", .string("8.8.8.8"))]))
        #expect(try await holds("ip in 2001:db8::/32", [("ip", .string("2001:db8:ffff::1"))]))
        #expect(try await !holds("ip in 2001:db8::/32", [("ip", .string("2001:db9::1"))]))
        #expect(try await !holds("ip in 10.0.0.0/8", [("ip", .string("2001:db8::1"))]))
        #expect(try await !holds("ip in 10.0.0.0/8", [("ip", .string("not an address"))]))
    }

    @Test func equalityIsByAddress() async throws {
        #expect(try await holds("ip = 2001:0db8:0:0::1", [("ip", .string("2001:db8::1"))]))
        #expect(try await holds("ip = 2001:db8::1", [("ip", .string("2001:DB8:0:0:0:0:0:1"))]))
        #expect(try await !holds("ip = 2001:db8::2", [("ip", .string("2001:db8::1"))]))
        #expect(try await holds("ip = ::ffff:1.2.3.4", [("ip", .string("::ffff:102:304"))]))
        #expect(try await holds("ip > 9.255.255.255", [("ip", .string("10.0.0.1"))]))
    }

    @Test func parsing() {
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("2001:0db8:0000:0000:0000:0000:0000:0001")?.description == "2001:db8::1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("fe80::1%eth0")?.description == "fe80::1")
        #expect(IPAddress("1.2.3.4")?.description == "1.2.3.4")
        for bad in ["1.2.3", "1.2.3.256", "1.2.3.4.5", "1..2.3", "2001:db8::1::2", "12345::", ":1", "1:2:3:4:5:6:7:8:9", "g::1", ""] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("2001:db8::/129") == nil)
    }
}

@Suite struct Relations {
    @Test func dottedPathsFollowObjectsAndRelations() async throws {
        #expect(try await column("sessions | where key.name = \"Pi London\" | select port", "port") == [.int(6260)])
        #expect(try await column("sessions | where key.name = null | select port", "port") == [.int(6261)])
        let nested = Record([("owner", .object(Record([("name", .string("ann"))])))])
        let result = try await Pipeline(parsing: "x | where owner.name = ann").evaluate(batches([nested]), context: EvaluationContext())
        #expect(result == .records([nested]))
    }

    @Test func aMissingHeadIsJoinedFromTheWholeRecord() async throws {
        let relation: @Sendable (String, Value) -> Record? = { field, value in
            guard field == "key", case .object(let click) = value else { return nil }
            return Fixture.keys.first { $0["name"] == click["key_name"] }
        }
        let result = try await Pipeline(parsing: "clicks | where key.id = 349 | select port,key.id")
            .evaluate(batches(Fixture.clicks), context: EvaluationContext(now: Fixture.now, relation: relation))
        #expect(result == .records(Array(repeating: Record([("port", .int(6260)), ("key.id", .int(349))]), count: 2)))
    }
}
