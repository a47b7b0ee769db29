/// JSON string literals read from raw bytes without parsing a whole document (RFC 8259 §7),
/// for the readers that look into JSON: a JWT's header and payload (`JSONWebToken`), a
/// notebook's cells (`Decoders.jsonStrings`).
enum JSONText {
    /// The string whose opening quote is at `open`, unescaped (`\u` escapes as UTF-8, a
    /// surrogate pair joined, a lone one U+FFFD), the index after its closing quote, and whether
    /// it closed before `limit`. `strict`: an unknown escape, a raw control character or no
    /// closing quote make it no JSON string (nil); otherwise an unknown escape's character is
    /// kept and control characters pass (text a hand, or a hostile push, wrote).
    static func string(_ b: UnsafeRawBufferPointer, at open: Int, limit: Int, strict: Bool) -> (bytes: [UInt8], end: Int, closed: Bool)? {
        var out: [UInt8] = []
        var i = open + 1
        func hex4(_ k: Int) -> UInt32? {
            guard k + 4 <= limit else { return nil }
            var v: UInt32 = 0
            for j in k..<(k + 4) {
                guard Trigger.isHexByte(b[j]) else { return nil }
                v = v << 4 | UInt32(HexRun.nibble(b[j]))
            }
            return v
        }
        while i < limit {
            let c = b[i]
            if c == 0x22 { return (out, i + 1, true) }
            if c < 0x20, strict { return nil }
            guard c == 0x5C, i + 1 < limit else {
                out.append(c)
                i += 1
                continue
            }
            let e = b[i + 1]
            i += 2
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x6E: out.append(0x0A)
            case 0x74: out.append(0x09)
            case 0x72: out.append(0x0D)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x75:
                guard var v = hex4(i) else {
                    if strict { return nil }
                    out.append(e)
                    continue
                }
                i += 4
                if (0xD800..<0xDC00).contains(v), i + 6 <= limit, b[i] == 0x5C, b[i + 1] == 0x75, let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out += Array(String(Unicode.Scalar(v).map(Character.init) ?? "\u{FFFD}").utf8)
            default:
                if strict { return nil }
                out.append(e)
            }
        }
        return strict ? nil : (out, i, false)
    }
}
