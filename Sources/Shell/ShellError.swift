/// A command that could not run, with one line that says what to do instead.
public struct ShellError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
