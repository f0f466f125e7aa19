import Query
import Records

/// `save NAME LINE`: keeps a line (or stages) under a name, with parameters.
struct SaveCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "save", synopsis: "save NAME LINE", summary: "keep a line under a name: NAME ARGS runs it ($1, $2, $port stand for the ARGS)",
        details: """
        LINE is a whole line, or stages (it starts with a stage: then NAME stands after |, as in
        clicks | suspicious | count). $1, $2, ... and $NAME outside quotes are parameters: each
        stands for one value, given in order (hits 6260) or by name (hits port=6260); a value
        keeps the quotes it was given with ("Pi London"). Saved queries live in the config
        directory (saved-queries, mode 0600); 'saved' lists them, 'help NAME' shows one, and
        save NAME again replaces it. A name cannot be a command's or a stage's.
        """,
        examples: [StageExample("save hits clicks | where port=$port | count",
                                shows: "then hits 6260 (or hits port=6260) counts that port's clicks", result: .quiet),
                   StageExample("save suspicious where source_ip in (10.0.0.0/8, 192.168.0.0/16)",
                                shows: "a stage: clicks | suspicious | count", result: .quiet)],
        arguments: .nameThenLine, readsLine: true)

    let name: String
    let line: String

    static func parse(_ invocation: Invocation) throws -> SaveCommand {
        let rest = invocation.rawArguments
        let usage = "usage: save NAME LINE (for example: save hits clicks | where port=$1 | count)"
        guard let space = rest.firstIndex(where: { $0.isWhitespace }) else { throw ShellError(usage) }
        let line = rest[space...].trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { throw ShellError(usage) }
        return SaveCommand(name: String(rest[..<space]), line: line)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let replaced = try context.saved.save(name, line: line)
        let query = SavedQuery(name: name, line: line)
        let use = query.isStage ? "after |, like: clicks | \(query.usage)" : "as: \(query.usage)"
        let was = replaced.map { " (it was: \(TerminalSafe.escape($0.line)))" } ?? ""
        context.output.message("\(replaced == nil ? "saved" : "replaced") '\(name)'\(was); use it \(use)\n")
        return .ok
    }
}
