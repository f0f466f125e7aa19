#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Query
import Shell
import Testing

/// `make install`: the Makefile's install-files recipe (what `make install` runs after the
/// release build) with the binaries this test runs beside, into a staging DESTDIR and into a
/// user's ~/.local; then the installed opsh, its manual page and its completion scripts are
/// used as a user would, and `make uninstall` takes every file away again.
@Suite(.serialized) struct InstallTests {
    /// The repository: where the Makefile is.
    static let repository: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// What each file of an install is, relative to PREFIX.
    static let installed = [
        "bin/opsh", "bin/opsh-emulator", "share/man/man1/opsh.1",
        "share/bash-completion/completions/opsh", "share/zsh/site-functions/_opsh",
        "share/fish/vendor_completions.d/opsh.fish",
    ]

    /// `make TARGET VARIABLES...` in the repository, with the built binaries as BIN_DIR.
    static func make(_ target: String, _ variables: [String: String], home: String) throws -> CLI.Result {
        let bin = (try CLI.executable("opsh") as NSString).deletingLastPathComponent
        let manualBase = repository + "/.build/plugins/GenerateManual/outputs/opsh/opsh.1"
        try #require(FileManager.default.fileExists(atPath: manualBase),
                     "no \(manualBase): run `make manual MANUAL_CONFIG=debug` (make test does) before swift test")
        let arguments = ["-C", repository, "--no-print-directory", target, "BIN_DIR=" + bin]
            + variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try CLI.run("/usr/bin/make", arguments, environment: CLI.environment(home: home))
    }

    /// The regular files under `directory`, relative to it, sorted.
    static func files(under directory: String) -> [String] {
        let manager = FileManager.default
        return (manager.subpaths(atPath: directory) ?? []).filter { path in
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    @Test func installIntoDESTDIRThenUninstallLeavesNoFile() throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        let stage = home + "/stage"
        let prefix = stage + "/usr/local"

        let install = try Self.make("install-files", ["DESTDIR": stage, "PREFIX": "/usr/local"], home: home)
        #expect(install.status == 0, "\(install)")
        #expect(Self.files(under: stage) == Self.installed.map { "usr/local/" + $0 }.sorted())
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/opsh"))

        // The installed binary: its version, and the demo (the emulator is linked into opsh).
        let env = CLI.environment(home: home, ["PATH": prefix + "/bin:/usr/bin:/bin"])
        let version = try CLI.run(prefix + "/bin/opsh", ["--version"], environment: env)
        #expect(version.status == 0 && version.stdout.wholeMatch(of: /\d+\.\d+\.\d+\n/) != nil, "\(version)")
        let demo = try CLI.run(prefix + "/bin/opsh", ["--demo", "-c", "keys | count"], environment: env)
        #expect(demo.status == 0 && demo.stdout.wholeMatch(of: /\d+\n/) != nil, "\(demo)")

        // The manual page reads without a warning, and holds the flags and, from the
        // catalogues, every command and stage.
        let man = try CLI.run("/usr/bin/man", ["--warnings", "-l", prefix + "/share/man/man1/opsh.1"],
                              environment: CLI.environment(home: home, ["MANWIDTH": "100", "MANPAGER": "cat"]))
        #expect(man.status == 0 && man.stderr.isEmpty, "\(man)")
        let page = man.stdout
        for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMAND LANGUAGE", "EXIT STATUS"] {
            #expect(page.contains("\n" + heading + "\n"), "no \(heading) in\n\(page)")
        }
        #expect(page.contains("--demo") && page.contains("--format FORMAT"), "\(page)")
        for synopsis in CommandCatalog.all.map(\.synopsis) + StageCatalog.all.map({ $0.synopsis }) {
            #expect(page.contains("\n     " + synopsis), "the manual lacks \(synopsis)")
        }
        for line in CommandCatalog.all.flatMap({ $0.examples.map(\.line) }) + StageCatalog.all.flatMap({ $0.examples.map(\.line) }) {
            #expect(page.contains("\n" + String(repeating: " ", count: 19) + line + "\n"), "the manual lacks the example \(line)")
        }
        #expect(!page.contains("generate-manual-language"))
        // Hidden subcommands stay out, as from `opsh --help`: the generate-manual plugin
        // lists every subcommand, the Makefile drops `__complete` (for completion scripts).
        #expect(!page.contains("__complete"), "the manual lists the hidden __complete:\n\(page)")
        #expect(page.contains("\n     login "), "the manual lacks the login subcommand:\n\(page)")

        // Each script is where its shell looks under the prefix's data directory.
        let data = ["XDG_DATA_DIRS": prefix + "/share"]
        let bash = try CLI.run("/usr/bin/bash", ["--norc", "--noprofile", "-c",
                                                 ". /usr/share/bash-completion/bash_completion; __load_completion opsh && complete -p opsh"],
                               environment: CLI.environment(home: home, data))
        #expect(bash.status == 0 && bash.stdout.contains(" opsh\n"), "\(bash)")
        let zsh = try CLI.run("/usr/bin/zsh", ["-f", "-c",
                                               "fpath=(\(prefix)/share/zsh/site-functions $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[opsh]"],
                              environment: env)
        #expect(zsh.stdout == "_opsh\n", "\(zsh)")
        let fish = try CLI.run("/usr/bin/fish", ["-c", "complete -C'opsh --for'"], environment: env.merging(data) { $1 })
        #expect(fish.stdout.hasPrefix("--format"), "\(fish)")
        // ... and /usr/local is where bash-completion (XDG_DATA_DIRS unset) and zsh look by default.
        let zshPath = try CLI.run("/usr/bin/zsh", ["-f", "-c", "print -l $fpath"], environment: env)
        #expect(zshPath.stdout.contains("/usr/local/share/zsh/site-functions\n"), "\(zshPath)")

        let uninstall = try Self.make("uninstall", ["DESTDIR": stage, "PREFIX": "/usr/local"], home: home)
        #expect(uninstall.status == 0, "\(uninstall)")
        #expect(Self.files(under: stage) == [], "left after make uninstall")
    }

    /// `make install PREFIX=~/.local` as a user: a new bash (with the bash-completion that
    /// Debian's default ~/.bashrc loads) and a new fish complete `opsh --for` at TAB with no
    /// line added for opsh; zsh needs its one fpath line, as the README says.
    @Test(arguments: ["bash", "zsh", "fish"])
    func userInstallCompletesInANewShell(shell: String) throws {
        let home = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        // As zsh and sh pass it: the Makefile expands the ~ itself.
        let install = try Self.make("install-files", ["PREFIX": "~/.local"], home: home)
        #expect(install.status == 0, "\(install)")
        #expect(Self.files(under: home + "/.local") == Self.installed.sorted())

        var environment = CLI.environment(home: home, ["PATH": home + "/.local/bin:/usr/bin:/bin", "PS1": "$ ", "PROMPT": "$ "])
        environment["XDG_STATE_HOME"] = nil
        let session: PTYSession
        switch shell {
        case "bash":
            // Debian's /etc/skel/.bashrc loads bash-completion; nothing about opsh.
            try "[ -f /usr/share/bash-completion/bash_completion ] && . /usr/share/bash-completion/bash_completion\n"
                .write(toFile: home + "/.bashrc", atomically: false, encoding: .utf8)
            session = try PTYSession(executable: "/usr/bin/bash", arguments: ["-i"], environment: environment)
        case "zsh":
            try "fpath=(~/.local/share/zsh/site-functions $fpath)\nautoload -Uz compinit && compinit\n"
                .write(toFile: home + "/.zshrc", atomically: false, encoding: .utf8)
            session = try PTYSession(executable: "/usr/bin/zsh", arguments: ["-i"], environment: environment)
        default:
            session = try PTYSession(executable: "/usr/bin/fish", arguments: ["-i"], environment: environment)
        }
        session.send("printf 're%sy\\n' ad\r")
        try session.waitFor("ready")
        let words = try CompletionScriptTests.complete(session, "opsh --for", expecting: "--format")
        #expect(words.contains("<opsh><--format>"), "\(words)")
        session.sendKeys(.ctrlD)

        let uninstall = try Self.make("uninstall", ["PREFIX": "~/.local"], home: home)
        #expect(uninstall.status == 0, "\(uninstall)")
        #expect(Self.files(under: home + "/.local").allSatisfy { !Self.installed.contains($0) })
    }
}
