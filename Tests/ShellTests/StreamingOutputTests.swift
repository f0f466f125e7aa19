import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Shell
import Testing

/// Output written as it is made: files put in place only when the line succeeds, a count that
/// needs only the count, and a slow reader holding the fetch back.
@Suite("Output that streams") struct StreamingOutputTests {
    func withShell(_ body: (ShellHarness) async throws -> Void) async throws {
        let shell = try await ShellHarness.start()
        do {
            try await body(shell)
        } catch {
            await shell.stop()
            throw error
        }
        await shell.stop()
    }

    func temporaryFile(_ name: String = "out.txt") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("opsh-stream-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/" + name
    }

    @Test("a line that fails leaves the file it was sent to as it was")
    func failedLineKeepsTheFile() async throws {
        try await withShell { shell in
            let path = try temporaryFile()
            try "yesterday's answer\n".write(toFile: path, atomically: true, encoding: .utf8)
            // The typo is found on the first page, after the file was opened.
            let failed = await shell.run("clicks | where prot=6260 | jsonl > \(path)")
            #expect(failed.outcome.isFailure, "\(failed)")
            #expect(failed.err.isEmpty || !failed.err.contains("cannot write"))
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "yesterday's answer\n")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            #expect(leftovers == ["out.txt"], "no temporary file is left behind")

            let ok = await shell.run("keys | select id | jsonl > \(path)")
            #expect(ok.outcome == .ok, "\(ok)")
            let keys = try await shell.independentRows("keys/")
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == keys.count)

            let appended = await shell.run("nodes | count >> \(path)")
            #expect(appended.outcome == .ok)
            let nodes = try await shell.independentRows("nodes/")
            let after = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(after.count == keys.count + 1 && after.last.map(String.init) == String(nodes.count))
        }
    }

    @Test("a file that is not a regular file is written in place, and a directory is refused in one line")
    func specialFiles() async throws {
        try await withShell { shell in
            #expect(await shell.run("keys | jsonl > /dev/null").outcome == .ok)
            #expect(FileManager.default.fileExists(atPath: "/dev/null"))
            let dir = (try temporaryFile() as NSString).deletingLastPathComponent
            let refused = await shell.run("keys > \(dir)")
            #expect(refused.outcome.isFailure && refused.outcome.failureMessage.contains("is a directory"), "\(refused)")
        }
    }

    @Test("count after select makes one request, and still checks the field names")
    func countAfterSelect() async throws {
        try await withShell { shell in
            let clicks = try await shell.independentRows("openforiplinkclicks/")
            let r = await shell.runCountingRequests("clicks | select port,source_ip | count")
            #expect(r.out == "\(clicks.count)\n")
            #expect(r.requests == 1)
            let typo = await shell.run("clicks | select prot | count")
            #expect(typo.outcome.isFailure && typo.outcome.failureMessage.contains("did you mean 'port'"), "\(typo)")
            // Anything after the count but a renderer needs the rows.
            let filtered = await shell.run("clicks | select port | where port=6260 | count")
            let expected = clicks.filter { $0["port"] as? Int == 6260 }.count
            #expect(filtered.out == "\(expected)\n")
        }
    }
}

extension Outcome {
    var isFailure: Bool { if case .failed = self { return true } else { return false } }
    var failureMessage: String { if case .failed(let m, _, _) = self { return m } else { return "" } }
}
