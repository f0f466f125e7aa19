import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import Shell
import Testing

/// Every resource and the headline pipelines against an emulator that misbehaves: under each
/// kind of fault at a moderate rate the answers equal the fault-free run; when every request
/// fails the shell says so in one line, naming the resource, without the token.
@Suite("Injected faults: same answers, or one clear line")
struct FaultSuiteTests {
    /// One kind of misbehaviour the emulator can inject.
    enum Kind: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case serverError, throttle, truncate, invalidJSON, drop, spike

        var testDescription: String { rawValue }

        func options(rate: Double) -> EmulatorOptions {
            var o = FaultSuiteTests.base
            switch self {
            case .serverError: o.faults.serverErrorRate = rate
            case .throttle: o.faults.throttleRate = rate
            case .truncate: o.faults.truncateRate = rate
            case .invalidJSON: o.faults.invalidJSONRate = rate
            case .drop: o.faults.dropRate = rate
            case .spike: o.faults.spikeRate = rate
            }
            return o
        }
    }

    /// Small pages over a small click log: many requests, each quick.
    static var base: EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = 2_000
        o.maxPageSize = 100
        o.latency = .milliseconds(1)
        o.faults.retryAfterSeconds = 0
        o.faults.spikeLatency = .milliseconds(20)
        return o
    }

    /// Each line runs in a fresh interpreter (an empty cache), so each one fetches.
    static let lines = [
        "sessions | csv",
        "keys | csv",
        "clicks | csv",
        "nodes | csv",
        "clicks | where port=6260 | count",
        "keys | count",
        "sessions | where local_port=22 | select port,key.name",
        "nodes",
        "clicks | group port | first 5",
        "keys 2392 | json",
        "get sessions/?limit=40",
    ]

    /// The emulator, a client that retries quickly, and a way to run a line in a fresh shell.
    struct Rig {
        let emulator: Emulator
        let client: OpenportClient

        /// Budgets are generous: under `swift test` the in-process emulator shares a small
        /// thread pool with every other test, and a starved request must not count as a fault.
        static func start(_ options: EmulatorOptions, attempts: Int, budget: Double = 60) async throws -> Rig {
            let emulator = try await Emulator.start(options)
            var config = APIConfig(baseURL: emulator.baseURL, token: EmulatorAccounts.demoToken)
            config.maxAttempts = attempts
            let client = try OpenportClient(config: config)
            client.retryPolicy = .init(maxAttempts: attempts, budget: budget, baseDelay: 0.005)
            return Rig(emulator: emulator, client: client)
        }

        func run(_ line: String, interpreter: Interpreter? = nil) async -> (outcome: Outcome, out: String, err: String) {
            let output = CapturedOutput()
            let shell = interpreter ?? Interpreter(client: client, output: output)
            let outcome = await shell.run(line)
            // Rows carry the emulator's address (a key's url), which differs between emulators.
            let address = "127.0.0.1:\(emulator.port)"
            return (outcome, output.stdout.replacingOccurrences(of: address, with: "EMULATOR"), output.stderr)
        }

        func stop() async {
            await client.shutdown()
            await emulator.stop()
        }
    }

    /// The fault-free answers, computed once for all the tests.
    static let baseline = Baseline()

    actor Baseline {
        private var task: Task<[String], any Error>?

        func answers() async throws -> [String] {
            if task == nil {
                task = Task {
                    let rig = try await Rig.start(FaultSuiteTests.base, attempts: 1)
                    var answers: [String] = []
                    for line in FaultSuiteTests.lines {
                        let r = await rig.run(line)
                        answers.append(r.outcome == .ok ? r.out : "FAILED: \(r.outcome)")
                    }
                    await rig.stop()
                    return answers
                }
            }
            return try await task!.value
        }
    }

    @Test("the fault-free answers are real answers")
    func baselineAnswers() async throws {
        let expected = try await Self.baseline.answers()
        for (line, answer) in zip(Self.lines, expected) {
            #expect(!answer.hasPrefix("FAILED"), "\(line): \(answer)")
            #expect(!answer.isEmpty, "\(line)")
        }
        #expect(expected[4] != "0\n", "port 6260 has clicks")
        #expect(expected[5] == "1044\n")
    }

    @Test("at a rate of 0.2 every answer equals the fault-free one", arguments: Kind.allCases)
    func moderateRate(kind: Kind) async throws {
        let expected = try await Self.baseline.answers()
        let rig = try await Rig.start(kind.options(rate: 0.2), attempts: 12)
        var failed = 0
        for (line, answer) in zip(Self.lines, expected) {
            let r = await rig.run(line)
            #expect(r.outcome == .ok, "\(kind) \(line): \(r.outcome)")
            if r.out != answer {
                failed += 1
                Issue.record("\(kind) \(line): the answer differs from the fault-free run (\(r.out.count) vs \(answer.count) characters)")
            }
            #expect(!r.err.contains(EmulatorAccounts.demoToken))
        }
        #expect(failed == 0)
        if kind != .spike {
            #expect(rig.emulator.requestCount > Self.lines.count, "faults made the client retry")
        }
        await rig.stop()
    }

    @Test("when every request fails: one line that names the resource and what to try, no token", arguments: Kind.allCases)
    func everyRequestFails(kind: Kind) async throws {
        // A scan waits out 429s at no cost in tries: it gives up when no page came for `budget` s.
        let rig = try await Rig.start(kind.options(rate: 1), attempts: 3, budget: kind == .throttle ? 8 : 60)
        for (line, resource) in [("keys | count", "keys/"), ("clicks | where port=6260 | count", "openforiplinkclicks/"),
                                 ("sessions | where local_port=22 | select port,key.name", "/")] {
            let r = await rig.run(line)
            if kind == .spike {
                // Slow, not broken: the answer comes.
                #expect(r.outcome == .ok, "\(line): \(r.outcome)")
                continue
            }
            guard case .failed(let message, _, _) = r.outcome else {
                Issue.record("\(kind) \(line): \(r.outcome)")
                continue
            }
            #expect(!message.contains("\n"), "\(message)")
            #expect(!message.contains(EmulatorAccounts.demoToken), "\(message)")
            #expect(!message.contains("token="), "\(message)")
            #expect(message.contains(resource), "\(kind): \(message)")
            // One request: "gave up after 3 tries"; a scan: "gave up: …; the first page did not arrive".
            #expect(message.contains("gave up"), "\(kind): \(message)")
            #expect(message.contains("set retries"), "\(kind): \(message)")
            #expect(r.out.isEmpty)
            #expect(!r.err.contains(EmulatorAccounts.demoToken))
        }
        await rig.stop()
    }

    @Test("a fetch that fails part-way leaves nothing in the cache, and a later success caches it whole")
    func partialFetchNotCached() async throws {
        var options = Self.base
        options.faults.serverErrorRate = 0.3
        let rig = try await Rig.start(options, attempts: 1)
        let shell = Interpreter(client: rig.client, output: CapturedOutput())
        var failures = 0
        var successes = 0
        for _ in 0..<20 where successes == 0 || failures == 0 {
            let r = await rig.run("clicks | where port > 0 | count", interpreter: shell)
            if r.outcome == .ok {
                successes += 1
                #expect(shell.cache.any(.clicks)?.records.count == 2_000)
                shell.cache.invalidate(.clicks)
            } else {
                failures += 1
                #expect(shell.cache.any(.clicks) == nil, "a failed scan left rows in the cache")
            }
        }
        #expect(failures > 0, "the faults should have broken at least one scan")
        await rig.stop()
    }

    @Test("POST and PATCH are sent once; GET, PUT and DELETE are retried up to the limit")
    func whichMethodsRetry() async throws {
        var options = Self.base
        options.faults.serverErrorRate = 1
        let rig = try await Rig.start(options, attempts: 3)
        rig.emulator.resetRequestCount()
        _ = try? await rig.client.createKey([("name", .string("x")), ("public_key", .string("ssh-ed25519 AAAA x"))])
        #expect(rig.emulator.requestCount == 1, "POST")
        rig.emulator.resetRequestCount()
        _ = try? await rig.client.updateKey(id: 2392, [("name", .string("y"))])
        #expect(rig.emulator.requestCount == 1, "PATCH")
        await rig.stop()

        options = Self.base
        options.faults.dropRate = 1
        let dropping = try await Rig.start(options, attempts: 3)
        dropping.emulator.resetRequestCount()
        _ = try? await dropping.client.replaceKey(id: 2392, [("name", .string("y"))])
        #expect(dropping.emulator.requestCount == 3, "PUT")
        dropping.emulator.resetRequestCount()
        _ = try? await dropping.client.deleteKey(id: 2392)
        #expect(dropping.emulator.requestCount == 3, "DELETE")
        dropping.emulator.resetRequestCount()
        _ = try? await dropping.client.key(id: 2392)
        #expect(dropping.emulator.requestCount == 3, "GET")
        await dropping.stop()
    }

    @Test("Retry-After is honoured, and a wait beyond the budget is not attempted")
    func retryAfter() async throws {
        var options = Self.base
        options.faults.throttleRate = 1
        options.faults.retryAfterSeconds = 1
        let rig = try await Rig.start(options, attempts: 2)
        let started = ContinuousClock.now
        let error = await Self.apiError { _ = try await rig.client.count(.keys) }
        #expect(ContinuousClock.now - started >= .seconds(1), "waited as the server asked")
        #expect(error?.kind == .throttled, "\(error?.message ?? "")")
        #expect(rig.emulator.requestCount == 2)
        await rig.stop()

        // Asked to wait longer than the budget: one try, and the message says why it stopped.
        options.faults.retryAfterSeconds = 120
        let impatient = try await Rig.start(options, attempts: 5)
        let quick = await Self.apiError { _ = try await impatient.client.count(.keys) }
        #expect(impatient.emulator.requestCount == 1)
        #expect(quick?.kind == .throttled, "\(quick?.message ?? "")")
        #expect(quick?.message.contains("wait 120 s") == true, "\(quick?.message ?? "")")
        #expect(quick?.message.contains("keys/") == true, "\(quick?.message ?? "")")
        #expect(quick?.message.contains("set timeout") == true, "\(quick?.message ?? "")")
        await impatient.stop()
    }

    @Test("set retries and set timeout check their values and give the client's policy")
    func settings() throws {
        var s = Settings()
        #expect(s.retryPolicy == .init(maxAttempts: 4, budget: 30))
        try s.set("retries", "0")
        try s.set("timeout", "2m")
        #expect(s.retryPolicy == .init(maxAttempts: 1, budget: 120))
        #expect(throws: ShellError.self) { try s.set("retries", "-1") }
        #expect(throws: ShellError.self) { try s.set("timeout", "0") }
        #expect(s.listing.contains { $0.name == "retries" && $0.value == "0" })
        #expect(s.listing.contains { $0.name == "timeout" && $0.value == "2m" })
    }

    static func apiError(_ body: () async throws -> Void) async -> APIError? {
        do {
            try await body()
            return nil
        } catch let e as APIError {
            return e
        } catch {
            return APIError(.transport, "not an APIError: \(error)")
        }
    }
}
