import Query
import Records
import Testing

@Suite struct Stages {
    @Test func whereFilters() async throws {
        #expect(try await column("clicks | where port=6260", "source_ip")
            == [.string("10.1.2.3"), .string("192.168.0.7"), .string("10.1.2.3")])
    }

    @Test func selectKeepsTheOrderGivenAndNamesPaths() async throws {
        guard case .records(let rows) = try await run("sessions | select server,key.name,nope") else {
            Issue.record("no records")
            return
        }
        #expect(rows.map(\.fields) == [["server", "key.name", "nope"], ["server", "key.name", "nope"]])
        #expect(rows.map { $0["key.name"] } == [.string("Pi London"), .null])
        #expect(rows[0]["nope"] == .null)
    }

    @Test func sortIsMultiKeyStableWithNullsLast() async throws {
        #expect(try await column("clicks | sort key_name", "key_name")
            == [.string("Pi London"), .string("Pi London"), .string("laptop"), .string("pi-berlin"), .null])
        #expect(try await column("clicks | sort -key_name", "key_name")
            == [.string("pi-berlin"), .string("laptop"), .string("Pi London"), .string("Pi London"), .null])
        #expect(try await column("clicks | sort port,-timestamp", "timestamp").map(\.plainText) == [
            "2021-11-15T23:59:59Z", "2021-11-16T11:30:00Z", "2021-11-16T00:00:00Z",
            "2021-11-15T18:23:34.113431+01:00", "2021-11-10T08:00:00Z",
        ])
        // Stable: equal ports keep arrival order.
        #expect(try await column("clicks | sort port", "source_ip").map(\.plainText)
            == ["2001:db8::1", "10.1.2.3", "192.168.0.7", "10.1.2.3", "10.200.0.1"])
    }

    @Test func sortThenFirstMatchesAFullSort() async throws {
        for n in 0...6 {
            let top = try await column("clicks | sort -port,key_name | first \(n)", "timestamp")
            let full = try await column("clicks | sort -port,key_name", "timestamp")
            #expect(top == Array(full.prefix(n)))
        }
    }

    @Test func firstAndLast() async throws {
        #expect(try await column("clicks | first 2", "port") == [.int(6260), .int(22)])
        #expect(try await column("clicks | first", "port").count == 5)
        #expect(try await column("clicks | first 0", "port") == [])
        #expect(try await column("clicks | last 2", "port") == [.int(8080), .int(6260)])
        #expect(try await column("clicks | last 0", "port") == [])
        #expect(try await column("clicks | last 9", "port").count == 5)
    }

    @Test func countGivesANumber() async throws {
        #expect(try await value("clicks | count") == .int(5))
        #expect(try await value("clicks | where port=6260 | count") == .int(3))
        #expect(try await value("clicks | where port=1 | count") == .int(0))
    }

    @Test func uniqKeepsFirstSeenOrder() async throws {
        guard case .records(let rows) = try await run("clicks | uniq key_name") else { Issue.record("uniq gave no records"); return }
        #expect(rows.map(\.fields) == Array(repeating: ["key_name"], count: 4))
        #expect(rows.map { $0["key_name"] } == [.string("Pi London"), .string("laptop"), .string("pi-berlin"), .null])
    }

    @Test func groupCountsMostFrequentFirst() async throws {
        guard case .records(let rows) = try await run("clicks | group port") else { Issue.record("group gave no records"); return }
        #expect(rows.map(\.fields) == Array(repeating: ["port", "count"], count: 3))
        #expect(rows.map { [$0["port"], $0["count"]] } == [[.int(6260), .int(3)], [.int(22), .int(1)], [.int(8080), .int(1)]])
        #expect(try await column("clicks | group source_ip | first 1", "source_ip") == [.string("10.1.2.3")])
    }

    @Test func aggregates() async throws {
        #expect(try await value("clicks | sum port") == .int(6260 * 3 + 22 + 8080))
        #expect(try await value("clicks | avg port") == .double(Double(6260 * 3 + 22 + 8080) / 5))
        #expect(try await value("clicks | min port") == .int(22))
        #expect(try await value("clicks | max port") == .int(8080))
        #expect(try await value("clicks | max timestamp")?.plainText == "2021-11-16T11:30:00Z")
        #expect(try await value("clicks | min key_name") == .string("Pi London"))
        #expect(try await value("clicks | max key_name") == .string("pi-berlin"))
        #expect(try await value("clicks | where port=1 | sum port") == .int(0))
        #expect(try await value("clicks | where port=1 | avg port") == .null)
        #expect(try await value("clicks | where port=1 | min port") == .null)
        #expect(try await value("clicks | sum nothing") == .int(0))
        #expect(try await value("sessions | avg key.id") == .double(349))
    }

    @Test func sumOfTextSaysWhichFieldsAreNumeric() async throws {
        do {
            _ = try await run("clicks | sum key_name")
            Issue.record("summed text")
        } catch let error as QueryError {
            #expect(error.message == "sum needs a numeric field; port is numeric, key_name is not")
            #expect(error.range == 13..<21)
        }
        do {
            _ = try await run("sessions | avg server")
            Issue.record("averaged text")
        } catch let error as QueryError {
            #expect(error.message == "avg needs a numeric field; port and local_port are numeric, server is not")
        }
    }

    @Test func eachStageIsInTheCatalogOnce() {
        #expect(StageCatalog.names == ["where", "select", "sort", "first", "last", "count", "uniq", "group",
                                       "sum", "avg", "min", "max", "table", "json", "jsonl", "csv", "chart", "follow"])
        for stage in StageCatalog.all {
            #expect(stage.synopsis.hasPrefix(stage.name))
            #expect(!stage.summary.isEmpty && !stage.help.isEmpty && !stage.examples.isEmpty, "\(stage.name)")
        }
    }

    @Test func whereHelpStatesTheCaseRules() {
        #expect(Where.help.contains("~ ignores case; use (?-i) to respect it"))
    }
}

