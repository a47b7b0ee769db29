import JSON

/// Escaping for XML and HTML, and indented JSON: the shared text plumbing of the formats.
enum Markup {
    /// Text for XML or HTML content and attribute values: `& < > " '` as entities, tabs and
    /// line breaks as character references (so attribute values keep them), and characters
    /// XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF) as `?`. The result is well-formed
    /// whatever the input held.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "?"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// JSON with two-space indentation and one key per line, for files people diff (SARIF).
    /// Scalars are written by `JSONValue.serialized`, so escaping is the same as elsewhere.
    static func indented(_ value: JSONValue) -> String {
        var out = ""
        write(value, level: 0, into: &out)
        return out + "\n"
    }

    private static func write(_ value: JSONValue, level: Int, into out: inout String) {
        let inner = String(repeating: "  ", count: level + 1)
        switch value {
        case let .array(items) where !items.isEmpty:
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                write(item, level: level + 1, into: &out)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: level) + "]"
        case let .object(pairs) where !pairs.isEmpty:
            out += "{\n"
            for (i, (key, item)) in pairs.enumerated() {
                out += inner + JSONValue.string(key).serialized() + ": "
                write(item, level: level + 1, into: &out)
                out += i == pairs.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "  ", count: level) + "}"
        default:
            out += value.serialized()
        }
    }
}
