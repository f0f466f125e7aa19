/// `keys`: every key, one key, and the writes (see KeyCommands.swift).
struct KeysCommand: ShellCommand {
    static let subcommands = ["add", "set", "replace", "rm"]
    static let spec = CommandSpec(
        name: "keys", synopsis: "keys [ID|NAME|add|set|replace|rm]",
        summary: "your SSH keys; one key; create, change, delete",
        details: """
        keys                               every key
        keys ID|NAME                       one key, with its live sessions and click count
        keys add name=NAME public_key=@FILE   create a key (or public_key="ssh-ed25519 AAAA...")
        keys set ID|NAME name=NEW          change fields (PATCH)
        keys replace ID|NAME name=.. public_key=..   replace the key (PUT)
        keys rm ID|NAME ... [--yes]        delete keys (asks first; scripts need --yes)
        Fields: url, public_key, name, id, last_connection_time, creation_time, redirect_token, bytes_this_month, counter_reset_time.
        """,
        examples: [("keys | where name ~ pi | select id,name,last_connection_time", "keys whose name mentions pi"),
                   ("keys | sort -last_connection_time | first 5", "the five keys seen most recently")],
        arguments: .keys(subcommands: subcommands), isSource: true, reads: .keys)

    static func parse(_ invocation: Invocation) throws -> KeysCommand { KeysCommand() }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        try await shell.keysCommand(invocation.pipeline)
        return .ok
    }
}
