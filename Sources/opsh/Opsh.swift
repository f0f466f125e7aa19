import ArgumentParser
import Foundation
import LineEditor
import OpenportAPI
import OpenportEmulator
import Shell

/// The command line: flags, then the shell (interactive, -c, a script file, or stdin).
struct Opsh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opsh",
        abstract: "The openport shell: explore and script the openport.io API v2.",
        discussion: """
        Interactive at a terminal; otherwise runs one command per line from stdin or FILE.

        Examples:
          opsh --demo                                   try it on a built-in emulator, offline
          OPENPORT_TOKEN=... opsh                       your account, at a prompt
          opsh -c 'clicks | where port=6260 | count'    one command
          printf 'keys | count\\nnodes\\n' | opsh        a script on stdin

        Environment: OPENPORT_TOKEN, OPENPORT_API_URL (default \(APIConfig.defaultBaseURL)), NO_COLOR, PAGER.
        Exit status: 0 success, 1 a command failed, 2 usage error, 130 interrupted.
        """,
        version: OpenportClient.version
    )

    @Flag(help: "Start a built-in emulator of the API with demo data and use it (offline).")
    var demo = false

    @Option(name: .customShort("c"), help: ArgumentHelp("Run LINE and exit.", valueName: "LINE"))
    var command: String?

    @Argument(help: ArgumentHelp("A script: one command per line, # comments.", valueName: "FILE"))
    var script: String?

    @Option(help: ArgumentHelp("Default output format when a line names none: table, json, jsonl, csv.", valueName: "FORMAT"))
    var format: String?

    @Option(name: .customLong("api-url"), help: ArgumentHelp("The API base URL (overrides OPENPORT_API_URL).", valueName: "URL"))
    var apiURL: String?

    @Option(help: ArgumentHelp("The API token (visible to other users in the process list: prefer OPENPORT_TOKEN).", valueName: "TOKEN"))
    var token: String?

    @Flag(name: .customLong("keep-going"), help: "In a script, run every line even after one fails (exit 1 if any failed).")
    var keepGoing = false

    @Flag(help: "Answer yes to confirmations (needed for deletions in scripts).")
    var yes = false

    @Flag(name: .customLong("no-cache"), help: "Fetch every time; keep nothing between commands.")
    var noCache = false

    @Flag(name: .customLong("allow-insecure-http"), help: "Allow sending the token over plain http:// to a non-loopback host.")
    var allowInsecureHTTP = false

    mutating func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let output = StandardOutput()
        if command != nil, script != nil {
            throw ValidationError("give either -c LINE or a FILE, not both")
        }
        var settings = Settings()
        if let format {
            do { try settings.set("format", format) } catch { throw ValidationError(error.message) }
        }
        if noCache { settings.useCache = false }
        if token != nil {
            output.message("opsh: warning: --token is visible to other users in the process list; prefer OPENPORT_TOKEN\n")
        }

        // Where the lines come from, decided before anything slow happens.
        let interactive = command == nil && script == nil && EditLineReader.isInteractive
        var scriptFD: Int32 = 0
        if let script {
            scriptFD = open(script, O_RDONLY)
            guard scriptFD >= 0 else { throw ValidationError("cannot read \(script): \(String(cString: strerror(errno)))") }
        }

        // The API: the demo emulator, or the real one.
        var emulator: Emulator?
        let config: APIConfig
        if demo {
            let started = blocking { () -> Result<Emulator, any Error> in
                do { return .success(try await Emulator.start(EmulatorOptions())) } catch { return .failure(error) }
            }
            guard case .success(let e) = started else {
                output.message("opsh: cannot start the demo emulator\n")
                throw ExitCode(1)
            }
            emulator = e
            config = APIConfig(baseURL: e.baseURL, token: EmulatorAccounts.demoToken)
        } else {
            var c = APIConfig(baseURL: apiURL ?? environment["OPENPORT_API_URL"] ?? APIConfig.defaultBaseURL,
                              token: token ?? environment["OPENPORT_TOKEN"])
            c.allowInsecureHTTP = allowInsecureHTTP
            config = c
        }
        var apiConfig = config
        apiConfig.pageSize = settings.pageSize
        apiConfig.concurrency = settings.concurrency
        let client: OpenportClient
        do {
            client = try OpenportClient(config: apiConfig)
        } catch {
            output.message("opsh: \(error.message)\n")
            throw ExitCode(2)
        }

        let terminal = TerminalInfo.current(environment: environment)
        let interpreter = Interpreter(
            client: client, settings: settings, output: output, terminal: terminal,
            options: .init(interactive: interactive, assumeYes: yes, apiLabel: demo ? "demo" : config.host))
        if !demo, config.token == nil {
            output.message("opsh: no token: set OPENPORT_TOKEN to your account's API token (nodes works without one)\n")
        }

        let status: Int32
        if let command {
            status = Repl(interpreter: interpreter, reader: SingleLineReader(command), interactive: false,
                          keepGoing: keepGoing, output: output).run(prompt: "")
        } else if interactive {
            let reader = EditLineReader(completer: interpreter.completer, historyFile: Opsh.historyPath(environment))
            let prompt = { interpreter.prompt }
            status = Repl(interpreter: interpreter, reader: reader, interactive: true, keepGoing: true, output: output)
                .run(prompt: prompt())
        } else {
            status = Repl(interpreter: interpreter, reader: PlainLineReader(fileDescriptor: scriptFD), interactive: false,
                          keepGoing: keepGoing, output: output).run(prompt: "")
        }
        let running = emulator
        blocking {
            await client.shutdown()
            await running?.stop()
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// `$XDG_STATE_HOME/opsh/history`, default `~/.local/state/opsh/history`.
    static func historyPath(_ env: [String: String]) -> String? {
        if let state = env["XDG_STATE_HOME"], !state.isEmpty { return state + "/opsh/history" }
        guard let home = env["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/state/opsh/history"
    }
}

/// A reader that yields one line, then the end: for `-c`.
final class SingleLineReader: LineReader {
    private var line: String?
    init(_ line: String) { self.line = line }
    func readLine(prompt: String) -> LineInput {
        defer { line = nil }
        return line.map { .line($0) } ?? .end
    }
}
