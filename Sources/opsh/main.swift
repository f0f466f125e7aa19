import ArgumentParser
import Foundation
import Shell

// Synchronous on purpose: the line editor needs the main thread (see Repl).
// SIGINT is blocked in every thread, before any exists, so that only the dispatch source in
// Repl sees it (libdispatch reads signals through a signalfd on Linux, which needs the block).
var interruptMask = sigset_t()
sigemptyset(&interruptMask)
sigaddset(&interruptMask, SIGINT)
pthread_sigmask(SIG_BLOCK, &interruptMask, nil)
signal(SIGINT, SIG_IGN)
// A closed stdout is seen as EPIPE, so that opsh stops its requests and ends by itself
// (see Repl.readerGone), as yes(1) would by SIGPIPE.
signal(SIGPIPE, SIG_IGN)
setlocale(LC_ALL, "")
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    var command = try Opsh.parseCommandLine(arguments)
    try command.run()
} catch {
    let code = Opsh.exitCode(for: error)
    // Usage errors exit 2, like other shells; help and version exit 0. They begin as every
    // other error does: one line, and where to read more.
    if code == .validationFailure {
        let environment = ProcessInfo.processInfo.environment
        let color = isatty(2) != 0 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        FileHandle.standardError.write(Data(ErrorLine.text(Opsh.usageLine(for: error, arguments: arguments), color: color).utf8))
        exit(2)
    }
    Opsh.exit(withError: error)
}