@Suite struct Examples {
    static let all = StageCatalog.all.flatMap { stage in stage.examples.map { (stage.name, $0) } }

    /// Each example runs on the small fixture and prints as it parses. (What it gives on the
    /// demo data is checked against its stated result in ShellTests' StageExampleTests.)
    @Test(arguments: all.map(\.1.line))
    func runsAgainstTheFixture(line: String) async throws {
        _ = try await rendered(line)
        let pipeline = try Pipeline(parsing: line)
        #expect(try Pipeline(parsing: pipeline.description) == pipeline)
    }

    @Test func everyStageShowsItselfInItsExamples() throws {
        for (name, example) in Self.all {
            #expect(try Pipeline(parsing: example.line).stages.contains { type(of: $0.stage).name == name }, "\(example.line)")
        }
    }
}

@Suite struct Streaming {
    /// Pages a producer may make ahead of its consumer: the buffer, plus the one it waits to hand over.
    static let readAhead = 2

    /// A source that makes pages as a paged fetch does, counting them, with room for one
    /// page between it and the pipeline.
    func pagedSource(pages: Int, pageSize: Int, counter: PullCounter) -> RecordBatches {
        let box = PageSource(pages: pages, pageSize: pageSize, counter: counter)
        return RecordBatches(capacity: 1) { out in
            while let page = box.next() { try await out.send(page) }
        }
    }

    final class PageSource: @unchecked Sendable {  // one producer task calls `next`, one page at a time
        let pages: Int
        let pageSize: Int
        let counter: PullCounter
        var made = 0
        init(pages: Int, pageSize: Int, counter: PullCounter) {
            self.pages = pages
            self.pageSize = pageSize
            self.counter = counter
        }

        func next() -> [Record]? {
            guard made < pages else { return nil }
            counter.pull()
            defer { made += 1 }
            return (0..<pageSize).map { i in
                Record(schema: Fixture.clickSchema, values: [.int(i % 2 == 0 ? 6260 : 22), .string("10.0.0.\(i)"),
                                                            .time(Fixture.now), .string("k")])
            }
        }
    }

