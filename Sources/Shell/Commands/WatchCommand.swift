import Foundation
import OpenportAPI
import Query
import Records

/// `watch [SECONDS] [--times N] LINE`: reruns a listing with fresh rows, like watch(1).
struct WatchCommand: ShellCommand, Equatable {
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
        examples: [StageExample("watch 10 sessions | count", shows: "the number of live sessions, every 10 seconds", result: .live),
                   StageExample("watch 30 clicks | where timestamp > -1h | group port | first 5",
                                shows: "the busiest ports of the last hour", result: .live)],
        arguments: .commandLine(flagsWithValue: ["times"]), isSource: true, reads: .line)

    /// Seconds between runs.
    var seconds = 2.0
    /// Runs before it stops by itself; nil until Ctrl-C.
    var times: Int?
    /// The listing it reruns, as typed.
    var text: String
    var resource: Resource

    static func parse(_ invocation: Invocation) throws -> WatchCommand {
        let arguments = invocation.arguments
        var seconds = 2.0
        var times: Int?
        var used = 0
        // Options come first; the line starts at the first argument that is neither.
        while used < arguments.count {
            let a = arguments[used]
            if case .word(let w, false) = a.kind, let s = Double(w) {
                guard s >= 0.1, s <= 86_400 else { throw ShellError("watch takes seconds from 0.1 to 86400, not \(TerminalSafe.escape(w))") }
                seconds = s
                used += 1
            } else if case .flag("times") = a.kind, used + 1 < arguments.count, let n = Int(arguments[used + 1].text), n > 0 {
                times = n
                used += 2
            } else {
                break
            }
        }
        guard used < arguments.count else { throw spec.usage("for example: watch 10 sessions | count") }
        let start = arguments[used].range.lowerBound
        let text = String(invocation.line.dropFirst(start)).trimmingCharacters(in: .whitespaces)
        let inner = try Pipeline(parsing: text)
        guard let resource = Resource(word: inner.command.name), inner.command.arguments.isEmpty else {
            throw ShellError("watch reruns a listing (sessions, keys, clicks or nodes and its stages), not '\(TerminalSafe.escape(inner.command.name))'; \(spec.usage().message)")
        }
        return WatchCommand(seconds: seconds, times: times, text: text, resource: resource)
    }

    func run(_ invocation: Invocation, in context: CommandContext) async throws -> Outcome {
        let inner = try Pipeline(parsing: text)
        let atTerminal = context.info.stdoutIsTerminal && inner.redirect == nil
        let every = seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
        var previous: [Substring] = []
        var runs = 0
        let clock = DateFormatter()
        clock.dateFormat = "HH:mm:ss"
        do {
            while true {
                // Fresh rows each time: a stale click log refreshes with only what is new.
                context.cache.markStale(resource)
                let output = try await context.pipelines.evaluate(inner, from: .resource(resource))
                runs += 1
                let header = "every \(every): \(TerminalSafe.escape(text))    \(clock.string(from: Date()))\n\n"
                let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
                if atTerminal {
                    // Home, clear, then the lines; those that changed since the last run reversed.
                    let marked = lines.enumerated().map { i, l in
                        runs > 1 && context.info.color && (i >= previous.count || previous[i] != l) && !l.isEmpty
                            ? Style.reversed(String(l)) : String(l)
                    }
                    context.output.write(Style.homeAndClear + header + marked.joined(separator: "\n"))
                } else {
                    context.output.write((runs > 1 ? "\n" : "") + header + output)
                }
                previous = lines
                if let times, runs >= times { return .ok }
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            }
        } catch is CancellationError {
            // Ctrl-C ends watching: that is how it is meant to stop.
            if atTerminal { context.output.write("\n") }
        }
        return .ok
    }
}
