// A strict RFC 8259 reader for the values JSONValue can hold (integers, no fractions or
// exponents). Canonical mode also demands the exact bytes `serialized(sortedKeys: true)` writes,
// so a hash over the text and a hash over the value agree. Hostile input never traps.

/// Why a text is not (canonical) JSON, with the byte offset where reading stopped.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

public enum JSONParser {
    /// Nesting deeper than this is refused, so a hostile text cannot exhaust the stack.
    public static let maximumDepth = 64

    /// Reads one JSON value (surrounding whitespace allowed unless `canonical`).
    public static func parse(_ bytes: [UInt8], canonical: Bool = false) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, canonical: canonical) }
        }
        return try result.get()
    }

    public static func parse(_ text: String, canonical: Bool = false) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), canonical: canonical)
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, canonical: Bool = false) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, canonical: canonical)
        reader.skipSpace()
        let value = try reader.value(depth: 0, build: true)
        reader.skipSpace()
        guard reader.index == bytes.count else { throw reader.error("text after the value") }
        return value
    }

    /// Validates a whole document that must be an object, building values only for the
    /// top-level members named in `keep` (the rest is checked and skipped). This is the fast
    /// path for reading many records when only a few fields matter.
    public static func parseObject(_ bytes: UnsafeRawBufferPointer, canonical: Bool,
                                   keep: [[UInt8]]) throws(JSONParseError) -> [(key: [UInt8], value: JSONValue)] {
        var reader = JSONReader(bytes: bytes, canonical: canonical)
        reader.skipSpace()
        var kept: [(key: [UInt8], value: JSONValue)] = []
        try reader.object(depth: 0) { (reader: inout JSONReader, keyStart: Int, keyEnd: Int, escaped: Bool) throws(JSONParseError) in
            let wanted = !escaped && keep.contains { key in
                key.count == keyEnd - keyStart && key.withUnsafeBytes { k in memcmpEqual(k, bytes, keyStart) }
            }
            let value = try reader.value(depth: 1, build: wanted)
            if wanted { kept.append((Array(bytes[keyStart..<keyEnd]), value)) }
        }
        reader.skipSpace()
        guard reader.index == bytes.count else { throw reader.error("text after the value") }
        return kept
    }
}

@inline(__always)
private func memcmpEqual(_ key: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, _ start: Int) -> Bool {
    for i in 0..<key.count where key[i] != bytes[start + i] { return false }
    return true
}

private struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    let canonical: Bool
    var index = 0

    init(bytes: UnsafeRawBufferPointer, canonical: Bool) {
        self.bytes = bytes
        self.canonical = canonical
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    @inline(__always) var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        if canonical { return }
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("unexpected end of text") }
        let p = literal.utf8Start
        for i in 0..<count where bytes[index + i] != p[i] { throw error("unexpected character") }
        index += count
    }

    mutating func value(depth: Int, build: Bool) throws(JSONParseError) -> JSONValue {
        guard let c = current else { throw error("unexpected end of text") }
        switch c {
        case UInt8(ascii: "{"):
            var pairs: [(String, JSONValue)] = []
            try object(depth: depth) { (reader: inout JSONReader, keyStart: Int, keyEnd: Int, escaped: Bool) throws(JSONParseError) in
                let value = try reader.value(depth: depth + 1, build: build)
                if build { pairs.append((reader.decodeString(keyStart, keyEnd, escaped: escaped), value)) }
            }
            return build ? .object(pairs) : .null
        case UInt8(ascii: "["):
            guard depth < JSONParser.maximumDepth else { throw error("nested too deeply") }
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if current == UInt8(ascii: "]") {
                index += 1
                return build ? .array(items) : .null
            }
            while true {
                skipSpace()
                let item = try value(depth: depth + 1, build: build)
                if build { items.append(item) }
                skipSpace()
                guard let next = current else { throw error("unexpected end of text in an array") }
                index += 1
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else { index -= 1; throw error("expected ',' or ']'") }
            }
            return build ? .array(items) : .null
        case UInt8(ascii: "\""):
            let (start, end, escaped) = try stringSpan()
            return build ? .string(decodeString(start, end, escaped: escaped)) : .null
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
        default: throw error("unexpected character")
        }
    }

    /// Reads `{ "key": value, … }`, handing each member's key span to `member`, which must
    /// consume the value. Canonical mode demands keys in strictly increasing byte order.
    mutating func object(depth: Int,
                         member: (inout JSONReader, Int, Int, Bool) throws(JSONParseError) -> Void) throws(JSONParseError) {
        guard depth < JSONParser.maximumDepth else { throw error("nested too deeply") }
        guard current == UInt8(ascii: "{") else { throw error("expected an object") }
        index += 1
        skipSpace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        var previousKey: (Int, Int, Bool)?
        while true {
            skipSpace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let (start, end, escaped) = try stringSpan()
            if canonical {
                // The writer orders keys by their unescaped UTF-8 bytes.
                if let (ps, pe, pescaped) = previousKey {
                    let ordered = pescaped || escaped
                        ? Array(decodeString(ps, pe, escaped: pescaped).utf8).lexicographicallyPrecedes(Array(decodeString(start, end, escaped: escaped).utf8))
                        : lessThan(ps, pe, start, end)
                    guard ordered else { throw error("object keys not in canonical order (or repeated)") }
                }
                previousKey = (start, end, escaped)
            }
            skipSpace()
            guard current == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipSpace()
            try member(&self, start, end, escaped)
            skipSpace()
            guard let next = current else { throw error("unexpected end of text in an object") }
            index += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else { index -= 1; throw error("expected ',' or '}'") }
        }
    }

    func lessThan(_ a0: Int, _ a1: Int, _ b0: Int, _ b1: Int) -> Bool {
        var i = a0, j = b0
        while i < a1, j < b1 {
            if bytes[i] != bytes[j] { return bytes[i] < bytes[j] }
            i += 1
            j += 1
        }
        return (a1 - a0) < (b1 - b0)
    }

    mutating func integer() throws(JSONParseError) -> Int64 {
        let start = index
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard let first = current, first >= 0x30, first <= 0x39 else { throw error("expected a digit") }
        if first == 0x30, index + 1 < bytes.count, bytes[index + 1] >= 0x30, bytes[index + 1] <= 0x39 {
            throw error("leading zero")
        }
        // Accumulate negatively so Int64.min reads without overflow.
        var value: Int64 = 0
        while let c = current, c >= 0x30, c <= 0x39 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times.subtractingReportingOverflow(Int64(c - 0x30))
            guard !o1, !o2 else { index = start; throw error("integer out of range") }
            value = next
            index += 1
        }
        if let c = current, c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            throw error("only integers are supported")
        }
        if negative {
            if canonical && value == 0 { throw error("negative zero is not canonical") }
            return value
        }
        guard value != Int64.min else { index = start; throw error("integer out of range") }
        return -value
    }

    /// Validates a string and returns the span between its quotes, and whether it has escapes.
    mutating func stringSpan() throws(JSONParseError) -> (Int, Int, Bool) {
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let end = index
                index += 1
                return (start, end, escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                try escape()
                continue
            }
            if c < 0x20 { throw error("control character in a string") }
            if c < 0x80 {
                if canonical && c == 0x7f { throw error("DEL must be escaped in canonical JSON") }
                index += 1
                continue
            }
            try utf8Sequence()
        }
        throw error("unterminated string")
    }

    /// One escape sequence; canonical mode allows only the escapes the writer produces.
    mutating func escape() throws(JSONParseError) {
        guard index + 1 < bytes.count else { throw error("unterminated escape") }
        let c = bytes[index + 1]
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 2
        case UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"):
            if canonical { throw error("escape not used in canonical JSON") }
            index += 2
        case UInt8(ascii: "u"):
            let first = try hex4(at: index + 2)
            index += 6
            if first >= 0xD800 && first < 0xDC00 {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("lone surrogate")
                }
                let second = try hex4(at: index + 2)
                guard second >= 0xDC00 && second < 0xE000 else { throw error("lone surrogate") }
                if canonical { throw error("escape not used in canonical JSON") }
                index += 6
            } else if first >= 0xDC00 && first < 0xE000 {
                throw error("lone surrogate")
            } else if canonical {
                let allowed = (first < 0x20 && first != 0x0A && first != 0x0D && first != 0x09) || first == 0x7f
                    || first == 0x2028 || first == 0x2029
                guard allowed, lowercaseHex(at: index - 4) else { throw error("escape not used in canonical JSON") }
            }
        default:
            throw error("invalid escape")
        }
    }

    func lowercaseHex(at position: Int) -> Bool {
        (position..<position + 4).allSatisfy { !(bytes[$0] >= UInt8(ascii: "A") && bytes[$0] <= UInt8(ascii: "F")) }
    }

    func hex4(at position: Int) throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("unterminated escape") }
        var value: UInt32 = 0
        for i in position..<position + 4 {
            let c = bytes[i]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x61...0x66: digit = c - 0x61 + 10
            case 0x41...0x46: digit = c - 0x41 + 10
            default: throw JSONParseError(offset: i, reason: "bad hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// One well-formed UTF-8 sequence (no overlongs, surrogates or values past U+10FFFF).
    mutating func utf8Sequence() throws(JSONParseError) {
        let c = bytes[index]
        let count: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; high = 0x9F
        case 0xF0: count = 4; low = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; high = 0x8F
        default: throw error("invalid UTF-8")
        }
        guard index + count <= bytes.count else { throw error("invalid UTF-8") }
        let second = bytes[index + 1]
        guard second >= low, second <= high else { throw error("invalid UTF-8") }
        for i in 2..<max(count, 2) where bytes[index + i] & 0xC0 != 0x80 { throw error("invalid UTF-8") }
        if canonical, c == 0xE2, second == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 {
            throw error("U+2028 and U+2029 must be escaped in canonical JSON")
        }
        index += count
    }

    /// The string between `start` and `end` (already validated), with escapes resolved.
    func decodeString(_ start: Int, _ end: Int, escaped: Bool) -> String {
        let span = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if !escaped { return String(decoding: span, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var scalar = (try? hex4(at: i)) ?? 0xFFFD
                i += 4
                if scalar >= 0xD800, scalar < 0xDC00, let low = try? hex4(at: i + 2) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
