#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import CEditLine

/// The keys typed at the terminal, read for libedit (EL_GETCFN) a character at a time, and
/// for a paste as a whole: one buffer for both, so nothing read ahead is lost between them.
///
/// Waits in `poll`, which a resize interrupts (see `ceditline_watch_resize`): `onResize`
/// then redraws the line at the new width, which libedit does itself only for the first
/// resize of a line.
final class TerminalInput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Called when the terminal was resized while waiting for a key.
    var onResize: () -> Void = {}

    init(fd: Int32 = 0) { self.fd = fd }

    /// Whether a key is already waiting (typed ahead, or pasted): no time to draw extras.
    var hasPending: Bool {
        if start < buffer.count { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// The next byte; nil at the end of input or on an error (errno says which). Keys are
    /// read one byte at a time, so that what is typed ahead of a command stays with the
    /// terminal for whatever reads it next (a `[y/N]` question); a paste reads in chunks.
    func byte(chunk: Int = 1) -> UInt8? {
        if start == buffer.count, !fill(upTo: chunk) { return nil }
        defer { start += 1 }
        return buffer[start]
    }

    /// The next character, decoded from UTF-8; stray continuation bytes are skipped, as
    /// libedit's own reader does. nil at the end of input or on an error.
    func character() -> Unicode.Scalar? {
        while true {
            guard let lead = byte() else { return nil }
            let length: Int
            switch lead {
            case 0..<0x80: return Unicode.Scalar(lead)
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: continue
            }
            var bytes = [lead]
            while bytes.count < length, let next = byte() { bytes.append(next) }
            var decoder = UTF8()
            var iterator = bytes.makeIterator()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        }
    }

    /// Bytes up to `terminator` (which is consumed, not returned); at the end of input, what
    /// came before it.
    func bytes(upTo terminator: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        while let b = byte(chunk: 4096) {
            out.append(b)
            if out.count >= terminator.count, out.suffix(terminator.count).elementsEqual(terminator) {
                out.removeLast(terminator.count)
                break
            }
        }
        return out
    }

    /// Reads what is there, at most `size` bytes (waiting for it); false at the end of input or on an error.
    private func fill(upTo size: Int) -> Bool {
        buffer.removeAll(keepingCapacity: true)
        start = 0
        var chunk = [UInt8](repeating: 0, count: max(1, size))
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, -1)
            if ready < 0 {
                guard errno == EINTR else { return false }
                if ceditline_take_resize() != 0 { onResize() }
                continue
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.append(contentsOf: chunk[..<n])
                return true
            }
            if n < 0, errno == EINTR || errno == EAGAIN { continue }
            return false
        }
    }
}
