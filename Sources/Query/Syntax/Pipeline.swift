import Records

/// A parsed command line: a command, the stages its output flows through, and where the
/// output goes.
///
///     let pipeline = try Pipeline(parsing: "clicks | where port=6260 | count > n.txt")
///     pipeline.command.name        // "clicks"
///     pipeline.stages.count        // 2
///     pipeline.redirect?.path      // "n.txt"
///     pipeline.description         // "clicks | where port = 6260 | count > n.txt"
///
/// Equality ignores source positions, so a pipeline equals the one parsed from its own
/// ``description``.
public struct Pipeline: Sendable, Equatable, CustomStringConvertible {
    public var command: Command
    public var stages: [PlacedStage]
    public var redirect: Redirect?

    public init(command: Command, stages: [PlacedStage] = [], redirect: Redirect? = nil) {
        self.command = command
        self.stages = stages
        self.redirect = redirect
    }

    /// Parses one command line. See ``QueryError`` for what a mistake looks like.
    public init(parsing line: String) throws(QueryError) {
        var parser = Parser(line)
        self = try parser.parseLine()
    }

    /// The canonical text: single spaces, `=` for `==`, double quotes for quoted values.
    public var description: String {
        var parts = [command.description]
        parts += stages.map(\.stage.description)
        var text = parts.joined(separator: " | ")
        if let redirect { text += " " + redirect.description }
        return text
    }
}

/// A stage with the span of the line it was written in.
public struct PlacedStage: Sendable, Equatable {
    public var stage: any Stage
    /// The whole stage, name and arguments, in `Character` offsets.
    public var range: Range<Int>

    public init(_ stage: any Stage, range: Range<Int> = 0..<0) {
        self.stage = stage
        self.range = range
    }

    public static func == (a: PlacedStage, b: PlacedStage) -> Bool { a.stage.isSame(as: b.stage) }
}

/// The command at the head of a line, parsed generically: the shell owns the catalogue of
/// command names and what their arguments mean.
public struct Command: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var nameRange: Range<Int>
    public var arguments: [CommandArgument]

    public init(name: String, nameRange: Range<Int> = 0..<0, arguments: [CommandArgument] = []) {
        self.name = name
        self.nameRange = nameRange
        self.arguments = arguments
    }

    public var description: String {
        ([Quoting.word(name, quoted: false)] + arguments.map(\.description)).joined(separator: " ")
    }

    public static func == (a: Command, b: Command) -> Bool {
        a.name == b.name && a.arguments == b.arguments
    }
}

/// One argument of a command, with the span it was written in.
///
/// | written | kind |
/// | --- | --- |
/// | `349`, `"Pi London"`, `keys/349/` | `.word` |
/// | `name="Pi London"`, `public_key=@~/.ssh/id.pub` | `.assignment` |
/// | `--yes` | `.flag("yes")` |
public struct CommandArgument: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A plain argument; `quoted` when any part of it was in quotes.
        case word(String, quoted: Bool)
        /// `name=value`; `quoted` when any part of the value was in quotes.
        case assignment(name: String, value: String, quoted: Bool)
        /// `--name`, unquoted.
        case flag(String)
    }

    public var kind: Kind
    public var range: Range<Int>

    public init(_ kind: Kind, range: Range<Int> = 0..<0) {
        self.kind = kind
        self.range = range
    }

    /// The text of a word or of an assignment's value; the name of a flag.
    public var text: String {
        switch kind {
        case .word(let s, _), .assignment(_, let s, _), .flag(let s): return s
        }
    }

    /// For `public_key=@~/.ssh/id.pub` (an unquoted value starting with `@`): `~/.ssh/id.pub`.
    public var fileReference: String? {
        guard case .assignment(_, let value, false) = kind, value.hasPrefix("@") else { return nil }
        return String(value.dropFirst())
    }

    public var description: String {
        switch kind {
        case .word(let s, let quoted): return Quoting.word(s, quoted: quoted)
        case .assignment(let name, let value, let quoted): return name + "=" + Quoting.word(value, quoted: quoted)
        case .flag(let name): return "--" + name
        }
    }

    public static func == (a: CommandArgument, b: CommandArgument) -> Bool { a.kind == b.kind }
}

/// `> FILE` or `>> FILE` at the end of a line.
public struct Redirect: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var append: Bool
    public var quoted: Bool
    /// The file name, in `Character` offsets.
    public var range: Range<Int>

    public init(path: String, append: Bool, quoted: Bool = false, range: Range<Int> = 0..<0) {
        self.path = path
        self.append = append
        self.quoted = quoted
        self.range = range
    }

    public var description: String { (append ? ">> " : "> ") + Quoting.word(path, quoted: quoted) }

    public static func == (a: Redirect, b: Redirect) -> Bool {
        a.path == b.path && a.append == b.append && a.quoted == b.quoted
    }
}

