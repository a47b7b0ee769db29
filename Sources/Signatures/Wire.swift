// The SSH wire encoding (RFC 4251 §5), bounds-checked: every read of hostile
// bytes either returns a value inside the buffer or throws, never traps (base64 is in Base).

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
