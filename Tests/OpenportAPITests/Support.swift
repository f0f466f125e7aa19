import Foundation
import OpenportAPI
import OpenportEmulator
import Records
@_exported import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Starts an emulator (the small data set unless told), hands a client for it to `body`,
/// and stops both.
func withEmulator<T>(_ options: EmulatorOptions = .small, token: String? = EmulatorAccounts.demoToken,
                     configure: (inout APIConfig) -> Void = { _ in },
                     _ body: (Emulator, OpenportClient) async throws -> T) async throws -> T {
    try await serving(options, token: token, configure: configure, body)
}

extension EmulatorOptions {
    /// A fast data set: every key, few clicks.
    static var small: EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = 3_000
        return o
    }
}

/// A raw GET with Foundation's own JSON parser: an account of the data independent of opsh's reader.
func independentList(_ url: String) async throws -> [[String: Any]] {
    var rows: [[String: Any]] = []
    var next: String? = url
    while let u = next {
        let (data, _) = try await URLSession.shared.data(from: URL(string: u)!)
        let body = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        rows += body["results"] as! [[String: Any]]
        next = body["next"] as? String
    }
    return rows
}

/// The APIError that `body` throws, or nil when it succeeds.
func apiError(_ body: () async throws -> Void) async -> APIError? {
    do {
        try await body()
        return nil
    } catch let e as APIError {
        return e
    } catch {
        return APIError(.transport, "not an APIError: \(error)")
    }
}
