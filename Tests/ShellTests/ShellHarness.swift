import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Shell
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An interpreter wired to a fresh emulator over loopback, output captured.
final class ShellHarness: Sendable {
    let emulator: Emulator
    let client: OpenportClient
    let interpreter: Interpreter
    let output = CapturedOutput()
    /// The CA of an HTTPS emulator, removed by `stop()`.
    let pki: ThrowawayPKI?

    /// `https: true` serves HTTPS with a certificate from a throwaway CA that the client trusts.
    static func start(_ options: EmulatorOptions = .small, token: String = EmulatorAccounts.demoToken,
                      settings: Settings = Settings(), interactive: Bool = false, https: Bool = false,
                      ask: (@Sendable (String) -> Bool)? = nil) async throws -> ShellHarness {
        var options = options
        let pki = https ? try ThrowawayPKI() : nil
        if let pki { options.tls = try pki.server() }
        let emulator = try await Emulator.start(options)
        var config = APIConfig(baseURL: emulator.baseURL, token: token)
        config.maxAttempts = 1
        config.certificateAuthorities = pki.map { CertificateAuthorities(files: [$0.caFile], origin: "the test CA") }
        let client = try OpenportClient(config: config)
        return ShellHarness(emulator: emulator, client: client, settings: settings, interactive: interactive, pki: pki, ask: ask)
    }

    private init(emulator: Emulator, client: OpenportClient, settings: Settings, interactive: Bool, pki: ThrowawayPKI?,
                 ask: (@Sendable (String) -> Bool)?) {
        self.emulator = emulator
        self.client = client
        self.pki = pki
        self.interpreter = Interpreter(client: client, settings: settings, output: output,
                                       options: .init(interactive: interactive, apiLabel: "test"), ask: ask)
    }

    /// Runs `body` with a shell on a fresh emulator, stopped however the body ends.
    static func with(_ options: EmulatorOptions = .small, _ body: (ShellHarness) async throws -> Void) async throws {
        let shell = try await ShellHarness.start(options)
        do {
            try await body(shell)
        } catch {
            await shell.stop()
            throw error
        }
        await shell.stop()
    }

    /// Runs a line; returns how it ended and what it printed (stdout, stderr).
    @discardableResult
    func run(_ line: String) async -> (outcome: Outcome, out: String, err: String) {
        output.reset()
        let outcome = await interpreter.run(line)
        var shown = output.stderr
        if case .failed(let message, _, _) = outcome { shown += message }
        if let debug = shown.firstMatch(of: try! Regex(#"\b[A-Z][A-Za-z0-9]+\([a-z][A-Za-z0-9]*: |\bSwift\.[A-Z]|\bOptional\("#)) {
            Issue.record("a Swift type or debug description reached the user: \(shown[debug.range])")
        }
        return (outcome, output.stdout, output.stderr)
    }

    /// Runs a line and counts the requests the emulator answered meanwhile.
    func runCountingRequests(_ line: String) async -> (outcome: Outcome, out: String, requests: Int) {
        emulator.resetRequestCount()
        let r = await run(line)
        return (r.outcome, r.out, emulator.requestCount)
    }

    /// What `clicks | where port > 0 | count` should print, counted from the API's JSON.
    func expectedPositivePortCount() async throws -> String {
        let rows = try await independentRows("openforiplinkclicks/")
        return "\(rows.filter { ($0["port"] as? Int ?? 0) > 0 }.count)\n"
    }

    func stop() async {
        await client.shutdown()
        await emulator.stop()
        pki?.remove()
    }

    /// Every row of a list path, read with Foundation's JSON parser: an independent account of the data.
    func independentRows(_ path: String, token: String = EmulatorAccounts.demoToken) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var next: String? = emulator.baseURL + path + "?limit=1000&token=" + token
        while let u = next {
            let (data, _) = try await URLSession.shared.data(from: URL(string: u)!)
            let body = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            rows += body["results"] as! [[String: Any]]
            next = body["next"] as? String
        }
        return rows
    }
}

extension EmulatorOptions {
    static var small: EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = 5_000
        return o
    }
}
