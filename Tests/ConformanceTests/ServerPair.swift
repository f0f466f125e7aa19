import Foundation
import OpenportEmulator

/// The emulator and the Django REST Framework app, serving the same data set in the same order.
final class ServerPair: Sendable {
    let emulator: Emulator
    let drf: DRFServer
    let options: ServerOptions

    static let demoToken = EmulatorAccounts.demoToken
    static let otherToken = EmulatorAccounts.otherToken
    static let freeToken = EmulatorAccounts.freeToken

    private init(emulator: Emulator, drf: DRFServer, options: ServerOptions) {
        self.emulator = emulator
        self.drf = drf
        self.options = options
    }

    /// Two new servers: for tests that change data (stop them when done).
    static func start(_ options: ServerOptions) async throws -> ServerPair {
        let drf = try await onOwnThread { try DRFServer(options) }
        let emulator = try await Emulator.start(options.emulator)
        return ServerPair(emulator: emulator, drf: drf, options: options)
    }

    /// Servers shared by the tests that only read (started once per options, never stopped:
    /// the app's gunicorn ends when the test run does).
    static func shared(_ options: ServerOptions) async throws -> ServerPair {
        try await SharedPairs.shared.pair(options)
    }

    /// Each server's base URL, by name, for messages.
    var servers: [(name: String, baseURL: String)] { [("emulator", emulator.baseURL), ("DRF", drf.baseURL)] }

    func stop() async {
        let drf = drf
        _ = try? await onOwnThread { drf.stop() }
        await emulator.stop()
    }
}

actor SharedPairs {
    static let shared = SharedPairs()
    private var pairs: [ServerOptions: Task<ServerPair, any Error>] = [:]

    func pair(_ options: ServerOptions) async throws -> ServerPair {
        if let started = pairs[options] { return try await started.value }
        let task = Task { try await ServerPair.start(options) }
        pairs[options] = task
        return try await task.value
    }
}
