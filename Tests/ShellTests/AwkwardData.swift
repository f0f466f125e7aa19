import Foundation
import OpenportEmulator
import Records
@testable import Shell
import Testing

/// Data shaped as real accounts are (names of digits, shared names, ports shared across
/// servers, keys renamed after their clicks, IPv4 beside IPv6): each answer is checked against
/// ground truth computed from the API's JSON, independently of opsh. The suites that do so
/// share these helpers.
protocol AwkwardDataTests {}

extension AwkwardDataTests {

    func withShell(_ options: EmulatorOptions = .small, _ body: (ShellHarness) async throws -> Void) async throws {
        try await ShellHarness.with(options, body)
    }

    func failure(_ r: (outcome: Outcome, out: String, err: String)) -> String? {
        if case .failed(let m, _, _) = r.outcome { return m }
        return nil
    }

    /// The lines of a `jsonl` answer, decoded.
    func jsonl(_ text: String) throws -> [Row] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! Row }
    }

    /// A key whose name is all digits and is another key's id.
    func digitNamedKey(_ keys: [Row]) throws -> (named: Row, byID: Row) {
        let ids = Dictionary(keys.map { ($0["id"] as! Int, $0) }, uniquingKeysWith: { a, _ in a })
        let named = try #require(keys.first { k in
            guard let n = k["name"] as? String, let id = Int(n), let other = ids[id] else { return false }
            return other["id"] as? Int != k["id"] as? Int
        }, "the data set needs a key named with another key's id")
        return (named, ids[Int(named["name"] as! String)!]!)
    }
}

typealias Row = [String: Any]
