/// A token cut into literals that code or data puts back together some way no reader knows
/// (SPEC §1.3): `{ a: "ghp_…", b: "…", c: "…" }` then `c.a + c.b + c.c`, a JSON object's or an
/// INI section's values, a shell array `(ghp_… … …)`, `"%s%s…" % (a, b)`. Where a token's
/// prefix (a keyword a rule's match starts at) opens a short literal that no rule matched
/// whole, the literals after it are joined to it in order, one, two, three and four of them:
/// a rule then decides whether the join is a token (a checksum, a length, an alphabet), so a
/// list of unrelated values joins to nothing. Only literals close together (a structure's
/// values or a statement's joins: at most 48 bytes and two line ends between quoted ones, the
/// very next lines' values for bare ones), and none that opens as the first does (a list of
/// prefixes).
extension Decoders {
    /// Literals joined to a first piece, at most.
    static let maxListedPieces = 4
    /// How far after the first piece the others are looked for, at most.
    static let listedReach = 512
    /// The longest first piece (keyword included), and the longest piece after it: a token's
    /// part, not a whole line.
    static let maxPieceLength = 64
    /// The most bytes between two quoted pieces (a key and separators).
    static let maxPieceGap = 48
    /// The line before a first piece read with its join, at most.
    static let keyWindow = 64
    /// The fewest token characters a join is read with: the shortest prefixed tokens are
    /// about 20 (an AWS key id).
    static let minimumJoined = 16

    /// What may stand between two quoted pieces: blanks, line ends, names, and the
    /// punctuation of lists, members, statements and joins.
    static let pieceGapByte: [Bool] = (0..<256).map { c in
        let c = UInt8(c)
        return Trigger.isBlank(c) || c == 0x0A || c == 0x0D || isIdentifier(c) || Array(",:;=()[]{}+.<>&$~@-/".utf8).contains(c)
    }

    /// A first piece: its content, its keyword's length and its quote (nil: a bare value).
    struct ListedPiece {
        var content: Range<Int>
        var keywordLength: Int
        var quote: UInt8?
        /// A bare value after `=` or `:`: the next lines' values may follow it.
        var assigned: Bool
        /// A prefix's head (`"gh"`, `Trigger.prefixHead2`): the piece after it must look like a
        /// token's rest (8 characters or more, two kinds of them or a `_` or `-`).
        var head = false
        /// Where the piece and its closing quote end.
        var end: Int { content.upperBound + (quote == nil ? 0 : 1) }
    }

    /// The literal the keyword at `at` opens, when short: quoted (its quote, not a backquote,
    /// right before the keyword, and after a run of token characters), or bare after `=`, a
    /// blank, `(`, `[`, `,` or a line's start and ending at a blank, a line's end, `,`, `;`, `)` or `]`; not a
    /// key (a `:` after it).
    static func listedPiece(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int) -> ListedPiece? {
        let before: UInt8 = at > 0 ? b[at - 1] : 0x0A
        let quote: UInt8? = Trigger.isQuote(before) ? before : nil
        // A backquote is Markdown's code span as often as a template literal: no piece.
        guard before != 0x60 else { return nil }
        var assigned = false
        if quote == nil {
            guard before == 0x3D || Trigger.isBlank(before) || before == 0x28 || before == 0x5B || before == 0x2C || before == 0x0A else { return nil }
            var k = at - 1
            while k > 0, Trigger.isBlank(b[k]) { k -= 1 }
            assigned = k >= 0 && (b[k] == 0x3D || b[k] == 0x3A)
        }
        var e = at + length
        let limit = min(b.count, at + maxPieceLength)
        while e < limit, Trigger.isRunByte(b[e]) { e += 1 }
        // A word (`"path"`, `"pattern"` for `pat`, `"skip"` for `sk`): no token's first piece,
        // which holds its prefix's `_`, `-`, capitals or digits. Most occurrences stop here.
        if (at..<e).allSatisfy({ b[$0] >= 0x61 && b[$0] <= 0x7A }) { return nil }
        if let quote {
            guard e < b.count, b[e] == quote else { return nil }
        } else if e < b.count {
            let c = b[e]
            guard Trigger.isBlank(c) || c == 0x0A || c == 0x0D || c == 0x2C || c == 0x3B || c == 0x29 || c == 0x5D else { return nil }
        }
        let piece = ListedPiece(content: at..<e, keywordLength: length, quote: quote, assigned: assigned)
        var k = piece.end
        while k < b.count, Trigger.isBlank(b[k]) { k += 1 }
        return k < b.count && b[k] == 0x3A ? nil : piece
    }

