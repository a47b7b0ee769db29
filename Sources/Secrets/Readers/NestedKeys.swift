/// Values under a key that names a provider (SPEC §1.3): a rule keyword (`aws`, `twilio`)
/// standing in a key that opens a block — a YAML key with nothing after its colon, a key whose
/// value opens an object or list at its line's end (`"aws": {`, `aws = {`, `'aws' => [`), an
/// INI or TOML section header (`[twilio]`) — names what every assignment in the block holds.
/// Each is read as if the key stood before it (`aws.secret_access_key: …`), for that
/// keyword's rules only: the block's own keys are read plainly, generic rules included.
extension Decoders {
    /// Lines after a header its block is read for, at most.
    static let maxNestedLines = 128

    enum BlockKind {
        /// Lines indented deeper than the header's (YAML, and objects written one key a line).
        case indented
        /// Lines up to the next section header (INI, TOML).
        case section
    }

    /// A header a keyword stands in: its key's bytes, its line's end and indent.
    struct BlockHeader {
        var kind: BlockKind
        var key: Range<Int>
        var lineEnd: Int
        var indent: Int
    }

    /// Key characters: token characters and `.` (dotted keys).
    static func isKeyCharacter(_ c: UInt8) -> Bool { Trigger.runClass[Int(c)] || c == 0x2E }

    /// The line's end without a CR and trailing blanks.
    static func contentEnd(_ from: Int, _ end: Int, _ b: UnsafeRawBufferPointer) -> Int {
        var e = end
        if e > from, b[e - 1] == 0x0D { e -= 1 }
        while e > from, Trigger.isBlank(b[e - 1]) { e -= 1 }
        return e
    }

    /// Whether only blanks and a comment (`#`, `//`, `;`) are left of the line from `i` (a CR too).
    static func endsLine(_ b: UnsafeRawBufferPointer, from i: Int, to lineEnd: Int) -> Bool {
        let end = contentEnd(i, lineEnd, b)
        var k = i
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        if k == end { return true }
        return b[k] == 0x23 || b[k] == 0x3B || (b[k] == 0x2F && k + 1 < end && b[k + 1] == 0x2F)
    }

    /// Where the key a keyword at `at` stands in ends, and the separator after it (`:`, `=`,
    /// `=>`, `:=`, a section's `]`, or `{` as in `aws {`); nil for anything else: the look
    /// before `blockHeader`, at every keyword occurrence.
    static func keyAndSeparator(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int) -> (keyEnd: Int, separator: Int)? {
        var keyEnd = at + length
        let limit = min(b.count, at + 256)
        while keyEnd < limit, isKeyCharacter(b[keyEnd]) { keyEnd += 1 }
        var k = keyEnd
        if k < limit, Trigger.isQuote(b[k]) { k += 1 }
        while k < limit, Trigger.isBlank(b[k]) { k += 1 }
        guard k < limit else { return nil }
        let c = b[k]
        return c == 0x3A || c == 0x3D || c == 0x5D || c == 0x7B ? (keyEnd, k) : nil
    }

    /// The block header the keyword at `at` stands in, or nil: the quick look runs at every
    /// keyword occurrence, so it reads the key and what follows it before the line's start.
    static func blockHeader(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int) -> BlockHeader? {
        guard let (keyEnd, k) = keyAndSeparator(b, keyword: at, length: length) else { return nil }
        let separator = b[k]
        let start = lineStart(at, b), end = lineEnd(at, b)
        guard end - start <= 1024 else { return nil }
        var s = start
        while s < at, Trigger.isBlank(b[s]) { s += 1 }
        let indent = s - start
        var keyStart = at
        while keyStart > s, isKeyCharacter(b[keyStart - 1]) { keyStart -= 1 }
        if separator == 0x5D {
            // A section header: `[…]` or `[[…]]` alone on its line, the keyword inside.
            guard b[s] == 0x5B else { return nil }
            var close = k + 1
            if close < end, b[close] == 0x5D { close += 1 }
            guard endsLine(b, from: close, to: end) else { return nil }
            var open = s + 1
            if open < k, b[open] == 0x5B { open += 1 }
            while open < k, Trigger.isBlank(b[open]) || Trigger.isQuote(b[open]) { open += 1 }
            var last = keyEnd
            while last > open, Trigger.isBlank(b[last - 1]) || Trigger.isQuote(b[last - 1]) { last -= 1 }
            guard open < last else { return nil }
            return BlockHeader(kind: .section, key: open..<last, lineEnd: end, indent: indent)
        }
        // After the separator: nothing (a YAML key opening a block), or an object or list
        // opening at the line's end.
        var v = k + 1
        if separator == 0x3D || separator == 0x3A, v < end, b[v] == 0x3E || b[v] == 0x3D { v += 1 }
        while v < end, Trigger.isBlank(b[v]) { v += 1 }
        let opens: Bool
        if separator == 0x7B {
            opens = endsLine(b, from: k + 1, to: end)
        } else if v < end, b[v] == 0x7B || b[v] == 0x5B {
            opens = endsLine(b, from: v + 1, to: end)
        } else {
            // `key:` and nothing after: YAML. The key opens its line (maybe a list item's, maybe
            // quoted); `key =` with nothing after is no block.
            guard separator == 0x3A, k + 1 == end || (b[k + 1] != 0x3D && b[k + 1] != 0x3E), endsLine(b, from: k + 1, to: end) else {
                return nil
            }
            var first = s
            if first + 1 < at, b[first] == 0x2D, b[first + 1] == 0x20 { first += 2 }
            while first < at, Trigger.isBlank(b[first]) { first += 1 }
            if first < at, Trigger.isQuote(b[first]) { first += 1 }
            guard first == keyStart else { return nil }
            opens = true
        }
        guard opens else { return nil }
        return BlockHeader(kind: .indented, key: keyStart..<keyEnd, lineEnd: end, indent: indent)
    }

