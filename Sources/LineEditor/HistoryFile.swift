#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Where history is kept on disk: private to the user (directories 0700, the file 0600).
struct HistoryFile {
    var path: String

    var exists: Bool { access(path, F_OK) == 0 }

    /// Creates the missing parent directories (0700) and the file itself (0600) if absent,
    /// so libedit's `fopen(path, "w")` writes into a file nobody else can read.
    /// Returns false when the file can't be created.
    func prepare() -> Bool {
        var directory = ""
        let components = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (index, component) in components.enumerated() {
            directory += (index == 0 ? "" : "/") + component
            if directory.isEmpty || component.isEmpty { continue }
            if mkdir(directory, 0o700) != 0 && errno != EEXIST { return false }
        }
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        guard fd >= 0 else { return false }
        fchmod(fd, 0o600)
        close(fd)
        return true
    }
}
