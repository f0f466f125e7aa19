import OpenportAPI

extension Interpreter {
    /// Whether the prompt draws suggestions from history now: `set suggest on`, at a terminal
    /// that takes colours (they are drawn dim; not with NO_COLOR or TERM=dumb).
    public var suggestsAtPrompt: Bool { terminal.info.color && settings.suggest }

    /// The right end of the prompt's row: the profile (or the API, as the prompt names it)
    /// and how old the cached click log is, `demo · clicks 3m`; dim at a terminal that takes
    /// colours. Reads only what is in memory: drawing the prompt never waits for the disk.
    public var rightPrompt: String {
        let clicks = cache.snapshot.first { $0.0 == .clicks }?.1
        let text = RightPrompt.text(account: options.profile ?? options.apiLabel,
                                    clicksAge: clicks.map { ContinuousClock.now - $0.fetchedAt }, stale: clicks?.stale ?? false)
        guard !text.isEmpty else { return "" }
        return terminal.info.color ? Style.dim(text) : text
    }
}

/// What the right prompt says, as text.
enum RightPrompt {
    ///     RightPrompt.text(account: "demo", clicksAge: .seconds(185), stale: false)   // "demo · clicks 3m"
    static func text(account: String, clicksAge: Duration?, stale: Bool) -> String {
        var parts: [String] = []
        if !account.isEmpty { parts.append(account) }
        if let age = clicksAge {
            parts.append("clicks " + (stale ? "stale" : CacheCommand.age(Double(max(0, age.components.seconds)))))
        }
        return parts.joined(separator: " · ")
    }
}
