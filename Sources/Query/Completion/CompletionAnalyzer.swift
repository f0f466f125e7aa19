/// What TAB should offer at the cursor: step one of completion, pure and tolerant of
/// half-typed lines (pgcli's split: this finds the kind, the shell's completion engine finds
/// candidates).
public indirect enum ExpectedKind: Sendable, Equatable {
    case command
    case stage
    /// A field of what flows into the stage; `source` is the line's command word.
    case field(source: String, inWhere: Bool = false)
    /// An operator after `where FIELD `.
    case op
    /// A value for `field` (after `field=`, `field ~`, ...).
    case value(source: String, field: String)
    /// A subcommand's name, or else what the command's own arguments expect (`keys ` offers
    /// add, set, replace, rm and the keys).
    case subcommand([String], or: ExpectedKind)
    /// A key id or name.
    case keyRef
    /// `name=VALUE` fields: these words, inserted as they are (`name=`, `public_key=@`).
    case fields([String])
    case setting
    case settingValue(name: String)
    case topic
    case resource
    case port
    case file
    /// One of these words: `by` after `group F`, then `day`, `hour`, ...
    case choice([String])
    /// The name of one of the user's saved queries.
    case savedQuery
    case nothing
}

/// What a command's arguments are, as its spec declares them: the analyser reads this, so a
/// new command completes with no edit here.
public indirect enum ArgumentKind: Sendable, Equatable, Codable {
    /// None.
    case none
    /// Resource names (`refresh clicks keys`).
    case resources
    /// One key: an id, or a name (several words when unquoted: `keys Pi London`).
    case key
    /// Keys, one a word (`keys rm 12 "Pi London"`).
    case keys
    /// `name=VALUE` fields; these are offered as typed (`name=`, `public_key=@`).
    case fields([String])
    /// One word of the first kind, then words of the second (`keys set KEY name=NEW`).
    case then(ArgumentKind, ArgumentKind)
    /// `set NAME VALUE`.
    case setting
    /// `help TOPIC`: a command or a stage.
    case topic
    /// A session's port.
    case port
    /// An API path (not completed).
    case apiPath
    /// A whole line of its own after some options (`watch 10 --times 3 LINE`): options are
    /// numbers, or these flags with a value each.
    case commandLine(flagsWithValue: [String])
    /// Names of saved queries (`saved rm NAME`).
    case savedQueries
    /// A new name, then a line or stages of its own (`save NAME LINE`).
    case nameThenLine
}

extension ArgumentKind {
    /// The `name=` fields this kind offers, wherever they come in it.
    var fieldNames: [String] {
        switch self {
        case .fields(let names): return names
        case .then(let a, let b): return a.fieldNames + b.fieldNames
        default: return []
        }
    }
}

/// How a command's words read, for completion: its subcommands (each with arguments of its
/// own) and, when the first word names none, its own arguments.
public struct CommandSyntax: Sendable, Equatable, Codable {
    public struct Subcommand: Sendable, Equatable, Codable {
        public var name: String
        public var arguments: ArgumentKind
        public init(_ name: String, _ arguments: ArgumentKind) {
            self.name = name
            self.arguments = arguments
        }
    }

    public var arguments: ArgumentKind
    public var subcommands: [Subcommand]

    public init(arguments: ArgumentKind, subcommands: [Subcommand] = []) {
        self.arguments = arguments
        self.subcommands = subcommands
    }
}

/// The analysis of a line up to the cursor.
public struct CompletionContext: Sendable, Equatable {
    public var kind: ExpectedKind
    /// The characters already typed of the word being completed (quotes removed).
    public var prefix: String
    /// Where that word starts, in characters.
    public var wordStart: Int
    /// Whether the word was opened with a quote.
    public var quoted: Bool
    /// Fields the stage already names (`select port,‸`): not offered again.
    public var named: [String] = []
}

public enum CompletionAnalyzer {
    public static let operators = ComparisonOperator.allCases.map(\.rawValue)

    /// A word of the line, with where it starts.
    struct Word { var text: String; var start: Int; var quoted: Bool; var closed: Bool }

    /// The words of the segment the cursor is in, the word being typed (if the cursor
    /// touches one), and the line's command word.
    struct Split {
        var segments: [[Word]]
        var typing: Word?
        var inFirstSegment: Bool { segments.count == 1 }
        var words: [Word] { segments[segments.count - 1] }
        var source: String { segments[0].first?.text ?? "" }
    }

