import Foundation

/// A query string parsed like Python's `urllib.parse.parse_qsl(keep_blank_values=True)`
/// (which Django's QueryDict and DRF's `replace_query_param` both use): `&`-separated,
/// `+` is a space, `%XX` decoded as UTF-8 (invalid bytes become U+FFFD).
struct Query {
    var items: [(String, String)]

    init(_ raw: String?) {
        items = []
        guard let raw, !raw.isEmpty else { return }
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: "=") {
                items.append((Query.unquotePlus(part[..<eq]), Query.unquotePlus(part[part.index(after: eq)...])))
            } else {
                items.append((Query.unquotePlus(part), ""))
            }
        }
    }

    /// Django's `QueryDict.__getitem__`: the last value of a repeated key.
    subscript(_ key: String) -> String? { items.last { $0.0 == key }?.1 }

    static func unquotePlus(_ s: Substring) -> String {
        percentDecode(Array(s.utf8), plusIsSpace: true)
    }

    static func percentDecode(_ bytes: [UInt8], plusIsSpace: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(plusIsSpace && c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Python's `quote_plus`: unreserved characters kept, space as `+`, the rest `%XX`.
    static func quotePlus(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "): out += "+"
            default:
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(upperHex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(upperHex[Int(b & 15)]))
            }
        }
        return out
    }

    /// DRF `replace_query_param` / `remove_query_param`: parse, change, and re-encode with
    /// `urlencode(sorted(query_dict.items()), doseq=True)`.
    func encodedSorted(replacing key: String, with value: String?) -> String {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for (k, v) in items {
            if values[k] == nil { order.append(k) }
            values[k, default: []].append(v)
        }
        if let value {
            if values[key] == nil { order.append(key) }
            values[key] = [value]
        } else {
            values[key] = nil
            order.removeAll { $0 == key }
        }
        order.sort { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        var parts: [String] = []
        for k in order {
            for v in values[k]! { parts.append("\(Query.quotePlus(k))=\(Query.quotePlus(v))") }
        }
        return parts.joined(separator: "&")
    }

    /// The query DRF's `replace_query_param` leaves in the URL (re-parsed).
    func replacing(_ key: String, with value: String?) -> Query {
        Query(encodedSorted(replacing: key, with: value))
    }
}

/// Python's `int()` on a query value: surrounding whitespace, a sign, and `_` between digits.
func pythonInt(_ s: String) -> Int? {
    var t = Substring(s.trimmingCharacters(in: .whitespacesAndNewlines))
    var negative = false
    if let f = t.first, f == "+" || f == "-" {
        negative = f == "-"
        t = t.dropFirst()
    }
    guard let first = t.first, first.isASCII, first.isNumber, let last = t.last, last.isASCII, last.isNumber,
        !t.contains("__")
    else { return nil }
    var v = 0
    for ch in t where ch != "_" {
        guard ch.isASCII, let d = ch.wholeNumberValue else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(d)
        if o1 || o2 { return negative ? Int.min : Int.max }
        v = a
    }
    return negative ? -v : v
}

/// DRF `LimitOffsetPagination` with `default_limit = 100`.
struct Page {
    let count: Int
    let limit: Int
    let offset: Int

    /// `_positive_int(limit, strict=True, cutoff=max_limit)`, falling back to the default.
    init(query: Query, count: Int, maxLimit: Int) {
        self.count = count
        var limit = 100
        if let raw = query["limit"], let n = pythonInt(raw), n > 0 {
            limit = maxLimit > 0 ? min(n, maxLimit) : n
        }
        self.limit = limit
        var offset = 0
        if let raw = query["offset"], let n = pythonInt(raw), n >= 0 { offset = n }
        self.offset = offset
    }

    /// The rows to return (empty when `offset` is past the end).
    var range: Range<Int> { slice.clamped(to: 0..<count) }

    /// What DRF's `paginate_queryset` slices, `queryset[offset:offset + limit]`, once the count
    /// allows it (`count == 0 or offset > count` gives no rows): the slice is taken of the list
    /// as it is when the rows are read, which may hold more rows than the count (a second query,
    /// read before them) says. The caller clamps it to the list it reads.
    var slice: Range<Int> {
        if count == 0 || offset > count { return 0..<0 }
        let end = offset.addingReportingOverflow(limit)
        return offset..<(end.overflow ? Int.max : end.partialValue)
    }

    /// `get_next_link`
    func next(base: String, query: Query) -> String? {
        let (end, overflow) = offset.addingReportingOverflow(limit)
        if overflow || end >= count { return nil }
        let q = query.replacing("limit", with: String(limit))
        return base + "?" + q.encodedSorted(replacing: "offset", with: String(offset + limit))
    }

    /// `get_previous_link`
    func previous(base: String, query: Query) -> String? {
        if offset <= 0 { return nil }
        let q = query.replacing("limit", with: String(limit))
        if offset - limit <= 0 {
            let s = q.encodedSorted(replacing: "offset", with: nil)
            return s.isEmpty ? base : base + "?" + s
        }
        return base + "?" + q.encodedSorted(replacing: "offset", with: String(offset - limit))
    }

    /// `{"count":N,"next":...,"previous":...,"results":[` + rows + `]}`
    func envelope(base: String, query: Query, rows: (inout [UInt8]) -> Void) -> [UInt8] {
        var out: [UInt8] = Array("{\"count\":".utf8)
        JSONOut.appendInt(count, to: &out)
        out.append(contentsOf: ",\"next\":".utf8)
        JSONOut.appendOptionalString(next(base: base, query: query), to: &out)
        out.append(contentsOf: ",\"previous\":".utf8)
        JSONOut.appendOptionalString(previous(base: base, query: query), to: &out)
        out.append(contentsOf: ",\"results\":[".utf8)
        rows(&out)
        out.append(contentsOf: "]}".utf8)
        return out
    }
}
