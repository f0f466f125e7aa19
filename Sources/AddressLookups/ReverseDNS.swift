import CResolv
import Dispatch
import Foundation
import Query
import Synchronization

/// Finds the name of an address (its PTR record) with glibc's resolver: the servers of
/// /etc/resolv.conf, or one given server (tests, the demo, benchmarks use one on 127.0.0.1).
///
/// Each lookup blocks one of ``LookupThreads/shared``'s 32 threads (started at the first
/// lookup of the process), so none waits on Swift's cooperative pool, and up to 32 run at
/// once (Dispatch, on Linux, would not start threads for blocked work beyond a few).
public final class ReverseDNS: Sendable {
    /// One DNS server: an IPv4 address and a port.
    public struct Server: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int = 53) {
            self.host = host
            self.port = port
        }

        /// `127.0.0.1:5353` or `127.0.0.1` (port 53); nil for anything else.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2, let address = IPAddress(parts[0]), !address.isV6 else { return nil }
            let port = parts.count == 2 ? Int(parts[1]) : 53
            guard let port, (1...65535).contains(port) else { return nil }
            self.init(host: address.description, port: port)
        }

        public var description: String { port == 53 ? host : "\(host):\(port)" }
    }

    /// What a lookup gave.
    public enum Answer: Sendable, Equatable {
        /// The address's name.
        case name(String)
        /// The resolver answered: no name.
        case noName
        /// The resolver did not answer in time, or failed.
        case noAnswer
    }

    /// nil: /etc/resolv.conf's servers.
    public let server: Server?
    /// Seconds to wait for a server's answer, and how many times to ask.
    public let timeout: Int
    public let attempts: Int
    public init(server: Server?, timeout: Int = 1, attempts: Int = 2) {
        self.server = server
        self.timeout = max(1, timeout)
        self.attempts = max(1, attempts)
    }

    /// Where the answers come from, for messages: `127.0.0.1:5353`, or the system's.
    public var resolverName: String { server.map { "the DNS server \($0)" } ?? "the DNS resolver of /etc/resolv.conf" }

    /// The name of `address`; nil when the task was cancelled first (the lookup itself ends
    /// on its own, within its timeout).
    public func name(of address: IPAddress) async -> Answer? {
        let arpa = Self.arpaName(address)
        let (server, timeout, attempts) = (self.server, self.timeout, self.attempts)
        let waiting = Mutex<CheckedContinuation<Answer?, Never>?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Answer?, Never>) in
                waiting.withLock { $0 = continuation }
                if Task.isCancelled {
                    waiting.withLock { $0.take() }?.resume(returning: nil)
                    return
                }
                LookupThreads.shared.run {
                    let answer = Self.lookup(arpa, server: server, timeout: timeout, attempts: attempts)
                    waiting.withLock { $0.take() }?.resume(returning: answer)
                }
            }
        } onCancel: {
            waiting.withLock { $0.take() }?.resume(returning: nil)
        }
    }

    private static func lookup(_ arpa: String, server: Server?, timeout: Int, attempts: Int) -> Answer {
        var buffer = [CChar](repeating: 0, count: 1025)
        let result = buffer.withUnsafeMutableBufferPointer { name in
            opsh_reverse_lookup(arpa, server?.host, Int32(server?.port ?? 53), Int32(timeout), Int32(attempts),
                                name.baseAddress, name.count)
        }
        switch result {
        case OPSH_PTR_NAME:
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return .name(String(decoding: bytes, as: UTF8.self))
        case OPSH_PTR_NONE: return .noName
        default: return .noAnswer
        }
    }

    /// `4.3.2.1.in-addr.arpa` for 1.2.3.4; 32 nibbles then `ip6.arpa` for an IPv6 address.
    public static func arpaName(_ address: IPAddress) -> String {
        if !address.isV6 {
            let v = UInt32(truncatingIfNeeded: address.low)
            return "\(v & 255).\(v >> 8 & 255).\(v >> 16 & 255).\(v >> 24).in-addr.arpa"
        }
        var nibbles: [String] = []
        for word in [address.low, address.high] {
            for i in 0..<16 { nibbles.append(String(word >> UInt64(4 * i) & 0xF, radix: 16)) }
        }
        return nibbles.joined(separator: ".") + ".ip6.arpa"
    }
}

/// A fixed number of threads that run blocking jobs in the order given, started on first use
/// and kept for the process (an idle one waits on a semaphore).
final class LookupThreads: Sendable {
    /// The threads every resolver of the process shares: at most this many lookups at once.
    static let shared = LookupThreads(count: 32)

    private let count: Int
    private let jobs = Mutex<(waiting: [@Sendable () -> Void], started: Bool)>(([], false))
    private let ready = DispatchSemaphore(value: 0)

    init(count: Int) { self.count = count }

    func run(_ job: @escaping @Sendable () -> Void) {
        let start = jobs.withLock { j in
            j.waiting.append(job)
            defer { j.started = true }
            return !j.started
        }
        if start {
            for i in 0..<count {
                let thread = Thread { [self] in work() }
                thread.name = "opsh reverse DNS \(i + 1)"
                thread.start()
            }
        }
        ready.signal()
    }

    private func work() {
        while true {
            ready.wait()
            guard let job = jobs.withLock({ $0.waiting.isEmpty ? nil : $0.waiting.removeFirst() }) else { continue }
            job()
        }
    }
}