    /// Analyses `line` up to `cursor` (a character offset); `commands` gives the syntax of
    /// each command (the shell's catalogue answers it).
    public static func analyze(_ line: String, cursor: Int,
                               commands: (String) -> CommandSyntax? = { _ in nil }) -> CompletionContext {
        // `watch 10 sessions | ...`: what follows the options is a line of its own.
        if let inner = innerLine(line, cursor: cursor, commands: commands) {
            var context = analyze(inner.text, cursor: cursor - inner.offset, commands: commands)
            context.wordStart += inner.offset
            return context
        }
        let chars = Array(line.prefix(cursor))
        let split = split(chars)
        let typing = split.typing
        let context = { (kind: ExpectedKind) in
            CompletionContext(kind: kind, prefix: typing?.text ?? "", wordStart: typing?.start ?? chars.count,
                              quoted: typing?.quoted ?? false)
        }
        let words = split.words
        // After a redirect: a file name.
        if let last = words.last, last.text == ">" || last.text == ">>", !split.inFirstSegment || words.count > 1 {
            if split.inFirstSegment || words.first?.text != "where" { return context(.file) }
        }
        guard split.inFirstSegment else {
            var ctx = context(stage(words, source: split.source))
            if case .field(_, false) = ctx.kind { ctx.named = listedFields(words) }
            return ctx
        }
        guard let head = words.first else { return context(.command) }
        let syntax = commands(head.text) ?? CommandSyntax(arguments: .none)
        if let file = fileAfterAt(chars, syntax: syntax) { return file }
        return arguments(Array(words.dropFirst()), syntax: syntax, typing: typing, context: context)
    }

    /// The line cut into pipeline segments on unquoted `|`, and words on unquoted blanks;
    /// operators and commas are words of their own.
    static func split(_ chars: [Character]) -> Split {
        var segments: [[Word]] = [[]]
        var current: Word?
        var quote: Character?
        var i = 0
        func flush() {
            if let w = current { segments[segments.count - 1].append(w) }
            current = nil
        }
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\", q == "\"", i + 1 < chars.count {
                    current?.text.append(chars[i + 1]); i += 2; continue
                }
                if c == q { quote = nil; current?.closed = true } else { current?.text.append(c) }
            } else if Quoting.quotes.contains(c) {
                if current == nil { current = Word(text: "", start: i, quoted: true, closed: false) }
                quote = c
            } else if c == "|" {
                flush()
                segments.append([])
            } else if c == " " || c == "\t" {
                flush()
            } else if Quoting.operatorCharacters.contains(c) {
                flush()
                var op = String(c)
                if i + 1 < chars.count, chars[i + 1] == "=" || (c == "!" && chars[i + 1] == "~") || (c == ">" && chars[i + 1] == ">") {
                    op.append(chars[i + 1]); i += 1
                }
                segments[segments.count - 1].append(Word(text: op, start: i + 1 - op.count, quoted: false, closed: true))
            } else {
                if current == nil { current = Word(text: "", start: i, quoted: false, closed: false) }
                current?.text.append(c)
            }
            i += 1
        }
        // The word under the cursor is not one of the segment's words: it is being typed.
        return Split(segments: segments, typing: current)
    }

    /// The fields a list stage already names before the cursor: `select port,key.name,‸`
    /// gives port and key.name; `sort -port,‸` gives port.
    static func listedFields(_ words: [Word]) -> [String] {
        words.dropFirst().filter { $0.text != "," }.map { $0.text.hasPrefix("-") ? String($0.text.dropFirst()) : $0.text }
    }

    /// `keys add public_key=@~/.ssh/id‸`: a file name after a field that reads one from a file
    /// (one the syntax offers as `NAME=@`), with the part after `@` as the prefix.
    static func fileAfterAt(_ chars: [Character], syntax: CommandSyntax) -> CompletionContext? {
        let start = (chars.lastIndex { $0 == " " || $0 == "\t" }).map { $0 + 1 } ?? 0
        let word = String(chars[start...])
        guard let at = word.range(of: "=@") else { return nil }
        let name = String(word[..<at.lowerBound])
        let kinds = [syntax.arguments] + syntax.subcommands.map(\.arguments)
        guard kinds.contains(where: { $0.fieldNames.contains(name + "=@") }) else { return nil }
        let path = String(word[at.upperBound...])
        return CompletionContext(kind: .file, prefix: path, wordStart: chars.count - path.count, quoted: false)
    }

    /// What a stage's words expect, by the syntax its type declares.
    static func stage(_ words: [Word], source: String) -> ExpectedKind {
        guard let stage = words.first?.text else { return .stage }
        let rest = Array(words.dropFirst())
        switch StageCatalog.named(stage)?.syntax ?? .none {
        case .none:
            return .nothing
        case .fields:
            return .field(source: source)
        case .fieldBy(let choices):
            if rest.isEmpty { return .field(source: source) }
            if rest.count == 1 { return .choice(["by"]) }
            if rest.count == 2, rest[1].text == "by" { return .choice(choices) }
            return .nothing
        case .condition:
            return condition(rest, source: source)
        }
    }

    /// Within `where`: a field, an operator, a value, then and/or and a field again.
    static func condition(_ rest: [Word], source: String) -> ExpectedKind {
        if rest.isEmpty { return .field(source: source, inWhere: true) }
        var expect = 0 // 0 field, 1 operator, 2 value, 3 connective
        var field = ""
        for w in rest {
            switch expect {
            case 0:
                if ["not", "("].contains(w.text) { continue }
                field = w.text; expect = 1
            case 1:
                expect = operators.contains(w.text) ? 2 : 1
            case 2:
                if w.text == "(" || w.text == "," { continue }
                expect = 3
            default:
                if w.text == "," { expect = 2 } else if ["and", "or"].contains(w.text) { expect = 0 }
            }
        }
        switch expect {
        case 0: return .field(source: source, inWhere: true)
        case 1: return .op
        case 2: return .value(source: source, field: field)
        default: return .nothing
        }
    }
}

