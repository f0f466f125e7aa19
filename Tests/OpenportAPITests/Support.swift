import Foundation
import OpenportAPI
import OpenportEmulator
import Records
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Starts an emulator, hands a client for it to `body`, and stops both.
func withEmulator<T>(_ options: EmulatorOptions = .small, token: String? = EmulatorAccounts.demoToken,
                     configure: (inout APIConfig) -> Void = { _ in },
                     _ body: (Emulator, OpenportClient) async throws -> T) async throws -> T {
    let emulator = try await Emulator.start(options)
    var config = APIConfig(baseURL: emulator.baseURL, token: token)
    config.maxAttempts = 1
    configure(&config)
    let client = try OpenportClient(config: config)
    do {
        let result = try await body(emulator, client)
        await client.shutdown()
        await emulator.stop()
        return result
    } catch {
        await client.shutdown()
        await emulator.stop()
        throw error
    }
}

extension EmulatorOptions {
    /// A fast data set: every key, few clicks.
    static var small: EmulatorOptions {
        var o = EmulatorOptions()
        o.clicks = 3_000
        return o
    }
}

/// Every row of a scan.
func collect(_ batches: RecordBatches) async throws -> [Record] {
    var rows: [Record] = []
    for try await b in batches { rows.append(contentsOf: b) }
    return rows
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
