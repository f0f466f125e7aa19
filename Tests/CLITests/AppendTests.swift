import Foundation
import Testing

/// `>> FILE` adds only what a line completed, as `> FILE` replaces only on success: a cron
/// job that retries a failed line must not find its rows twice.
@Suite struct AppendTests {
    @Test func aLineThatFailsPartWayAppendsNothing() throws {
        // The server answers 20 requests, then 503 to everything: the scan of 179 pages has
        // written thousands of rows by then.
        let emulator = try EmulatorProcess(["--fail-after", "20"])
        defer { emulator.stop() }
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let file = home + "/clicks.jsonl"
        try "yesterday\n".write(toFile: file, atomically: true, encoding: .utf8)
        let env = CLI.environment(home: home, ["OPENPORT_API_URL": emulator.baseURL, "OPENPORT_TOKEN": emulator.token,
                                               "OPSH_CACHE": "memory"])
        let script = "set retries 1\nnodes | count >> \(file)\nclicks | jsonl >> \(file)\n"
        let result = try CLI.run(CLI.executable("opsh"), [], environment: env, stdin: script)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("opsh: line 3: "), "\(result)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text == "yesterday\n3\n", "the failed line appended \(text.split(separator: "\n").count - 2) rows")
        let left = try FileManager.default.contentsOfDirectory(atPath: home).filter { $0.contains("opsh-") }
        #expect(left.isEmpty, "temporary files left: \(left)")
    }

    @Test func appendingCreatesTheFileOnlyWhenTheLineSucceeds() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let file = home + "/new.txt"
        let env = CLI.environment(home: home)
        let failed = try CLI.run(CLI.executable("opsh"), ["--demo", "-c", "clicks | where prot=1 | jsonl >> \(file)"], environment: env)
        #expect(failed.status == 1 && !FileManager.default.fileExists(atPath: file), "\(failed)")
        let ok = try CLI.run(CLI.executable("opsh"), ["--demo"], environment: env,
                             stdin: "nodes | count >> \(file)\nkeys | count >> \(file)\n")
        #expect(ok.status == 0, "\(ok)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "3\n1044\n")
    }
}
