/// How far into any match of a rule's regex one of the rule's own keywords must begin, read
/// from the regex itself when its shape says so: zero-width assertions, bounded repeats and
/// groups without alternatives, then a literal (or alternatives of literals) holding a keyword.
/// `\b(pat[A-Za-z0-9]{14}…` gives 0, `(?<![A-Za-z0-9_])([A-Za-z0-9_.\-]{0,48}?(?:pass|key|…)…`
/// gives 48. The scanner then lets the regex start only that far before a keyword, where it
/// would otherwise try every position of the lines around it; the matches are the same, as
/// every match starts there (a match is found by trying start positions in order, and whether
/// one exists at a position does not depend on where the search began). Anything the reader
/// does not understand (unbounded repeats, quantified groups, backreferences, `\K`, verbs,
/// extended mode) gives nil: the whole lines are searched, as before.
enum KeywordReach {
    static func of(_ source: String, keywords: [String]) -> Int? {
        let p = Array(source.utf8)
        let words = keywords.map { Array($0.lowercased().utf8) }.filter { !$0.isEmpty }
        guard !words.isEmpty, !hasUnsupported(p) else { return nil }
        return analyze(p, 0..<p.count, words)
    }

    private static let backslash = UInt8(ascii: "\\")

    /// Constructs that change what a start position means or how the pattern reads.
    static func hasUnsupported(_ p: [UInt8]) -> Bool {
        var i = 0
        while i < p.count {
            if p[i] == backslash, i + 1 < p.count {
                // \K moves the match start; \G ties it to the search start; \Q…\E quotes.
                if [UInt8(ascii: "K"), UInt8(ascii: "G"), UInt8(ascii: "Q")].contains(p[i + 1]) { return true }
                i += 2
                continue
            }
            if p[i] == UInt8(ascii: "("), i + 1 < p.count, p[i + 1] == UInt8(ascii: "*") { return true }
            if p[i] == UInt8(ascii: "("), i + 1 < p.count, p[i + 1] == UInt8(ascii: "?") {
                // An inline option setting with x (extended: whitespace and # mean otherwise).
                var j = i + 2
                while j < p.count, isLetter(p[j]) || p[j] == UInt8(ascii: "-") || p[j] == UInt8(ascii: "^") {
                    if p[j] == UInt8(ascii: "x") { return true }
                    j += 1
                }
            }
            i += 1
        }
        return false
    }

    static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// The reach of the pattern piece `range`: the largest offset from a match's start at
    /// which one of `words` must begin, or nil when that cannot be told.
    static func analyze(_ p: [UInt8], _ range: Range<Int>, _ words: [[UInt8]]) -> Int? {
        let branches = split(p, range)
        if branches.count > 1 {
            var most = 0
            for branch in branches {
                guard let r = analyze(p, branch, words) else { return nil }
                most = max(most, r)
            }
            return most
        }
        var i = range.lowerBound
        var reach = 0
        // The literal run being read, and the reach where it began.
        var literal: [UInt8] = []
        func flush() -> Int? {
            defer { reach += literal.count; literal.removeAll() }
            let lower = literal.map { isLetter($0) ? $0 | 0x20 : $0 }
            var best: Int?
            for word in words where word.count <= lower.count {
                for j in 0...(lower.count - word.count) where Array(lower[j..<(j + word.count)]) == word {
                    best = min(best ?? j, j)
                    break
                }
            }
            return best.map { reach + $0 }
        }
        while i < range.upperBound {
            let c = p[i]
            // One element: where it ends, and whether it is a literal byte (which one).
            var end: Int
            var literalByte: UInt8?
            switch c {
            case UInt8(ascii: "^"):
                i += 1
                continue
            case backslash:
                guard i + 1 < range.upperBound else { return nil }
                let n = p[i + 1]
                if n == UInt8(ascii: "b") || n == UInt8(ascii: "B") || n == UInt8(ascii: "A") {
                    if let found = flush() { return found }
                    i += 2
                    guard i >= range.upperBound || !isQuantifier(p[i]) else { return nil }
                    continue
                }
                if "wWsSdDhHvVNtnrfe".utf8.contains(n) {
                    end = i + 2
                } else if !isLetter(n), !isDigit(n) {
                    end = i + 2
                    literalByte = n
                } else {
                    return nil
                }
            case UInt8(ascii: "["):
                guard let close = classEnd(p, i, range.upperBound) else { return nil }
                end = close + 1
            case UInt8(ascii: "."):
                end = i + 1
            case UInt8(ascii: "("):
                guard let close = closeParen(p, i, range.upperBound) else { return nil }
                if let found = flush() { return found }
                let after = close + 1
                let quantified = after < range.upperBound && isQuantifier(p[after])
                guard let content = groupContent(p, i, close) else { return nil }
                switch content {
                case .zeroWidth:
                    guard !quantified else { return nil }
                case let .sequence(inner):
                    guard !quantified, let r = analyze(p, inner, words) else { return nil }
                    return reach + r
                }
                i = after
                continue
            case UInt8(ascii: ")"), UInt8(ascii: "|"), UInt8(ascii: "$"), UInt8(ascii: "*"), UInt8(ascii: "+"),
                 UInt8(ascii: "?"), UInt8(ascii: "{"):
                return nil
            default:
                end = i + 1
                literalByte = c
            }
            // The element's quantifier, if any: how many times it may repeat, at most.
            var times = 1
            var exact = true
            if end < range.upperBound, isQuantifier(p[end]) {
                // Unbounded repeats put no bound on the reach.
                guard let q = quantifier(p, end, range.upperBound), let most = q.high else { return nil }
                times = most
                exact = false
                end = q.end
            }
            if let byte = literalByte, exact, times == 1 {
                literal.append(byte)
            } else {
                if let found = flush() { return found }
                reach += times
            }
            i = end
        }
        return flush()
    }

