/// The process around the shell, as far as the shell needs it: the terminal it writes to,
/// the pager it starts, the keyboard that answers `[y/N]`, and Ctrl-C. The executable
/// provides the real one (isatty, ioctl, posix_spawn, poll, signals); scripts and tests run
/// with ``NoTerminal``.
public protocol Terminal: Sendable {
    /// Whether stdout and stderr are terminals, colour, and the size.
    var info: TerminalInfo { get }
    /// Starts `command` (through `/bin/sh -c`) reading what is written to the result; nil
    /// when it cannot be started.
    func startPager(_ command: String) -> (any PagerInput)?
    /// A line typed in answer to a question; nil at the end of input, or when Ctrl-C cancels
    /// the command that asked (which means no, at once).
    func readAnswer() -> String?
    /// Calls `onInterrupt` at each Ctrl-C from now on; it returns whether a command was
    /// running (and is now cancelled). With `exitWhenIdle`, a Ctrl-C while none runs ends
    /// the process with status 130, as it would end any filter.
    func handleInterrupts(exitWhenIdle: Bool, _ onInterrupt: @escaping @Sendable () -> Bool)
}

/// A running pager's input.
public protocol PagerInput: AnyObject {
    /// Sends text; false once the pager has stopped reading.
    func write(_ text: String) -> Bool
    /// Closes the input and waits for the pager: its exit status, or nil when a signal ended it.
    func finish() -> Int32?
}

/// No terminal: a script, a pipe, a test. Nothing is paged or asked; Ctrl-C is not taken.
public struct NoTerminal: Terminal {
    public var info: TerminalInfo

    public init(info: TerminalInfo = .none) { self.info = info }

    public func startPager(_ command: String) -> (any PagerInput)? { nil }
    public func readAnswer() -> String? { nil }
    public func handleInterrupts(exitWhenIdle: Bool, _ onInterrupt: @escaping @Sendable () -> Bool) {}
}
