/// Base64 (RFC 4648 §4, with padding): SSH key blobs, armored signatures, checkpoint roots
/// and keys. Decoding is strict: padding only at the end, the bits it drops zero.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    public static func encode(_ data: some Collection<UInt8>, padded: Bool = true) -> String {
        let bytes = Array(data)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)]]
            if padded { out += Array("==".utf8) }
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
            if padded { out += Array("=".utf8) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? { decode(text.utf8) }

    /// Decodes base64; with `skippingWhitespace` (armored text, as OpenSSH's `b64_pton`)
    /// spaces, tabs and line breaks are ignored, otherwise they are an error. Nil for any
    /// other byte outside the alphabet, padding before the end, or a dangling group.
    public static func decode(_ text: some Sequence<UInt8>, skippingWhitespace: Bool = false) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var count = 0
        var padding = 0
        for c in text {
            if c == 32 || c == 9 || c == 10 || c == 13 {
                if skippingWhitespace { continue }
                return nil
            }
            if c == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0 else { return nil }
            let v = values[Int(c)]
            guard v >= 0 else { return nil }
            accumulator = accumulator << 6 | UInt32(v)
            count += 1
            if count == 4 {
                out += [UInt8(accumulator >> 16), UInt8(accumulator >> 8 & 0xff), UInt8(accumulator & 0xff)]
                accumulator = 0
                count = 0
            }
        }
        switch (count, padding) {
        case (0, 0): break
        case (2, 2) where accumulator & 0xf == 0: out.append(UInt8(accumulator >> 4 & 0xff))
        case (3, 1) where accumulator & 0x3 == 0: out += [UInt8(accumulator >> 10 & 0xff), UInt8(accumulator >> 2 & 0xff)]
        default: return nil
        }
        return out
    }
}
