import OpenportAPI
import Query
import Synchronization

/// Draws fetch progress on stderr for a fetch that takes longer than about 300 ms, during
/// one line: drawing and erasing happen under one lock with the line's start and end, so a
/// fetch that winds down after its line (a cancelled scan) never draws over, or erases, what
/// comes next.
final class ProgressReporter: Sendable {
    private struct State {
        var shown = false
        var lastDraw: ContinuousClock.Instant?
        /// Nothing is drawn: the line is over, or its output reached the terminal.
        var muted = true
    }

    private let output: OutputSink
    private let state = Mutex(State())

    init(output: OutputSink) { self.output = output }

    /// Output has begun on the terminal (or a pager took it), or the line is over: clear the
    /// line, draw no more.
    func suspend() {
        state.withLock { s in
            s.muted = true
            erase(&s)
        }
    }

    /// A line begins: progress may be drawn.
    func resume() { state.withLock { $0.muted = false } }

    func reporter(for resource: Resource, started: ContinuousClock.Instant) -> @Sendable (ScanProgress) -> Void {
        { [self] p in
            let now = ContinuousClock.now
            let elapsed = now - started
            guard elapsed > .milliseconds(300) || p.waiting != nil else { return }
            let seconds = elapsed.inSeconds
            let rate = seconds > 0 ? Int(Double(p.rows) / seconds) : 0
            let of = p.total.map { " of \(ProgressReporter.group($0))" } ?? ""
            let wait = p.waiting.map { String(format: ", server asked to wait %.0f s", $0.rounded(.up)) } ?? ""
            let text = "\(resource.rawValue): \(ProgressReporter.group(p.rows))\(of) rows (\(ProgressReporter.group(rate))/s)\(wait)"
            state.withLock { s in
                // A wait the server asked for is always drawn: it explains the pause.
                guard !s.muted, p.waiting != nil || s.lastDraw.map({ now - $0 >= .milliseconds(100) }) ?? true else { return }
                s.lastDraw = now
                s.shown = true
                output.message(Style.eraseLine + text)
            }
        }
    }

    /// The fetch is over: its line is erased.
    func finish() { state.withLock { erase(&$0) } }

    private func erase(_ s: inout State) {
        if s.shown { output.message(Style.eraseLine) }
        s.shown = false
        s.lastDraw = nil
    }

    /// 178268 → "178,268".
    static func group(_ n: Int) -> String { DigitGroups.text(n) }
}