    @Test func firstStopsPulling() async throws {
        let counter = PullCounter()
        let result = try await Pipeline(parsing: "clicks | first 150")
            .evaluate(pagedSource(pages: 100, pageSize: 100, counter: counter), context: Fixture.context())
        guard case .records(let rows) = result else { Issue.record("expected records, got \(result)"); return }
        #expect(rows.count == 150)
        #expect(counter.pulled >= 2 && counter.pulled <= 2 + Self.readAhead, "\(counter.pulled) pages made")
    }

    @Test func whereThenFirstStopsOnceItHasEnough() async throws {
        let counter = PullCounter()
        let result = try await Pipeline(parsing: "clicks | where port=6260 | first 120")
            .evaluate(pagedSource(pages: 100, pageSize: 100, counter: counter), context: Fixture.context())
        guard case .records(let rows) = result else { Issue.record("expected records, got \(result)"); return }
        #expect(rows.count == 120)
        #expect(counter.pulled >= 3 && counter.pulled <= 3 + Self.readAhead, "\(counter.pulled) pages made")
    }

    @Test func firstZeroPullsNothing() async throws {
        let counter = PullCounter()
        _ = try await Pipeline(parsing: "clicks | first 0")
            .evaluate(pagedSource(pages: 100, pageSize: 100, counter: counter), context: Fixture.context())
        #expect(counter.pulled == 0)
    }

    @Test func stoppingTerminatesAPushingProducer() async throws {
        let counter = PullCounter()
        let stream = RecordBatches { out in
            defer { counter.terminate() }
            var i = 0
            while i < 10_000 {
                counter.pull()
                try await out.send([Fixture.clicks[i % 5]])
                i += 1
            }
        }
        let result = try await Pipeline(parsing: "clicks | first 3").evaluate(stream, context: Fixture.context())
        #expect(result == .records(Array(Fixture.clicks.prefix(3))))
        // However slow the machine: only a producer that never stops reaches the deadline.
        let deadline = ContinuousClock.now + .seconds(300)
        while !counter.terminated, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(counter.terminated, "the producer was stopped")
        #expect(counter.pulled < 10_000)
    }

    @Test func aSlowConsumerHoldsTheProducerBack() async throws {
        let counter = PullCounter()
        let stream = pagedSource(pages: 1000, pageSize: 10, counter: counter)
        var iterator = stream.makeAsyncIterator()
        for read in 1...3 {
            _ = try await iterator.next()
            // However long the consumer takes, the producer makes at most a page or two ahead.
            try await Task.sleep(for: .milliseconds(50))
            #expect(counter.pulled <= read + Self.readAhead, "\(counter.pulled) pages made for \(read) read")
        }
    }

    @Test func aStreamEndsWithItsProducersError() async throws {
        struct Broken: Error {}
        let stream = RecordBatches { out in
            try await out.send(Array(Fixture.clicks.prefix(2)))
            throw Broken()
        }
        var rows = 0
        await #expect(throws: Broken.self) {
            for try await batch in stream { rows += batch.count }
        }
        #expect(rows == 2, "the rows sent before the error arrive first")
    }

    @Test func countReadsEverythingAndKeepsNothing() async throws {
        let counter = PullCounter()
        let result = try await Pipeline(parsing: "clicks | where port=6260 | count")
            .evaluate(pagedSource(pages: 50, pageSize: 100, counter: counter), context: Fixture.context())
        #expect(result == .value(.int(2500)))
        #expect(counter.pulled == 50)
    }

    @Test func renderStreamsJSONLines() async throws {
        var out = ""
        try await Pipeline(parsing: "clicks | select port | first 2").render(batches(Fixture.clicks), context: Fixture.context(),
                                                                            format: .jsonl, into: &out)
        #expect(out == "{\"port\":6260}\n{\"port\":22}\n")
    }
}
