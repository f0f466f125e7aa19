import Foundation
import Testing

/// opsh run from scripts: stdin lines, `-c`, a FILE; exit codes, stderr, no escapes, no token.
@Suite struct BatchTests {
    /// Nothing opsh prints may contain the demo token or an escape sequence (output is a pipe).
    private func expectClean(_ result: CLI.Result, token: String = CLI.demoToken,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!result.stdout.contains(token), "token on stdout\n\(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains(token), "token on stderr\n\(result)", sourceLocation: sourceLocation)
        #expect(!result.stdout.contains("\u{1B}"), "escape on stdout\n\(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("\u{1B}"), "escape on stderr\n\(result)", sourceLocation: sourceLocation)
        #expect(!result.timedOut, "\(result)", sourceLocation: sourceLocation)
    }

    @Test func anEmptyAnswerPrintsNothingInAScript() throws {
        // At a terminal it says "(no rows)" (InteractiveTests); a script reads no line at all.
        let result = try CLI.opsh(["--demo", "-c", "nodes | where status != active"])
        #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, "\(result)")
    }

    @Test func stdinLinesCountKeysAndListNodes() throws {
        let result = try CLI.opsh(["--demo"], stdin: "keys | count\nnodes\n")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "1044", "\(result)")
        // To a pipe, the nodes as tab-separated rows (no header, no rules), name first.
        let names = lines.dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }
        for node in ["us", "singapore", "openport-main-2"] {
            #expect(names.contains(node), "node \(node) missing\n\(result)")
        }
        #expect(result.stdout.hasSuffix("\n"))
        expectClean(result)
    }

    @Test func dashCFileAndStdinGiveTheSameOutput() throws {
        let lines = [
            "keys | where name startswith \"Pi \" | sort id | select id,name",
            "clicks | where port=6260 | count",
            "nodes | select name,status | json",
            "sessions | where local_port=22 | count",
        ]
        // -c: one process per line, outputs concatenated.
        var viaDashC = ""
        for line in lines {
            let result = try CLI.opsh(["--demo", "-c", line])
            #expect(result.status == 0, "\(line)\n\(result)")
            #expect(result.stderr.isEmpty, "\(line)\n\(result)")
            expectClean(result)
            viaDashC += result.stdout
        }
        let script = lines.joined(separator: "\n") + "\n"
        let viaStdin = try CLI.opsh(["--demo"], stdin: script)
        #expect(viaStdin.status == 0, "\(viaStdin)")
        expectClean(viaStdin)

        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let file = home + "/script.opsh"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        let viaFile = try CLI.run(CLI.executable("opsh"), ["--demo", file],
                                  environment: CLI.environment(home: home),
                                  stdin: "nodes | count\n")  // ignored: the FILE is the script
        #expect(viaFile.status == 0, "\(viaFile)")
        expectClean(viaFile)

        #expect(viaDashC.contains("Pi London"), "\(viaDashC)")
        #expect(viaStdin.stdout == viaDashC)
        #expect(viaFile.stdout == viaDashC)
    }

    @Test func commentsAndBlankLinesAreSkipped() throws {
        let script = """
            # a comment first

            keys | count
               # an indented comment
            \t
            nodes | count
            keys | where name = "#not-a-comment" | count

            """
        let result = try CLI.opsh(["--demo"], stdin: script)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "1044\n3\n0\n", "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
        expectClean(result)
    }

    @Test func aFailingLineStopsTheScript() throws {
        let script = "keys | count\nkeys | wher port=1\nnodes | count\n"
        let result = try CLI.opsh(["--demo"], stdin: script)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "1044\n", "the third line must not run\n\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("opsh: line 2"), "\(result)")
        #expect(result.stderr.contains("where"), "a suggestion for the typo\n\(result)")
        expectClean(result)
    }

    @Test func lineNumbersCountCommentsAndBlankLines() throws {
        let result = try CLI.opsh(["--demo"], stdin: "# setup\n\nkeys | count\nkeys | wher x\n")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("opsh: line 4"), "\(result)")
    }

    @Test func keepGoingRunsEveryLineAndStillFails() throws {
        let script = "keys | count\nkeys | wher port=1\nnodes | count\nbogus\nkeys | where name = \"Pi London\" | count\n"
        let result = try CLI.opsh(["--demo", "--keep-going"], stdin: script)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "1044\n3\n1\n", "\(result)")
        #expect(result.stderrLines.count == 2, "\(result)")
        #expect(result.stderrLines.first?.hasPrefix("opsh: line 2") == true, "\(result)")
        #expect(result.stderrLines.last?.hasPrefix("opsh: line 4") == true, "\(result)")
        expectClean(result)
    }

    @Test func dashCFailureExitsOne() throws {
        let result = try CLI.opsh(["--demo", "-c", "clicks | where prot=6260 | count"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.hasPrefix("opsh: "), "\(result)")
        #expect(result.stderr.contains("port"), "suggests the nearest field\n\(result)")
        expectClean(result)
    }

    /// `--demo` stops its emulator at exit; a clicks pipeline that fails while pages are
    /// still being fetched must not crash the process on the way out (it did, with
    /// "Fatal error: Deinited NIOAsyncWriter without calling finish()", exit 132).
    @Test func demoExitsCleanlyAfterAFailedClicksPipeline() throws {
        let runs = 6
        let results = Locked<[CLI.Result]>([])
        DispatchQueue.concurrentPerform(iterations: runs) { _ in
            if let result = try? CLI.opsh(["--demo", "-c", "clicks | where prot=6260"]) {
                results.withLock { $0.append(result) }
            }
        }
        let all = results.withLock { $0 }
        #expect(all.count == runs)
        for result in all {
            #expect(result.status == 1, "\(result)")
            #expect(result.stderrLines.count == 1, "\(result)")
            #expect(!result.stderr.contains("Fatal error"), "\(result)")
        }
    }

    @Test(arguments: [["--bogus"], ["--demo", "--format", "xml", "-c", "nodes"],
                      ["--demo", "-c", "nodes", "/etc/hostname"], ["-c"]])
    func usageErrorsExitTwo(arguments: [String]) throws {
        let result = try CLI.opsh(arguments)
        #expect(result.status == 2, "\(arguments)\n\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(!result.stderr.isEmpty, "\(result)")
        expectClean(result)
    }

    @Test func aBadTokenGivesOneLineWithoutTheToken() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let badToken = "wrong-0f3e9a71c2"
        let result = try CLI.opsh(["-c", "keys | count"], environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": badToken,
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.contains("OPENPORT_TOKEN"), "\(result)")
        expectClean(result, token: badToken)
        expectClean(result, token: emulator.token)

        // The same emulator with the right token: proves the failure was the token.
        let good = try CLI.opsh(["-c", "keys | count"], environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
        ])
        #expect(good.status == 0, "\(good)")
        #expect(good.stdout == "1044\n", "\(good)")
        expectClean(good, token: emulator.token)
    }

    @Test func anUnreachableAPIFailsQuicklyWithOneLine() throws {
        // A port nobody listens on: bind one, note it, close it.
        let port = try Self.closedPort()
        let token = "secret-unreachable-77e1"
        let result = try CLI.opsh(["-c", "keys | count"], environment: [
            "OPENPORT_API_URL": "http://127.0.0.1:\(port)/api/v2/", "OPENPORT_TOKEN": token,
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.stderr.contains("127.0.0.1"), "names the host\n\(result)")
        #expect(result.stderr.contains("refused") || result.stderr.contains("connect"), "\(result)")
        expectClean(result, token: token)
    }

    @Test func pipedOutputHasNoEscapesEvenWithoutNoColor() throws {
        // TERM says colours are possible and NO_COLOR is unset; stdout is a pipe all the same.
        let script = """
            keys | where name ~ pi | sort -last_connection_time | first 5
            sessions | where local_port=22 | select port,server,key.name | first 3
            clicks | group source_ip | first 5
            keys 5245
            help where
            nope
            """
        let result = try CLI.opsh(["--demo", "--keep-going"], stdin: script + "\n",
                                  environment: ["COLORTERM": "truecolor"])
        #expect(result.status == 1, "the last line fails\n\(result)")
        #expect(result.stdout.contains("Pi London"), "\(result)")
        #expect(!result.stdout.contains("…"), "no cutting when not a terminal\n\(result)")
        expectClean(result)
    }

    @Test func deletionInAScriptNeedsYes() throws {
        // A real key: the first one the API lists.
        let first = try CLI.opsh(["--demo", "-c", "keys | first 1 | json"])
        #expect(first.status == 0, "\(first)")
        let rows = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [[String: Any]]
        let id = try #require(rows?.first?["id"] as? Int, "\(first)")

        let refused = try CLI.opsh(["--demo", "--keep-going"],
                                   stdin: "keys rm \(id)\nkeys | count\nkeys \(id) | count\n")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout == "1044\n1\n", "the key must still be there\n\(refused)")
        #expect(refused.stderrLines.count == 1, "\(refused)")
        #expect(refused.stderr.hasPrefix("opsh: line 1"), "\(refused)")
        #expect(refused.stderr.contains("--yes"), "says how to confirm\n\(refused)")
        expectClean(refused)

        let refusedDashC = try CLI.opsh(["--demo", "-c", "keys rm \(id)"])
        #expect(refusedDashC.status == 1, "\(refusedDashC)")
        #expect(refusedDashC.stderr.contains("--yes"), "\(refusedDashC)")

        let confirmed = try CLI.opsh(["--demo", "--yes"], stdin: "keys rm \(id)\nkeys | count\n")
        #expect(confirmed.status == 0, "\(confirmed)")
        #expect(confirmed.stdout.hasSuffix("1043\n"), "\(confirmed)")
        expectClean(confirmed)
    }

    @Test func withoutATokenKeysFailAndNodesWork() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let keys = try CLI.opsh(["-c", "keys | count"], environment: ["OPENPORT_API_URL": emulator.baseURL])
        #expect(keys.status == 1, "\(keys)")
        #expect(keys.stdout.isEmpty, "\(keys)")
        #expect(keys.stderr.contains("OPENPORT_TOKEN"), "\(keys)")
        expectClean(keys, token: emulator.token)

        let nodes = try CLI.opsh([], stdin: "nodes | count\n", environment: ["OPENPORT_API_URL": emulator.baseURL])
        #expect(nodes.status == 0, "\(nodes)")
        #expect(nodes.stdout == "3\n", "\(nodes)")
        expectClean(nodes, token: emulator.token)
    }

    /// `first N` after a `where` stops fetching with pages still in flight; `--demo` must
    /// still exit 0 (it crashed in the emulator's shutdown, exit 132).
    @Test func demoExitsCleanlyWhenFirstStopsAFetch() throws {
        let results = Locked<[CLI.Result]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            if let result = try? CLI.opsh(["--demo", "-c", "clicks | where port=6260 | first 2 | csv"]) {
                results.withLock { $0.append(result) }
            }
        }
        for result in results.withLock({ $0 }) {
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("port,source_ip,timestamp,key_name\r\n6260,"), "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
        }
    }

    /// `set concurrency 1` must reach the HTTP client: 20 pages of 100 ms one at a time take
    /// at least 2 s (with the default 8 at a time they take about 0.3 s).
    @Test func setConcurrencyOneFetchesOnePageAtATime() throws {
        let emulator = try EmulatorProcess(["--latency-ms", "100", "--clicks", "2000", "--max-page-size", "100"])
        defer { emulator.stop() }
        let result = try CLI.opsh([], stdin: "set concurrency 1\nclicks | where port=1 | count\n", environment: [
            "OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "0\n", "\(result)")
        #expect(result.elapsed >= .seconds(2), "20 pages took \(result.elapsed): not one at a time")
        expectClean(result, token: emulator.token)
    }

    /// The demo click log has IPv6 sources; every one of them is in 2a02::/16, 2001:db8::/32
    /// or ::ffff:0:0/96 (IPv4-mapped), so `in CIDR` must find them all (it found none: the
    /// addresses had 7 groups).
    @Test func ipv6SourcesMatchTheirNetworks() throws {
        let result = try CLI.opsh(["--demo"], stdin: """
            clicks | where source_ip ~ ":" | count
            clicks | where source_ip in (2a02::/16, 2001:db8::/32, ::ffff:0:0/96) | count

            """)
        #expect(result.status == 0, "\(result)")
        let counts = result.stdout.split(separator: "\n").compactMap { Int($0) }
        #expect(counts.count == 2, "\(result)")
        #expect(counts.first.map { $0 > 0 } == true, "\(result)")
        #expect(counts.first == counts.last, "\(result)")
    }

    /// A loopback port that was free a moment ago and is now closed.
    static func closedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return UInt16(bigEndian: address.sin_port)
    }
}