extension CompletionAnalyzer {
    /// What the words after a command expect: a subcommand's arguments when the first word
    /// names one, else the command's own (with the subcommands offered beside them).
    static func arguments(_ rest: [Word], syntax: CommandSyntax, typing: Word?,
                          context: (ExpectedKind) -> CompletionContext) -> CompletionContext {
        if let first = rest.first, let sub = syntax.subcommands.first(where: { $0.name == first.text && !first.quoted }) {
            return arguments(Array(rest.dropFirst()), kind: sub.arguments, typing: typing, context: context)
        }
        let own = arguments(rest, kind: syntax.arguments, typing: typing, context: context)
        guard rest.isEmpty, !syntax.subcommands.isEmpty else { return own }
        let names = syntax.subcommands.map(\.name)
        var offered = own
        offered.kind = own.kind == .nothing ? .choice(names) : .subcommand(names, or: own.kind)
        return offered
    }

    /// What the words after a command expect, by one kind of argument.
    static func arguments(_ rest: [Word], kind: ArgumentKind, typing: Word?,
                          context: (ExpectedKind) -> CompletionContext) -> CompletionContext {
        switch kind {
        case .none, .apiPath, .commandLine, .nameThenLine:
            return context(.nothing)
        case .resources:
            return context(.resource)
        case .savedQueries:
            return context(.savedQuery)
        case .topic:
            return context(rest.isEmpty ? .topic : .nothing)
        case .port:
            return context(rest.isEmpty ? .port : .nothing)
        case .setting:
            if rest.isEmpty { return context(.setting) }
            return context(rest.count == 1 ? .settingValue(name: rest[0].text) : .nothing)
        case .keys:
            return context(.keyRef)
        case .fields(let names):
            if let last = rest.last, last.text == "=" { return context(.nothing) }
            return context(.fields(names))
        case .then(let first, let then):
            guard !rest.isEmpty else { return arguments([], kind: first, typing: typing, context: context) }
            return arguments(Array(rest.dropFirst()), kind: then, typing: typing, context: context)
        case .key:
            guard let first = rest.first else { return context(.keyRef) }
            // `keys Pi Lo`: the words after `keys` are one name, typed without quotes.
            guard !rest.contains(where: \.quoted), typing?.quoted != true else { return context(.nothing) }
            let typed = rest.map(\.text).joined(separator: " ") + " " + (typing?.text ?? "")
            return CompletionContext(kind: .keyRef, prefix: typed, wordStart: first.start, quoted: false)
        }
    }

    /// The line a command of kind ``ArgumentKind/commandLine(flagsWithValue:)`` runs
    /// (`watch [SECONDS] [--times N] LINE`), or of kind ``ArgumentKind/nameThenLine`` (`save
    /// NAME LINE`), and where it starts, once the cursor is in it.
    public static func innerLine(_ line: String, cursor: Int, commands: (String) -> CommandSyntax?) -> (text: String, offset: Int)? {
        let chars = Array(line)
        var i = 0
        func skipBlanks() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func word() -> String {
            let start = i
            while i < chars.count, chars[i] != " ", chars[i] != "\t" { i += 1 }
            return String(chars[start..<i])
        }
        skipBlanks()
        let kind = commands(word())?.arguments
        guard i < chars.count else { return nil }
        switch kind {
        case .commandLine(let flags)?:
            while true {
                skipBlanks()
                let start = i
                let w = word()
                let flag = w.hasPrefix("--") && flags.contains(String(w.dropFirst(2)))
                let option = Double(w) != nil || flag
                if option, i >= cursor { return nil }  // still typing the options
                if Double(w) != nil { continue }
                if flag { skipBlanks(); _ = word(); continue }
                i = start
                break
            }
        case .nameThenLine?:
            skipBlanks()
            _ = word()
            if i >= cursor { return nil }  // still typing the name
            skipBlanks()
        default:
            return nil
        }
        guard cursor >= i else { return nil }
        return (String(chars[i...]), i)
    }
}
