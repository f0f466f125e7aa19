import OpenportAPI
import OpenportEmulator
import Records

/// Starts an emulator with `options`, hands a client for it to `body`, and stops both
/// however the body ends. The client tries each request once unless `configure` says otherwise.
public func serving<T>(_ options: EmulatorOptions, token: String? = EmulatorAccounts.demoToken,
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

/// Every row of a scan.
public func collect(_ batches: RecordBatches) async throws -> [Record] {
    var rows: [Record] = []
    for try await b in batches { rows.append(contentsOf: b) }
    return rows
}
