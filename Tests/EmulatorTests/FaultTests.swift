import Foundation
import Testing
@testable import OpenportEmulator

@Suite struct FaultTests {
    let path = "/api/v2/keys/?token=\(HTTP.demo)&limit=3"

    @Test func serverErrors() async throws {
        let emu = try await startEmulator { $0.faults.serverErrorRate = 1 }
        var seen = Set<Int>()
        for _ in 0..<16 { seen.insert(try await HTTP.get(emu.port, path).status) }
        #expect(seen.isSubset(of: [500, 502, 503, 504]))
        #expect(seen.count >= 2)
        // Faults apply to API routes only.
        #expect(try await HTTP.get(emu.port, "/elsewhere/").status == 404)
        await emu.stop()
    }

    @Test func throttling() async throws {
        let emu = try await startEmulator {
            $0.faults.throttleRate = 1
            $0.faults.retryAfterSeconds = 3
        }
        let r = try await HTTP.get(emu.port, path)
        #expect(r.status == 429)
        #expect(r.header("Retry-After") == "3")
        #expect(r.text == #"{"detail":"Request was throttled. Expected available in 3 seconds."}"#)
        await emu.stop()
    }

    @Test func truncatedAndInvalidBodies() async throws {
        let trunc = try await startEmulator { $0.faults.truncateRate = 1 }
        let clean = try await startEmulator()
        let cut = try await HTTP.get(trunc.port, path, host: "h")
        let whole = try await HTTP.get(clean.port, path, host: "h")
        #expect(cut.status == 200)
        #expect(cut.json == nil)
        #expect(!cut.body.isEmpty && cut.body.count < whole.body.count)
        #expect(whole.body.starts(with: cut.body))
        let invalid = try await startEmulator { $0.faults.invalidJSONRate = 1 }
        let bad = try await HTTP.get(invalid.port, path)
        #expect(bad.status == 200)
        #expect(bad.json == nil)
        await trunc.stop(); await clean.stop(); await invalid.stop()
    }

    @Test func droppedConnections() async throws {
        let emu = try await startEmulator { $0.faults.dropRate = 1 }
        let r = try await HTTP.get(emu.port, path)
        #expect(r.dropped)
        #expect(emu.requestCount == 1)
        await emu.stop()
    }

    @Test func latencyAndSpikes() async throws {
        let emu = try await startEmulator {
            $0.latency = .milliseconds(50)
            $0.faults.spikeRate = 1
            $0.faults.spikeLatency = .milliseconds(200)
        }
        let clock = ContinuousClock()
        let elapsed = try await clock.measure { _ = try await HTTP.get(emu.port, path) }
        #expect(elapsed >= .milliseconds(250))
        await emu.stop()
    }

    @Test func faultsAreDeterministicAndProportional() {
        var o = FaultOptions()
        o.serverErrorRate = 0.1
        o.throttleRate = 0.1
        o.dropRate = 0.05
        let plan = FaultPlan(options: o, seed: 2021)
        let a = (0..<2000).map { plan.decide($0).fault }
        let b = (0..<2000).map { plan.decide($0).fault }
        #expect(a == b)
        let errors = a.filter { if case .serverError = $0 { return true } else { return false } }.count
        #expect((120...280).contains(errors))
        #expect((120...280).contains(a.filter { $0 == .throttle }.count))
        #expect((50...150).contains(a.filter { $0 == .drop }.count))
    }
}
