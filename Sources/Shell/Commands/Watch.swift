import Foundation
import OpenportAPI
import Query
import Records

/// `watch [SECONDS] [--times N] LINE`: reruns a listing with fresh rows, like watch(1).
extension Interpreter {
    func watchCommand(line: String, arguments: [CommandArgument]) async throws {
        var seconds = 2.0
        var times: Int?
        var used = 0
        // Options come first; the line starts at the first argument that is neither.
        while used < arguments.count {
            let a = arguments[used]
            if case .word(let w, false) = a.kind, let s = Double(w) {
                guard s >= 0.1, s <= 86_400 else { throw ShellError("watch takes seconds from 0.1 to 86400, not \(w)") }
                seconds = s
                used += 1
            } else if case .flag("times") = a.kind, used + 1 < arguments.count, let n = Int(arguments[used + 1].text), n > 0 {
                times = n
                used += 2
            } else {
                break
            }
        }
        let usage = "usage: watch [SECONDS] [--times N] LINE, for example: watch 10 sessions | count"
        guard used < arguments.count else { throw ShellError(usage) }
        let start = arguments[used].range.lowerBound
        let text = String(line.dropFirst(start)).trimmingCharacters(in: .whitespaces)
        let inner = try Pipeline(parsing: text)
        guard let resource = Resource(word: inner.command.name), inner.command.arguments.isEmpty else {
            throw ShellError("watch reruns a listing (sessions, keys, clicks or nodes and its stages), not '\(TerminalSafe.escape(inner.command.name))'; \(usage)")
        }
        let atTerminal = terminal.stdoutIsTerminal && inner.redirect == nil
        let every = seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
        var previous: [Substring] = []
        var runs = 0
        let clock = DateFormatter()
        clock.dateFormat = "HH:mm:ss"
        do {
            while true {
                // Fresh rows each time: a stale click log refreshes with only what is new.
                cache.markStale(resource)
                let output = try await evaluate(inner, from: .resource(resource))
                runs += 1
                let header = "every \(every): \(TerminalSafe.escape(text))    \(clock.string(from: Date()))\n\n"
                let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
                if atTerminal {
                    // Home, clear, then the lines; those that changed since the last run reversed.
                    let marked = lines.enumerated().map { i, l in
                        runs > 1 && terminal.color && (i >= previous.count || previous[i] != l) && !l.isEmpty
                            ? "\u{1B}[7m" + l + "\u{1B}[0m" : String(l)
                    }
                    self.output.write("\u{1B}[H\u{1B}[2J" + header + marked.joined(separator: "\n"))
                } else {
                    self.output.write((runs > 1 ? "\n" : "") + header + output)
                }
                previous = lines
                if let times, runs >= times { return }
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            }
        } catch is CancellationError {
            // Ctrl-C ends watching: that is how it is meant to stop.
            if atTerminal { self.output.write("\n") }
        }
    }
}
