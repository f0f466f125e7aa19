import ArgumentParser
import Foundation

// Synchronous on purpose: the line editor needs the main thread (see Repl).
setlocale(LC_ALL, "")
do {
    var command = try Opsh.parseAsRoot()
    try command.run()
} catch {
    let code = Opsh.exitCode(for: error)
    // Usage errors exit 2, like other shells; help and version exit 0.
    if code == .validationFailure {
        FileHandle.standardError.write(Data((Opsh.fullMessage(for: error) + "\n").utf8))
        exit(2)
    }
    Opsh.exit(withError: error)
}
