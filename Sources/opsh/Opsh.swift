import ArgumentParser
import Foundation
import LineEditor
import OpenportAPI
import OpenportEmulator
import Query
import Records
import Shell

/// The command line: flags, then the shell (interactive, -c, a script file, or stdin).
struct Opsh: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opsh",
        abstract: "The openport shell: explore and script the openport.io API v2.",
        usage: """
        opsh [--demo] [--profile NAME] [OPTIONS]              the prompt
        opsh [--demo] [--profile NAME] [OPTIONS] -c LINE      one line
        opsh [--demo] [--profile NAME] [OPTIONS] FILE|<FILE   a script
        opsh login [--profile NAME] [--api-url URL]           store a token
        opsh help [TOPIC]                                     help on a command or stage
        """,
        discussion: """
        Interactive at a terminal; otherwise runs one command per line from stdin or FILE.

        Examples:
          opsh --demo                              a built-in emulator, offline
          OPENPORT_TOKEN=... opsh                  your account, at a prompt
          opsh -c 'clicks | where port=6260 | count'
          printf 'keys | count\\nnodes\\n' | opsh   a script on stdin
          opsh login --profile work                store a token (no echo)
          opsh --profile work -c 'keys | csv' > keys.csv

        Configuration: $XDG_CONFIG_HOME/opsh/config.toml (~/.config/opsh/...):
          default_profile = "work"
          [profiles.work]
          api_url = "https://api.openport.io/api/v2/"
          token_file = "~/.openport-token"     # or token = "..."
          format = "table"                     # table, json, jsonl, csv
          page_size = 1000
          ca_file = "~/corp-ca.pem"            # trust this CA, not the system's
          proxy = "http://proxy.corp:3128"

        Precedence, highest first: the command line (--token, --api-url,
        --format), the environment (OPENPORT_TOKEN, OPENPORT_API_URL), the
        profile, opsh's defaults. The profile is --profile NAME, else
        OPSH_PROFILE, else default_profile, else [profiles.default] if any.

        Trusted authorities: --cacert, else the profile's ca_file, else
        SSL_CERT_FILE/SSL_CERT_DIR, else the system's. Proxy: HTTPS_PROXY
        (HTTP_PROXY for http://), ALL_PROXY, else the profile's proxy; hosts in
        NO_PROXY are reached directly.

        Environment: OPENPORT_TOKEN, OPENPORT_API_URL, OPSH_PROFILE, NO_COLOR,
        PAGER, XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_STATE_HOME, SSL_CERT_FILE,
        SSL_CERT_DIR, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY.
        Completion: opsh --generate-completion-script bash|zsh|fish
        Exit status: 0 success, 1 a command failed, 2 usage error, 130 interrupted.
        """,
        version: OpenportClient.version,
        subcommands: [Login.self, CompleteLine.self]
    )

    @Flag(help: "Start a built-in emulator of the API with demo data and use it (offline).")
    var demo = false

    @Option(name: .customShort("c"), help: ArgumentHelp("Run LINE and exit.", valueName: "LINE"),
            completion: .custom { words, index, _ in LineCompletion.forShellWord(words, index) })
    var command: String?

    @Argument(help: ArgumentHelp("A script: one command per line, # comments.", valueName: "FILE"),
              completion: .custom { words, index, _ in LineCompletion.scriptOrSubcommand(words, index) })
    var script: String?

    @Option(help: ArgumentHelp("Default output format when a line names none: table, json, jsonl, csv.", valueName: "FORMAT"),
            completion: .list(["table", "json", "jsonl", "csv"]))
    var format: String?

    @Option(help: ArgumentHelp("The profile of the config file to use (overrides OPSH_PROFILE).", valueName: "NAME"),
            completion: .custom { _, _, _ in LineCompletion.profileNames() })
    var profile: String?

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

    @Flag(name: .customLong("generate-manual-language"), help: .private)
    var generateManualLanguage = false

    @Option(name: .customLong("cacert"), help: ArgumentHelp("Trust the certificate authorities in FILE (PEM) instead of the system's.", valueName: "FILE"),
            completion: .file())
    var cacert: String?

    @Flag(name: .customLong("generate-command-syntax"), help: .private)
    var generateCommandSyntax = false

    mutating func run() throws {
        if generateManualLanguage || generateCommandSyntax {
            print(generateManualLanguage ? LanguageManual.section() : CommandSyntaxExport.json(), terminator: "")
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let output = StandardOutput()
        if command != nil, script != nil {
            throw ValidationError("give either -c LINE or a FILE, not both")
        }
        let resolved = try resolveConfiguration(environment: environment, output: output)
        let cacheMode: CacheMode = noCache ? .off : resolved.cache
        // Before the HTTP client is made: a malformed OPSH_DNS_SERVER exits 2 (a client made
        // and never shut down traps).
        let addresses = try addressSetup(resolved, cacheMode: cacheMode, environment: environment, output: output)
        let settings = try startingSettings(resolved, cacheMode: cacheMode, geoip: addresses.geoip, environment: environment)
        // Where the lines come from, decided before anything slow happens.
        let interactive = command == nil && script == nil && EditLineReader.isInteractive
        let reader = try lineReader(interactive: interactive)

        let (config, emulator) = try api(resolved, environment: environment, output: output)
        let client: OpenportClient
        do {
            client = try OpenportClient(config: config)
            settings.apply(to: client)
        } catch {
            output.message("opsh: \(error.message.shownSafely)\n")
            throw ExitCode(2)
        }
        // Rows kept on disk for the next process: not for --demo, whose emulator starts afresh.
        let disk = cacheMode == .disk && !demo
            ? CompletionCache.directory(environment: environment).map { dir in
                DiskStore(cacheDirectory: dir, apiURL: config.baseURL, token: config.token) { output.message("opsh: warning: \($0)\n") }
            } : nil
        let interpreter = Interpreter(
            client: client, settings: settings, output: output, terminal: ProcessTerminal(environment: environment),
            options: .init(interactive: interactive, assumeYes: yes, apiLabel: demo ? "demo" : config.host,
                           profile: demo ? nil : resolved.profile),
            cache: SessionCache(disk: disk), saved: SavedQueries(path: SavedQueries.path(environment: environment)),
            addresses: addresses.book)
        if interactive { greet(config, output: output) }
        // The completion cache for `opsh -c '... <TAB>` in the user's shell, kept after each line.
        // Not with --no-cache or cache = "memory" | "off": then opsh writes nothing to disk.
        let keeper = cacheMode != .disk ? nil
            : CompletionCache.path(environment: environment, apiURL: config.baseURL, token: config.token, demo: demo)
                .map { CompletionCacheKeeper(cache: interpreter.cache, path: $0) }
        let status = runLines(interpreter, reader: reader, output: output, keeper: keeper, readsDisk: disk != nil,
                              environment: environment)
        // The demo emulator is not stopped: the process ends with it, and stopping a server
        // while connections settle can only fail.
        _ = emulator
        addresses.demoServer?.stop()
        keeper?.sync()
        interpreter.cache.flush()
        blocking { await client.shutdown() }
        if status == Repl.readerGone, output.resultsClosed { Opsh.endByBrokenPipe() }
        if status != 0 { throw ExitCode(status) }
    }

    /// The first screen at a prompt: where opsh is and where to start; without a token, what
    /// to do about it.
    private func greet(_ config: APIConfig, output: StandardOutput) {
        output.write("opsh \(OpenportClient.version) on \(demo ? "demo data" : config.host). Type help to begin; TAB shows what can come next.\n")
        if !demo, config.token == nil { output.message("opsh: \(APIConfig.noToken)\n") }
    }

    /// opsh's settings, then the profile's and `--format` over them; `--no-cache` turns the cache
    /// off; `geoip` lists the files the address book opened. The pinned demo pins the clock.
    private func startingSettings(_ resolved: ResolvedConfig, cacheMode: CacheMode, geoip: [String],
                                  environment: [String: String]) throws -> Settings {
        var settings = Settings()
        for assignment in resolved.settings {
            do { try settings.set(assignment.name, assignment.value) } catch { throw ValidationError(error.message) }
        }
        if cacheMode == .off { settings.useCache = false }
        settings.geoip = geoip
        if demo, Opsh.demoPinned(environment) {
            let end = Timestamp(micros: Int64((EmulatorOptions.pinnedEnd.timeIntervalSince1970 * 1_000_000).rounded()))
            settings.now = { end }
        }
        return settings
    }

    /// The address databases and the resolver (see ``AddressSetup``); a mistake in them is a
    /// usage error, a profile's file that cannot be used a warning.
    private func addressSetup(_ resolved: ResolvedConfig, cacheMode: CacheMode, environment: [String: String],
                              output: OutputSink) throws -> AddressSetup {
        do {
            return try AddressSetup.make(demo: demo, resolved: resolved, cacheMode: cacheMode, environment: environment) {
                output.message("opsh: \($0)\n")
            }
        } catch {
            output.message("opsh: \(error.message)\n")
            throw ExitCode(2)
        }
    }

    /// Where the lines come from: the line editor at a terminal, `-c`, the script, or stdin.
    private func lineReader(interactive: Bool) throws -> LineSource {
        if let command { return .one(command) }
        if interactive { return .prompt }
        guard let script else { return .file(0) }
        let fd = open(script, O_RDONLY)
        guard fd >= 0 else { throw ValidationError("cannot read \(script): \(String(cString: strerror(errno)))") }
        return .file(fd)
    }

    /// Where the lines come from.
    enum LineSource { case one(String), prompt, file(Int32) }

    /// The demo's account: its history ends now, and a new click arrives every two seconds
    /// or so, for `follow`, `watch` and `where timestamp > -1h` to show. With
    /// `OPSH_DEMO_PINNED=1` (the tests: outputs that stay put from run to run), the pinned
    /// history of 2021 and 2022, no new clicks, and opsh's clock at its end.
    static func demoAccount(_ environment: [String: String]) -> EmulatorOptions {
        var options = EmulatorOptions()
        guard !demoPinned(environment) else { return options }
        options.end = Date()
        options.appendRate = 0.5
        return options
    }

    static func demoPinned(_ environment: [String: String]) -> Bool { !(environment["OPSH_DEMO_PINNED"] ?? "").isEmpty }

    /// The API to talk to: the demo emulator (started here), or the one configured.
    private func api(_ resolved: ResolvedConfig, environment: [String: String], output: OutputSink) throws -> (APIConfig, Emulator?) {
        if demo {
            let started = blocking { () -> Result<Emulator, any Error> in
                do { return .success(try await Emulator.start(Opsh.demoAccount(environment))) } catch { return .failure(error) }
            }
            guard case .success(let e) = started else {
                output.message("opsh: cannot start the demo emulator\n")
                throw ExitCode(1)
            }
            return (APIConfig(baseURL: e.baseURL, token: EmulatorAccounts.demoToken), e)
        }
        var c = APIConfig(baseURL: resolved.apiURL, token: resolved.token)
        c.tokenOrigin = resolved.tokenOrigin
        c.urlOrigin = resolved.urlOrigin
        c.allowInsecureHTTP = allowInsecureHTTP
        c.certificateAuthorities = CertificateAuthorities.chosen(cacert: cacert, profileCAFile: resolved.caFile, environment: environment)
        do {
            c.proxy = try ProxySelection.proxy(for: c.baseURL, environment: environment, profileProxy: resolved.proxy)
        } catch {
            output.message("opsh: \(error.message.shownSafely)\n")
            throw ExitCode(2)
        }
        return (c, nil)
    }

    /// Runs the lines; the process's exit status.
    private func runLines(_ interpreter: Interpreter, reader: LineSource, output: OutputSink, keeper: CompletionCacheKeeper?,
                          readsDisk: Bool, environment: [String: String]) -> Int32 {
        switch reader {
        case .one(let line):
            return Repl(interpreter: interpreter, reader: SingleLineReader(line), interactive: false,
                        keepGoing: keepGoing, output: output, numbersLines: false).run(prompt: "")
        case .file(let fd):
            return Repl(interpreter: interpreter, reader: PlainLineReader(fileDescriptor: fd), interactive: false,
                        keepGoing: keepGoing, output: output, scriptName: script).run(prompt: "")
        case .prompt:
            if readsDisk {
                // Rows on disk are read beside the prompt, not before it (a command that needs
                // them first waits for that read, not for the network).
                let cache = interpreter.cache
                Thread.detachNewThread { for r in Resource.allCases { _ = cache.any(r) } }
            }
            let editor = EditLineReader(completer: interpreter.completer, historyFile: Opsh.historyPath(environment),
                                        suggest: { interpreter.suggestsAtPrompt }, rightPrompt: { interpreter.rightPrompt })
            let reader: LineReader = keeper.map { CompletionCacheSyncingReader(editor, keeper: $0) } ?? editor
            return Repl(interpreter: interpreter, reader: reader, interactive: true, keepGoing: keepGoing, output: output)
                .run(prompt: interpreter.prompt)
        }
    }

    /// The config file, the environment and the flags, weighed (see ``ResolvedConfig``);
    /// warnings go to stderr, a mistake is one line and exit 2.
    private func resolveConfiguration(environment: [String: String], output: OutputSink) throws -> ResolvedConfig {
        if token != nil {
            output.message("opsh: warning: --token is visible to other users in the process list; prefer OPENPORT_TOKEN or 'opsh login'\n")
        }
        do {
            let resolved = try ResolvedConfig.resolve(
                .init(profile: profile, apiURL: apiURL, token: token, format: format),
                environment: environment, configPath: ConfigFile.path(environment: environment))
            for warning in resolved.warnings { output.message("opsh: \(warning.shownSafely)\n") }
            return resolved
        } catch {
            output.message("opsh: \(error.message.shownSafely)\n")
            throw ExitCode(2)
        }
    }

    /// The command line → the command to run. `login` and `__complete` are subcommands, but
    /// the shell's optional FILE argument would take their names first (swift-argument-parser
    /// parses a command's own positionals before it looks for a subcommand), so they are
    /// picked here; a script named `login` runs as `opsh ./login`.
    static func parseCommandLine(_ arguments: [String]) throws -> ParsableCommand {
        switch arguments.first {
        case "login":
            return try Login.parseAsRoot(Array(arguments.dropFirst()))
        case "__complete":
            return try CompleteLine.parseAsRoot(Array(arguments.dropFirst()))
        case "help":
            // `opsh help` and `opsh help login`: the command line's help; `opsh help where`:
            // the shell's, as `help where` at the prompt gives it.
            let topics = Array(arguments.dropFirst())
            let sub = configuration.subcommands.first { $0.configuration.commandName == topics.first }
            if topics.isEmpty || (sub != nil && topics.count == 1) {
                throw CleanExit.message(sub.map { helpMessage(for: $0) } ?? helpMessage())
            }
            return try parseAsRoot(["-c", (["help"] + topics.map(Quoting.word)).joined(separator: " ")])
        default:
            return try parseAsRoot(arguments)
        }
    }

    /// Ends the process by SIGPIPE, as `yes` ends in `yes | head -1`: quietly (shells print
    /// nothing for it), with the status 141 a shell shows.
    static func endByBrokenPipe() -> Never {
        signal(SIGPIPE, SIG_DFL)
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_UNBLOCK, &pipeSignal, nil)
        raise(SIGPIPE)
        Glibc.exit(Repl.readerGone)
    }

    /// A usage mistake on the command line as one line: argument-parser's message (its first
    /// line, begun in lower case), then where to read more (`opsh --help`, `opsh login --help`).
    static func usageLine(for error: any Error, arguments: [String]) -> String {
        let message = Opsh.message(for: error).split(separator: "\n").first.map(String.init) ?? "the command line is not right"
        let text = message.first.map { $0.lowercased() + message.dropFirst() } ?? message
        let command = ["login", "__complete"].contains(arguments.first) ? "opsh \(arguments[0])" : "opsh"
        return "\(text.shownSafely); '\(command) --help' says more"
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
