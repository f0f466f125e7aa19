import Foundation

/// Shows long output at a terminal through `$PAGER` (default `less -FRSX`, as git and pgcli do).
struct Pager {
    let command: String

    /// `chop`: cut long lines rather than wrap them (tables); prose (help) wraps.
    init(environment: [String: String] = ProcessInfo.processInfo.environment, chop: Bool = true) {
        let configured = environment["PAGER"]?.trimmingCharacters(in: .whitespaces) ?? ""
        command = configured.isEmpty ? (chop ? "less -FRSX" : "less -FRX") : configured
    }
}

/// A running pager, fed as the output is made.
final class PagerProcess {
    let pager: Pager
    private var input: (any PagerInput)?
    /// What was sent, kept (up to a few MB) so that a pager that fails can give it back.
    private var sent: [UInt8] = []
    private var keptAll = true
    static let keepLimit = 4 << 20
    /// Whether a signal ended the pager (Ctrl-C reaches it too: it shares the terminal's
    /// process group), rather than the user quitting it or its input ending.
    private(set) var endedBySignal = false

    init(_ pager: Pager) { self.pager = pager }

    /// False when the pager could not be started.
    func start(at terminal: any Terminal) -> Bool {
        input = terminal.startPager(pager.command)
        return input != nil
    }

    /// Sends text; false once the pager has stopped reading.
    func write(_ text: String) -> Bool {
        guard let input else { return false }
        if keptAll {
            if sent.count + text.utf8.count <= Self.keepLimit { sent += text.utf8 } else { keptAll = false; sent = [] }
        }
        return input.write(text)
    }

    /// Closes the pipe and waits for the pager. nil when it ran (a quit with q included);
    /// when it failed (exited with a status other than 0, as a missing command does), the
    /// text it was sent, to print instead (empty if that was too much to keep).
    func finish() -> String? {
        guard let input else { return nil }
        self.input = nil
        let status = input.finish()
        endedBySignal = status == nil
        guard let status, status != 0 else { return nil }
        return keptAll ? String(decoding: sent, as: UTF8.self) : ""
    }
}
