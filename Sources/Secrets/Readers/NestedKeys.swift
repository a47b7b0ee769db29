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

    /// A rule keyword standing in a key, with what `keyAndSeparator` found there: where the
    /// key starts and ends and the separator after it. Found once per occurrence, then read by
    /// `nestedValues` and `joinVariables` alike.
    struct KeyAt {
        var at: Int
        var keyword: Int
        var key: Range<Int>
        var separator: Int
    }

    /// Key characters: letters, digits, `_`, `-` and `.` (dotted keys); not `/` or `+`: a
    /// key with a path in it (`"node_modules/aws-sdk": {` in a lock file) names no provider.
    static func isKeyCharacter(_ c: UInt8) -> Bool { isIdentifier(c) || c == 0x2D || c == 0x2E }

    /// The line's end without a CR and trailing blanks.
    static func contentEnd(_ from: Int, _ end: Int, _ b: UnsafeRawBufferPointer) -> Int {
        var e = end
        if e > from, b[e - 1] == 0x0D { e -= 1 }
        while e > from, Trigger.isBlank(b[e - 1]) { e -= 1 }
        return e
    }

    /// The key a keyword at `at` stands in, and the separator after it (`:`, `=`, `=>`,
    /// `:=`, a section's `]`, or `{` as in `aws {`); nil for anything else, or where the
    /// keyword is letters inside one of the key's words (`sk` in `tasks`, `figma` in
    /// `configMap`, `pat` in `path`) rather than one of them (`aws`, `aws_credentials`,
    /// `awsConfig`): the look before `blockHeader` and `joinVariables`, at every occurrence.
    static func keyAndSeparator(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int) -> (key: Range<Int>, separator: Int)? {
        func upper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
        func lower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        func separates(_ c: UInt8) -> Bool { c == 0x5F || c == 0x2D || c == 0x2E }
        // A word starts at the keyword (one byte looked at: most occurrences are inside words
        // and values, and are turned away here).
        if at > 0 {
            let c = b[at - 1]
            guard !isKeyCharacter(c) || separates(c) || separates(b[at]) || (lower(c) && upper(b[at])) else { return nil }
        }
        var keyEnd = at + length
        let limit = min(b.count, at + 256)
        while keyEnd < limit, isKeyCharacter(b[keyEnd]) { keyEnd += 1 }
        var k = keyEnd
        if k < limit, Trigger.isQuote(b[k]) { k += 1 }
        while k < limit, Trigger.isBlank(b[k]) { k += 1 }
        guard k < limit else { return nil }
        let c = b[k]
        guard c == 0x3A || c == 0x3D || c == 0x5D || c == 0x7B else { return nil }
        var keyStart = at
        while keyStart > 0, at - keyStart < 256, isKeyCharacter(b[keyStart - 1]) { keyStart -= 1 }
        // A whole key: a blank, a quote, a section's bracket, a `$` or the line's start before it.
        if keyStart > 0 {
            let before = b[keyStart - 1]
            guard before == 0x0A || Trigger.isBlank(before) || Trigger.isQuote(before) || before == 0x5B || before == 0x24 else { return nil }
        }
        let after = at + length
        guard after >= keyEnd || separates(b[after]) || separates(b[after - 1]) || (lower(b[after - 1]) && upper(b[after])) else { return nil }
        return (keyStart..<keyEnd, k)
    }

    /// Whether only blanks and maybe a comment (`#`, `//`, `;`) follow `i` on its line, looked
    /// at from `i` alone (no search for the line's end).
    static func restIsEmpty(_ b: UnsafeRawBufferPointer, from i: Int) -> Bool {
        var k = i
        while k < b.count, Trigger.isBlank(b[k]) { k += 1 }
        guard k < b.count else { return true }
        switch b[k] {
        case 0x0A, 0x23, 0x3B: return true
        case 0x0D: return k + 1 == b.count || b[k + 1] == 0x0A
        case 0x2F: return k + 1 < b.count && b[k + 1] == 0x2F
        default: return false
        }
    }

    /// The block header the keyword at `at` stands in, if any, and how far the look went: the
    /// end of the keyword's line once the rest of it was found empty (0 before). Any later
    /// keyword on that line is inside that empty rest's comment, never a header: the caller
    /// passes over it, so a line is walked once however many keywords it holds.
    static func blockHeader(_ b: UnsafeRawBufferPointer, _ found: KeyAt) -> (header: BlockHeader?, examined: Int) {
        let at = found.at, keyStart = found.key.lowerBound, keyEnd = found.key.upperBound, k = found.separator
        let separator = b[k]
        // What follows the separator first, from there alone: most keys are no header.
        var yamlKey = false
        let kind: BlockKind
        if separator == 0x5D {
            // A section header: `[…]` or `[[…]]` alone on its line, the keyword inside.
            var close = k + 1
            if close < b.count, b[close] == 0x5D { close += 1 }
            guard restIsEmpty(b, from: close) else { return (nil, 0) }
            kind = .section
        } else {
            // After the separator: an object or list opening at the line's end, or nothing (a
            // YAML key opening a block; `key =` with nothing after is none).
            var v = k + 1
            if separator == 0x3D || separator == 0x3A, v < b.count, b[v] == 0x3E || b[v] == 0x3D { v += 1 }
            while v < b.count, Trigger.isBlank(b[v]) { v += 1 }
            if separator == 0x7B {
                guard restIsEmpty(b, from: k + 1) else { return (nil, 0) }
            } else if v < b.count, b[v] == 0x7B || b[v] == 0x5B {
                guard restIsEmpty(b, from: v + 1) else { return (nil, 0) }
            } else {
                guard separator == 0x3A, k + 1 >= b.count || (b[k + 1] != 0x3D && b[k + 1] != 0x3E), restIsEmpty(b, from: k + 1) else {
                    return (nil, 0)
                }
                yamlKey = true
            }
            kind = .indented
        }
        let end = lineEnd(at, b)
        var start = at
        while start > 0, at - start < 1024, b[start - 1] != 0x0A { start -= 1 }
        guard start == 0 || b[start - 1] == 0x0A else { return (nil, end) }
        var s = start
        while s < at, Trigger.isBlank(b[s]) { s += 1 }
        var indent = s - start
        guard keyStart >= s else { return (nil, end) }
        if kind == .section {
            guard b[s] == 0x5B else { return (nil, end) }
            var open = s + 1
            if open < k, b[open] == 0x5B { open += 1 }
            while open < k, Trigger.isBlank(b[open]) || Trigger.isQuote(b[open]) { open += 1 }
            var last = keyEnd
            while last > open, Trigger.isBlank(b[last - 1]) || Trigger.isQuote(b[last - 1]) { last -= 1 }
            guard open < last else { return (nil, end) }
            return (BlockHeader(kind: .section, key: open..<last, lineEnd: end, indent: indent), end)
        }
        if yamlKey {
            // The YAML key opens its line (maybe a list item's, maybe quoted). A list item's
            // key stands at its own column: the item's other keys, at that column too, are
            // its siblings, not its block.
            var first = s
            if first + 1 < at, b[first] == 0x2D, b[first + 1] == 0x20 { first += 2 }
            while first < at, Trigger.isBlank(b[first]) { first += 1 }
            indent = first - start
            if first < at, Trigger.isQuote(b[first]) { first += 1 }
            guard first == keyStart else { return (nil, end) }
        }
        return (BlockHeader(kind: .indented, key: keyStart..<keyEnd, lineEnd: end, indent: indent), end)
    }



    /// The assignments of the blocks that `headers` (keyword occurrences, ascending, with the
    /// keyword's index) open, each read with its header's key before it. `Decoded.keyword`
    /// is the keyword: only its rules count what the text yields. False when the budget ran
    /// out first; walking a block counts against it too, so headers nested in headers cost no
    /// more than a few times the bytes.
    @discardableResult
    static func nestedValues(_ b: UnsafeRawBufferPointer, headers: [KeyAt],
                             budget: inout Int, _ body: (Decoded) -> Void) -> Bool {
        // The last line looked at in full, its header if it was one, and the keywords read
        // under it (another keyword in the same key lends its own rules).
        var examined: (end: Int, header: BlockHeader?, keywords: [Int]) = (0, nil, [])
        for found in headers {
            let (at, keyword) = (found.at, found.keyword)
            let header: BlockHeader
            if at < examined.end {
                guard let known = examined.header, known.key.contains(at), !examined.keywords.contains(keyword) else { continue }
                header = known
            } else {
                let look = blockHeader(b, found)
                if look.examined > 0 { examined = (look.examined, look.header, []) }
                guard let opened = look.header else { continue }
                header = opened
            }
            examined.keywords.append(keyword)
            let key = Array(UnsafeRawBufferPointer(rebasing: b[header.key])) + [0x2E]
            // A header that itself names a secret (`variable "okta_api_token" {`) holds one
            // under any key (`default = …`).
            let namesSecret = namesCredential(b, header.key)
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
                if s == ce || restIsEmpty(b, from: s) { continue }
                let inBlock = switch header.kind {
                case .indented: s - lineStart > header.indent
                case .section: b[s] != 0x5B
                }
                guard inBlock else { break }
                guard let (bytes, end) = assignment(b, from: s, lineStart: lineStart, end: ce, lineEnd: e, prefix: key,
                                                    anyKey: namesSecret) else { continue }
                if end > e { p = end + 1 }
                budget -= bytes.count
                body(Decoded(region: lineStart..<max(e, end), encoding: "nested", bytes: bytes, keyword: keyword))
            }
        }
        return true
    }

    /// Token characters a value needs in a row to be read under its header: the values the
    /// providers' rules take beside their name are 16 or more (`enabled: true`, a port, a
    /// host name are not looked at).
    static let minimumNestedToken = 16

    /// Whether `range` holds a run of `minimumNestedToken` token characters.
    static func holdsToken(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard range.count >= minimumNestedToken else { return false }
        let run = Trigger.runClass
        var streak = 0
        for i in range {
            if run[Int(b[i])] {
                streak += 1
                if streak >= minimumNestedToken { return true }
            } else {
                streak = 0
            }
        }
        return false
    }

    /// Words a key under a provider's header has when it holds a credential. The header lends
    /// its name; the key (or the header) must still say it holds a secret: `box:` then
    /// `request_id: …` is an id, not a Box token, though `box-access-token`'s regex would take
    /// `box.request_id: …`.
    static let credentialWords: [[UInt8]] = ["key", "secret", "token", "pass", "pwd", "auth", "cred", "private"].map { Array($0.utf8) }

    /// Whether the key at `range` holds one of `credentialWords`, in any case.
    static func namesCredential(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let key = UnsafeRawBufferPointer(rebasing: b[range]).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return credentialWords.contains { word in
            word.count <= key.count && (0...(key.count - word.count)).contains { key[$0..<($0 + word.count)].elementsEqual(word) }
        }
    }

    /// The assignment on the line from `s` (its content ending at `end`) with `prefix` before
    /// it, and where it ends; a YAML key with nothing after its colon takes the next line as
    /// its value when that is deeper and no key of its own. Nil for anything but `key: value`,
    /// `key = value` and the like with a value of a secret's length.
    static func assignment(_ b: UnsafeRawBufferPointer, from s: Int, lineStart: Int, end: Int, lineEnd: Int,
                           prefix: [UInt8], anyKey: Bool = false) -> ([UInt8], Int)? {
        var k = s
        if k + 1 < end, b[k] == 0x2D, b[k + 1] == 0x20 { k += 2 }
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        if k < end, Trigger.isQuote(b[k]) { k += 1 }
        var j = k
        while j < end, isKeyCharacter(b[j]) { j += 1 }
        guard j > k, anyKey || namesCredential(b, k..<j) else { return nil }
        var m = j
        if m < end, Trigger.isQuote(b[m]) { m += 1 }
        while m < end, Trigger.isBlank(b[m]) { m += 1 }
        guard m < end, b[m] == 0x3A || b[m] == 0x3D else { return nil }
        var v = m + 1
        if v < end, b[v] == 0x3E || b[v] == 0x3D { v += 1 }
        while v < end, Trigger.isBlank(b[v]) { v += 1 }
        var out = prefix + UnsafeRawBufferPointer(rebasing: b[k..<end])
        if v < end {
            guard holdsToken(b, v..<end) else { return nil }
            return (out, lineEnd)
        }
        // The value on the next line, deeper than the key and no key itself.
        guard b[m] == 0x3A, lineEnd + 1 < b.count else { return nil }
        let next = lineEnd + 1, nextEnd = Self.lineEnd(next, b)
        var ns = next
        while ns < nextEnd, Trigger.isBlank(b[ns]) { ns += 1 }
        let nce = contentEnd(ns, nextEnd, b)
        guard ns - next > s - lineStart, holdsToken(b, ns..<nce), b[ns] != 0x2D || ns + 1 >= nce || b[ns + 1] != 0x20 else { return nil }
        var t = ns
        while t < nce, isKeyCharacter(b[t]) { t += 1 }
        if t < nce, Trigger.isQuote(b[t]) { t += 1 }
        while t < nce, Trigger.isBlank(b[t]) { t += 1 }
        if t < nce, b[t] == 0x3A { return nil }
        out += [0x20] + UnsafeRawBufferPointer(rebasing: b[ns..<nce])
        return (out, nextEnd)
    }
}
