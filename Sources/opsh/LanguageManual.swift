import Foundation
import Query
import Shell

/// The command language as a section of opsh's manual page (mdoc), written from the command
/// and stage catalogues that `help`, the parser and completion read.
///
/// `opsh --generate-manual-language` prints it; `make install` puts it into the page that
/// swift-argument-parser's generate-manual plugin makes from opsh's flags.
enum LanguageManual {
    /// The section title, as mdoc writes it.
    static let title = "COMMAND LANGUAGE"

    static func section() -> String {
        var out = [".Sh \"\(title)\""]
        out += text("""
            At the prompt, from -c, from a script file or from stdin, a line is a command,
            optionally followed by stages joined with |, optionally followed by > FILE or >> FILE.
            help lists the commands and stages at the prompt; help NAME shows one of them.
            """)
        out.append(".Ss Commands")
        out.append(".Bl -tag -width Ds")
        for command in CommandCatalog.all {
            out += entry(synopsis: command.synopsis, summary: command.summary, also: command.aliases,
                         details: command.fullDetails, examples: command.examples.map { ($0.line, $0.showsWithResult) })
        }
        out.append(".El")
        out.append(".Ss Stages")
        out.append(".Bl -tag -width Ds")
        for stage in StageCatalog.all {
            out += entry(synopsis: stage.synopsis, summary: stage.summary, also: [], details: stage.help,
                         examples: stage.examples.map { ($0.line, $0.showsWithResult) })
        }
        out.append(".El")
        return out.joined(separator: "\n") + "\n"
    }

    /// One command or stage: its synopsis as the item's tag, then what `help NAME` says.
    private static func entry(synopsis: String, summary: String, also: [String], details: String,
                              examples: [(line: String, says: String)]) -> [String] {
        let words = synopsis.split(separator: " ").map { macroArgument(String($0)) }
        var out = [".It Cm " + words[0] + (words.count > 1 ? " Ar " + words.dropFirst().joined(separator: " ") : "")]
        out += text(sentence(summary))
        if !also.isEmpty {
            // \% keeps a name from being hyphenated.
            out.append("Also: " + also.map { "\\%" + escape($0) }.joined(separator: ", ") + ".")
        }
        if !details.isEmpty {
            out.append(".Pp")
            out += text(details)
        }
        for example in examples {
            out.append(".Pp")
            out += text(example.says.prefix(1).uppercased() + example.says.dropFirst() + ":")
            out += literal([Substring(example.line)])
        }
        return out
    }

    /// A summary as a sentence: a capital first, a full stop last.
    private static func sentence(_ summary: String) -> String {
        let capital = summary.prefix(1).uppercased() + summary.dropFirst()
        return summary.hasSuffix(".") ? capital : capital + "."
    }

    /// Prose as filled text lines; runs of lines laid out with spaces (indented, or aligned
    /// in columns) as literal displays.
    static func text(_ prose: String) -> [String] {
        var out: [String] = []
        var laidOut: [Substring] = []
        func flush() {
            if !laidOut.isEmpty { out += literal(laidOut) }
            laidOut = []
        }
        for line in prose.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " }) {
                flush()
                out.append(".Pp")
            } else if line.hasPrefix(" ") || line.contains("  ") {
                laidOut.append(line)
            } else {
                if !laidOut.isEmpty {
                    flush()
                    out.append(".Pp")
                }
                out.append(textLine(String(line), hyphenate: false))
            }
        }
        flush()
        return out
    }

    /// Lines shown as they are, without their common indentation.
    private static func literal(_ lines: [Substring]) -> [String] {
        let indent = lines.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return [".Bd -literal -offset indent"] + lines.map { textLine(String($0.dropFirst(indent))) } + [".Ed"]
    }

    /// A text line: backslashes and hyphens escaped, no leading dot or apostrophe, anything
    /// beyond ASCII as a named Unicode character. Without `hyphenate`, names, paths and flags
    /// (last_connection_time, key.name, --yes) are never split with a hyphen not theirs.
    static func textLine(_ line: String, hyphenate: Bool = true) -> String {
        var escaped = escape(line)
        if !hyphenate {
            escaped = escaped.split(separator: " ", omittingEmptySubsequences: false).map { word in
                word.contains(where: { "_-./=@".contains($0) }) ? "\\%" + word : String(word)
            }.joined(separator: " ")
        }
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }

    /// One word of a macro line, never read as a macro, a delimiter or a quote.
    static func macroArgument(_ word: String) -> String {
        "\\&" + escape(word).replacingOccurrences(of: "\"", with: "\\(dq")
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where scalar.isASCII: out.unicodeScalars.append(scalar)
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            }
        }
        return out
    }
}

/// The command catalogue's syntax (each command's arguments and subcommands) as JSON, for
/// the fuzzer: `opsh --generate-command-syntax`, read by fuzz/FuzzEntry.swift, so that it
/// analyses lines with the real catalogue rather than a copy.
enum CommandSyntaxExport {
    static func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(CommandCatalog.syntaxByName) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
