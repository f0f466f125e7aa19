#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation
import Query
import Records
import Synchronization

/// A line kept under a name (`save hits clicks | where port=$1 | count`), run as `hits 6260`.
///
/// A line that starts with a stage (`where source_ip in 10.0.0.0/8`) is a saved *stage*: it
/// stands after `|` (`clicks | suspicious | count`). `$1`, `$2`, ... and `$NAME` outside
/// quotes are its parameters, each standing for one value.
public struct SavedQuery: Sendable, Equatable {
    public var name: String
    public var line: String

    public init(name: String, line: String) {
        self.name = name
        self.line = line
    }

    /// Whether it is stages, used after `|`, rather than a whole line.
    public var isStage: Bool {
        let first = line.split(whereSeparator: { $0.isWhitespace }).first.map(String.init) ?? ""
        return StageCatalog.named(first) != nil
    }

    /// The parameters in the order arguments fill them: `$1`, `$2`, ... by number, then the
    /// named ones in the order they first appear.
    public var parameters: [String] {
        let names = LineScan.parameters(Array(line)).map(\.name)
        var seen = Set<String>()
        let unique = names.filter { seen.insert($0).inserted }
        let numbered = unique.filter { Int($0) != nil }.sorted { Int($0)! < Int($1)! }
        return numbered + unique.filter { Int($0) == nil }
    }

    /// How it is used: `hits PORT`, `suspicious` (with `|` before it for a stage).
    public var usage: String {
        ([name] + parameters.map { Int($0) != nil ? "ARG\($0)" : $0.uppercased() }).joined(separator: " ")
    }
}

/// The saved queries of this user: a file in the config directory (0600), one query a line,
/// `NAME LINE`, read again whenever another process changed it.
public final class SavedQueries: Sendable {
    /// The file; nil keeps them in memory only (tests, no HOME).
    public let path: String?
    private let state = Mutex<(queries: [SavedQuery], stamp: [Int])>(([], []))

