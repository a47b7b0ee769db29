#if canImport(Glibc)
import Glibc
#endif
import CScan

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

    /// Whether `bytes` hold a NUL anywhere (`isBinary` looks at the first 8000).
    static func hasNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, 0, bytes.count) != nil
    }

    /// Text with NUL bytes inside it, as `tr -d '\0'` gives it back (`ghp_ab\0cd…`, a NUL
    /// after every character of a token that is no aligned UTF-16): each stretch of text
    /// bytes and NULs, at least `minimum` text bytes long, with a NUL between two of its text
    /// bytes, with the NULs taken out; stretches end at any other byte and are kept apart by
    /// a NUL. Nil when no stretch qualifies. The stretches are found in C
    /// (`reviewgate_nul_stretches`: a compiled object is mostly such stretches, its string
    /// tables); `NULJoined.offset` maps the text back to `bytes`.
    static func nulJoined(_ bytes: UnsafeRawBufferPointer, minimum: Int = 8) -> NULJoined? {
        guard hasNUL(bytes), let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var joined = NULJoined()
        var pairs = [Int](repeating: 0, count: 2 * 1024)
        var from = 0
        while from < bytes.count {
            let found = pairs.withUnsafeMutableBufferPointer { reviewgate_nul_stretches(base, bytes.count, from, minimum, $0.baseAddress!, 1024) }
            for k in 0..<found {
                var p = pairs[2 * k]
                let end = pairs[2 * k + 1]
                // The text between NULs, a run at a time.
                while p < end {
                    let nul = memchr(base + p, 0, end - p).map { UnsafeRawPointer(base).distance(to: $0) } ?? end
                    joined.runs.append((joined.text.count, p))
                    joined.text.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[p..<nul]))
                    p = nul
                    while p < end, bytes[p] == 0 { p += 1 }
                }
                joined.text.append(0)
            }
            guard found == 1024 else { break }
            from = pairs[2 * found - 1]
        }
        return joined.text.isEmpty ? nil : joined
    }
}

/// What `PrintableRuns.nulJoined` gives: the text, and where each of its runs (text between
/// two NULs taken out) starts in it and in the bytes it came from.
struct NULJoined {
    var text: [UInt8] = []
    var runs: [(at: Int, from: Int)] = []

    /// The offset in the bytes of the text's byte `p` (a separator's: the byte after its stretch).
    func offset(_ p: Int) -> Int {
        var lo = 0, hi = runs.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if runs[mid].at <= p { lo = mid } else { hi = mid }
        }
        return runs[lo].from + (p - runs[lo].at)
    }
}
