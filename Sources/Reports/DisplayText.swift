// What the gate shows people and machines: text made safe for a terminal, JSON strings that
// keep undecodable bytes visible, and times as RFC 3339.

/// Bytes from a repository (paths, names, messages) made safe to print.
public enum DisplayText {
    /// Text for a terminal: valid UTF-8 is kept; invalid bytes, control characters, `"` and
    /// `\` are escaped git-style (`\t`, `\n`, `\303`…), and the whole is quoted when anything
    /// was escaped — as `git diff --name-only` quotes with `core.quotePath=false`. Nothing
    /// that reaches a terminal can move its cursor or change its colours.
    public static func quoted(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var out = ""
        var escaped = false
        var i = 0
        while i < bytes.count {
            guard let width = validScalarWidth(bytes, at: i) else {
                out += octal(bytes[i])
                escaped = true
                i += 1
                continue
            }
            let scalar = String(decoding: bytes[i..<(i + width)], as: UTF8.self).unicodeScalars.first!
            i += width
            switch scalar {
            case "\"": out += "\\\""; escaped = true
            case "\\": out += "\\\\"; escaped = true
            case "\t": out += "\\t"; escaped = true
            case "\n": out += "\\n"; escaped = true
            case "\r": out += "\\r"; escaped = true
            default:
                if isUnsafe(scalar) {
                    for byte in String(scalar).utf8 { out += octal(byte) }
                    escaped = true
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped ? "\"\(out)\"" : out
    }

    /// The length of the well-formed UTF-8 sequence starting at `i` (RFC 3629: no overlongs,
    /// no surrogates, nothing past U+10FFFF), or nil.
    static func validScalarWidth(_ b: [UInt8], at i: Int) -> Int? {
        let lead = b[i]
        func cont(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            i + k < b.count && range.contains(b[i + k])
        }
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return cont(1) ? 2 : nil
        case 0xE0: return cont(1, 0xA0...0xBF) && cont(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
        case 0xED: return cont(1, 0x80...0x9F) && cont(2) ? 3 : nil
        case 0xF0: return cont(1, 0x90...0xBF) && cont(2) && cont(3) ? 4 : nil
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4: return cont(1, 0x80...0x8F) && cont(2) && cont(3) ? 4 : nil
        default: return nil
        }
    }

    /// C0 and C1 controls, DEL, and the bidirectional overrides that can make a terminal show
    /// text in another order than it has ("Trojan Source").
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0..<0x20, 0x7f...0x9f, 0x200e, 0x200f, 0x202a...0x202e, 0x2066...0x2069: true
        default: false
        }
    }

    private static func octal(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 8)
        return "\\" + String(repeating: "0", count: 3 - digits.count) + digits
    }

    /// One line of free text (a commit subject, an error message) for a terminal: control
    /// characters and invalid UTF-8 become `?`, nothing else changes.
    public static func line(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { s in
            isUnsafe(s) || s == "\u{FFFD}" ? "?" : s
        }))
    }

    /// Bytes as a JSON string: UTF-8 decoded, each invalid byte as U+FFFD. `isExact` is false
    /// when a replacement happened, so the caller can add the bytes in hex.
    public static func decoded(_ bytes: some Collection<UInt8>) -> (text: String, isExact: Bool) {
        let text = String(decoding: bytes, as: UTF8.self)
        return (text, text.utf8.elementsEqual(bytes))
    }
}
