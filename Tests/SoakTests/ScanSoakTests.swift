import Foundation
import OpenportAPI
import OpenportEmulator
import Records
import TestSupport
import Testing

/// Issue 13's soaks: a hundred full scans of the demo click log through a fault mix, each
/// answer compared with the log read without faults. Minutes of both cores: a target of their
/// own, run by `make soak` (and `.ci/run`), never beside the end-to-end tests. Plain
/// `swift test` skips them unless OPSH_SOAK is set.
@Suite("Scan soaks", .serialized, .enabled(if: ProcessInfo.processInfo.environment["OPSH_SOAK"] != nil))
struct ScanSoakTests {
    /// Scans the full log `n` times against a misbehaving emulator; returns how many answers were right.
    static func soak(rate: Double, scans n: Int) async throws -> (right: Int, failures: [String], seconds: Double, retries: Int) {
        let truth = try await serving(ScanFixture.fullLog) { _, client in ScanFixture.fingerprint(try await collect(client.scan(.clicks))) }
        let started = ContinuousClock.now
        return try await serving(ScanFixture.mixed(rate)) { _, client in
            ScanFixture.configure(client)
            var right = 0
            var failures: [String] = []
            for _ in 0..<n {
                do {
                    let rows = try await collect(client.scan(.clicks))
                    if ScanFixture.fingerprint(rows) == truth { right += 1 } else { failures.append("wrong rows: \(rows.count)") }
                } catch {
                    failures.append("\(error)")
                }
            }
            let seconds = (ContinuousClock.now - started).inSeconds
            return (right, failures, seconds, client.scanTally.retries)
        }
    }

    @Test("100 full scans of 178,268 clicks at a 20 % fault mix: 100 right answers")
    func twentyPercent() async throws {
        let r = try await Self.soak(rate: 0.2, scans: 100)
        print("scan soak at 20 %: \(r.right)/100 right in \(String(format: "%.1f", r.seconds)) s, \(r.retries) retries")
        #expect(r.right == 100, "\(r.failures.prefix(3))")
    }

    @Test("100 full scans at a 30 % fault mix: at least 99 right answers")
    func thirtyPercent() async throws {
        let r = try await Self.soak(rate: 0.3, scans: 100)
        print("scan soak at 30 %: \(r.right)/100 right in \(String(format: "%.1f", r.seconds)) s, \(r.retries) retries")
        #expect(r.right >= 99, "\(r.failures.prefix(3))")
    }
}