/// A field, or a dotted path through nested objects and relations: `port`, `key.name`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public var components: [String]
    public var range: Range<Int>

    public init(_ components: [String], range: Range<Int> = 0..<0) {
        self.components = components
        self.range = range
    }

    /// `key.name` → `["key", "name"]`.
    public init(_ dotted: String, range: Range<Int> = 0..<0) {
        self.init(dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init), range: range)
    }

    /// The path as written: `key.name`. Also the column name `select` gives it.
    public var description: String { components.joined(separator: ".") }

    public static func == (a: FieldPath, b: FieldPath) -> Bool { a.components == b.components }
    public func hash(into h: inout Hasher) { h.combine(components) }
}

/// A field path that a pipeline reads, for the shell to check against the known fields.
public struct FieldReference: Sendable, Equatable {
    public var path: FieldPath
    /// The name of the stage that reads it: `where`, `sort`, ...
    public var stage: String

    public init(path: FieldPath, stage: String) {
        self.path = path
        self.stage = stage
    }

    /// The span of the path in the line, in `Character` offsets.
    public var range: Range<Int> { path.range }
    public static func == (a: FieldReference, b: FieldReference) -> Bool {
        a.path == b.path && a.path.range == b.path.range && a.stage == b.stage
    }
}

/// Quoting rules shared by the printer, the parser and completion: the one list of the
/// characters the lexer treats specially.
public enum Quoting {
    /// The quotes: `"…"` (with escapes) and `'…'`.
    public static let quotes: Set<Character> = ["\"", "'"]
    /// The operators and punctuation of a `where` expression and a stage's arguments; each
    /// is a token of its own (`<=`, `!~` and `>>` join two).
    public static let operatorCharacters: Set<Character> = ["=", "<", ">", "!", "~", ",", "(", ")"]
    /// What ends a bare word in a command's arguments: the pipe and the redirect.
    public static let commandSeparators: Set<Character> = ["|", ">"]

    /// Characters that end a bare word in a `where` expression or a stage's arguments.
    public static func endsExpressionWord(_ c: Character) -> Bool {
        c.isWhitespace || c == "|" || operatorCharacters.contains(c) || quotes.contains(c)
    }

    /// Characters that end a bare word (or a bare part of one) in a command's arguments.
    public static func endsCommandWord(_ c: Character) -> Bool {
        c.isWhitespace || commandSeparators.contains(c) || quotes.contains(c)
    }

    /// Whether `text` must be quoted to be read back as one word that is exactly `text`: it
    /// is empty, holds a special character (a `#` would start a comment, a `\` an escape), a
    /// control character, or a mark that would join the character before it.
    public static func needsQuotes(_ text: String) -> Bool {
        text.isEmpty || text.contains { c in
            endsExpressionWord(c) || c == "#" || c == "\\"
                || c.unicodeScalars.contains(where: needsEscape)
                || c.unicodeScalars.contains { joins($0, "a") }
        } || text.unicodeScalars.first.map { joins(" ", $0) } == true
    }

    /// `s` as one word the parser reads back as `s`: bare when it can be, else double-quoted.
    public static func word(_ s: String) -> String { needsQuotes(s) ? doubleQuoted(s) : s }

    /// `s` as a double-quoted string when `quoted`, else bare.
    static func word(_ s: String, quoted: Bool) -> String { quoted ? doubleQuoted(s) : s }

    /// `"…"` with `\` and `"` escaped, newline, tab and carriage return as `\n` `\t` `\r`,
    /// ESC as `\e`, and other control and bidi-formatting characters as `\u{202E}`: text
    /// that the parser reads back as `s`, and that shows nothing a terminal would act on.
    public static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        // The parser reads Characters (grapheme clusters): a combining mark right after the
        // opening quote or an escape would merge with it, and a prepended mark would merge
        // with what follows. Such scalars are written as \u{...} there.
        var afterSyntax = true
        var previous: Unicode.Scalar = "\""
        for u in s.unicodeScalars {
            let escaped: String?
            switch u {
            case "\\": escaped = "\\\\"
            case "\"": escaped = "\\\""
            case "\n": escaped = "\\n"
            case "\t": escaped = "\\t"
            case "\r": escaped = "\\r"
            case "\u{1B}": escaped = "\\e"
            default:
                if needsEscape(u) || joins(u, "a") || (afterSyntax && joins(previous, u)) {
                    escaped = "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    escaped = nil
                }
            }
            if let escaped {
                out += escaped
                previous = escaped.unicodeScalars.last!
                afterSyntax = true
            } else {
                out.unicodeScalars.append(u)
                previous = u
                afterSyntax = false
            }
        }
        return out + "\""
    }

    /// Whether `b` right after `a` makes one Character of the two.
    public static func joins(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        var pair = String.UnicodeScalarView()
        pair.append(a)
        pair.append(b)
        return String(pair).count == 1
    }

    /// Control characters, and the formatting characters that reorder text on screen
    /// (bidi embeddings, overrides and isolates, marks).
    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7F..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: return true
        default: return false
        }
    }
}
