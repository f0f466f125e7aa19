/// "Did you mean" for stage names, field names and commands alike.
public enum Suggest {
    /// The candidate closest to `word`, when it is close enough to be a likely typo.
    ///
    /// Close enough means an edit distance (insertions, deletions, substitutions and swaps of
    /// two neighbours, ignoring case) of at most one per three characters, at least one; or
    /// `word` being a prefix of the candidate three characters or longer. Ties go to the
    /// candidate listed first.
    ///
    ///     Suggest.nearest("wher", among: ["where", "select"])   // "where"
    ///     Suggest.nearest("srot", among: ["sort", "select"])    // "sort"
    ///     Suggest.nearest("xyz", among: ["where", "select"])    // nil
    public static func nearest(_ word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        guard !w.isEmpty else { return nil }
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let c = Array(candidate.lowercased())
            if c == w { return candidate }
            var d = distance(w, c)
            if d > max(1, w.count / 3) {
                guard w.count >= 3, c.starts(with: w) else { continue }
                d = c.count - w.count
            }
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        return best?.candidate
    }

    /// The stage that does what a word from another tool does: `head` is `first`, `grep` is
    /// `where`; nil for other words.
    ///
    ///     Suggest.stage(for: "head")   // "first"
    public static func stage(for word: String) -> String? {
        let synonyms = [
            "head": "first", "limit": "first", "take": "first", "top": "first",
            "tail": "last",
            "grep": "where", "filter": "where",
            "order": "sort", "orderby": "sort", "sort-by": "sort",
            "wc": "count", "length": "count",
            "distinct": "uniq", "unique": "uniq",
            "project": "select", "columns": "select", "pick": "select", "get": "select",
            "to-json": "json", "to-csv": "csv",
        ]
        return synonyms[word.lowercased()]
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, previous2[j - 2] + 1)
                }
                current[j] = v
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
