/// `watch [SECONDS] [--times N] LINE` (see Watch.swift).
struct WatchCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "watch", synopsis: "watch [SECONDS] [--times N] LINE",
        summary: "rerun a listing every few seconds, redrawn in place, changes marked",
        details: """
        Reruns LINE (a listing: sessions, keys, clicks or nodes, with its stages) every
        SECONDS (2 when left out) with fresh rows, like watch(1): at a terminal the screen
        is redrawn in place and the lines that changed since the last run are shown in
        reverse video; elsewhere each run is printed after a header. Ctrl-C stops it and
        keeps the cache. --times N stops after N runs (for scripts).
        """,
        examples: [("watch 10 sessions | count", "the number of live sessions, every 10 seconds"),
                   ("watch 30 clicks | where timestamp > -1h | group port | first 5", "the busiest ports of the last hour")],
        arguments: .commandLine(flagsWithValue: ["times"]), isSource: true, reads: .line)

    static func parse(_ invocation: Invocation) throws -> WatchCommand { WatchCommand() }

    func run(_ invocation: Invocation, in shell: Interpreter) async throws -> Outcome {
        try await shell.watchCommand(line: invocation.line, arguments: invocation.arguments)
        return .ok
    }
}
