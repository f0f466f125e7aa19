import OpenportAPI
import Query
import Synchronization

/// Draws fetch progress on stderr for a fetch that takes longer than about 300 ms.
final class ProgressReporter: Sendable {
    private let output: OutputSink
    private let muted = SharedFlag()
    private let state = Mutex<(shown: Bool, lastDraw: ContinuousClock.Instant?)>((false, nil))

    init(output: OutputSink) { self.output = output }

    /// Output has begun on the terminal (or a pager took it): clear the line, draw no more.
    func suspend() {
        muted.set(true)
        finish()
    }

    /// The line is over: draw again for the next.
    func resume() { muted.set(false) }

    func reporter(for resource: Resource, started: ContinuousClock.Instant) -> @Sendable (ScanProgress) -> Void {
        { [self] p in
            let now = ContinuousClock.now
            let elapsed = now - started
            guard elapsed > .milliseconds(300) || p.waiting != nil, !muted.isSet else { return }
            let draw = state.withLock { s -> Bool in
                // A wait the server asked for is always drawn: it explains the pause.
                if p.waiting == nil, let last = s.lastDraw, now - last < .milliseconds(100) { return false }
                s.lastDraw = now
                s.shown = true
                return true
            }
            guard draw else { return }
            let seconds = elapsed.inSeconds
            let rate = seconds > 0 ? Int(Double(p.rows) / seconds) : 0
            let of = p.total.map { " of \(ProgressReporter.group($0))" } ?? ""
            let wait = p.waiting.map { String(format: ", server asked to wait %.0f s", $0.rounded(.up)) } ?? ""
            output.message(Style.eraseLine + "\(resource.rawValue): \(ProgressReporter.group(p.rows))\(of) rows (\(ProgressReporter.group(rate))/s)\(wait)")
        }
    }

    func finish() {
        let wasShown = state.withLock { s -> Bool in
            defer { s = (false, nil) }
            return s.shown
        }
        if wasShown { output.message(Style.eraseLine) }
    }

    /// 178268 → "178,268".
    static func group(_ n: Int) -> String { DigitGroups.text(n) }
}
