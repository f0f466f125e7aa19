import OpenportAPI

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
    /// Whether it reads the rest of the line itself, unparsed (`save NAME LINE`, where LINE
    /// may be stages with `>` in them, which would read as a redirect after a command).
    public var readsLine = false
    /// What running it reads from the API, for `explain`.
    public var reads: CommandReads = .nothing
}

/// What a command reads from the API, as `explain` estimates it.
public enum CommandReads: Sendable, Equatable {
    /// Nothing (settings, help, the cache's own report).
    case nothing
    /// A resource's rows for its stages, through the session cache (`sessions`, `clicks`).
    case listing(Resource)
    /// Every row of a resource, through the session cache (`open PORT` reads the sessions).
    case every(Resource)
    /// `keys`: the listing, one key (with its sessions and the cached clicks), or a write.
    case keys
    /// `get PATH`: one request for a record, a scan for a list.
    case path
    /// Another line, once or again and again (`watch`, `explain`).
    case line
    /// What the cache holds, or the resources named, fetched afresh now (`refresh`).
    case refresh
}

/// Every command, in the order `help` lists them: the one place commands are named. Dispatch,
/// `help`, the man page, TAB and the shells' completion scripts all read it.
public enum CommandCatalog {
    static let commands: [any ShellCommand.Type] = [
        SessionsCommand.self, KeysCommand.self, ClicksCommand.self, NodesCommand.self, GetCommand.self,
        WatchCommand.self, OpenCommand.self, RefreshCommand.self, CacheControlCommand.self, SetCommand.self,
        HelpCommand.self, HistoryCommand.self, SaveCommand.self, SavedCommand.self, ExplainCommand.self, ExitCommand.self,
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