    static func isQuantifier(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "?") || c == UInt8(ascii: "*") || c == UInt8(ascii: "+") || c == UInt8(ascii: "{")
    }

    /// The quantifier at `i`: its least and largest counts (nil: unbounded) and where it ends
    /// (after a lazy or possessive mark); nil for a `{` that is no quantifier this reader takes
    /// (`{,m}` is literal text in PCRE2 10.42). Shared with `RegexShape`.
    static func quantifier(_ p: [UInt8], _ i: Int, _ limit: Int) -> (low: Int, high: Int?, end: Int)? {
        var low = 0, high: Int? = nil, end = i + 1
        switch p[i] {
        case UInt8(ascii: "?"): high = 1
        case UInt8(ascii: "*"): break
        case UInt8(ascii: "+"): low = 1
        default:
            // {n}, {n,} or {n,m}.
            var j = i + 1
            var first = 0, second = 0, firstDigits = 0, secondDigits = 0, comma = false
            while j < limit, p[j] != UInt8(ascii: "}") {
                if isDigit(p[j]) {
                    if comma {
                        second = second * 10 + Int(p[j] - 0x30)
                        secondDigits += 1
                    } else {
                        first = first * 10 + Int(p[j] - 0x30)
                        firstDigits += 1
                    }
                    guard first <= 100_000, second <= 100_000 else { return nil }
                } else if p[j] == UInt8(ascii: ","), !comma {
                    comma = true
                } else {
                    return nil
                }
                j += 1
            }
            guard j < limit, firstDigits > 0 else { return nil }
            low = first
            high = !comma ? first : (secondDigits > 0 ? second : nil)
            end = j + 1
        }
        if end < limit, p[end] == UInt8(ascii: "?") || p[end] == UInt8(ascii: "+") { end += 1 }
        if let h = high, h < low { return nil }
        return (low, high, end)
    }

    /// The pieces of `range` between its top-level `|`.
    static func split(_ p: [UInt8], _ range: Range<Int>) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = range.lowerBound
        var depth = 0
        var i = range.lowerBound
        while i < range.upperBound {
            switch p[i] {
            case backslash: i += 1
            case UInt8(ascii: "["): i = classEnd(p, i, range.upperBound) ?? range.upperBound
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"): depth -= 1
            case UInt8(ascii: "|") where depth == 0:
                pieces.append(start..<i)
                start = i + 1
            default: break
            }
            i += 1
        }
        pieces.append(start..<range.upperBound)
        return pieces
    }

    /// The `]` closing the class opened at `i`.
    static func classEnd(_ p: [UInt8], _ i: Int, _ limit: Int) -> Int? {
        var j = i + 1
        if j < limit, p[j] == UInt8(ascii: "^") { j += 1 }
        if j < limit, p[j] == UInt8(ascii: "]") { j += 1 }
        while j < limit {
            switch p[j] {
            case backslash: j += 2
            case UInt8(ascii: "["):
                // A POSIX class `[:alpha:]` inside.
                if j + 1 < limit, p[j + 1] == UInt8(ascii: ":") {
                    var k = j + 2
                    while k + 1 < limit, !(p[k] == UInt8(ascii: ":") && p[k + 1] == UInt8(ascii: "]")) { k += 1 }
                    j = k + 2
                } else {
                    j += 1
                }
            case UInt8(ascii: "]"): return j
            default: j += 1
            }
        }
        return nil
    }

    /// The `)` closing the group opened at `i`.
    static func closeParen(_ p: [UInt8], _ i: Int, _ limit: Int) -> Int? {
        var depth = 0
        var j = i
        while j < limit {
            switch p[j] {
            case backslash: j += 1
            case UInt8(ascii: "["): j = classEnd(p, j, limit) ?? limit
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return j }
            default: break
            }
            j += 1
        }
        return nil
    }

    enum GroupContent {
        case zeroWidth
        case sequence(Range<Int>)
    }

    /// What the group from `open` to `close` is: an assertion or option setting (zero width),
    /// or a group whose content must match; nil for kinds not read here.
    static func groupContent(_ p: [UInt8], _ open: Int, _ close: Int) -> GroupContent? {
        var i = open + 1
        guard i < close, p[i] == UInt8(ascii: "?") else { return .sequence(i..<close) }
        i += 1
        guard i < close else { return nil }
        switch p[i] {
        case UInt8(ascii: "="), UInt8(ascii: "!"): return .zeroWidth
        case UInt8(ascii: ":"): return .sequence((i + 1)..<close)
        case UInt8(ascii: "<"):
            guard i + 1 < close else { return nil }
            if p[i + 1] == UInt8(ascii: "=") || p[i + 1] == UInt8(ascii: "!") { return .zeroWidth }
            // A named group.
            guard let gt = p[i..<close].firstIndex(of: UInt8(ascii: ">")) else { return nil }
            return .sequence((gt + 1)..<close)
        case UInt8(ascii: "P"):
            guard i + 1 < close, p[i + 1] == UInt8(ascii: "<"), let gt = p[i..<close].firstIndex(of: UInt8(ascii: ">")) else {
                return nil
            }
            return .sequence((gt + 1)..<close)
        default:
            // Options: `(?i)` sets them (zero width), `(?i:…)` is a group.
            var j = i
            while j < close, isLetter(p[j]) || p[j] == UInt8(ascii: "-") || p[j] == UInt8(ascii: "^") { j += 1 }
            if j == close { return .zeroWidth }
            if p[j] == UInt8(ascii: ":") { return .sequence((j + 1)..<close) }
            return nil
        }
    }
}
