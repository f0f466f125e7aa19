import ArgumentParser
import Foundation
import OpenportEmulator

/// Serves the openport.io API v2 emulator until SIGINT/SIGTERM.
struct OpshEmulator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opsh-emulator",
        abstract: "Serve a local copy of the openport.io REST API v2 (demo data, optional faults).",
        discussion: "SIGUSR1 adds 1,000 new clicks to the demo account at once (for benchmarks of what is new).")

    @Option(help: "Port to listen on (0 = any free port).") var port: Int = 0
    @Option(help: "Address to listen on (loopback only unless --allow-remote).") var host: String = "127.0.0.1"
    @Flag(help: "Allow a non-loopback --host.") var allowRemote = false
    @Option(name: .customLong("latency-ms"), help: "Latency added to every request, in milliseconds.") var latencyMs: Int = 0
    @Option(help: "Largest page a client may ask for (DRF max_limit).") var maxPageSize: Int = 1000
    @Option(help: "Clicks of the demo account.") var clicks: Int = 178_268
    @Option(help: "Seed of the data set and of the faults.") var seed: UInt64 = 2021
    @Flag(help: "List clicks newest first (so new clicks appear at the front, not the end).") var newestFirst = false
    @Option(help: "New clicks a second while serving (a busy account); see --newest-first for where they go.")
    var appendRate: Double = 0
    @Option(help: "Rate (0...1) of 500/502/503/504 answers.") var errorRate: Double = 0
    @Option(help: "Rate (0...1) of 429 answers.") var throttleRate: Double = 0
    @Option(help: "Seconds in Retry-After of 429 answers.") var retryAfter: Int = 1
    @Option(help: "Rate (0...1) of 200 answers with a truncated JSON body.") var truncateRate: Double = 0
    @Option(name: .customLong("invalid-json-rate"), help: "Rate (0...1) of 200 answers with a non-JSON body.")
    var invalidJSONRate: Double = 0
    @Option(help: "Rate (0...1) of connections closed without an answer.") var dropRate: Double = 0
    @Option(help: "Rate (0...1) of latency spikes.") var spikeRate: Double = 0
    @Option(name: .customLong("spike-ms"), help: "Latency of a spike, in milliseconds.") var spikeMs: Int = 500
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this certificate (PEM, then any intermediates).", valueName: "FILE"))
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The private key of --tls-cert (PEM).", valueName: "FILE"))
    var tlsKey: String?
    @Flag(help: "With --tls-cert, offer HTTP/2 by ALPN beside HTTP/1.1.") var http2 = false
    @Option(name: .customLong("dns-port"),
            help: "Also answer reverse DNS (PTR) for the demo's made-up addresses on 127.0.0.1, UDP, this port (0 = any free port).")
    var dnsPort: Int?
    @Option(name: .customLong("dns-latency-ms"), help: "Latency of each reverse DNS answer, in milliseconds.") var dnsLatencyMs: Int = 0
    @Option(name: .customLong("write-geoip"),
            help: ArgumentHelp("Write the demo's made-up city and ASN databases (.mmdb) into DIR, and exit.", valueName: "DIR"))
    var writeGeoip: String?
    @Flag(help: "Read changes to the demo account from stdin, a line each (add N, late N, remove-middle N, purge N, rename ID NAME, delete ID, key-ids NAME, append-rate R, count, requests), and answer each with a line on stdout.")
    var commands = false
    @Option(help: ArgumentHelp("Write the data set (--seed, --clicks) as JSON to FILE and exit, for another server to load.", valueName: "FILE"))
    var dump: String?

    func validate() throws {
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.")
        if !loopback && !allowRemote {
            throw ValidationError("refusing to listen on non-loopback host \(host) without --allow-remote")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        if let dnsPort, !(0...65535).contains(dnsPort) { throw ValidationError("--dns-port must be in 0...65535") }
        guard clicks >= 0 else { throw ValidationError("--clicks must be >= 0") }
        guard maxPageSize > 0 else { throw ValidationError("--max-page-size must be > 0") }
        guard appendRate >= 0, appendRate.isFinite else { throw ValidationError("--append-rate must be >= 0") }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if http2, tlsCert == nil { throw ValidationError("--http2 needs --tls-cert and --tls-key") }
        for (name, rate) in [
            ("--error-rate", errorRate), ("--throttle-rate", throttleRate), ("--truncate-rate", truncateRate),
            ("--invalid-json-rate", invalidJSONRate), ("--drop-rate", dropRate), ("--spike-rate", spikeRate),
        ] where !(0...1).contains(rate) {
            throw ValidationError("\(name) must be in 0...1")
        }
    }

    func run() async throws {
        if let writeGeoip { return try writeDemoDatabases(into: writeGeoip) }
        if let dump {
            var options = EmulatorOptions()
            options.clicks = clicks
            options.seed = seed
            let written = FileManager.default.createFile(atPath: dump, contents: Data(DataSetDump.json(options)))
            if !written { throw ValidationError("cannot write \(dump)") }
            return
        }
        var options = EmulatorOptions()
        options.host = host == "localhost" ? "127.0.0.1" : host
        options.port = port
        options.latency = .milliseconds(latencyMs)
        options.maxPageSize = maxPageSize
        options.clicks = clicks
        options.seed = seed
        options.clickOrder = newestFirst ? .newestFirst : .oldestFirst
        options.appendRate = appendRate
        options.faults.serverErrorRate = errorRate
        options.faults.throttleRate = throttleRate
        options.faults.retryAfterSeconds = retryAfter
        options.faults.truncateRate = truncateRate
        options.faults.invalidJSONRate = invalidJSONRate
        options.faults.dropRate = dropRate
        options.faults.spikeRate = spikeRate
        options.faults.spikeLatency = .milliseconds(spikeMs)
        if let tlsCert, let tlsKey {
            options.tls = EmulatorTLS(certificateFile: tlsCert, privateKeyFile: tlsKey, http2: http2)
        }

        // Take SIGINT/SIGTERM away from the default handlers before serving.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "opsh-emulator.signals")
        let stopRequested = AsyncStream<Void>.makeStream()
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { stopRequested.continuation.yield() }
            source.resume()
            return source
        }

        let emulator = try await Emulator.start(options)
        let dns = try dnsPort.map { try ReverseDNSServer(port: $0, latency: .milliseconds(dnsLatencyMs), names: DemoHostNames.name(for:)) }
        // One line, written straight to fd 1 (no stdio buffering), for scripts to read the port.
        let line = "opsh-emulator listening on \(emulator.baseURL) (demo token: \(EmulatorAccounts.demoToken))"
            + (dns.map { "; reverse DNS on \($0.address)" } ?? "") + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        signal(SIGUSR1, SIG_IGN)
        let grow = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: queue)
        grow.setEventHandler { emulator.addClicks(1000) }
        grow.resume()
        if commands { EmulatorCommands.serve(emulator) }

        for await _ in stopRequested.stream { break }
        await emulator.stop()
        dns?.stop()
        sources.forEach { $0.cancel() }
        grow.cancel()
    }
}

extension OpshEmulator {
    /// `--write-geoip DIR`: the demo's made-up city and ASN databases, as files; prints their paths.
    func writeDemoDatabases(into directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--write-geoip: \(directory) is not a directory")
        }
        for (name, base64) in [("opsh-demo-city.mmdb", DemoGeoDatabases.city), ("opsh-demo-asn.mmdb", DemoGeoDatabases.asn)] {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard let data = Data(base64Encoded: base64, options: .ignoreUnknownCharacters),
                  FileManager.default.createFile(atPath: path, contents: data) else {
                throw ValidationError("--write-geoip: cannot write \(path)")
            }
            print(path)
        }
    }
}

// In top-level code `OpshEmulator.main()` resolves to the synchronous overload; inside an
// async function it resolves to AsyncParsableCommand's.
func runCommand() async { await OpshEmulator.main() }
await runCommand()
