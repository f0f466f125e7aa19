/// One value of a record, as the API delivered it.
///
/// JSON maps onto it directly, with one refinement: a string in the exact ISO 8601 form that
/// Django REST Framework writes (`2021-11-15T18:23:34.113431+01:00`) is held as a
/// ``Timestamp``, which prints back to the same text and compares as an instant.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case time(Timestamp)
    case list([Value])
    case object(Record)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as a number, if it is one (an int or a double).
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The string inside, if this is a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The record inside, if this is an object.
    public var record: Record? {
        if case .object(let r) = self { return r }
        return nil
    }

    /// A word for the kind of value, for messages: "number", "text", "timestamp", ...
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "text"
        case .time: return "timestamp"
        case .list: return "list"
        case .object: return "object"
        }
    }

    /// The value as plain text, the way a table cell or CSV field shows it: strings bare,
    /// timestamps in their API form, `null` for null, lists and objects as compact JSON.
    /// Not made terminal-safe: see ``TerminalSafe``.
    public var plainText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return JSONWriter.format(d)
        case .string(let s): return s
        case .time(let t): return t.description
        case .list, .object: return JSONWriter.string(self)
        }
    }
}
