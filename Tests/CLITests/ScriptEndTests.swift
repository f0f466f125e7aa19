import Foundation
import Testing

/// How a script ends and how it names its failures.
@Suite struct ScriptEndTests {
    @Test func exitNEndsTheScriptWithN() throws {
        let result = try CLI.opsh(["--demo"], stdin: "nodes | count\nexit 3\nkeys | count\n")
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout == "3\n", "the lines after exit must not run\n\(result)")
    }

    @Test func aScriptFileNamesItselfInFailures() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let file = home + "/weekly.opsh"
        try "nodes | count\nclicks | where prot=1 | count\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CLI.run(CLI.executable("opsh"), ["--demo", file], environment: CLI.environment(home: home))
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.hasPrefix("opsh: \(file):2:"), "\(result)")
        #expect(result.stderr.contains("prot"), "\(result)")
    }
}