    public init(path: String?) {
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/opsh/saved-queries`, else `~/.config/opsh/saved-queries`.
    public static func path(environment: [String: String]) -> String? {
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return config + "/opsh/saved-queries" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/opsh/saved-queries"
    }

    /// Every saved query, in the order they were first saved.
    public var all: [SavedQuery] {
        reload()
        return state.withLock { $0.queries }
    }

    public func named(_ name: String) -> SavedQuery? { all.first { $0.name == name } }

    /// Saves `line` as `name`, replacing a query of that name; returns the one replaced.
    /// A name that is a command's or a stage's, or not a word, is refused.
    @discardableResult
    public func save(_ name: String, line: String) throws -> SavedQuery? {
        try SavedQueries.check(name: name)
        let line = line.trimmingCharacters(in: .whitespaces)
        try SavedQueries.check(line: line, name: name, queries: all.filter { $0.name != name })

        return try change { queries in
            let old = queries.firstIndex { $0.name == name }
            let replaced = old.map { queries[$0] }
            if let old { queries[old].line = line } else { queries.append(SavedQuery(name: name, line: line)) }
            return replaced
        }
    }

    /// Forgets `name`; false when there is no such query.
    @discardableResult
    public func remove(_ name: String) throws -> Bool {
        try change { queries in
            let before = queries.count
            queries.removeAll { $0.name == name }
            return queries.count != before
        }
    }

    /// Applies `body` to the queries as the file holds them now, then writes them back.
    private func change<T>(_ body: (inout [SavedQuery]) -> T) throws -> T {
        reload()
        var queries = state.withLock { $0.queries }
        let result = body(&queries)
        if let path {
            let text = "# opsh saved queries: NAME LINE, one a line (written by 'save'; 'saved' lists them)\n"
                + queries.map { "\($0.name) \($0.line)\n" }.joined()
            do {
                try PrivateFile.write(text, to: path)
            } catch {
                throw ShellError("cannot save the queries: \(error)")
            }
        }
        let stamp = path.map(SavedQueries.stamp(of:)) ?? []
        state.withLock { $0 = (queries, stamp) }
        return result
    }

    /// Reads the file again if it changed since it was last read or written here.
    private func reload() {
        guard let path else { return }
        let now = SavedQueries.stamp(of: path)
        guard state.withLock({ $0.stamp != now }) else { return }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var queries: [SavedQuery] = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let space = line.firstIndex(where: { $0.isWhitespace }) else { continue }
            let name = String(line[..<space])
            guard (try? SavedQueries.check(name: name)) != nil else { continue }
            queries.removeAll { $0.name == name }
            queries.append(SavedQuery(name: name, line: line[space...].trimmingCharacters(in: .whitespaces)))
        }
        state.withLock { $0 = (queries, now) }
    }

    /// What tells a changed file: size, modification time, inode (empty when there is none).
    private static func stamp(of path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
    }
}

extension SavedQueries {
    /// A name is a word (a letter, then letters, digits, `-` or `_`) that no command, alias
    /// or stage has.
    static func check(name: String) throws {
        guard let first = name.first, first.isLetter, first.isASCII,
              name.allSatisfy({ ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") && $0.isASCII }) else {
            throw ShellError("'\(TerminalSafe.escape(name))' cannot name a query: use a word of letters, digits, - and _ that starts with a letter")
        }
        if CommandCatalog.command(named: name) != nil || name == "save" || name == "saved" {
            throw ShellError("'\(name)' is a command; choose another name for the query")
        }
        if StageCatalog.named(name) != nil {
            throw ShellError("'\(name)' is a stage; choose another name for the query")
        }
    }

    /// The line must read as a line or as stages (the saved queries it uses written out), on
    /// one line, and not run itself, through others or not. A mistake at a parameter is left for when the value is
    /// known (`first $n`, `in $net`).
    static func check(line: String, name: String, queries: [SavedQuery]) throws {
        guard !line.isEmpty else { throw ShellError("usage: save NAME LINE (for example: save hits clicks | where port=$1 | count)") }
        guard !line.contains("\n") else { throw ShellError("a saved query is one line") }
        let query = SavedQuery(name: name, line: line)
        let lead = query.isStage ? "clicks | " : ""
        let parameters = LineScan.parameters(Array(lead + line)).map(\.range)
        // With the new query among them, so that a loop through it shows now.
        guard let error = mistake(in: lead + line, queries: queries + [query]) else { return }
        let loop = "saved queries run each other in a loop: "
        if error.message.hasPrefix(loop) {
            let chain = error.message.dropFirst(loop.count).prefix { $0 != ";" }
            throw ShellError("'\(name)' would run itself: \(chain)")
        }
        if parameters.contains(where: { $0.contains(error.column) }) { return }
        throw ShellError("the line does not read: \(error.description)")
    }

    /// The first mistake in `line` with `queries` written out, if any.
    private static func mistake(in line: String, queries: [SavedQuery]) -> QueryError? {
        do throws(QueryError) {
            _ = try Pipeline(parsing: SavedQueryExpansion(of: line, queries: queries)?.text ?? line)
            return nil
        } catch {
            return error
        }
    }
}

/// What `|` and quotes divide a line into, as the parser reads them: segments between `|`
/// outside quotes, and the `$` parameters outside quotes.
enum LineScan {
    /// The character ranges between `|`s outside quotes (the last runs to the end).
    static func segments(_ chars: [Character]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        forEachUnquoted(chars) { i in
            if chars[i] == "|" {
                out.append(start..<i)
                start = i + 1
            }
        }
        out.append(start..<chars.count)
        return out
    }

    /// `$1`, `$port` outside quotes: each name, with the range of `$` and name.
    static func parameters(_ chars: [Character]) -> [(name: String, range: Range<Int>)] {
        var out: [(String, Range<Int>)] = []
        var skipTo = 0
        forEachUnquoted(chars) { i in
            guard i >= skipTo, chars[i] == "$", i + 1 < chars.count else { return }
            var end = i + 1
            if chars[end].isASCII, chars[end].isNumber {
                while end < chars.count, chars[end].isASCII, chars[end].isNumber { end += 1 }
            } else if chars[end].isASCII, chars[end].isLetter || chars[end] == "_" {
                while end < chars.count, chars[end].isASCII, chars[end].isLetter || chars[end].isNumber || chars[end] == "_" { end += 1 }
            } else {
                return
            }
            out.append((String(chars[(i + 1)..<end]), i..<end))
            skipTo = end
        }
        return out
    }

    /// The words of a command segment, split at blanks outside quotes, with their ranges.
    static func words(_ chars: [Character], in range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start: Int?
        var quote: Character?
        var i = range.lowerBound
        while i < range.upperBound {
            let c = chars[i]
            if let q = quote {
                if c == "\\", q == "\"", i + 1 < range.upperBound { i += 2; continue }
                if c == q { quote = nil }
            } else if c.isWhitespace {
                if let s = start { out.append(s..<i); start = nil }
            } else {
                if start == nil { start = i }
                if c == "\"" || c == "'" { quote = c }
            }
            i += 1
        }
        if let s = start { out.append(s..<range.upperBound) }
        return out
    }

    /// Calls `body` with the index of each character outside quotes.
    private static func forEachUnquoted(_ chars: [Character], _ body: (Int) -> Void) {
        var quote: Character?
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == "\\", q == "\"" { i += 2; continue }
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else {
                body(i)
            }
            i += 1
        }
    }
}
