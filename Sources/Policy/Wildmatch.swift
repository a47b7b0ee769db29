// git's wildmatch (wildmatch.c, git 2.39), byte for byte: the matcher behind gitignore patterns
// and ReviewGate's ref patterns. Case-sensitive (git with core.ignoreCase=false). Strings are
// read as C strings: the end of a buffer reads as NUL, so no index ever traps.

enum Wildmatch {
    enum Result: Equatable { case match, noMatch, abortAll, abortToStarStar }

    /// `pathname`: git's WM_PATHNAME (`*`, `?` and classes never match `/`; `**` rules apply).
    static func matches(_ pattern: UnsafeBufferPointer<UInt8>, _ text: UnsafeBufferPointer<UInt8>,
                        pathname: Bool) -> Bool {
        dowild(pattern, 0, text, 0, pathname) == .match
    }

    static func matches(_ pattern: [UInt8], _ text: [UInt8], pathname: Bool) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            text.withUnsafeBufferPointer { t in dowild(p, 0, t, 0, pathname) == .match }
        }
    }

    @inline(__always)
    static func at(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt8 { i < b.count ? b[i] : 0 }

    /// Where the next `/` is at or after `from`, stopping at the end or a NUL, as `strchr` does.
    @inline(__always)
    static func slash(in b: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        while i < b.count {
            let c = b[i]
            if c == 0x2F { return i }
            if c == 0 { return nil }
            i += 1
        }
        return nil
    }

    static func dowild(_ P: UnsafeBufferPointer<UInt8>, _ pStart: Int,
                       _ T: UnsafeBufferPointer<UInt8>, _ tStart: Int, _ pathname: Bool) -> Result {
        var p = pStart
        var t = tStart
        while true {
            var pch = at(P, p)
            if pch == 0 { break }
            var tch = at(T, t)
            if tch == 0 && pch != UInt8(ascii: "*") { return .abortAll }
            switch pch {
            case UInt8(ascii: "?"):
                if pathname && tch == UInt8(ascii: "/") { return .noMatch }
            case UInt8(ascii: "*"):
                var matchSlash: Bool
                p += 1
                if at(P, p) == UInt8(ascii: "*") {
                    let prevP = p - 2
                    repeat { p += 1 } while at(P, p) == UInt8(ascii: "*")
                    if !pathname {
                        matchSlash = true
                    } else if (prevP < pStart || at(P, prevP) == UInt8(ascii: "/"))
                                && (at(P, p) == 0 || at(P, p) == UInt8(ascii: "/")
                                    || (at(P, p) == UInt8(ascii: "\\") && at(P, p + 1) == UInt8(ascii: "/"))) {
                        // `/**/` may match no directory at all: try the rest right here.
                        if at(P, p) == UInt8(ascii: "/") && dowild(P, p + 1, T, t, pathname) == .match {
                            return .match
                        }
                        matchSlash = true
                    } else {
                        matchSlash = false
                    }
                } else {
                    matchSlash = !pathname
                }
                if at(P, p) == 0 {
                    // A trailing `**` matches everything, a trailing `*` only within one segment.
                    if !matchSlash && slash(in: T, from: t) != nil { return .noMatch }
                    return .match
                } else if !matchSlash && at(P, p) == UInt8(ascii: "/") {
                    // One `*` followed by `/` matches up to the next directory separator.
                    guard let s = slash(in: T, from: t) else { return .noMatch }
                    t = s
                    break
                }
                while true {
                    if tch == 0 { break }
                    let next = at(P, p)
                    if !isGlobSpecial(next) {
                        // Skip ahead to the literal that must follow the star.
                        while true {
                            tch = at(T, t)
                            if tch == 0 || (!matchSlash && tch == UInt8(ascii: "/")) { break }
                            if tch == next { break }
                            t += 1
                        }
                        if tch != next { return .noMatch }
                    }
                    let matched = dowild(P, p, T, t, pathname)
                    if matched != .noMatch {
                        if !matchSlash || matched != .abortToStarStar { return matched }
                    } else if !matchSlash && tch == UInt8(ascii: "/") {
                        return .abortToStarStar
                    }
                    t += 1
                    tch = at(T, t)
                }
                return .abortAll
            case UInt8(ascii: "["):
                p += 1
                pch = at(P, p)
                if pch == UInt8(ascii: "^") { pch = UInt8(ascii: "!") }
                let negated = pch == UInt8(ascii: "!")
                if negated {
                    p += 1
                    pch = at(P, p)
                }
                var prevCh: UInt8 = 0
                var matched = false
                while true {
                    if pch == 0 { return .abortAll }
                    if pch == UInt8(ascii: "\\") {
                        p += 1
                        pch = at(P, p)
                        if pch == 0 { return .abortAll }
                        if tch == pch { matched = true }
                    } else if pch == UInt8(ascii: "-") && prevCh != 0 && at(P, p + 1) != 0
                                && at(P, p + 1) != UInt8(ascii: "]") {
                        p += 1
                        pch = at(P, p)
                        if pch == UInt8(ascii: "\\") {
                            p += 1
                            pch = at(P, p)
                            if pch == 0 { return .abortAll }
                        }
                        if tch <= pch && tch >= prevCh { matched = true }
                        pch = 0 // a range is no start of another range
                    } else if pch == UInt8(ascii: "[") && at(P, p + 1) == UInt8(ascii: ":") {
                        p += 2
                        let s = p
                        while at(P, p) != 0 && at(P, p) != UInt8(ascii: "]") { p += 1 }
                        pch = at(P, p)
                        if pch == 0 { return .abortAll }
                        let length = p - s - 1
                        if length < 0 || at(P, p - 1) != UInt8(ascii: ":") {
                            // No ":]": the "[" is an ordinary member of the set.
                            p = s - 2
                            pch = UInt8(ascii: "[")
                            if tch == pch { matched = true }
                        } else {
                            guard let member = characterClass(P, s, length) else { return .abortAll }
                            if member(tch) { matched = true }
                            pch = 0
                        }
                    } else if tch == pch {
                        matched = true
                    }
                    prevCh = pch
                    p += 1
                    pch = at(P, p)
                    if pch == UInt8(ascii: "]") { break }
                }
                if matched == negated || (pathname && tch == UInt8(ascii: "/")) { return .noMatch }
            case UInt8(ascii: "\\"):
                // A literal match of the next character; a trailing `\` matches nothing.
                p += 1
                pch = at(P, p)
                if tch != pch { return .noMatch }
            default:
                if tch != pch { return .noMatch }
            }
            p += 1
            t += 1
        }
        return at(T, t) != 0 ? .noMatch : .match
    }

    /// git's sane_ctype classes (ASCII only; bytes from 128 up are in no class).
    static func characterClass(_ P: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> ((UInt8) -> Bool)? {
        var name: [UInt8] = []
        for i in start..<(start + length) { name.append(at(P, i)) }
        switch String(decoding: name, as: UTF8.self) {
        case "alnum": return { isAlpha($0) || isDigit($0) }
        case "alpha": return isAlpha
        case "blank": return { $0 == 0x20 || $0 == 0x09 }
        case "cntrl": return { $0 < 0x20 || $0 == 0x7F }
        case "digit": return isDigit
        case "graph": return { $0 > 0x20 && $0 < 0x7F }
        case "lower": return { $0 >= 0x61 && $0 <= 0x7A }
        case "print": return { $0 >= 0x20 && $0 <= 0x7E }
        case "punct": return { $0 > 0x20 && $0 < 0x7F && !isAlpha($0) && !isDigit($0) }
        case "space": return isGitSpace
        case "upper": return { $0 >= 0x41 && $0 <= 0x5A }
        case "xdigit": return { isDigit($0) || ($0 >= 0x41 && $0 <= 0x46) || ($0 >= 0x61 && $0 <= 0x66) }
        default: return nil
        }
    }

    static let classNames: Set<String> = ["alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower",
                                          "print", "punct", "space", "upper", "xdigit"]
}

@inline(__always) func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
/// git's isspace: space, tab, LF and CR only (not VT or FF).
@inline(__always) func isGitSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
/// The bytes git treats as glob syntax: `*`, `?`, `[`, `\`.
@inline(__always) func isGlobSpecial(_ c: UInt8) -> Bool { c == 0x2A || c == 0x3F || c == 0x5B || c == 0x5C }
