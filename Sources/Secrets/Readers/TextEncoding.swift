#if canImport(Glibc)
import Glibc
#endif

/// Text in UTF-16 or UTF-32 (SPEC §1.3): told by its byte-order mark, or without one by the
/// zero bytes every ASCII character brings in a fixed place; decoded to UTF-8 so the rules
/// and line numbers work on the text a reader of the file sees.
public enum TextEncoding: String, Sendable {
    case utf16le = "utf-16le", utf16be = "utf-16be", utf32le = "utf-32le", utf32be = "utf-32be"

    /// The encoding of `bytes` and the length of its byte-order mark, or nil for anything
    /// else (UTF-8, binary). Looks at the first 4 KiB only.
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> (TextEncoding, bom: Int)? {
        if let marked = detectMark(bytes) { return marked }
        let n = bytes.count
        // Without a mark: most code units of a clear pattern are one ASCII byte and zeros.
        let sample = min(n, 4096)
        guard sample >= 8 else { return nil }
        var units32 = (le: 0, be: 0)
        for i in stride(from: 0, to: sample - 3, by: 4) {
            if bytes[i + 1] == 0, bytes[i + 2] == 0, bytes[i + 3] == 0, bytes[i] != 0 { units32.le += 1 }
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 0, bytes[i + 3] != 0 { units32.be += 1 }
        }
        let quads = sample / 4
        if units32.le * 10 >= quads * 7 { return (.utf32le, 0) }
        if units32.be * 10 >= quads * 7 { return (.utf32be, 0) }
        var units16 = (le: 0, be: 0)
        for i in stride(from: 0, to: sample - 1, by: 2) {
            if bytes[i + 1] == 0, Self.isText(bytes[i]) { units16.le += 1 }
            if bytes[i] == 0, Self.isText(bytes[i + 1]) { units16.be += 1 }
        }
        let pairs = sample / 2
        if units16.le * 10 >= pairs * 7 { return (.utf16le, 0) }
        if units16.be * 10 >= pairs * 7 { return (.utf16be, 0) }
        return nil
    }

    /// The encoding its byte-order mark names, and the mark's length.
    public static func detectMark(_ bytes: UnsafeRawBufferPointer) -> (TextEncoding, bom: Int)? {
        let n = bytes.count
        if n >= 4, bytes[0] == 0xFF, bytes[1] == 0xFE, bytes[2] == 0, bytes[3] == 0 { return (.utf32le, 4) }
        if n >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0xFE, bytes[3] == 0xFF { return (.utf32be, 4) }
        if n >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (.utf16le, 2) }
        if n >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (.utf16be, 2) }
        return nil
    }

    static func isText(_ b: UInt8) -> Bool { (b >= 0x20 && b < 0x7F) || b == 9 || b == 10 || b == 13 }

    /// `bytes` (after the mark) as UTF-8. Unpaired surrogates and code points past U+10FFFF
    /// become U+FFFD; a trailing partial code unit is dropped.
    public func decode(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2 + 16)
        func put(_ scalar: UInt32) {
            let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            out.append(contentsOf: UTF8.encode(s)!)
        }
        switch self {
        case .utf32le, .utf32be:
            var i = 0
            while i + 4 <= bytes.count {
                let v = self == .utf32le
                    ? UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
                    : UInt32(bytes[i + 3]) | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i]) << 24
                if v < 0x80 { out.append(UInt8(v)) } else { put(v) }
                i += 4
            }
        case .utf16le, .utf16be:
            let le = self == .utf16le
            func unit(_ i: Int) -> UInt32 {
                le ? UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 : UInt32(bytes[i + 1]) | UInt32(bytes[i]) << 8
            }
            var i = 0
            while i + 2 <= bytes.count {
                let u = unit(i)
                i += 2
                if u < 0x80 {
                    out.append(UInt8(u))
                } else if u >= 0xD800, u < 0xDC00 {
                    if i + 2 <= bytes.count, case let low = unit(i), low >= 0xDC00, low < 0xE000 {
                        put(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00))
                        i += 2
                    } else {
                        put(0xFFFD)
                    }
                } else {
                    put(u) // a lone low surrogate is no scalar: U+FFFD
                }
            }
        }
        return out
    }
}

/// Binary content as `strings` sees it (SPEC §1.3): printable ASCII, tabs and line ends kept
/// in place, every other byte turned into NUL, so no match spans binary noise and offsets
/// and line numbers stay those of the file; UTF-16 and UTF-32 strings (8 characters or more,
/// either byte order, at any offset) have their characters moved together where they start.
public enum PrintableRuns {
    /// git's rule for binary: a NUL byte in the first 8000 bytes.
    public static func isBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, 0, min(bytes.count, binaryPrefix)) != nil
    }

    /// How many first bytes `isBinary` looks at.
    static let binaryPrefix = 8000

    public static func view(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](bytes)
        out.withUnsafeMutableBytes { viewInPlace($0) }
        return out
    }

    /// Whether `bytes` hold a NUL at or after `from` (`isBinary` looks at the first 8000).
    static func hasNUL(_ bytes: UnsafeRawBufferPointer, from: Int) -> Bool {
        guard let base = bytes.baseAddress, from < bytes.count else { return false }
        return memchr(base + from, 0, bytes.count - from) != nil
    }

    /// Text with NUL bytes inside it, as `tr -d '\0'` gives it back (`ghp_ab\0cd…`, a NUL
    /// after every character of a token that is no aligned UTF-16): each stretch of text
    /// bytes and NULs, at least `minimum` text bytes long, with a NUL between two of its text
    /// bytes, with the NULs taken out; stretches end at any other byte and are kept apart by
    /// a NUL. `origin` gives each byte's offset in `bytes` (a separator's: the byte after the
    /// stretch). Nil when no stretch qualifies. A first pass only classifies bytes: the
    /// stretches that qualify are copied once it ends.
    static func nulJoined(_ bytes: UnsafeRawBufferPointer, minimum: Int = 8) -> (text: [UInt8], origin: [Int32])? {
        guard let base = bytes.baseAddress, bytes.count < Int(Int32.max), memchr(base, 0, bytes.count) != nil else { return nil }
        var text: [UInt8] = [], origin: [Int32] = []
        var start = 0, letters = 0, joined = false, gap = false
        func close(_ end: Int) {
            if joined, letters >= minimum {
                for j in start..<end where bytes[j] != 0 {
                    text.append(bytes[j])
                    origin.append(Int32(j))
                }
                text.append(0)
                origin.append(Int32(end))
            }
            letters = 0
            joined = false
            gap = false
        }
        for i in 0..<bytes.count {
            let b = bytes[i]
            if b == 0 {
                if letters > 0 { gap = true }
            } else if (b >= 0x20 && b < 0x7F) || b == 9 || b == 10 || b == 13 {
                if letters == 0 { start = i }
                if gap {
                    joined = true
                    gap = false
                }
                letters += 1
            } else if letters > 0 {
                close(i)
            }
        }
        close(bytes.count)
        return text.isEmpty ? nil : (text, origin)
    }
}
