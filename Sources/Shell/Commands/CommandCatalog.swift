/// One command of the shell, as `help`, completion and "did you mean" know it.
public struct CommandSpec: Sendable {
    public var name: String
    public var aliases: [String] = []
    public var synopsis: String
    public var summary: String
    public var details: String = ""
    public var examples: [(line: String, says: String)] = []
    /// What its arguments are, for completion.
    public var arguments: ArgumentKind = .none
    /// Whether its output is records that stages can follow.
    public var isSource = false
}

/// Every command, in the order `help` lists them: the one place commands are named. Dispatch,
/// `help`, the man page, TAB and the shells' completion scripts all read it.
public enum CommandCatalog {
    static let commands: [any ShellCommand.Type] = [
        SessionsCommand.self, KeysCommand.self, ClicksCommand.self, NodesCommand.self, GetCommand.self,
        WatchCommand.self, OpenCommand.self, RefreshCommand.self, CacheControlCommand.self, SetCommand.self,
        HelpCommand.self, HistoryCommand.self, ExitCommand.self,
    ]
    /// Run by scripts and the benchmark; not listed by `help`, not completed.
    static let hidden: [any ShellCommand.Type] = [CompleteCommand.self]

    /// The specs, in order.
    public static let all: [CommandSpec] = commands.map { $0.spec }

    /// The command a word names (aliases included; hidden ones too).
    static func command(named word: String) -> (any ShellCommand.Type)? {
        (commands + hidden).first { $0.spec.name == word || $0.spec.aliases.contains(word) }
    }

    /// The spec a word names (aliases included).
    public static func named(_ word: String) -> CommandSpec? {
        all.first { $0.name == word || $0.aliases.contains(word) }
    }

    /// Every name a line may start with.
    public static var names: [String] { all.flatMap { [$0.name] + $0.aliases } }

    /// What the arguments of the command `word` names are, for the completion analyser.
    @Sendable public static func argumentKind(of word: String) -> ArgumentKind? { named(word)?.arguments }
}
