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

    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// RFC 3339 times without Foundation, so reports are the same bytes everywhere.
public enum Timestamp {
    /// `2024-01-01T00:00:00+01:00`: the moment in the offset it was recorded with.
    public static func rfc3339(seconds: Int64, offsetMinutes: Int) -> String {
        // Clamped far beyond any real date, so hostile values cannot overflow.
        let limit: Int64 = 1 << 50
        let offsetMinutes = min(max(offsetMinutes, -100_000), 100_000)
        let local = min(max(seconds, -limit), limit) + Int64(offsetMinutes) * 60
        let (date, time) = civil(local)
        let sign = offsetMinutes < 0 ? "-" : "+"
        let off = abs(offsetMinutes)
        return "\(date)T\(time)\(sign)\(pad(off / 60)):\(pad(off % 60))"
    }

    /// `2024-01-01T00:00:00.123Z`: UTC with milliseconds, for logs.
    public static func utcMilliseconds(_ milliseconds: Int64) -> String {
        let clamped = min(max(milliseconds, -(1 << 60)), 1 << 60)
        let seconds = clamped >= 0 ? clamped / 1000 : (clamped - 999) / 1000
        let millis = Int(clamped - seconds * 1000)
        let (date, time) = civil(seconds)
        let ms = String(millis)
        return "\(date)T\(time).\(String(repeating: "0", count: 3 - ms.count))\(ms)Z"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Days-to-civil (Howard Hinnant's algorithm), valid for any proleptic Gregorian date.
    private static func civil(_ seconds: Int64) -> (String, String) {
        var days = seconds / 86400
        var rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        let year = y >= 0 && y < 10000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        let date = "\(year)-\(pad(Int(m)))-\(pad(Int(d)))"
        let time = "\(pad(Int(rem / 3600))):\(pad(Int(rem % 3600 / 60))):\(pad(Int(rem % 60)))"
        return (date, time)
    }
}
