import OpenportAPI
import Query

/// One command of the shell, as `help`, the manual, completion, the shells' completion
/// scripts, usage messages and "did you mean" know it.
public struct CommandSpec: Sendable {
    public var name: String
    public var aliases: [String] = []
    public var synopsis: String
    public var summary: String
    public var details: String = ""
    /// Its forms without a subcommand, each with what it does (`keys ID|NAME`: one key), listed
    /// with the subcommands.
    public var forms: [(synopsis: String, summary: String)] = []
    /// What it lists, if it lists a resource: `help` names the resource's fields.
    public var resource: Resource?
    /// Lines to try, each with what it gives on the demo data (a test checks them).
    public var examples: [StageExample] = []
    /// What its arguments are, when they name no subcommand.
    public var arguments: ArgumentKind = .none
    /// Its subcommands (`keys add`, `cache clear`), in the order help lists them.
    public var subcommands: [SubcommandSpec] = []
    /// Whether its output is records that stages can follow.
    public var isSource = false
    /// Whether it reads the rest of the line itself, unparsed (`save NAME LINE`, where LINE
    /// may be stages with `>` in them, which would read as a redirect after a command).
    public var readsLine = false
    /// What running it reads from the API, for `explain`.
    public var reads: CommandReads = .nothing

    /// How its words read, for completion.
    public var syntax: CommandSyntax {
        CommandSyntax(arguments: arguments, subcommands: subcommands.map { .init($0.name, $0.arguments) })
    }

    /// `usage: SYNOPSIS`, then why, if the mistake needs saying: the line a misused command
    /// answers with.
    func usage(_ why: String? = nil) -> ShellError {
        ShellError("usage: \(synopsis)\(why.map { " (\($0))" } ?? ""); 'help \(name)' says more")
    }

    /// The subcommand `word` names, if any.
    func subcommand(_ word: String) -> SubcommandSpec? { subcommands.first { $0.name == word } }

    /// What `help NAME` and the manual say beyond the summary: the details, then a line for
    /// each form and subcommand, then the fields of what it lists.
    public var fullDetails: String {
        var parts = details.isEmpty ? [] : [details]
        let usages = forms + subcommands.map { ($0.synopsis, $0.summary) }
        if !usages.isEmpty {
            let width = usages.map(\.synopsis.count).max() ?? 0
            parts.append(usages.map { $0.synopsis.padding(toLength: width, withPad: " ", startingAt: 0) + "   " + $0.summary }
                .joined(separator: "\n"))
        }
        if let fieldsLine { parts.append(fieldsLine) }
        return parts.joined(separator: "\n")
    }

    /// The fields of what it lists, and where dotted paths lead: for `help` and the manual.
    var fieldsLine: String? {
        guard let resource else { return nil }
        let relations = resource.relations.keys.sorted().map { "\($0).* follows to the \($0)" }
        return "Fields: " + resource.documentedFields.joined(separator: ", ")
            + (relations.isEmpty ? "" : "; " + relations.joined(separator: ", ")) + "."
    }
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

/// A subcommand: a word after the command that changes what the rest means.
public struct SubcommandSpec: Sendable {
    public var name: String
    public var synopsis: String
    public var summary: String
    public var arguments: ArgumentKind
    /// Whether its output is records that stages can follow.
    public var isSource: Bool

    public init(_ name: String, synopsis: String, summary: String, arguments: ArgumentKind, isSource: Bool = false) {
        self.name = name
        self.synopsis = synopsis
        self.summary = summary
        self.arguments = arguments
        self.isSource = isSource
    }

    /// `usage: SYNOPSIS`, as ``CommandSpec/usage(_:)`` says it.
    func usage(of command: CommandSpec, _ why: String? = nil) -> ShellError {
        ShellError("usage: \(synopsis)\(why.map { " (\($0))" } ?? ""); 'help \(command.name)' says more")
    }
}

/// Every command, in the order `help` lists them: the one place commands are named. Dispatch,
/// `help`, the man page, TAB, the shells' completion scripts and the fuzzer all read it.
public enum CommandCatalog {
    static let commands: [any ShellCommand.Type] = [
        SessionsCommand.self, KeysCommand.self, ClicksCommand.self, NodesCommand.self, GetCommand.self,
        WatchCommand.self, OpenCommand.self, RefreshCommand.self, CacheCommand.self, SetCommand.self,
        HelpCommand.self, HistoryCommand.self, SaveCommand.self, SavedCommand.self, ExplainCommand.self, ClearCommand.self, ExitCommand.self,
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

    /// How the words after the command `word` names read, for the completion analyser.
    @Sendable public static func syntax(of word: String) -> CommandSyntax? { named(word)?.syntax }

    /// Every command's syntax by each of its names, for the fuzzer (`opsh --generate-command-syntax`).
    public static var syntaxByName: [String: CommandSyntax] {
        Dictionary(all.flatMap { spec in ([spec.name] + spec.aliases).map { ($0, spec.syntax) } }, uniquingKeysWith: { a, _ in a })
    }
}
