import Query

/// What TAB should offer at the cursor: step one of completion, pure and tolerant of
/// half-typed lines (pgcli's split: this finds the kind, ``CompletionEngine`` finds candidates).
public enum ExpectedKind: Sendable, Equatable {
    case command
    case stage
    /// A field of what flows into the stage; `source` is the line's command word.
    case field(source: String, inWhere: Bool = false)
    /// An operator after `where FIELD `.
    case op
    /// A value for `field` (after `field=`, `field ~`, ...).
    case value(source: String, field: String)
    /// After `keys `: a subcommand, a key id or a key name.
    case keyOrSubcommand
    /// After `keys set|replace|rm `: a key id or name.
    case keyRef
    /// After `keys add ` and the like: `name=`, `public_key=@`.
    case keyField
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

/// What a command's arguments are, as its ``CommandSpec`` declares them: the analyser reads
/// this, so a new command completes with no edit here.
public indirect enum ArgumentKind: Sendable, Equatable {
    /// None.
    case none
    /// Resource names (`refresh clicks keys`).
    case resources
    /// `keys`: a subcommand (add, set, replace, rm), a key id or a key name.
    case keys(subcommands: [String])
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
    /// One of these words, each followed by arguments of its own kind (`cache clear RESOURCE`).
    case subcommands([String: ArgumentKind])
    /// Names of saved queries (`saved rm NAME`).
    case savedQueries
    /// A new name, then a line or stages of its own (`save NAME LINE`).
    case nameThenLine
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
}

public enum CompletionAnalyzer {
    static let operators = ComparisonOperator.allCases.map(\.rawValue)

    /// A word of the line, with where it starts.
    struct Word { var text: String; var start: Int; var quoted: Bool; var closed: Bool }

    /// Analyses `line` up to `cursor` (a character offset); `commands` gives the kind of
    /// each command's arguments (``CommandCatalog/argumentKind(of:)`` in the shell).
    public static func analyze(_ line: String, cursor: Int,
                               commands: (String) -> ArgumentKind? = { _ in nil }) -> CompletionContext {
        // `watch 10 sessions | ...`: what follows the options is a line of its own.
        if let inner = innerLine(line, cursor: cursor, commands: commands) {
            var context = analyze(inner.text, cursor: cursor - inner.offset, commands: commands)
            context.wordStart += inner.offset
            return context
        }
        let chars = Array(line.prefix(cursor))
        // Split into pipeline segments on unquoted '|', and words on unquoted blanks.
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
            } else if c == "\"" || c == "'" {
                if current == nil { current = Word(text: "", start: i, quoted: true, closed: false) }
                quote = c
            } else if c == "|" {
                flush()
                segments.append([])
            } else if c == " " || c == "\t" {
                flush()
            } else if "=<>!~,()".contains(c) {
                // Operators and commas end a word and are words of their own.
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
        // The word under the cursor, if the cursor touches one.
        let typing = current
        flush()
        var words = segments[segments.count - 1]
        if typing != nil { words.removeLast() }
        let prefix = typing?.text ?? ""
        let start = typing?.start ?? chars.count
        let quoted = typing?.quoted ?? false
        func ctx(_ k: ExpectedKind) -> CompletionContext {
            CompletionContext(kind: k, prefix: prefix, wordStart: start, quoted: quoted)
        }
        let source = segments[0].first?.text ?? ""

        // After a redirect: a file name.
        if let last = words.last, last.text == ">" || last.text == ">>", segments.count > 1 || words.count > 1 {
            let head = words.first?.text ?? ""
            if segments.count == 1 || head != "where" { return ctx(.file) }
        }
        if segments.count == 1 {
            guard let head = words.first else { return ctx(.command) }
            return arguments(Array(words.dropFirst()), kind: commands(head.text) ?? .none, ctx: ctx,
                             prefix: prefix, quoted: quoted)
        }
        guard let stage = words.first?.text else { return ctx(.stage) }
        let rest = Array(words.dropFirst())
        switch StageCatalog.named(stage)?.syntax ?? .none {
        case .none:
            return ctx(.nothing)
        case .fields:
            return ctx(.field(source: source))
        case .fieldBy(let words):
            if rest.isEmpty { return ctx(.field(source: source)) }
            if rest.count == 1 { return ctx(.choice(["by"])) }
            if rest.count == 2, rest[1].text == "by" { return ctx(.choice(words)) }
            return ctx(.nothing)
        case .condition:
            break
        }
        if rest.isEmpty { return ctx(.field(source: source, inWhere: true)) }
        // where: field, operator, value, then and/or and a field again.
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
        case 0: return ctx(.field(source: source, inWhere: true))
        case 1: return ctx(.op)
        case 2: return ctx(.value(source: source, field: field))
        default: return ctx(.nothing)
        }
    }
}

extension CompletionAnalyzer {
    /// What the words after a command expect, by the kind its spec declares.
    static func arguments(_ rest: [Word], kind: ArgumentKind, ctx: (ExpectedKind) -> CompletionContext,
                          prefix: String, quoted: Bool) -> CompletionContext {
        switch kind {
        case .none, .apiPath, .commandLine, .nameThenLine:
            return ctx(.nothing)
        case .resources:
            return ctx(.resource)
        case .savedQueries:
            return ctx(.savedQuery)
        case .topic:
            return rest.isEmpty ? ctx(.topic) : ctx(.nothing)
        case .port:
            return rest.isEmpty ? ctx(.port) : ctx(.nothing)
        case .setting:
            if rest.isEmpty { return ctx(.setting) }
            if rest.count == 1 { return ctx(.settingValue(name: rest[0].text)) }
            return ctx(.nothing)
        case .subcommands(let table):
            guard let sub = rest.first else { return ctx(.choice(table.keys.sorted())) }
            guard let inner = table[sub.text] else { return ctx(.nothing) }
            return arguments(Array(rest.dropFirst()), kind: inner, ctx: ctx, prefix: prefix, quoted: quoted)
        case .keys(let subcommands):
            guard let sub = rest.first?.text else { return ctx(.keyOrSubcommand) }
            if subcommands.contains(sub) {
                switch sub {
                case "set", "replace": return rest.count == 1 ? ctx(.keyRef) : ctx(.keyField)
                case "rm": return ctx(.keyRef)
                default:
                    if let l = rest.last, l.text == "=" { return ctx(.nothing) }
                    return ctx(.keyField)
                }
            }
            // `keys Pi Lo`: the words after `keys` are one name, typed without quotes.
            guard !rest.contains(where: \.quoted), !quoted, let first = rest.first else { return ctx(.nothing) }
            let typed = rest.map(\.text).joined(separator: " ") + " " + prefix
            return CompletionContext(kind: .keyRef, prefix: typed, wordStart: first.start, quoted: false)
        }
    }

    /// The line a command of kind ``ArgumentKind/commandLine(flagsWithValue:)`` runs
    /// (`watch [SECONDS] [--times N] LINE`), and where it starts, once the cursor is in it.
    static func innerLine(_ line: String, cursor: Int, commands: (String) -> ArgumentKind?) -> (text: String, offset: Int)? {
        let chars = Array(line)
        var i = 0
        func skipBlanks() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        func word() -> String {
            let start = i
            while i < chars.count, chars[i] != " ", chars[i] != "\t" { i += 1 }
            return String(chars[start..<i])
        }
        skipBlanks()
        let kind = commands(word())
        guard i < chars.count else { return nil }
        switch kind {
        case .commandLine(let flags):
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
        case .nameThenLine:
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
