import ArgumentParser
import Foundation
import Shell

/// Completion of opsh's command language from the user's own shell: `opsh -c 'keys <TAB>`
/// in bash, zsh or fish calls back into opsh (swift-argument-parser's custom completion), and
/// opsh answers with the REPL's completion engine over the on-disk completion cache.
enum LineCompletion {
    /// Candidates for the shell word `words[index]`, the value of `-c`: each is the whole
    /// value as it would read after completion (the shell matches it against what is typed).
    static func forShellWord(_ words: [String], _ index: Int) -> [String] {
        guard words.indices.contains(index) else { return [] }
        let (line, quote) = unquote(words[index])
        return forShell(candidates(line, words: words).compactMap { full in
            if let quote, full.contains(quote) { return nil }
            return full
        })
    }

    /// Candidates for the FILE argument: opsh's subcommands (the argument's place is theirs
    /// too), then files and directories.
    static func scriptOrSubcommand(_ words: [String], _ index: Int) -> [String] {
        let prefix = words.indices.contains(index) ? unquote(words[index]).text : ""
        let subcommands = ["login", "help"].filter { $0.hasPrefix(prefix) }
        return forShell(subcommands + FileNames.matching(prefix).map(\.path))
    }

    /// Candidates made literal for the shell that asked: bash expands the words it is given
    /// (`$(...)` would run), so every other character is escaped; zsh's `_describe` reads `:`
    /// and `\`; fish takes them as they are.
    static func forShell(_ candidates: [String]) -> [String] {
        switch CompletionShell.requesting {
        case .bash?:
            return candidates.map { c in
                var out = ""
                for ch in c {
                    if !(ch.isASCII && (ch.isLetter || ch.isNumber)) { out.append("\\") }
                    out.append(ch)
                }
                return out
            }
        case .zsh?:
            return candidates.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:") }
        default:
            return candidates
        }
    }

    /// Each candidate as the whole line: the line up to the word, then the word completed.
    static func candidates(_ line: String, words: [String]) -> [String] {
        let cache = cacheFor(words: words)
        let completion = CompletionCache.complete(line, cursor: line.count, cache: cache)
        let head = String(line.prefix(completion.wordStart))
        return completion.candidates.map { head + $0.insert }.filter { !$0.contains("\n") }
    }

    /// The completion cache of the account the command line names (`--demo`, `--profile`,
    /// OPSH_PROFILE, default_profile), read without a request.
    static func cacheFor(words: [String]) -> SessionCache {
        let environment = ProcessInfo.processInfo.environment
        let demo = words.contains("--demo")
        // The account as opsh itself would resolve it: flags, environment, profile.
        var flags = ResolvedConfig.CommandLine()
        for (i, w) in words.enumerated() {
            let next = i + 1 < words.count ? unquote(words[i + 1]).text : nil
            for (name, set) in [("--profile", { flags.profile = $0 }), ("--api-url", { flags.apiURL = $0 }),
                                ("--token", { flags.token = $0 })] as [(String, (String) -> Void)] {
                if w == name, let next { set(next) }
                if w.hasPrefix(name + "=") { set(String(w.dropFirst(name.count + 1))) }
            }
        }
        let resolved = try? ResolvedConfig.resolve(flags, environment: environment,
                                                    configPath: ConfigFile.path(environment: environment))
        guard let resolved,
              let path = CompletionCache.path(environment: environment, apiURL: resolved.apiURL, token: resolved.token, demo: demo) else {
            return SessionCache()
        }
        return CompletionCache.load(path)
    }

    /// A shell word as typed (`'keys 3`, `"keys \"a"`, `keys\ 3`) → its text and the quote
    /// left open or used, if any.
    static func unquote(_ word: String) -> (text: String, quote: Character?) {
        var out = ""
        var quote: Character?
        var used: Character?
        var escaped = false
        for c in word {
            if escaped {
                out.append(c)
                escaped = false
            } else if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\", q == "\"" {
                    escaped = true
                } else {
                    out.append(c)
                }
            } else if c == "'" || c == "\"" {
                quote = c
                used = c
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return (out, used)
    }

    /// The profiles the config defines, for `--profile <TAB>`.
    static func profileNames() -> [String] {
        let environment = ProcessInfo.processInfo.environment
        guard let path = ConfigFile.path(environment: environment),
              let file = try? ConfigFile.load(path: path) else { return [] }
        return forShell(file.profiles.keys.sorted())
    }
}

/// `opsh __complete LINE`: what TAB at the end of LINE would offer, one per line, from the
/// completion cache. Hidden: for scripts, shells and tests.
struct CompleteLine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "__complete",
        abstract: "Print the completions of an opsh command line, from the completion cache.",
        usage: "opsh __complete [--demo] [--profile NAME] LINE",
        shouldDisplay: false
    )

    @Flag(help: "Use the cache of the demo emulator's data.")
    var demo = false

    @Option(help: ArgumentHelp("The profile whose cache to use.", valueName: "NAME"))
    var profile: String?

    @Argument(help: ArgumentHelp("The line, completed at its end.", valueName: "LINE"))
    var line: String

    func run() throws {
        var words = ["opsh"]
        if demo { words.append("--demo") }
        if let profile { words += ["--profile", profile] }
        let cache = LineCompletion.cacheFor(words: words)
        let completion = CompletionCache.complete(line, cursor: line.count, cache: cache)
        let text = completion.candidates.map(\.insert).filter { !$0.contains("\n") }
        StandardOutput().write(text.map { $0 + "\n" }.joined())
    }
}

/// Keeps the completion cache file in step: before each prompt (so after each line, and
/// after TAB's background fetches) and once more at the end.
final class CompletionCacheSyncingReader: LineReader {
    private let base: LineReader
    private let keeper: CompletionCacheKeeper

    init(_ base: LineReader, keeper: CompletionCacheKeeper) {
        self.base = base
        self.keeper = keeper
    }

    func readLine(prompt: String) -> LineInput {
        keeper.sync()
        return base.readLine(prompt: prompt)
    }

    func remember(_ line: String) { base.remember(line) }
}
