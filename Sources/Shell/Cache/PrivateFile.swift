#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// Files only their owner may read: directories made 0700, files written 0600 through a
/// temporary file and a rename, so a reader never sees half a file.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates `path` and its missing parents with mode 0700 (existing ones are left alone).
    public static func makeDirectory(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw Failure(description: "\(path) is not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Replaces `path` with `text`, mode 0600, creating its directory (0700) when missing.
    /// A symbolic link is followed, so a linked file stays linked.
    public static func write(_ text: String, to path: String) throws {
        try write(bytes: Array(text.utf8), to: path)
    }

    /// Replaces `path` with `bytes`, as ``write(_:to:)`` does with text.
    public static func write(bytes: [UInt8], to path: String) throws {
        try write(to: path) { write in try bytes.withUnsafeBytes(write) }
    }

    /// Replaces `path` with what `produce` hands its writer, piece by piece (a large file
    /// need not be whole in memory), as ``write(_:to:)`` does with text.
    public static func write(to path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        var target = path
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
            target = resolved.hasPrefix("/") ? resolved : (path as NSString).deletingLastPathComponent + "/" + resolved
        }
        let dir = (target as NSString).deletingLastPathComponent
        try makeDirectory(dir)
        var template = Array((dir + "/.opsh-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw Failure(description: "cannot write in \(dir): \(String(cString: strerror(errno)))") }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = fchmod(fd, 0o600) == 0
        if ok {
            do {
                try produce { piece in
                    guard FileDescriptor.writeAll(fd, piece) else { throw Failure(description: "a write failed") }
                }
            } catch {
                ok = false
            }
        }
        if ok { ok = fsync(fd) == 0 }
        let error = errno
        close(fd)
        guard ok, rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(ok ? errno : error))
            unlink(temporary)
            throw Failure(description: "cannot write \(target): \(reason)")
        }
    }
}
