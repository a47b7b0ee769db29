// The SSH wire encoding (RFC 4251 §5) and base64, bounds-checked: every read of hostile
// bytes either returns a value inside the buffer or throws, never traps.

/// Reads `uint32`, `string` and `mpint` values from SSH wire-format bytes.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        offset = 0
    }

    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func fixed(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw WireError.truncated }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func uint32() throws(WireError) -> UInt32 {
        let b = try fixed(4)
        return UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    mutating func string() throws(WireError) -> [UInt8] {
        let length = try uint32()
        guard Int(length) <= remaining else { throw WireError.truncated }
        return try fixed(Int(length))
    }

    /// A string that must hold text without NUL bytes (OpenSSH's `sshbuf_get_cstring`).
    mutating func text() throws(WireError) -> String {
        let value = try string()
        guard !value.contains(0) else { throw WireError.nulInText }
        return String(decoding: value, as: UTF8.self)
    }

    /// A non-negative `mpint` as big-endian magnitude bytes without leading zeros, as
    /// OpenSSH's `sshbuf_get_bignum2_bytes_direct` reads it (extra leading zeros are allowed,
    /// a negative number is not).
    mutating func positiveInteger(maxBytes: Int) throws(WireError) -> [UInt8] {
        var value = try string()[...]
        if let first = value.first, first & 0x80 != 0 { throw WireError.negativeInteger }
        while value.first == 0 { value = value.dropFirst() }
        guard value.count <= maxBytes else { throw WireError.integerTooLarge }
        return Array(value)
    }
}

enum WireError: Error, Equatable {
    case truncated, nulInText, negativeInteger, integerTooLarge

    var message: String {
        switch self {
        case .truncated: "truncated data"
        case .nulInText: "a NUL byte inside a text field"
        case .negativeInteger: "a negative integer"
        case .integerTooLarge: "an integer too large"
        }
    }
}

/// Builds SSH wire-format bytes.
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    mutating func uint32(_ value: UInt32) {
        bytes.append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)])
    }

    mutating func string(_ data: some Collection<UInt8>) {
        uint32(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func string(_ text: String) { string(Array(text.utf8)) }

    /// A non-negative integer from its big-endian magnitude: a zero byte in front when the top
    /// bit is set, none otherwise (the canonical `mpint`).
    mutating func positiveInteger(_ magnitude: [UInt8]) {
        var value = magnitude[...]
        while value.first == 0 { value = value.dropFirst() }
        if let first = value.first, first & 0x80 != 0 {
            string([0] + Array(value))
        } else {
            string(value)
        }
    }
}

/// Base64 (RFC 4648, with padding), the encoding of SSH key blobs and armored signatures.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    static func encode(_ data: some Collection<UInt8>, padded: Bool = true) -> String {
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

    /// Decodes base64, skipping whitespace (as OpenSSH's `b64_pton` does for armored text).
    /// Padding may appear only at the end; nil for any other byte or a dangling group.
    static func decode(_ text: some Sequence<UInt8>, skippingWhitespace: Bool = true) -> [UInt8]? {
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
        // As b64_pton: a partial group needs its padding, and the bits padding drops must be zero.
        switch (count, padding) {
        case (0, 0): break
        case (2, 2) where accumulator & 0xf == 0: out.append(UInt8(accumulator >> 4 & 0xff))
        case (3, 1) where accumulator & 0x3 == 0: out += [UInt8(accumulator >> 10 & 0xff), UInt8(accumulator >> 2 & 0xff)]
        default: return nil
        }
        return out
    }
}