    /// The literals after `first`, in order: quoted strings of token characters (keys, a
    /// string a `:` or `=>` follows, passed over), or for a bare first piece the bare words
    /// after it on its line, or the next lines' single words (a continuation, a heredoc's
    /// lines) and, after `=` or `:`, values of `key = value` / `key: value`.
    /// Stops at a literal that is no token's part.
    static func listedPieces(_ b: UnsafeRawBufferPointer, after first: ListedPiece) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        let limit = min(b.count, first.end + listedReach)
        func tokenish(_ r: Range<Int>) -> Bool {
            !r.isEmpty && r.count <= maxPieceLength && r.allSatisfy { Trigger.isRunByte(b[$0]) }
        }
        // A bare piece holds two kinds of characters of upper-case letters, lower-case ones and
        // digits, as a random token's parts do (`(BSAES is defined)` is prose, no list of parts).
        func varied(_ r: Range<Int>) -> Bool { Trigger.characterKinds(b, r) >= 2 }
        // What follows a prefix's head: a random token's rest, not a word (`"git", "clone"`).
        func restOfToken(_ r: Range<Int>) -> Bool {
            r.count >= 8 && (varied(r) || r.contains { b[$0] == 0x5F || b[$0] == 0x2D })
        }
        // A piece that opens as the first does is another token (a list of prefixes), not its rest.
        let prefix = first.content.lowerBound..<(first.content.lowerBound + first.keywordLength)
        func opensToken(_ r: Range<Int>) -> Bool {
            r.count >= prefix.count && zip(prefix, r).allSatisfy { b[$0] | 0x20 == b[$1] | 0x20 }
        }
        var k = first.end
        if first.quote != nil {
            // Where the last piece ended, and the line ends since: the next piece stands close
            // by (`", b: "`, `",\n  "b": "`), as values of one structure do, not in code further on.
            // Between them only what lists, members, statements and joins are made of (a key,
            // a name, `,` `:` `=` `;` brackets, `+` `.` `<<` `<>` `++` `&`), not a shell's `&&`
            // or `|`, a backslash's escape or a comment.
            var gapStart = k, lineEnds = 0
            while pieces.count < maxListedPieces, k < limit {
                let c = b[k]
                if c == 0x0A { lineEnds += 1 }
                guard k - gapStart <= maxPieceGap, lineEnds <= 2 else { break }
                guard Trigger.isQuote(c) else {
                    guard Self.pieceGapByte[Int(c)], !(c == 0x26 && k + 1 < limit && b[k + 1] == 0x26),
                          !(c == 0x2F && k + 1 < limit && (b[k + 1] == 0x2F || b[k + 1] == 0x2A)) else { break }
                    k += 1
                    continue
                }
                guard let content = plainLiteral(b, quoteAt: k, limit: limit) else { break }
                k = content.upperBound + 1
                var n = k
                while n < limit, Trigger.isBlank(b[n]) { n += 1 }
                if n < limit, b[n] == 0x3A || (b[n] == 0x3D && n + 1 < limit && b[n + 1] == 0x3E) { continue }
                guard tokenish(content), !opensToken(content) else { break }
                if first.head, pieces.isEmpty, !restOfToken(content) { break }
                pieces.append(content)
                gapStart = k
                lineEnds = 0
            }
            return pieces
        }
        // Bare: the words after it on its line, each a token's part (a shell array's items,
        // `printf`'s arguments, a CSV row's cells), up to the line's or the list's end; else,
        // after `=` or `:`, the next lines' values. A word of another kind ends the search.
        var lineEnd = Decoders.lineEnd(k, b)
        while pieces.count < maxListedPieces, k < min(lineEnd, limit) {
            while k < lineEnd, Trigger.isBlank(b[k]) || b[k] == 0x2C { k += 1 }
            if k == lineEnd || b[k] == 0x0D || b[k] == 0x29 || b[k] == 0x5D || b[k] == 0x3B { break }
            var e = k
            while e < lineEnd, Trigger.isRunByte(b[e]) { e += 1 }
            guard e > k, tokenish(k..<e), varied(k..<e), !opensToken(k..<e) else { return [] }
            pieces.append(k..<e)
            k = e
        }
        // The next lines: a value's continuation or a block's lines (a configparser value
        // going on on deeper lines, a heredoc's lines, a YAML plain scalar's), each one word;
        // after `=` or `:`, also the next lines' `key = value` / `key: value`.
        let alone = Self.aloneOnLine(b, first.content)
        guard pieces.isEmpty, first.assigned || alone else { return pieces }
        var p = lineEnd + 1
        while pieces.count < maxListedPieces, p < limit {
            lineEnd = Decoders.lineEnd(p, b)
            defer { p = lineEnd + 1 }
            var e = lineEnd
            if e > p, b[e - 1] == 0x0D { e -= 1 }
            while e > p, Trigger.isBlank(b[e - 1]) { e -= 1 }
            var s = p
            while s < e, Trigger.isBlank(b[s]) { s += 1 }
            // One word on the line, indented (a continuation) or, after a word alone, at all.
            if s < e, (s > p || alone), (s..<e).allSatisfy({ Trigger.isRunByte(b[$0]) }) {
                guard tokenish(s..<e), varied(s..<e), !opensToken(s..<e) else { break }
                pieces.append(s..<e)
                continue
            }
            guard first.assigned else { break }
            while s < e, Decoders.isIdentifier(b[s]) || b[s] == 0x2E || b[s] == 0x2D { s += 1 }
            while s < e, Trigger.isBlank(b[s]) { s += 1 }
            guard s < e, b[s] == 0x3D || b[s] == 0x3A else { break }
            s += 1
            while s < e, Trigger.isBlank(b[s]) { s += 1 }
            if e - s >= 2, Trigger.isQuote(b[s]), b[e - 1] == b[s] { s += 1; e -= 1 }
            guard tokenish(s..<e), varied(s..<e), !opensToken(s..<e) else { break }
            pieces.append(s..<e)
        }
        return pieces
    }

    /// Whether `content` stands alone on its line (blanks around it only).
    static func aloneOnLine(_ b: UnsafeRawBufferPointer, _ content: Range<Int>) -> Bool {
        var k = content.lowerBound
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        guard k == 0 || b[k - 1] == 0x0A else { return false }
        var e = content.upperBound
        while e < b.count, Trigger.isBlank(b[e]) || b[e] == 0x0D { e += 1 }
        return e == b.count || b[e] == 0x0A
    }

    /// Each first piece joined to one, two, … of the literals after it, read with at most
    /// `keyWindow` bytes of its line before it (its key: a rule that wants one sees it; not
    /// the line's earlier pieces, which would be joined again) as `joined`, once the pieces
    /// hold `minimumJoined` token characters.
    static func joinListedPieces(_ b: UnsafeRawBufferPointer, firsts: [ListedPiece], budget: inout Int,
                                 _ body: (Decoded) -> Void) -> Bool {
        var done = 0
        for first in firsts where first.content.lowerBound >= done {
            let pieces = listedPieces(b, after: first)
            guard let last = pieces.last else { continue }
            done = last.upperBound
            let start = keyStart(b, before: first.content.lowerBound)
            var joined = Array(UnsafeRawBufferPointer(rebasing: b[start..<first.content.upperBound]))
            var characters = first.content.count
            for piece in pieces {
                joined += UnsafeRawBufferPointer(rebasing: b[piece])
                characters += piece.count
                guard characters >= minimumJoined else { continue }
                guard budget > 0 else { return false }
                budget -= joined.count
                body(Decoded(region: start..<piece.upperBound, encoding: "joined", bytes: joined, listed: true))
            }
        }
        return true
    }
}
