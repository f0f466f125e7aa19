#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A tiny DNS server on 127.0.0.1 that answers reverse lookups (PTR) and nothing else: the
/// resolver of `opsh --demo` (whose addresses are made up), of the tests and the benchmarks,
/// so that none of them ever asks a DNS server off this machine.
///
/// It answers a name, or NXDOMAIN when `names` gives none, after `latency`; `silent` drops
/// every query (a resolver that does not answer). Queries are counted per address.
public final class ReverseDNSServer: Sendable {
    /// The bound UDP port on 127.0.0.1.
    public let port: Int
    private let socket: Int32
    private let names: @Sendable (String) -> String?
    private let latency: Duration
    private let silent: Bool
    private let stopped = Atomic<Bool>(false)
    private let asked = Mutex<[String: Int]>([:])
    /// Queries received and not answered yet, and the most there were at once.
    private let outstanding = Mutex<(now: Int, most: Int)>((0, 0))

    /// Starts answering on 127.0.0.1 (`port` 0: any free port). `names` gets an address as
    /// text (`192.0.2.1`, `2001:db8::1`) and gives its name, or nil for none.
    public init(port: Int = 0, latency: Duration = .zero, silent: Bool = false,
                names: @escaping @Sendable (String) -> String?) throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw ReverseDNSServerError("cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw ReverseDNSServerError("cannot listen on 127.0.0.1:\(port) (UDP): \(String(cString: strerror(errno)))")
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.socket = fd
        self.names = names
        self.latency = latency
        self.silent = silent
        let serving = Thread { [self] in serve() }
        serving.name = "opsh reverse DNS"
        serving.start()
    }

    /// `127.0.0.1:PORT`, as opsh's `OPSH_DNS_SERVER` takes it.
    public var address: String { "127.0.0.1:\(port)" }

    /// How many queries each address got.
    public var queries: [String: Int] { asked.withLock { $0 } }

    /// The most queries that waited for their answer at once (with a latency, how many a
    /// client had in flight together).
    public var mostAtOnce: Int { outstanding.withLock { $0.most } }

    /// Stops answering and closes the socket (within 100 ms).
    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    deinit { stop() }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 512)
        while !stopped.load(ordering: .relaxed) {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socket, &buffer, buffer.count, 0, $0, &peerLength) }
            }
            guard n > 0, let query = DNSQuery(Array(buffer[0..<n])) else { continue }
            if let address = query.address { asked.withLock { $0[address, default: 0] += 1 } }
            if silent { continue }
            let reply = query.reply(name: query.address.flatMap(names))
            let (fd, delay, to, toLength) = (socket, latency, peer, peerLength)
            outstanding.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            let send: @Sendable () -> Void = { [self] in
                outstanding.withLock { $0.now -= 1 }
                withUnsafePointer(to: to) {
                    _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, toLength) }
                }
            }
            if delay == .zero {
                send()
            } else {
                let ms = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms), execute: send)
            }
        }
        close(socket)
    }
}

struct ReverseDNSServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One query as the server reads it: its id, its question, and the address a PTR question
/// asks about.
struct DNSQuery {
    let id: [UInt8]
    let question: [UInt8]
    /// The address of a PTR question for `…in-addr.arpa` or `…ip6.arpa`, as text.
    let address: String?

    init?(_ message: [UInt8]) {
        guard message.count >= 12, message[2] & 0x80 == 0, message[4] == 0, message[5] == 1 else { return nil }
        var labels: [String] = []
        var i = 12
        while i < message.count, message[i] != 0 {
            let length = Int(message[i])
            guard length < 64, i + 1 + length < message.count else { return nil }
            labels.append(String(decoding: message[(i + 1)...(i + length)], as: UTF8.self).lowercased())
            i += 1 + length
        }
        guard i + 5 <= message.count else { return nil }
        id = Array(message[0..<2])
        question = Array(message[12..<(i + 5)])
        let type = Int(message[i + 1]) << 8 | Int(message[i + 2])
        address = type == 12 ? Self.address(labels) : nil
    }

    /// `4.3.2.1.in-addr.arpa` → `1.2.3.4`; 32 nibbles then `ip6.arpa` → the IPv6 text.
    static func address(_ labels: [String]) -> String? {
        if labels.count == 6, labels.suffix(2) == ["in-addr", "arpa"] {
            let parts = labels.prefix(4).reversed()
            guard parts.allSatisfy({ UInt8($0) != nil }) else { return nil }
            return parts.joined(separator: ".")
        }
        guard labels.count == 34, labels.suffix(2) == ["ip6", "arpa"] else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        for (k, nibble) in labels.prefix(32).reversed().enumerated() {
            guard nibble.count == 1, let v = UInt8(nibble, radix: 16) else { return nil }
            bytes[k / 2] |= k % 2 == 0 ? v << 4 : v
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, bytes, &text, socklen_t(text.count)) != nil else { return nil }
        return String(cString: text)
    }

    /// The answer: the name as a PTR record (TTL one hour), or NXDOMAIN.
    func reply(name: String?) -> [UInt8] {
        var out = id
        out += [0x81, name == nil ? 0x83 : 0x80]  // a response, recursion asked and available; NXDOMAIN
        out += [0, 1, 0, name == nil ? 0 : 1, 0, 0, 0, 0]
        out += question
        guard let name else { return out }
        var data: [UInt8] = []
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8.prefix(63))
            data.append(UInt8(bytes.count))
            data += bytes
        }
        data.append(0)
        out += [0xC0, 0x0C, 0, 12, 0, 1, 0, 0, 0x0E, 0x10, UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
        return out + data
    }
}
