/// Makes text from the server inert in a terminal.
///
/// A key name or a click's user agent could carry `ESC [ 2 J` and wipe the screen, or a
/// bare `\r` and overwrite what came before it. Every string a renderer shows on a terminal
/// passes through ``escape(_:)``, which turns each control character into a visible form:
///
/// | character | shown as |
/// | --- | --- |
/// | ESC (U+001B) | `\e` |
/// | newline, tab, carriage return | `\n`, `\t`, `\r` |
/// | other C0 controls, DEL | `\x01` … `\x1f`, `\x7f` |
/// | C1 controls (U+0080–U+009F) | `\u{9b}` |
/// | bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) | `\u{202e}` |
///
/// Everything else, including all printable Unicode, passes unchanged.
public enum TerminalSafe {
    /// `s` with every control character replaced by its visible escape.
    public static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsEscape) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            out.append(contentsOf: visibleForm(of: scalar).unicodeScalars)
        }
        return String(out)
    }

    /// Whether `scalar` would act on a terminal rather than show as a glyph.
    @inline(__always)
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
    }

    private static func visibleForm(of scalar: Unicode.Scalar) -> String {
        let v = scalar.value
        switch v {
        case 0x1B: return "\\e"
        case 0x0A: return "\\n"
        case 0x09: return "\\t"
        case 0x0D: return "\\r"
        case 0..<0x20, 0x7F: return "\\x" + hex(v, width: 2)
        default: return "\\u{" + String(v, radix: 16) + "}"
        }
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
