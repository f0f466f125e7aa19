import Shell

/// What TAB does to the line, decided from the line, the cursor and the completer's answer.
///
/// Pure: no terminal, no libedit. Positions are in `Character`s, as `Completer` uses them;
/// `deleteScalars` is in Unicode scalars, as `el_deletestr` counts (libedit's wchar_t).
enum CompletionEdit: Equatable {
    /// Delete `deleteScalars` before the cursor, then insert `insert`.
    case replace(deleteScalars: Int, insert: String)
    /// Nothing more can be inserted: show these candidates.
    case list([CompletionCandidate])
    /// No candidates.
    case beep

    /// `textBeforeCursor` is the line up to the cursor.
    ///
    ///     decide("cl", Completion(wordStart: 0, candidates: [.init(insert: "clicks")]))
    ///     // .replace(deleteScalars: 2, insert: "clicks ")
    static func decide(textBeforeCursor: String, completion: Completion) -> CompletionEdit {
        let candidates = completion.candidates
        guard !candidates.isEmpty else { return .beep }
        let start = textBeforeCursor.index(
            textBeforeCursor.startIndex,
            offsetBy: max(0, min(completion.wordStart, textBeforeCursor.count)))
        let typed = textBeforeCursor[start...]
        let deleteScalars = typed.unicodeScalars.count

        if candidates.count == 1 {
            let only = candidates[0]
            return .replace(deleteScalars: deleteScalars, insert: only.insert + (only.appendSpace ? " " : ""))
        }
        let common = longestCommonPrefix(candidates.map(\.insert))
        if common.count > typed.count {
            return .replace(deleteScalars: deleteScalars, insert: common)
        }
        return .list(candidates)
    }

    /// The longest prefix, in `Character`s, that all strings share.
    static func longestCommonPrefix(_ strings: [String]) -> String {
        guard var prefix = strings.first else { return "" }
        for string in strings.dropFirst() {
            prefix = String(zip(prefix, string).prefix { $0 == $1 }.map(\.0))
            if prefix.isEmpty { break }
        }
        return prefix
    }
}
