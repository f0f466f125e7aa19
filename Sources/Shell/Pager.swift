import Foundation

/// Shows long output at a terminal through `$PAGER` (default `less -FRSX`, as git and pgcli do).
struct Pager {
    let command: String

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let configured = environment["PAGER"]?.trimmingCharacters(in: .whitespaces) ?? ""
        command = configured.isEmpty ? "less -FRSX" : configured
    }

    /// Whether `text` is taller than the terminal.
    static func needed(_ text: String, rows: Int?) -> Bool {
        guard let rows, rows > 2 else { return false }
        var lines = 0
        for c in text.utf8 where c == 0x0A {
            lines += 1
            if lines >= rows - 1 { return true }
        }
        return false
    }

    /// Pipes `text` into the pager and waits for it; false when it could not start.
    func show(_ text: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var env = ProcessInfo.processInfo.environment
        if env["LESS"] == nil { env["LESS"] = "FRSX" }
        process.environment = env
        let pipe = Pipe()
        process.standardInput = pipe
        do {
            try process.run()
        } catch {
            return false
        }
        let handle = pipe.fileHandleForWriting
        // The pager may quit before reading everything (q): a broken pipe is fine.
        signal(SIGPIPE, SIG_IGN)
        try? handle.write(contentsOf: Data(text.utf8))
        try? handle.close()
        process.waitUntilExit()
        return true
    }
}