    /// The assignments of the blocks that `headers` (keyword occurrences, ascending, with the
    /// keyword's index) open, each read with its header's key before it. `Decoded.keyword`
    /// is the keyword: only its rules count what the text yields. False when the budget ran
    /// out first; walking a block counts against it too, so headers nested in headers cost no
    /// more than a few times the bytes.
    @discardableResult
    static func nestedValues(_ b: UnsafeRawBufferPointer, headers: [(at: Int, length: Int, keyword: Int)],
                             budget: inout Int, _ body: (Decoded) -> Void) -> Bool {
        var last: (line: Int, keyword: Int)?
        for (at, length, keyword) in headers {
            guard let header = blockHeader(b, keyword: at, length: length) else { continue }
            // One look per header line and keyword (a keyword inside another's word).
            if let last, last.line == header.lineEnd, last.keyword == keyword { continue }
            last = (header.lineEnd, keyword)
            let key = Array(UnsafeRawBufferPointer(rebasing: b[header.key])) + [0x2E]
            var p = header.lineEnd + 1
            var lines = 0
            while p < b.count, lines < maxNestedLines {
                let e = lineEnd(p, b)
                lines += 1
                guard budget > 0 else { return false }
                budget -= e - p + 1
                var s = p
                while s < e, Trigger.isBlank(b[s]) { s += 1 }
                let ce = contentEnd(s, e, b)
                let lineStart = p
                p = e + 1
                // Blank lines and comments inside the block.
                if s == ce || endsLine(b, from: s, to: ce) { continue }
                let inBlock = switch header.kind {
                case .indented: s - lineStart > header.indent
                case .section: b[s] != 0x5B
                }
                guard inBlock else { break }
                guard let (bytes, end) = assignment(b, from: s, lineStart: lineStart, end: ce, lineEnd: e, prefix: key) else { continue }
                if end > e { p = end + 1 }
                budget -= bytes.count
                body(Decoded(region: lineStart..<max(e, end), encoding: "nested", bytes: bytes, keyword: keyword))
            }
        }
        return true
    }

    /// The assignment on the line from `s` (its content ending at `end`) with `prefix` before
    /// it, and where it ends; a YAML key with nothing after its colon takes the next line as
    /// its value when that is deeper and no key of its own. Nil for anything but `key: value`,
    /// `key = value` and the like with a value of a secret's length.
    static func assignment(_ b: UnsafeRawBufferPointer, from s: Int, lineStart: Int, end: Int, lineEnd: Int,
                           prefix: [UInt8]) -> ([UInt8], Int)? {
        var k = s
        if k + 1 < end, b[k] == 0x2D, b[k + 1] == 0x20 { k += 2 }
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        if k < end, Trigger.isQuote(b[k]) { k += 1 }
        var j = k
        while j < end, isKeyCharacter(b[j]) { j += 1 }
        guard j > k else { return nil }
        var m = j
        if m < end, Trigger.isQuote(b[m]) { m += 1 }
        while m < end, Trigger.isBlank(b[m]) { m += 1 }
        guard m < end, b[m] == 0x3A || b[m] == 0x3D else { return nil }
        var v = m + 1
        if v < end, b[v] == 0x3E || b[v] == 0x3D { v += 1 }
        while v < end, Trigger.isBlank(b[v]) { v += 1 }
        var out = prefix + UnsafeRawBufferPointer(rebasing: b[k..<end])
        if v < end {
            guard end - v >= minimumDecoded else { return nil }
            return (out, lineEnd)
        }
        // The value on the next line, deeper than the key and no key itself.
        guard b[m] == 0x3A, lineEnd + 1 < b.count else { return nil }
        let next = lineEnd + 1, nextEnd = Self.lineEnd(next, b)
        var ns = next
        while ns < nextEnd, Trigger.isBlank(b[ns]) { ns += 1 }
        let nce = contentEnd(ns, nextEnd, b)
        guard ns - next > s - lineStart, nce - ns >= minimumDecoded, b[ns] != 0x2D || ns + 1 >= nce || b[ns + 1] != 0x20 else { return nil }
        var t = ns
        while t < nce, isKeyCharacter(b[t]) { t += 1 }
        if t < nce, Trigger.isQuote(b[t]) { t += 1 }
        while t < nce, Trigger.isBlank(b[t]) { t += 1 }
        if t < nce, b[t] == 0x3A { return nil }
        out += [0x20] + UnsafeRawBufferPointer(rebasing: b[ns..<nce])
        return (out, nextEnd)
    }
}
