#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Paths of this checkout and of the executables built beside the test bundle.
enum Checkout {
    /// The repository root (this file is Tests/ConformanceTests/Processes.swift).
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var conformance: String { root + "/conformance" }

    struct Missing: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) is not built beside the test bundle (run `swift build`)" }
    }

    /// `opsh` or `opsh-emulator`, as built in the same configuration as the tests.
    static func executable(_ name: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw Missing(name: name) }
        let exe = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let candidate = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)]) + "/" + name
        guard access(candidate, X_OK) == 0 else { throw Missing(name: name) }
        return candidate
    }
}

/// A finished process: its exit status and both outputs.
struct Finished: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    var description: String { "exit \(status)\n--- stdout:\n\(stdout.prefix(4000))\n--- stderr:\n\(stderr.prefix(4000))" }
}

struct ProcessFailure: Error, CustomStringConvertible {
    var description: String
}

enum Run {
    /// Runs a program to its end, `stdin` written to it, both outputs read on their own threads.
    static func program(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                        directory: String? = nil, stdin: String = "") throws -> Finished {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputs = Outputs()
        let readers = DispatchGroup()
        for (index, pipe) in [output, errors].enumerated() {
            readers.enter()
            Thread.detachNewThread {
                outputs.set(index, pipe.fileHandleForReading.readDataToEndOfFile())
                readers.leave()
            }
        }
        let writer = input.fileHandleForWriting
        let bytes = Data(stdin.utf8)
        Thread.detachNewThread {
            signal(SIGPIPE, SIG_IGN)
            try? writer.write(contentsOf: bytes)
            try? writer.close()
        }
        process.waitUntilExit()
        readers.wait()
        return Finished(status: process.terminationStatus, stdout: outputs.text(0), stderr: outputs.text(1))
    }

    /// Like `program`, but a non-zero exit is an error that shows what the program said.
    @discardableResult
    static func checked(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                        directory: String? = nil) throws -> Finished {
        let done = try program(path, arguments, environment: environment, directory: directory)
        guard done.status == 0 else {
            throw ProcessFailure(description: "\(path) \(arguments.joined(separator: " ")): \(done)")
        }
        return done
    }

    private final class Outputs: @unchecked Sendable {  // every access holds the lock
        private let lock = NSLock()
        private var data = [Data(), Data()]
        func set(_ i: Int, _ d: Data) { lock.withLock { data[i] = d } }
        func text(_ i: Int) -> String { lock.withLock { String(decoding: data[i], as: UTF8.self) } }
    }
}

/// Runs blocking work (a process to its end, a file read) on a thread of its own: the
/// cooperative pool, which also serves the in-process emulator, must never wait on it.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
