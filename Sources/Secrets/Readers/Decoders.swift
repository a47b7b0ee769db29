import Base
import CSystem
#if canImport(Glibc)
import Glibc
#endif

/// Encoded and split values (SPEC §1.3), decoded where a `Trigger` stands: base64, base64url
/// and hex runs, percent-encoding, `\u00XX`/`\xXX` escapes, lines continued with a backslash,
/// YAML block scalars and quoted strings joined with `+`. Each decoded text is scanned like
/// any text (so decodings nest, to `ReadLimits.maxDecodeDepth`), and what it yields points
/// at the encoded text in the original, with the decoding chain as its `encoding`.
enum Decoders {
    /// A decoded or joined form of `region` of the original bytes.
    struct Decoded {
        var region: Range<Int>
        var encoding: String
        var bytes: [UInt8]
        /// The keyword whose rules alone count what the bytes yield (`nestedValues`); nil: all.
        var keyword: Int? = nil
        /// Pieces joined by `joinListedPieces`: read without joining pieces again inside (its
        /// text holds the pieces, and each level would join them anew).
        var listed = false
    }

    /// Decoded bytes shorter than this hold no secret worth a scan.
    static let minimumDecoded = 8
    /// A decoded value longer than this is a document, not a value: not read again on its
    /// key's line.
    static let maxKeyedValue = 1024

    /// Where the key starts when the run at `start` is the value of a key on its line:
    /// `KEY: run`, `key = "run"`, `"key": "run"`, `'key' => 'run'`, `key := run` (a name,
    /// maybe a quote, blanks, the separator, blanks, maybe a quote); nil otherwise.
    static func keyedValue(_ b: UnsafeRawBufferPointer, at start: Int) -> Int? {
        var k = start
        if k > 0, Trigger.isQuote(b[k - 1]) { k -= 1 }
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        guard k > 0 else { return nil }
        if b[k - 1] == 0x3E, k > 1, b[k - 2] == 0x3D {
            k -= 2
        } else if b[k - 1] == 0x3A || b[k - 1] == 0x3D {
            k -= 1
            if k > 0, b[k - 1] == 0x3A { k -= 1 }
        } else {
            return nil
        }
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        if k > 0, Trigger.isQuote(b[k - 1]) { k -= 1 }
        guard k > 0, isIdentifier(b[k - 1]) else { return nil }
        // The key: its name (dotted, dashed, of words: `aws.secret-key`, `AWS Secret Access
        // Key`), and the quote that opens it.
        var from = k
        while from > 0, k - from < keyedReach, isIdentifier(b[from - 1]) || b[from - 1] == 0x2E || b[from - 1] == 0x2D || b[from - 1] == 0x20 {
            from -= 1
        }
        while from < k, b[from] == 0x20 { from += 1 }
        if from > 0, Trigger.isQuote(b[from - 1]) { from -= 1 }
        return from
    }
    /// How far around a trigger a long line is decoded.
    static let lineReach = 4096
    /// The longest key name read with a keyed value.
    static let keyedReach = 128
    /// Lines joined into one logical line, at most.
    static let maxJoinedLines = 64

    /// The decoded forms at `triggers` (ascending by start) of `b`; `runAtStart` when the
    /// bytes begin with a run (no byte before it for `Trigger.run` to see).
    /// False when the budget ran out with a trigger left that would have decoded something
    /// not yet covered (a trigger inside a region already decoded is no loss).
    @discardableResult
    static func decode(_ b: UnsafeRawBufferPointer, triggers: [(Trigger, Int)], runAtStart: Bool, listedJoins: Bool = true,
                       budget: inout Int, _ body: (Decoded) -> Void) -> Bool {
        var runDone = 0, piecesDone = 0, givenBackEnd = 0, lineDone = 0, joinDone = 0, foldDone = 0, concatDone = 0, listDone = 0, tightDone = 0, hexBytesDone = 0, markupDone = 0
        var headsDone = 0, interpolatedDone = 0, formatDone = 0
        var invisibleDone = 0, rot13Done = 0, reversedDone = 0, referenceDone = 0, charsDone = 0, cellsDone = 0, outputsDone = 0, printableDone = 0
        // Values of the names chains use, looked up once per text (nil: not assigned a literal).
        var knownValues = NameValues()
        var list = triggers
        if runAtStart { list.insert((.run, -1), at: 0) }
        for (trigger, at) in list {
            switch trigger {
            case .run, .hexRun, .wrappedRun:
                let start = at + 1
                guard start >= runDone else { continue }
                if trigger == .wrappedRun, !Trigger.wrappedBlockGoesOn(b, from: start) { continue }
                guard budget > 0 else { return false }
                // Most runs are names, paths and digests: their first characters, decoded in
                // place, say so before the run is gathered.
                guard Self.mayDecode(b, from: start) else {
                    var end = start
                    while end < b.count, Trigger.isRunByte(b[end]) { end += 1 }
                    runDone = end
                    continue
                }
                // Quoted pieces or commented lines joined: the join is read, and then each piece
                // alone as before (a join of unrelated values can still decode, with the next
                // value's bytes after the first's, or out of step with it), the pieces never
                // joined again (each joining all after it made a list of N pieces N²/2 pieces'
                // work). What the join read counts against the budget, as decoded bytes do.
                var joinedPieces = false
                var (text, end) = Self.run(b, from: start, quoted: start >= piecesDone, joinedPieces: &joinedPieces)
                if joinedPieces {
                    piecesDone = end
                    budget -= text.count
                    if let joined = Self.decodeRun(text) {
                        budget -= joined.bytes.count
                        body(Decoded(region: start..<end, encoding: joined.encoding, bytes: joined.bytes))
                    }
                    (text, end) = Self.run(b, from: start, quoted: false)
                }
                let decodedRun = Self.decodeRun(text)
                runDone = end
                if decodedRun == nil, trigger == .wrappedRun, start >= givenBackEnd, let firstEnd = Self.headingOverRun(b, wrappedAt: start) {
                    // Not base64 after all, and its first line unlike the next (a heading's last
                    // word over a line of base64): only that line is passed over, so a run
                    // starting on the next is still read. Once a block: lines alike, or of
                    // two widths in turn, stay passed over whole, or each line of a long
                    // undecodable block would join all after it again.
                    runDone = firstEnd
                    givenBackEnd = end
                }
                if let decoded = decodedRun {
                    budget -= decoded.bytes.count
                    body(Decoded(region: start..<end, encoding: decoded.encoding, bytes: decoded.bytes))
                    // A value a key names (a Kubernetes Secret's `AWS_SECRET_ACCESS_KEY: <base64>`)
                    // is read again on its line, decoded in place: a rule that needs the key's
                    // name beside the value sees both.
                    // Only the key, the value and what closes it: a line of thousands of keyed
                    // values (a test-vector file on one line) is not read again for each, nor
                    // its other encoded values decoded again inside each.
                    if decoded.bytes.count <= Self.maxKeyedValue, !decoded.bytes.contains(where: { $0 == 0x0A || $0 == 0x0D }),
                       let from = Self.keyedValue(b, at: start) {
                        var keyed = line(b, from: from, replacing: start..<end, with: decoded.bytes, reach: 2)
                        keyed.encoding = decoded.encoding
                        budget -= keyed.bytes.count
                        body(keyed)
                    }
                }
            case .percentAfterWord, .percentPair, .unicodeEscape, .unicodeEscape8, .hexEscape, .octalEscape, .htmlEntity, .htmlEntityEscaped,
                 .unicodeEscapeBraced, .unicodeEscapeDoubled, .htmlInvisible:
                guard at >= lineDone else { continue }
                guard budget > 0 else { return false }
                let region = lineStart(at, b)..<lineEnd(at, b)
                lineDone = region.upperBound
                if let (bytes, encoding) = unescape(b, region) {
                    budget -= bytes.count
                    body(Decoded(region: region, encoding: encoding, bytes: bytes))
                }
            case .invisible, .invisibleShort:
                guard at >= invisibleDone else { continue }
                guard budget > 0 else { return false }
                let region = lineStart(at, b)..<lineEnd(at, b)
                invisibleDone = region.upperBound
                var bytes: [UInt8] = []
                bytes.reserveCapacity(region.count)
                var i = region.lowerBound
                while i < region.upperBound {
                    let skip = Trigger.invisibleLength(b, at: i)
                    if skip > 0, i + skip <= region.upperBound {
                        i += skip
                    } else {
                        bytes.append(b[i])
                        i += 1
                    }
                }
                budget -= bytes.count
                body(Decoded(region: region, encoding: "invisible", bytes: bytes))
            case .hexBytes, .hexList, .hexListTight, .hexGroups, .decimalList, .decimalListTight, .decimalUpper, .decimalUpperTight:
                guard at >= hexBytesDone else { continue }
                guard budget > 0 else { return false }
                let start = lineStart(at, b)
                let decimal = switch trigger {
                case .decimalList, .decimalListTight, .decimalUpper, .decimalUpperTight: true
                default: false
                }
                let (bytes, end) = decimal ? decimalBytes(b, from: start) : hexBytes(b, from: at)
                hexBytesDone = max(end, at + 1)
                guard isText(bytes) else { continue }
                budget -= bytes.count
                body(Decoded(region: start..<end, encoding: decimal ? "decimal" : "hex", bytes: bytes))
            case .charList, .charListSpaced:
                guard at >= charsDone else { continue }
                guard budget > 0 else { return false }
                let (bytes, end) = charLiterals(b, from: at)
                charsDone = max(end, at + 1)
                guard bytes.count >= minimumCharLiterals else { continue }
                budget -= bytes.count
                body(Decoded(region: lineStart(at, b)..<end, encoding: "chars", bytes: bytes))
            case .notebookText:
                guard at >= outputsDone else { continue }
                guard budget > 0 else { return false }
                let (bytes, end) = jsonStrings(b, from: at + trigger.length - 1)
                outputsDone = max(end, at + 1)
                guard bytes.count >= minimumDecoded else { continue }
                budget -= bytes.count
                body(Decoded(region: at..<end, encoding: "notebook", bytes: bytes))
            case .quotedPrintable:
                // One header is enough: the text after it to the end (a message's other parts
                // too, which decoding leaves as they are but for a `=` ending a line).
                guard at >= printableDone, isTransferEncodingHeader(b, valueAt: at) else { continue }
                guard budget > 0 else { return false }
                printableDone = b.count
                // Every line decoded is charged, emitted or not; text left at the budget is
                // text not read (`decode-limit`), never passed.
                let decoded = quotedPrintable(b, from: at, limit: budget)
                budget -= decoded.read
                for (region, bytes) in decoded.blocks where bytes.count >= minimumDecoded {
                    body(Decoded(region: region, encoding: "quoted-printable", bytes: bytes))
                }
                guard decoded.complete else { return false }
            case .notebookSource:
                // Every cell of the notebook at the first: each read alone (a finding points
                // at its cell), then all of them as one text, as the kernel runs them (a
                // variable assigned in one cell and used in another).
                guard at >= cellsDone else { continue }
                var cells: [(Range<Int>, [UInt8])] = []
                var p = at
                let opening = Trigger.sourceOpening
                while p < b.count, cells.count < maxNotebookCells {
                    guard budget > 0 else { return false }
                    let (bytes, end) = jsonStrings(b, from: p + opening.count)
                    budget -= bytes.count
                    cells.append((p..<end, bytes))
                    guard let next = firstIndex(of: opening, in: b, from: end) else { break }
                    p = next
                }
                cellsDone = p + 1
                for (region, bytes) in cells where bytes.count >= minimumDecoded {
                    body(Decoded(region: region, encoding: "notebook", bytes: bytes))
                }
                guard cells.count > 1, let first = cells.first?.0, let last = cells.last?.0 else { continue }
                var all: [UInt8] = []
                for (_, bytes) in cells { all += bytes; if all.last != 0x0A { all.append(0x0A) } }
                budget -= all.count
                body(Decoded(region: first.lowerBound..<last.upperBound, encoding: "notebook", bytes: all))
            case .prefixHead2, .prefixHead3:
                // The rest of the token in the literals after the head (`"gh"`, then `"p_…"`);
                // not inside a join of pieces (`listedJoins` false).
                let n = trigger == .prefixHead2 ? 2 : 3
                guard listedJoins, at >= headsDone else { continue }
                let head = ListedPiece(content: (at + 1)..<(at + 1 + n), keywordLength: n, quote: b[at], assigned: false, head: true)
                guard joinListedPieces(b, firsts: [head], budget: &budget, body) else { return false }
                headsDone = at + n + 2
            case .rot13Prefix, .reversedPrefix:
                // The token around it (a reversed one ends with it), turned back. Each kind keeps
                // its own mark (a reversed key after `index_y=`, whose `ex_y` is a rot13 prefix,
                // is still reversed), and a token cut at the reach leaves the next trigger its own.
                let rot13 = trigger == .rot13Prefix
                guard at >= (rot13 ? rot13Done : reversedDone) else { continue }
                guard budget > 0 else { return false }
                func part(_ c: UInt8) -> Bool { isToken(c) || c == 0x2E }
                var start = at, end = at + trigger.length
                while start > 0, at - start < 256, part(b[start - 1]) { start -= 1 }
                while end < b.count, end - at < 256, part(b[end]) { end += 1 }
                let whole = end == b.count || !part(b[end])
                if rot13 { rot13Done = whole ? end : at + 1 } else { reversedDone = whole ? end : at + 1 }
                guard end - start >= 16 else { continue }
                let token = Array(UnsafeRawBufferPointer(rebasing: b[start..<end]))
                let bytes = rot13 ? Self.rot13(token) : token.reversed()
                budget -= bytes.count
                body(Decoded(region: start..<end, encoding: rot13 ? "rot13" : "reversed", bytes: bytes))
            case .markup, .markupComment, .cdataClose, .emphasis:
                guard at >= markupDone, Self.tokenSpansMarkup(b, valueBefore: at) else { continue }
                guard budget > 0 else { return false }
                let start = lineStart(at, b), end = lineEnd(at, b)
                markupDone = end
                let bytes = withoutMarkup(b, start..<end)
                guard bytes.count >= minimumDecoded else { continue }
                budget -= bytes.count
                body(Decoded(region: start..<end, encoding: "markup", bytes: bytes))
            case .continuation, .continuationCRLF, .caretContinuation, .caretContinuationCRLF:
                guard at >= joinDone else { continue }
                guard budget > 0 else { return false }
                let caret = trigger == .caretContinuation || trigger == .caretContinuationCRLF
                let (bytes, region) = joinContinued(b, at: at + 1, mark: caret ? 0x5E : 0x5C)
                joinDone = region.upperBound
                budget -= bytes.count
                body(Decoded(region: region, encoding: "joined", bytes: bytes))
            case .formatCall, .percentFormat, .joinCall:
                guard at >= formatDone else { continue }
                guard budget > 0 else { return false }
                guard let (bytes, region) = formatted(b, closingQuote: at, trigger: trigger) else { continue }
                formatDone = region.upperBound
                guard bytes.count >= minimumDecoded else { continue }
                budget -= bytes.count
                body(Decoded(region: region, encoding: "joined", bytes: bytes))
            case .interpolated, .interpolatedMarked:
                guard at >= interpolatedDone else { continue }
                guard budget > 0 else { return false }
                let start = lineStart(at, b), end = lineEnd(at, b)
                interpolatedDone = end
                guard let bytes = withLiteralsInPlace(b, start..<end), bytes.count >= minimumDecoded else { continue }
                budget -= bytes.count
                body(Decoded(region: start..<end, encoding: "joined", bytes: bytes))
            case .folded, .foldedItem:
                guard at >= foldDone else { continue }
                guard budget > 0 else { return false }
                guard let (bytes, region) = joinBlockScalar(b, colon: at) else { continue }
                foldDone = region.upperBound
                budget -= bytes.count
                body(Decoded(region: region, encoding: "joined", bytes: bytes))
            case .referencePair:
                // Only a chain assigned to a name (`TOKEN="$A$B"`, `X = $(A)$(B)`): chains are
                // everywhere in shell scripts (`echo "$dir$file"`), and each name is looked up.
                guard at >= referenceDone, let start = referenceStart(b, endingAt: at), isAssigned(b, valueAt: start) else { continue }
                guard budget > 0 else { return false }
                let end = min(b.count, start + chainReach)
                guard let found = chain(b, at: start, end: end) else { continue }
                referenceDone = found.end
                guard let decoded = joinedChain(b, replacing: start..<found.end, names: found.names, known: &knownValues) else { continue }
                budget -= decoded.bytes.count
                body(decoded)
            case .concat, .concatTight, .concatWide, .concatLead, .concatLeadSpaced, .adjacent, .adjacentLine, .adjacentLineCRLF,
                 .listed, .listedSpaced, .adjacentTight:
                // Strings on two lines (`"…abc"` then `"def…"`), strings in lists, strings side
                // by side (`"-" "Mozilla/5.0 …"` on every line of a web server's log) and quotes
                // side by side (`""`, `''` in SQL, CSV, shell) are everywhere: joined
                // only where one token runs across the seam long enough to be a secret. A list,
                // and strings side by side with nothing between, are joined apart from the other
                // seams of their line (one of those before must not keep them from joining).
                let listed = trigger == .listed || trigger == .listedSpaced, tight = trigger == .adjacentTight
                guard at >= (listed ? listDone : tight ? tightDone : concatDone) else { continue }
                if listed || tight || trigger == .adjacent || trigger == .adjacentLine || trigger == .adjacentLineCRLF,
                   !Self.tokenSpansSeam(b, valueBeforeQuote: at) { continue }
                guard budget > 0 else { return false }
                var start = lineStart(at, b)
                // An operator opening its line continues the string on the line before.
                if trigger == .concatLead || trigger == .concatLeadSpaced, start > 0,
                   (start..<at).allSatisfy({ Trigger.isBlank(b[$0]) }) {
                    start = lineStart(start - 1, b)
                }
                // The logical line is looked at once, seam or not: the other triggers on it
                // are passed over.
                let (joined, end) = joinConcatenated(b, from: start, commas: listed, tight: tight)
                if listed { listDone = end } else if tight { tightDone = end } else { concatDone = end }
                guard let bytes = joined else { continue }
                budget -= bytes.count
                body(Decoded(region: start..<end, encoding: "joined", bytes: bytes))
            }
        }
        return true
    }

    /// The tokens that rule keywords at `keywords` (start and length, ascending) open and a
    /// line end splits, each joined (`joinSplitToken`); false when the budget ran out first.
    /// `starts`: where the keywords a token may be split after start (ascending); a piece
    /// after the first that one opens is a token of its own (a list of whole tokens).
    @discardableResult
    static func joinSplitTokens(_ b: UnsafeRawBufferPointer, keywords: [(at: Int, length: Int)], starts: [Int],
                                budget: inout Int, _ body: (Decoded) -> Void) -> Bool {
        var done = 0
        // The line start found for the last keyword, reused for the next on the same line (a
        // long line of keywords must not be walked back again for each), as `lineStart` gives
        // it: at most `lineReach` back. (Reused farther, every keyword of a megabyte-long line
        // joined all of the line before it, and the text grew with each.)
        var last: (at: Int, start: Int)?
        for (at, length) in keywords where at >= done {
            let start: Int
            if let last, memchr(b.baseAddress! + last.at, 0x0A, at - last.at) == nil {
                start = max(last.start, at - lineReach)
            } else {
                start = lineStart(at, b)
            }
            last = (at, start)
            guard let (bytes, region) = joinSplitToken(b, keyword: at, length: length, keywordStarts: starts, lineStart: start) else { continue }
            guard budget > 0 else { return false }
            done = region.upperBound
            budget -= bytes.count
            body(Decoded(region: region, encoding: "joined", bytes: bytes))
        }
        return true
    }

    /// Whether a keyword starts at `p` (`starts` ascending).
    static func keywordOpens(_ starts: [Int], at p: Int) -> Bool {
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] < p { lo = mid + 1 } else { hi = mid }
        }
        return lo < starts.count && starts[lo] == p
    }

    /// Whether a keyword at `at` opens a token (no token character before it: not the middle
    /// of a name or a path) that runs to its line's end, there or after a closing quote (and
    /// a comma or operator): the quick look before `joinSplitToken`, on every occurrence.
    static func mayEndLine(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int) -> Bool {
        guard at == 0 || !Trigger.isRunByte(b[at - 1]) else { return false }
        var e = at + length
        let limit = min(b.count, at + 256)
        let run = Trigger.runClass
        while e < limit, run[Int(b[e])] { e += 1 }
        // Another string right after, on the line: the seam `joinSplitToken` looks for.
        if inlineSeam(b, closingQuote: e, end: limit) != nil { return true }
        if e < limit, Trigger.isQuote(b[e]) {
            e += 1
            e = pastComment(b, e, limit)
            if e < limit, b[e] == 0x2C || Trigger.isOperator(b[e]) {
                e += 1
            } else if e < limit, b[e] == 0x29 {
                // A call of its own (`sb.append("ghp_…");`), repeated on the next line.
                e += 1
                if e < limit, b[e] == 0x3B { e += 1 }
            }
            e = continuation(b, e, limit)
            e = pastComment(b, e, limit, toLineEnd: true)
        }
        while e < limit, Trigger.isBlank(b[e]) { e += 1 }
        return e < limit && (b[e] == 0x0A || b[e] == 0x0D)
    }

    /// Past blanks and a comment from `k` (before `stop`, a line's end or the look's): a block
    /// comment on the line (`/* … */`), and with `toLineEnd` a line comment (`# …`, `// …`,
    /// `-- …`), which ends the line's content (`"ghp_…" +  // org`). Where the code goes on.
    static func pastComment(_ b: UnsafeRawBufferPointer, _ k: Int, _ stop: Int, toLineEnd: Bool = false) -> Int {
        var k = k
        while k < stop, Trigger.isBlank(b[k]) { k += 1 }
        guard k < stop else { return k }
        if k + 1 < stop, b[k] == 0x2F, b[k + 1] == 0x2A {
            var m = k + 2
            while m + 1 < stop, b[m] != 0x0A, !(b[m] == 0x2A && b[m + 1] == 0x2F) { m += 1 }
            guard m + 1 < stop, b[m] == 0x2A, b[m + 1] == 0x2F else { return k }
            m += 2
            while m < stop, Trigger.isBlank(b[m]) { m += 1 }
            return m
        }
        // `--` only before a blank (SQL's and Lua's comments; `--flag` is an argument).
        let dashes = k + 2 < stop && b[k] == 0x2D && b[k + 1] == 0x2D && Trigger.isBlank(b[k + 2])
        guard toLineEnd, b[k] == 0x23 || dashes || (k + 1 < stop && b[k] == 0x2F && b[k + 1] == 0x2F) else { return k }
        var m = k
        while m < stop, b[m] != 0x0A { m += 1 }
        if m > k, b[m - 1] == 0x0D { m -= 1 }
        return m
    }

    /// Past blanks and a line continued by hand after a closing quote (`"ghp_…" \` in Python,
    /// Ruby, C and shell, `"ghp_…" + `` ` `` in PowerShell), where the line's content ends at
    /// `stop`: where the continuation mark ends, else `k` past its blanks.
    static func continuation(_ b: UnsafeRawBufferPointer, _ k: Int, _ stop: Int) -> Int {
        var k = k
        while k < stop, Trigger.isBlank(b[k]) { k += 1 }
        guard k < stop, b[k] == 0x5C || b[k] == 0x60 else { return k }
        var e = k + 1
        while e < stop, Trigger.isBlank(b[e]) { e += 1 }
        return e == stop || b[e] == 0x0A || b[e] == 0x0D ? e : k
    }

    /// Where a shell word goes on past the quote at `q` (quoted and bare parts glued together
    /// are one word: `ghp_…"…"'…'`, `"ghp_…"…`, `'ghp_…'"…"`, `"$A"…`): a token character
    /// right after a plain quote, or another plain quote and a token character; nil otherwise.
    static func shellWordGoesOn(_ b: UnsafeRawBufferPointer, afterQuote q: Int, end: Int) -> Int? {
        func plainQuote(_ c: UInt8) -> Bool { c == 0x22 || c == 0x27 }
        guard q + 1 < end, plainQuote(b[q]) else { return nil }
        if Trigger.isRunByte(b[q + 1]) { return q + 1 }
        if q + 2 < end, plainQuote(b[q + 1]), Trigger.isRunByte(b[q + 2]) { return q + 2 }
        return nil
    }

    /// Where the next string's token starts when the quote at `q` closes a string that the
    /// next one continues on the same line: blanks, then `+`, `.`, `,`, a template literal's
    /// `}${` or a method chain's `).append(` (or nothing: strings side by side, as
    /// `printf '%s%s' "…" "…"` takes them), blanks, a quote and a token character; or where
    /// `q` opens an interpolation of a string literal; nil otherwise.
    static func inlineSeam(_ b: UnsafeRawBufferPointer, closingQuote q: Int, end: Int) -> Int? {
        guard q + 1 < end else { return nil }
        // A string literal put into the string by interpolation: `"ghp_…${"…"}"` (JavaScript,
        // Kotlin, Groovy, Dart, shell), `"ghp_…#{"…"}"` (Ruby), `"ghp_…\("…")"` (Swift).
        if (b[q] == 0x24 || b[q] == 0x23) && b[q + 1] == 0x7B || b[q] == 0x5C && b[q + 1] == 0x28 {
            return stringOpening(b, q + 2, end)
        }
        // A format that takes the rest: `"ghp_…{}".format("…")`, `"ghp_…%s" % "…"` (Python).
        if q + 3 < end, b[q] == 0x7B && b[q + 1] == 0x7D || b[q] == 0x25 && b[q + 1] == 0x73, Trigger.isQuote(b[q + 2]) {
            var k = q + 3
            if b[q] == 0x7B {
                let call = Self.formatCall
                guard k + call.count <= end, call.indices.allSatisfy({ b[k + $0] == call[$0] }) else { return nil }
                k += call.count
            } else {
                while k < end, Trigger.isBlank(b[k]) { k += 1 }
                guard k < end, b[k] == 0x25 else { return nil }
                k += 1
                while k < end, Trigger.isBlank(b[k]) { k += 1 }
                if k < end, b[k] == 0x28 { k += 1 }
            }
            return stringOpening(b, k, end)
        }
        guard Trigger.isQuote(b[q]) else { return nil }
        if let next = shellWordGoesOn(b, afterQuote: q, end: end) { return next }
        // The interpolation closed, the string around it going on: `${"ghp_…"}…"`, `\("ghp_…")…"`.
        if q + 2 < end, b[q + 1] == 0x7D || b[q + 1] == 0x29, Trigger.isWordByte(b[q + 2]) || b[q + 2] == 0x5F { return q + 2 }
        var k = pastComment(b, q + 1, end)
        if k + 2 < end, b[k] == 0x7D, b[k + 1] == 0x24, b[k + 2] == 0x7B {
            k += 3
        } else if let opened = methodCall(b, at: k < end && b[k] == 0x29 ? k + 1 : k, end: end) {
            // A method chain of one string each: `.append("ghp_…").append("…")`, or a method
            // of the string itself: `"ghp_…".concat("…")` (Java, JavaScript).
            k = opened
        } else if k < end, b[k] == 0x2C || Trigger.isOperator(b[k]) {
            k += 1
        }
        guard k > q + 1 else { return nil }
        return stringOpening(b, k, end)
    }

    /// Where the first line of the wrapped run at `start` ends, when the next line's run is
    /// not as wide (the first is no line of the same block); nil when they are alike.
    static func headingOverRun(_ b: UnsafeRawBufferPointer, wrappedAt start: Int) -> Int? {
        let first = runEnd(b, from: start)
        guard let next = nextLineRun(b, after: first), next.count != first - start else { return nil }
        return first
    }

    /// Where the run of base64/hex characters from `start` ends (its padding not counted).
    static func runEnd(_ b: UnsafeRawBufferPointer, from start: Int) -> Int {
        let cls = Trigger.runClass
        var e = start
        while e < b.count, cls[Int(b[e])] { e += 1 }
        return e
    }

    /// The run of base64/hex characters opening the line after the line end at `e` (LF or CR
    /// LF), past its blanks (maybe empty); nil when no line ends at `e`. The lines of a wrapped
    /// value are read with it: by `run`, the wrapped-run trigger's check and its heading. With
    /// `marker` (a comment's, `commentMarker`), the line must open with those bytes after its
    /// blanks, and the run comes after them and more blanks.
    static func nextLineRun(_ b: UnsafeRawBufferPointer, after e: Int, marker: Range<Int>? = nil) -> Range<Int>? {
        var j = e
        if j < b.count, b[j] == 0x0D { j += 1 }
        guard j < b.count, b[j] == 0x0A else { return nil }
        j += 1
        while j < b.count, Trigger.isBlank(b[j]) { j += 1 }
        if let marker {
            for m in marker {
                guard j < b.count, b[j] == b[m] else { return nil }
                j += 1
            }
            while j < b.count, Trigger.isBlank(b[j]) { j += 1 }
        }
        return j..<runEnd(b, from: j)
    }

    /// Where `=` padding from `k` (maybe none) ends, when a line end or the text's end follows
    /// it; nil otherwise.
    static func paddedLineEnd(_ b: UnsafeRawBufferPointer, at k: Int) -> Int? {
        var k = k
        while k < b.count, b[k] == 0x3D { k += 1 }
        return k == b.count || b[k] == 0x0A || (b[k] == 0x0D && k + 1 < b.count && b[k + 1] == 0x0A) ? k : nil
    }

    /// Past a method's call opening at `p` (`.append(`, `.concat(`: a dot, a name, a
    /// parenthesis), where its argument starts; nil when none opens there.
    static func methodCall(_ b: UnsafeRawBufferPointer, at p: Int, end: Int) -> Int? {
        guard p + 2 < end, b[p] == 0x2E, isIdentifierStart(b[p + 1]) else { return nil }
        var m = p + 2
        while m < end, isIdentifier(b[m]) { m += 1 }
        return m < end && b[m] == 0x28 ? m + 1 : nil
    }

    /// Where the token of a string opening at `k` (after blanks) starts, when a quote and a
    /// token character are there; nil otherwise.
    static func stringOpening(_ b: UnsafeRawBufferPointer, _ k: Int, _ end: Int) -> Int? {
        var k = k
        while k < end, Trigger.isBlank(b[k]) { k += 1 }
        guard k + 1 < end, Trigger.isQuote(b[k]), Trigger.isRunByte(b[k + 1]) else { return nil }
        return k + 1
    }

    /// Python's call that formats a string with the next one (`"ghp_…{}".format("…")`).
    static let formatCall = Array(".format(".utf8)

    /// A token that a keyword stands in (`ghp_…`, `AKIA…`) running to the end of its line and
    /// going on at the start of the next, joined: a quoted value over lines (`"ghp_…` then
    /// `…"`, as a `.env` file or a YAML quoted scalar holds it), a YAML plain value folded
    /// onto deeper lines, strings listed or added one per line (`"ghp_…",` then `"…",`,
    /// joined by code). Returns the logical line from the keyword's line start with each seam
    /// taken out, and the lines it covers; nil when the token does not go on, or the pieces
    /// are too short together to be a secret split in two. Only a keyword's token is looked
    /// at: lines ending in a token are most lines of code, a rule's keyword at one is rare.
    static func joinSplitToken(_ b: UnsafeRawBufferPointer, keyword at: Int, length: Int,
                               keywordStarts: [Int] = [], lineStart knownStart: Int? = nil) -> ([UInt8], Range<Int>)? {
        let start = knownStart ?? lineStart(at, b)
        var lineEnd = Self.lineEnd(at, b)
        // Whether `lineEnd` is a line's end (not where a long line's look stopped).
        func endsLine(_ e: Int) -> Bool { e < b.count && b[e] == 0x0A }
        let quote = Trigger.isQuote, blank = Trigger.isBlank
        func token(_ c: UInt8) -> Bool { Trigger.isRunByte(c) }
        // Where the token characters from `i` end, before `end`.
        func tokenEnd(_ i: Int, _ end: Int) -> Int {
            var e = i
            while e < end, token(b[e]) { e += 1 }
            return e
        }
        func contentEnd(_ from: Int, _ end: Int) -> Int { Self.contentEnd(from, end, b) }
        var indent = 0
        while start + indent < at, blank(b[start + indent]) { indent += 1 }
        // The keyword opens its token.
        guard at == start || !token(b[at - 1]) else { return nil }
        // How the value opens: a quote right before the token, or a plain YAML value
        // (`key: ghp_…`), which goes on only on deeper lines.
        let opened = at > start && quote(b[at - 1])
        // A call the string is the one argument of (`sb.append("ghp_…");`, Kotlin's
        // `append("ghp_…")`): what opens the line up to the quote, ending in `(`. The next
        // lines that repeat it continue the token.
        let call: Range<Int>? = opened && at - 1 > start + indent && b[at - 2] == 0x28 ? (start + indent)..<(at - 1) : nil
        // A YAML (or Markdown) list item (`- ghp_…`, `- "ghp_…"`): the next items at the same
        // indentation continue it (pieces listed in a config and joined by code).
        let itemAt = start + indent
        let item = itemAt + 2 <= at && b[itemAt] == 0x2D && b[itemAt + 1] == 0x20 && at == itemAt + 2 + (opened ? 1 : 0)
        var plain = !opened && !item && at >= start + 2 && b[at - 1] == 0x20 && b[at - 2] == 0x3A
        if !opened, !plain, at == start + indent, start > 0 {
            // Or one that starts on the line below its key (`token:`, then `  ghp_…`): its
            // continuation lines too are those deeper than the key's.
            var e = start - 1
            if e > 0, b[e - 1] == 0x0D { e -= 1 }
            while e > 0, blank(b[e - 1]) { e -= 1 }
            let keyStart = lineStart(start - 1, b)
            var keyIndent = 0
            while keyStart + keyIndent < e, blank(b[keyStart + keyIndent]) { keyIndent += 1 }
            if e > keyStart + keyIndent, b[e - 1] == 0x3A, keyIndent < indent {
                plain = true
                indent = keyIndent
            }
        }
        // Whether the piece from `i` is a token to its string's end, or its line's (or the end
        // of what is looked at), dots allowed (a JWT's parts): `"NAME=…"` is a value of its own.
        func wholePiece(_ i: Int, _ end: Int) -> Bool {
            var f = i
            while f < end, token(b[f]) || b[f] == 0x2E { f += 1 }
            return f == contentEnd(f, end) || quote(b[f])
        }
        // Where `from`'s token ends its line: right at the end (inside an open quote or a
        // plain value), or with a closing quote and maybe a comma or operator (strings listed
        // or added); nil when anything else follows on the line.
        func seam(after from: Int, end: Int) -> (tokenEnd: Int, quoted: Bool)? {
            let e = tokenEnd(from, end)
            let stop = contentEnd(e, end)
            if e == stop { return (opened || plain || item) ? (e, false) : nil }
            guard quote(b[e]) else { return nil }
            var k = Self.pastComment(b, e + 1, stop)
            if k < stop, b[k] == 0x2C || Trigger.isOperator(b[k]) {
                k += 1
            } else if call != nil, k < stop, b[k] == 0x29 {
                k += 1
                if k < stop, b[k] == 0x3B { k += 1 }
            }
            k = continuation(b, k, stop)
            k = Self.pastComment(b, k, stop, toLineEnd: true)
            return k == stop ? (e, true) : nil
        }
        // Strings that go on on the keyword's line (`"ghp_…" "…"`, `${"ghp_…"}${"…"}`): joined
        // first, unless a keyword opens the next (a list of whole tokens on one line). The
        // pieces are only noted: most looks join nothing, and copy nothing.
        var parts: [Range<Int>] = []
        var from = at
        while true {
            let e = tokenEnd(from, lineEnd)
            parts.append(from..<e)
            guard parts.count <= maxJoinedLines, let next = inlineSeam(b, closingQuote: e, end: lineEnd),
                  !Self.keywordOpens(keywordStarts, at: next), wholePiece(next, lineEnd) else { break }
            from = next
        }
        let joins = parts.count - 1
        var lines = 0
        guard endsLine(lineEnd), let (firstEnd, quoted) = seam(after: from, end: lineEnd) else {
            // Joined on its line only, or not at all.
            guard joins > 0, let last = parts.last?.upperBound else { return nil }
            return finish(last..<contentEnd(last, lineEnd))
        }
        var rest = firstEnd..<contentEnd(firstEnd, lineEnd)
        var comments = 0
        while lines < maxJoinedLines, endsLine(lineEnd) {
            let next = lineEnd + 1
            let nextEnd = Self.lineEnd(next, b)
            var j = next
            while j < nextEnd, blank(b[j]) { j += 1 }
            // The next item of the list, at the item's indentation.
            if item {
                guard j - next == indent, j + 2 < nextEnd, b[j] == 0x2D, b[j + 1] == 0x20 else { break }
                j += 2
            }
            // A line of comment only, between the pieces, is passed over.
            if quoted, j < nextEnd, Self.pastComment(b, j, nextEnd, toLineEnd: true) == Self.contentEnd(j, nextEnd, b), comments < 4 {
                comments += 1
                lineEnd = nextEnd
                continue
            }
            if quoted {
                // The next string: maybe an operator opening the line, or the same call again,
                // then its quote.
                if let call, nextEnd - j > call.count, call.indices.allSatisfy({ b[j + $0 - call.lowerBound] == b[$0] }) {
                    j += call.count
                } else if call != nil, let opened = Self.methodCall(b, at: j, end: nextEnd) {
                    // A chained call opening the line (`new StringBuilder("ghp_…")`, then
                    // `.append("…")`).
                    j = opened
                } else if j < nextEnd, Trigger.isOperator(b[j]) {
                    j += 1
                    while j < nextEnd, blank(b[j]) { j += 1 }
                }
                guard j < nextEnd, quote(b[j]) else { break }
                j += 1
            } else if plain, j - next <= indent {
                break
            }
            let e = tokenEnd(j, nextEnd)
            guard e > j, wholePiece(j, nextEnd) else { break }
            // A key of its own on the next line (`next: 1`, `"name": …`) is no part of the
            // value, nor is a token a keyword starts (the next of a list of whole tokens).
            var k = e
            if quoted || opened, k < nextEnd, quote(b[k]) { k += 1 }
            while k < nextEnd, blank(b[k]) { k += 1 }
            if k < nextEnd, b[k] == 0x3A || (plain && b[k] == 0x3D) { break }
            if Self.keywordOpens(keywordStarts, at: j) { break }
            parts.append(j..<e)
            lines += 1
            lineEnd = nextEnd
            // The token goes on past this line too, or the line's rest closes it.
            if endsLine(lineEnd), let (end, q) = seam(after: j, end: nextEnd), q == quoted {
                rest = end..<contentEnd(end, nextEnd)
                continue
            }
            rest = e..<contentEnd(e, nextEnd)
            break
        }
        guard lines + joins > 0 else { return nil }
        return finish(rest)

        // The joined line with `rest` (what closes the token) after it, when the pieces make
        // a secret's length, and of at least two kinds of characters (lower case, upper case,
        // digits): names listed one per line (`"spring-boot-starter-amqp",`) are of one.
        func finish(_ rest: Range<Int>) -> ([UInt8], Range<Int>)? {
            guard parts.reduce(0, { $0 + $1.count }) >= Trigger.minimumRun - 4 else { return nil }
            var kinds: UInt8 = 0
            for part in parts {
                for c in UnsafeRawBufferPointer(rebasing: b[part]) {
                    if c >= 0x61 && c <= 0x7A { kinds |= 1 } else if c >= 0x41 && c <= 0x5A { kinds |= 2 } else if c >= 0x30 && c <= 0x39 { kinds |= 4 }
                }
            }
            guard kinds.nonzeroBitCount >= 2 else { return nil }
            var out = Array(UnsafeRawBufferPointer(rebasing: b[start..<at]))
            for part in parts { out += UnsafeRawBufferPointer(rebasing: b[part]) }
            return (out + UnsafeRawBufferPointer(rebasing: b[rest]), start..<lineEnd)
        }
    }

    /// Token characters (base64 and base64url ones, and `=`; not `.`, or every list of dotted
    /// names would be joined) ending at `at`, counted back at most `Trigger.minimumRun`.
    static func tokenBefore(_ b: UnsafeRawBufferPointer, endingAt at: Int) -> Int {
        var count = 0, i = at
        while i >= 0, count < Trigger.minimumRun, isToken(b[i]) { count += 1; i -= 1 }
        return count
    }

    /// Token characters from `j` on, at most `most`, and where they end.
    static func tokenAfter(_ b: UnsafeRawBufferPointer, from j: Int, most: Int) -> (count: Int, end: Int) {
        var count = 0, j = j
        while j < b.count, count < most, isToken(b[j]) { count += 1; j += 1 }
        return (count, j)
    }

    /// Letters turned 13 places (its own inverse); other bytes as they are.
    static func rot13(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { c in
            switch c {
            case 0x41...0x5A: (c - 0x41 + 13) % 26 + 0x41
            case 0x61...0x7A: (c - 0x61 + 13) % 26 + 0x61
            default: c
            }
        }
    }

    static func isToken(_ c: UInt8) -> Bool { Trigger.isRunByte(c) || c == 0x3D }

    /// Whether the string closed right after `at` is followed (past a comma, blanks and one
    /// line end) by an opening quote, and the token characters on both sides of that seam
    /// number at least `Trigger.minimumRun` less 4 (a split secret; a sentence split between
    /// words has fewer).
    static func tokenSpansSeam(_ b: UnsafeRawBufferPointer, valueBeforeQuote at: Int) -> Bool {
        var j = at + 2 // past the closing quote
        while j < b.count, Trigger.isBlank(b[j]) { j += 1 }
        if j < b.count, b[j] == 0x2C { j += 1 } // a list's comma
        while j < b.count, Trigger.isBlank(b[j]) { j += 1 }
        if j < b.count, b[j] == 0x0D { j += 1 }
        if j < b.count, b[j] == 0x0A { j += 1 }
        while j < b.count, Trigger.isBlank(b[j]) { j += 1 }
        guard j < b.count, Trigger.isQuote(b[j]) else { return false }
        let (after, end) = tokenAfter(b, from: j + 1, most: 256)
        // The token before the seam is read only now: most seams have no string after them.
        guard after >= Trigger.minimumRun - 4 || tokenBefore(b, endingAt: at) + after >= Trigger.minimumRun - 4 else { return false }
        // A string followed by `:` is the next key of a mapping (`"…abc",` then `"name": …`),
        // not the rest of a value.
        j = end
        if j < b.count, Trigger.isQuote(b[j]) {
            j += 1
            while j < b.count, Trigger.isBlank(b[j]) { j += 1 }
            if j < b.count, b[j] == 0x3A { return false }
        }
        return true
    }

    /// Quoted-printable text from `start` (RFC 2045): `=` and two hex digits a byte, `=` ending
    /// a line (blanks may follow it) a soft break that joins it to the next. Each stretch of
    /// lines that decoding changes, decoded, with the bytes it spans (a finding points at its
    /// first line); `read`, the bytes of the lines decoded (changed or not), at most `limit`:
    /// `complete` is false when the limit stopped it with text left.
    static func quotedPrintable(_ b: UnsafeRawBufferPointer, from start: Int, limit: Int)
        -> (blocks: [(Range<Int>, [UInt8])], read: Int, complete: Bool) {
        let hex = Trigger.hexClass
        var blocks: [(Range<Int>, [UInt8])] = []
        var block: (from: Int, bytes: [UInt8])?
        var total = 0
        var i = start
        while i < b.count, total < limit {
            let lineFrom = i
            // A line without `=` is as it was (most of a message): passed over whole. (Only a
            // whole line: where the look for its end stopped short, it is read below.)
            let end = Decoders.lineEnd(i, b)
            if end == b.count || b[end] == 0x0A, let base = b.baseAddress, memchr(base + i, 0x3D, end - i) == nil {
                i = end < b.count && b[end] == 0x0A ? end + 1 : end
                if let open = block {
                    blocks.append((open.from..<lineFrom, open.bytes))
                    block = nil
                }
                continue
            }
            // One logical line: physical lines joined at their soft breaks.
            var line: [UInt8] = []
            var changed = false
            while i < b.count {
                let c = b[i]
                if c == 0x0A {
                    line.append(c)
                    i += 1
                    break
                }
                if c == 0x3D {
                    // A soft line break: `=`, maybe blanks a mailer left, the line's end.
                    var k = i + 1
                    while k < b.count, k - i <= 16, Trigger.isBlank(b[k]) { k += 1 }
                    if k < b.count, b[k] == 0x0D { k += 1 }
                    if k < b.count, b[k] == 0x0A {
                        i = k + 1
                        changed = true
                        continue
                    }
                    if i + 2 < b.count, hex[Int(b[i + 1])], hex[Int(b[i + 2])] {
                        line.append(HexRun.nibble(b[i + 1]) << 4 | HexRun.nibble(b[i + 2]))
                        i += 3
                        changed = true
                        continue
                    }
                }
                line.append(c)
                i += 1
            }
            total += line.count
            if changed {
                if block == nil { block = (lineFrom, []) }
                block!.bytes += line
            } else if let open = block {
                blocks.append((open.from..<lineFrom, open.bytes))
                block = nil
            }
        }
        if let open = block { blocks.append((open.from..<i, open.bytes)) }
        return (blocks, total, i >= b.count)
    }

    /// Whether the value at `at` is a MIME header's (`Content-Transfer-Encoding:` and blanks
    /// before it on its line, in any case), not the word in code or prose.
    static func isTransferEncodingHeader(_ b: UnsafeRawBufferPointer, valueAt at: Int) -> Bool {
        let name = transferEncodingName
        var k = at
        // Blanks, or a folded header's line end and indentation (`…:` then `\tquoted-printable`).
        while k > 0, at - k < 64, Trigger.isBlank(b[k - 1]) || b[k - 1] == 0x0A || b[k - 1] == 0x0D { k -= 1 }
        guard k >= name.count else { return false }
        let opens = k - name.count
        // The header's name starts its line.
        guard opens == 0 || b[opens - 1] == 0x0A else { return false }
        return name.indices.allSatisfy { j in
            let c = b[opens + j]
            return name[j] == 0x2D || name[j] == 0x3A ? c == name[j] : c | 0x20 == name[j]
        }
    }
    static let transferEncodingName = Array("content-transfer-encoding:".utf8)

    /// Bytes written as hex one by one from `start` (then the lines after it) on, and the end
    /// of the last line read: on each line, after an `xxd` offset (`00000010: `), tokens of 2 or 4 hex
    /// digits (a `0x` before each allowed) between spaces, tabs, commas, colons, semicolons
    /// and brackets, up to anything else or two spaces (`xxd`'s text column). Lines go on
    /// while each gives at least 4 bytes (a C array or a dump over lines), at most
    /// `maxJoinedLines`.
    static func hexBytes(_ b: UnsafeRawBufferPointer, from start: Int) -> (bytes: [UInt8], end: Int) {
        let hex = Trigger.hexClass
        var out: [UInt8] = []
        var line = start
        var end = start
        var lines = 0
        let limit = min(b.count, start + 2 * lineReach * 4)
        while line < limit, lines < maxJoinedLines {
            var i = line
            // An xxd offset: 4 to 8 hex digits and a colon opening the line.
            var k = i
            while k < limit, k - i < 8, hex[Int(b[k])] { k += 1 }
            if k - i >= 4, k < limit, b[k] == 0x3A { i = k + 1 }
            var got: [UInt8] = []
            var spaces = 0
            while i < limit, b[i] != 0x0A {
                let c = b[i]
                if c == 0x20 || c == 0x09 {
                    spaces += 1
                    if spaces >= 2, !got.isEmpty { break }
                    i += 1
                    continue
                }
                spaces = 0
                if c == 0x2C || c == 0x3A || c == 0x3B || c == 0x7B || c == 0x7D || c == 0x5B || c == 0x5D || c == 0x28 || c == 0x29 || c == 0x0D
                    || c == 0x2D {
                    i += 1
                    continue
                }
                var j = i
                if c == 0x30, j + 1 < limit, b[j + 1] | 0x20 == 0x78 { j += 2 }
                var e = j
                while e < limit, hex[Int(b[e])] { e += 1 }
                guard e - j == 2 || e - j == 4 else { break }
                var p = j
                while p < e {
                    got.append(HexRun.nibble(b[p]) << 4 | HexRun.nibble(b[p + 1]))
                    p += 2
                }
                i = e
            }
            guard got.count >= 4 || lines == 0 else { break }
            out += got
            lines += 1
            var next = i
            while next < limit, b[next] != 0x0A { next += 1 }
            end = next
            guard next < limit else { break }
            line = next + 1
        }
        return (out, end)
    }

    /// Bytes written as decimal numbers (a Java, C# or Go byte array, a Python `bytes([…])`):
    /// from the line at `start`, the longest list of numbers that are printable ASCII or tabs
    /// and line ends, separated by commas and blanks (brackets, braces and parentheses passed
    /// over), going on over lines that hold four or more such numbers; and where it ends.
    static func decimalBytes(_ b: UnsafeRawBufferPointer, from start: Int) -> (bytes: [UInt8], end: Int) {
        var out: [UInt8] = []
        var line = start
        var end = start
        var lines = 0
        let limit = min(b.count, start + 2 * lineReach * 4)
        func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while line < limit, lines < maxJoinedLines {
            var i = line
            var got: [UInt8] = []
            var current: [UInt8] = []
            while i < limit, b[i] != 0x0A {
                let c = b[i]
                if digit(c) {
                    var e = i, value = 0
                    while e < limit, digit(b[e]), e - i < 4 { value = value * 10 + Int(b[e] - 0x30); e += 1 }
                    let printable = (value >= 0x20 && value < 0x7F) || value == 9 || value == 10 || value == 13
                    // A number that is no byte of text (or a name's digits) ends the list.
                    if e - i > 3 || !printable || (i > line && (Trigger.isWordByte(b[i - 1]) || b[i - 1] == 0x5F)) {
                        if current.count > got.count { got = current }
                        current = []
                        while e < limit, digit(b[e]) { e += 1 }
                    } else {
                        current.append(UInt8(value))
                    }
                    i = e
                    continue
                }
                if !(c == 0x2C || c == 0x20 || c == 0x09 || c == 0x0D || c == 0x7B || c == 0x7D || c == 0x5B || c == 0x5D || c == 0x28 || c == 0x29) {
                    if current.count > got.count { got = current }
                    current = []
                }
                i += 1
            }
            if current.count > got.count { got = current }
            guard got.count >= 4 || lines == 0 else { break }
            out += got
            lines += 1
            end = i
            guard i < limit else { break }
            line = i + 1
        }
        return (out, end)
    }

    /// A JSON array of strings from its `[` at `open` (a notebook cell's lines), or one string
    /// from its quote there, the strings unescaped and put together, and where the array or
    /// string ends; at most `maxNotebookArray` bytes are looked at. Anything but strings,
    /// commas and blanks inside an array ends it.
    static func jsonStrings(_ b: UnsafeRawBufferPointer, from open: Int) -> (bytes: [UInt8], end: Int) {
        guard open < b.count, b[open] == 0x5B || b[open] == 0x22 else { return ([], open) }
        let limit = min(b.count, open + maxNotebookArray)
        // Never nil: not strict.
        func string(at i: Int) -> (bytes: [UInt8], end: Int, closed: Bool) { JSONText.string(b, at: i, limit: limit, strict: false)! }
        if b[open] == 0x22 {
            let one = string(at: open)
            return (one.bytes, one.closed ? one.end : open)
        }
        var out: [UInt8] = []
        var i = open + 1, end = i
        func space(_ c: UInt8) -> Bool { Trigger.isBlank(c) || c == 0x0A || c == 0x0D || c == 0x2C }
        while true {
            while i < limit, space(b[i]) { i += 1 }
            guard i < limit, b[i] == 0x22 else { break }
            let one = string(at: i)
            out += one.bytes
            i = one.end
            guard one.closed else { break }
            end = i
        }
        if i < limit, b[i] == 0x5D { end = i + 1 }
        return (out, end)
    }

    /// The most of one notebook array looked at, and the most cells read in one notebook.
    static let maxNotebookArray = 1 << 20
    static let maxNotebookCells = 4096

    /// The fewest characters a list of character literals is read with: a token with a fixed
    /// prefix is 20 or more; shorter lists are alphabets and separators.
    static let minimumCharLiterals = 16

    /// Characters written one by one as character literals in a list, from the quote at `at`
    /// on (over lines too): each a printable character, or a backslash and a quote or a
    /// backslash, between the same quotes, separated by a comma and blanks or line ends; the
    /// characters and where the last literal ends. Anything else (`'\0'` ending a C string, a
    /// number) ends the list.
    static func charLiterals(_ b: UnsafeRawBufferPointer, from at: Int) -> (bytes: [UInt8], end: Int) {
        var out: [UInt8] = []
        let q = b[at]
        var i = at, end = at
        let limit = min(b.count, at + lineReach * 4)
        func space(_ c: UInt8) -> Bool { Trigger.isBlank(c) || c == 0x0A || c == 0x0D }
        while i + 2 < limit, b[i] == q {
            var c = b[i + 1], close = i + 2
            if c == 0x5C {
                guard i + 3 < limit, b[i + 2] == 0x5C || Trigger.isQuote(b[i + 2]) else { break }
                c = b[i + 2]
                close = i + 3
            }
            guard c >= 0x20, c < 0x7F, b[close] == q else { break }
            out.append(c)
            end = close + 1
            var k = end
            while k < limit, space(b[k]) { k += 1 }
            guard k < limit, b[k] == 0x2C else { break }
            k += 1
            while k < limit, space(b[k]) { k += 1 }
            i = k
        }
        return (out, end)
    }

    /// Whether a token runs on past markup right after the value character at `at`: tags
    /// (`…IW3cK</w:t></w:r><w:r><w:t>cOZAf…`, a value a markup split into runs), comments,
    /// CDATA markers, bold markers, code spans' backquotes or an escape (at most 16 pieces),
    /// then token characters, enough with those before `at` for a secret.
    static func tokenSpansMarkup(_ b: UnsafeRawBufferPointer, valueBefore at: Int) -> Bool {
        var j = at + 1
        var pieces = 0
        while pieces < 16, let next = markupEnd(b, at: j, limit: b.count) {
            j = next
            pieces += 1
        }
        guard pieces > 0 else { return false }
        let after = tokenAfter(b, from: j, most: Trigger.minimumRun).count
        // The token before the markup is read only now: most closing tags end a line.
        return after > 0 && (after >= Trigger.minimumRun - 4 || tokenBefore(b, endingAt: at) + after >= Trigger.minimumRun - 4)
    }

    /// Where the piece of markup at `i` ends (before `limit`, on its line), or nil when none
    /// starts there: a tag (`<…>`, up to 256 bytes), a comment (`<!-- … -->`, up to 256), a
    /// CDATA section's opening (`<![CDATA[`, its text kept) or end (`]]>`), Markdown's bold
    /// marker (`**`), backquotes (one or two: adjacent code spans) and an escape's backslash
    /// before `_` (the `_` kept).
    static func markupEnd(_ b: UnsafeRawBufferPointer, at i: Int, limit: Int) -> Int? {
        guard i < limit else { return nil }
        func starts(_ w: StaticString) -> Bool {
            let n = w.utf8CodeUnitCount
            guard i + n <= limit else { return false }
            return w.withUTF8Buffer { word in (0..<n).allSatisfy { b[i + $0] == word[$0] } }
        }
        switch b[i] {
        case 0x3C:
            if starts("<![CDATA[") { return i + 9 }
            if starts("<!--") {
                var k = i + 4
                while k + 3 <= limit, k - i < 256, b[k] != 0x0A {
                    if b[k] == 0x2D, b[k + 1] == 0x2D, b[k + 2] == 0x3E { return k + 3 }
                    k += 1
                }
                return nil
            }
            var k = i + 1
            while k < limit, k - i < 256, b[k] != 0x3E, b[k] != 0x3C, b[k] != 0x0A { k += 1 }
            return k < limit && b[k] == 0x3E ? k + 1 : nil
        case 0x5D: return starts("]]>") ? i + 3 : nil
        case 0x2A: return starts("**") ? i + 2 : nil
        case 0x60: return starts("``") ? i + 2 : i + 1
        case 0x5C: return i + 1 < limit && b[i + 1] == 0x5F ? i + 1 : nil
        default: return nil
        }
    }

    /// A string filled in by the literals after it (`Trigger.formatCall`, `percentFormat`,
    /// `joinCall`; `closingQuote` is the string's): its `{}` and `{N}` places, or its `%s`
    /// places, given the literals in order, or the literals joined with it; written after its
    /// key (what its line holds before it, at most `keyWindow` bytes), between its quotes. Nil
    /// unless the string and every argument up to the call's end are plain literals (no
    /// backslash, on one line) and something was filled in. The region is from the key to the
    /// last argument.
    static func formatted(_ b: UnsafeRawBufferPointer, closingQuote at: Int, trigger: Trigger) -> ([UInt8], Range<Int>)? {
        let q = b[at]
        // The string, back to its opening quote on its line.
        var open = at - 1
        while open >= 0, at - open <= 512, b[open] != q, b[open] != 0x5C, b[open] != 0x0A { open -= 1 }
        guard open >= 0, b[open] == q, open == 0 || b[open - 1] != 0x5C else { return nil }
        let string = Array(UnsafeRawBufferPointer(rebasing: b[(open + 1)..<at]))
        // The literals after the call's opening: each quoted, separated by commas, the list
        // in brackets for a join (or a tuple for `%`).
        var i = at + trigger.length - (trigger == .percentFormat ? 1 : 0)
        let end = min(b.count, at + 2048)
        func blanks() { while i < end, b[i] == 0x20 || b[i] == 0x09 { i += 1 } }
        blanks()
        var closer: UInt8? = trigger == .percentFormat ? nil : 0x29
        if i < end, b[i] == 0x28 || b[i] == 0x5B {
            closer = b[i] == 0x28 ? 0x29 : 0x5D
            i += 1
            blanks()
        }
        var arguments: [[UInt8]] = []
        while i < end, b[i] == 0x22 || b[i] == 0x27, arguments.count < 16 {
            guard let content = plainLiteral(b, quoteAt: i, limit: end) else { return nil }
            arguments.append(Array(UnsafeRawBufferPointer(rebasing: b[content])))
            i = content.upperBound + 1
            blanks()
            guard i < end, b[i] == 0x2C else { break }
            i += 1
            blanks()
        }
        guard !arguments.isEmpty else { return nil }
        if let closer { guard i < end, b[i] == closer else { return nil } }
        var filled: [UInt8] = []
        switch trigger {
        case .joinCall:
            for (n, piece) in arguments.enumerated() { filled += (n > 0 ? string : []) + piece }
        case .formatCall:
            var next = 0, k = 0, used = false
            while k < string.count {
                if string[k] == 0x7B, k + 1 < string.count {
                    var e = k + 1
                    while e < string.count, e - k <= 3, string[e] >= 0x30, string[e] <= 0x39 { e += 1 }
                    if e < string.count, string[e] == 0x7D {
                        let index = e == k + 1 ? next : Int(String(decoding: string[(k + 1)..<e], as: UTF8.self)) ?? -1
                        if e == k + 1 { next += 1 }
                        if index >= 0, index < arguments.count {
                            filled += arguments[index]
                            used = true
                            k = e + 1
                            continue
                        }
                    }
                }
                filled.append(string[k])
                k += 1
            }
            guard used else { return nil }
        default:
            var next = 0, k = 0
            while k < string.count {
                if string[k] == 0x25, k + 1 < string.count {
                    if string[k + 1] == 0x25 { filled.append(0x25); k += 2; continue }
                    if string[k + 1] == 0x73, next < arguments.count { filled += arguments[next]; next += 1; k += 2; continue }
                }
                filled.append(string[k])
                k += 1
            }
            guard next > 0 else { return nil }
        }
        // Only its key before it: the whole line would be read again with each string
        // filled, and its earlier calls again inside that.
        let from = keyStart(b, before: open)
        let before = Array(UnsafeRawBufferPointer(rebasing: b[from..<open]))
        return (before + [q] + filled + [q], from..<i)
    }

    /// The line `region` of `b` with each quoted literal interpolated into it written in its
    /// place: `{'x'}`, `${"x"}` or `#{'x'}` (a brace, a quote, up to 256 bytes without that
    /// quote, a backslash or a line end, the quote, the closing brace) read as `x`, as Python's
    /// f-strings, JavaScript's templates and Ruby's strings read them. Nil when it has none.
    static func withLiteralsInPlace(_ b: UnsafeRawBufferPointer, _ region: Range<Int>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(region.count)
        var i = region.lowerBound, replaced = false
        let end = region.upperBound
        while i < end {
            let open = (b[i] == 0x24 || b[i] == 0x23) && i + 1 < end && b[i + 1] == 0x7B ? i + 1 : i
            if b[open] == 0x7B, open + 1 < end, b[open + 1] == 0x22 || b[open + 1] == 0x27 {
                if let content = plainLiteral(b, quoteAt: open + 1, limit: min(end, open + 2 + 256)),
                   content.upperBound + 1 < end, b[content.upperBound + 1] == 0x7D {
                    out += UnsafeRawBufferPointer(rebasing: b[content])
                    i = content.upperBound + 2
                    replaced = true
                    continue
                }
            }
            out.append(b[i])
            i += 1
        }
        return replaced ? out : nil
    }

    /// `region` without its markup (`markupEnd`): tags, comments, CDATA markers, bold markers,
    /// backquotes and escapes' backslashes.
    static func withoutMarkup(_ b: UnsafeRawBufferPointer, _ region: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(region.count)
        var i = region.lowerBound
        while i < region.upperBound {
            if let end = markupEnd(b, at: i, limit: region.upperBound) {
                i = end
                continue
            }
            out.append(b[i])
            i += 1
        }
        return out
    }

    /// The content of the quoted literal whose opening quote is at `q`, read before `limit`:
    /// up to the same quote, on one line, with no backslash (an escape is not read here);
    /// nil when it does not close so.
    static func plainLiteral(_ b: UnsafeRawBufferPointer, quoteAt q: Int, limit: Int) -> Range<Int>? {
        let quote = b[q]
        var e = q + 1
        while e < limit, b[e] != quote, b[e] != 0x0A, b[e] != 0x0D, b[e] != 0x5C { e += 1 }
        return e < limit && b[e] == quote ? (q + 1)..<e : nil
    }

    /// Where the key before `p` starts: at most `keyWindow` bytes back, not past its line's
    /// start. A join is read with its key (a rule that wants one sees it), not with the line's
    /// earlier values, which each level of decoding would join again.
    static func keyStart(_ b: UnsafeRawBufferPointer, before p: Int) -> Int {
        var start = p
        while start > 0, p - start < keyWindow, b[start - 1] != 0x0A { start -= 1 }
        return start
    }

    /// The start of `p`'s line, looking back at most `lineReach` bytes (a hostile one-line
    /// file must not make each trigger walk the whole line).
    static func lineStart(_ p: Int, _ b: UnsafeRawBufferPointer) -> Int {
        let i = min(p, b.count)
        let floor = max(0, p - lineReach)
        guard i > floor, let base = b.baseAddress else { return i }
        // glibc's vector search back for the newline (a name looked up on every line it
        // stands on walked each line back byte by byte).
        guard let nl = reviewgate_memrchr(base + floor, 10, i - floor) else { return floor }
        return base.distance(to: UnsafeRawPointer(nl)) + 1
    }

    /// The end of `p`'s line (its newline), looking ahead at most `2 * lineReach` bytes.
    static func lineEnd(_ p: Int, _ b: UnsafeRawBufferPointer) -> Int {
        guard p < b.count, let base = b.baseAddress else { return b.count }
        let limit = min(b.count, p + 2 * lineReach)
        guard let nl = memchr(base + p, 10, limit - p) else { return limit }
        return base.distance(to: UnsafeRawPointer(nl))
    }

    /// The run of base64/hex characters from `start` (with its `=` padding), continued over
    /// following lines that are wholly such characters (wrapped base64, an indented YAML
    /// value), or over single spaces between pieces of the first's width (a wrapped value
    /// pasted onto one line), or, with `quoted`, over the literals of a list or a
    /// concatenation the run's quoted literal opens (`quotedPiece`) and over the next lines
    /// of a comment the run's line is (`commentMarker`: base64 commented out, `# …` a line);
    /// returns its characters and where it ends.
    static func run(_ b: UnsafeRawBufferPointer, from start: Int, quoted: Bool = true) -> ([UInt8], Int) {
        var joined = false
        return run(b, from: start, quoted: quoted, joinedPieces: &joined)
    }

    /// `run`, saying whether it went on over quoted pieces or commented lines (`joinedPieces`).
    static func run(_ b: UnsafeRawBufferPointer, from start: Int, quoted: Bool, joinedPieces: inout Bool) -> ([UInt8], Int) {
        let cls = Trigger.runClass
        var text: [UInt8] = []
        text.reserveCapacity(64)
        var i = start
        let quote: UInt8? = quoted && start > 0 && Trigger.isQuote(b[start - 1]) ? b[start - 1] : nil
        let marker = quoted ? commentMarker(b, before: start) : nil
        // The characters taken (padding aside).
        func take() -> Int {
            let from = i
            while i < b.count, cls[Int(b[i])] { text.append(b[i]); i += 1 }
            let taken = i - from
            while i < b.count, b[i] == 0x3D { text.append(b[i]); i += 1 }
            return taken
        }
        let width = take()
        var piece = width
        // Wrapped: the line ends right after the run, and the next line (indented or not)
        // holds nothing but more of it. Or pasted onto one line: pieces as wide as the first
        // (a run's width at least; never words) joined by single spaces.
        var lines = 0
        while lines < 100_000, text.last != 0x3D {
            // Where the next piece starts, if anything goes on.
            let next: Int
            let wide = piece == width && width >= Trigger.minimumRun
            if wide, let quote, let start = quotedPiece(b, closingAt: i, quote: quote) {
                joinedPieces = true
                next = start
            } else if wide, i + 1 < b.count, b[i] == 0x20, runEnd(b, from: i + 1) - (i + 1) >= 4 {
                next = i + 1
            } else if let line = nextLineRun(b, after: i), let padded = paddedLineEnd(b, at: line.upperBound),
                      padded - line.lowerBound >= 4 {
                // Four characters at least, its padding counted (a last line `Mw==`).
                next = line.lowerBound
            } else if wide, let marker, let line = nextLineRun(b, after: i, marker: marker),
                      let padded = paddedLineEnd(b, at: line.upperBound), padded - line.lowerBound >= 4 {
                // A commented block: the next line opens with the same marker, then the run.
                joinedPieces = true
                next = line.lowerBound
            } else {
                break
            }
            i = next
            piece = take()
            lines += 1
        }
        return (text, i)
    }

    /// The comment marker that opens the line of a run starting at `start`, when only it and
    /// blanks stand before the run there: `//`, `--`, or one of `#`, `;`, `%` and a block
    /// comment's `*`.
    static func commentMarker(_ b: UnsafeRawBufferPointer, before start: Int) -> Range<Int>? {
        var k = start
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        let e = k
        if k >= 2, b[k - 1] == b[k - 2], b[k - 1] == 0x2F || b[k - 1] == 0x2D {
            k -= 2
        } else if k >= 1, b[k - 1] == 0x23 || b[k - 1] == 0x3B || b[k - 1] == 0x25 || b[k - 1] == 0x2A {
            k -= 1
        } else {
            return nil
        }
        let marker = k..<e
        while k > 0, Trigger.isBlank(b[k - 1]) { k -= 1 }
        return k == 0 || b[k - 1] == 0x0A ? marker : nil
    }

    /// Where the next piece of a value cut into quoted literals starts, when the literal
    /// closing at `i` (its `quote`) is followed by another holding only run characters (and
    /// padding): a list's (`",\n  "`, `"\n  - "`), a concatenation's (`" +\n "`, `" . "`, `" & "`) or
    /// literals side by side (Python's and C's `"…"\n"…"`), with at most two line ends
    /// between them. (Base64 cut into a JSON array's strings of 60 characters: each piece
    /// decodes alone, and the token across two of them is found only in the join.)
    static func quotedPiece(_ b: UnsafeRawBufferPointer, closingAt i: Int, quote: UInt8) -> Int? {
        guard i < b.count, b[i] == quote else { return nil }
        var k = i + 1
        var lineEnds = 0, joiner = false
        while k < b.count, k - i <= 32 {
            let c = b[k]
            if c == 0x0A {
                lineEnds += 1
                guard lineEnds <= 2 else { return nil }
            } else if c == 0x2C || c == 0x2B || c == 0x2E || c == 0x26 || c == 0x5C || (c == 0x2D && lineEnds > 0) {
                // One joiner (`,` `+` `.` `&`, a backslash continuing the line, or a YAML
                // sequence's `-` opening the next line).
                guard !joiner else { return nil }
                joiner = true
            } else if !(Trigger.isBlank(c) || c == 0x0D) {
                break
            }
            k += 1
        }
        guard k < b.count, b[k] == quote else { return nil }
        let s = k + 1
        var e = runEnd(b, from: s)
        guard e - s >= 4 else { return nil }
        while e < b.count, b[e] == 0x3D { e += 1 }
        guard e < b.count, b[e] == quote else { return nil }
        // A key (`"apiKey": …`) is no piece of the value before it.
        var after = e + 1
        while after < b.count, Trigger.isBlank(b[after]) { after += 1 }
        return after < b.count && b[after] == 0x3A ? nil : s
    }

    /// `EF BB BF` in base64.
    static let utf8MarkBase64: [UInt8] = Array("77u/".utf8)

    /// The magic bytes of gzip, zip, bzip2, xz and zstd in base64 (and base64url) at the
    /// start of a run; and a zlib header's two bytes at the four compression levels
    /// (`78 01`, `78 5E`, `78 9C`, `78 DA`: `eA`, `eF`, `eJ`, `eN`), checked in full once decoded.
    static let encodedArchiveMagics: [[UInt8]] = ["H4sI", "UEsDB", "UEsFB", "QlpoO", "/Td6WFoA", "_Td6WFoA", "KLUv/", "KLUv_",
                                                  "eA", "eF", "eJ", "eN"].map { Array($0.utf8) }

    static func startsEncodedArchive(_ b: some Collection<UInt8>) -> Bool {
        encodedArchiveMagics.contains { b.starts(with: $0) }
    }

    /// The same magic bytes in hex (either case): gzip, zip (a member, an empty one), bzip2,
    /// xz, zstd. (A dump such as `xxd -p` of a `.gz`, or a blob written as a hex literal.)
    static let hexArchiveMagics: [[UInt8]] = ["1f8b08", "504b0304", "504b0506", "425a68", "fd377a585a00", "28b52ffd",
                                               "7801", "785e", "789c", "78da"].map { Array($0.utf8) }

    static func startsHexArchive(_ b: some Collection<UInt8>) -> Bool {
        hexArchiveMagics.contains { magic in
            b.count >= magic.count && zip(b, magic).allSatisfy { ($0 | 0x20) == $1 }
        }
    }

    /// A run decoded as hex (`0x` allowed) or base64/base64url, when that gives text. A few
    /// characters first tell text from noise (object ids, digests, names), so most runs cost
    /// a dozen bytes of decoding.
    static func decodeRun(_ text: [UInt8]) -> (encoding: String, bytes: [UInt8])? {
        var body = text[...]
        while body.last == 0x3D { body = body.dropLast() }
        var hexBody = body
        if hexBody.count > 2, hexBody.first == 0x30, hexBody.dropFirst().first == 0x78 || hexBody.dropFirst().first == 0x58 {
            hexBody = hexBody.dropFirst(2)
        }
        if hexBody.allSatisfy({ Trigger.isHexByte($0) }) {
            // A compressed stream or archive in hex: its bytes, for the reader to open (one
            // that does not open is passed over, as a base64 one is).
            if hexBody.count % 2 == 0, startsHexArchive(hexBody) {
                let bytes = HexRun.decode(hexBody)
                if bytes.withUnsafeBytes({ Archives.isEncodedPayload($0) }) { return ("hex", bytes) }
            }
            // Hex digits only: hex text or nothing (base64 of text is never all hex digits).
            guard hexBody.count % 2 == 0, isText(HexRun.decode(hexBody.prefix(24))) else { return nil }
            let bytes = HexRun.decode(hexBody)
            return isText(bytes) ? ("hex", bytes) : nil
        }
        // Base32 (RFC 4648: upper-case letters and 2-7; TOTP seeds, some tokens encoded again).
        if body.count >= 16, body.allSatisfy({ Base32Text.alphabet[Int($0)] }) {
            let bytes = Base32Text.decode(body)
            if isText(bytes) { return ("base32", bytes) }
        }
        var url = body.contains(0x2D) || body.contains(0x5F)
        if url, body.contains(0x2B) || body.contains(0x2F) {
            // Two alphabets: a path or a name, or a name joined to a value (`cfg_` then
            // base64): the part after the last `-` or `_`, when it is long enough to decode.
            guard let cut = body.lastIndex(where: { $0 == 0x2D || $0 == 0x5F }), body.endIndex - cut > Trigger.minimumRun else { return nil }
            body = body[(cut + 1)...]
            url = false
        }
        // A compressed stream or archive: its bytes, for the reader to open.
        if startsEncodedArchive(body) {
            let bytes = Base64Text.decode(body, url: url)
            if bytes.withUnsafeBytes({ Archives.isEncodedPayload($0) }) { return (url ? "base64url" : "base64", bytes) }
        }
        // A UTF-8 byte-order mark first (`77u/`, a file saved by a Windows editor, then encoded):
        // the text after it.
        if body.starts(with: utf8MarkBase64) { body = body.dropFirst(4) }
        // The value may start a few characters into the run (`path/VALUE`): each alignment.
        for skip in 0..<4 where body.count - skip >= 12 {
            guard isText(Base64Text.decode(body.dropFirst(skip).prefix(16), url: url)) else { continue }
            let bytes = Base64Text.decode(body.dropFirst(skip), url: url)
            if isText(bytes) { return (url ? "base64url" : "base64", bytes) }
        }
        // Base64 of UTF-16 text (PowerShell's -EncodedCommand is UTF-16LE): the text. Its
        // first bytes say so before the whole run is decoded.
        let head = Base64Text.decode(body.prefix(32), url: url)
        guard head.withUnsafeBytes({ TextEncoding.detect($0) }) != nil else { return nil }
        let bytes = Base64Text.decode(body, url: url)
        if let (encoding, mark) = bytes.withUnsafeBytes({ TextEncoding.detect($0) }) {
            let text = bytes.withUnsafeBytes { encoding.decode(UnsafeRawBufferPointer(rebasing: $0[mark...])) }
            if isText(text) { return ((url ? "base64url+" : "base64+") + encoding.rawValue, text) }
        }
        return nil
    }

    /// Whether the run at `start` could decode to text: its first 16 characters as hex, or
    /// as base64 at any of the four alignments, give 90% printable ASCII. No allocation.
    static func mayDecode(_ b: UnsafeRawBufferPointer, from run0: Int) -> Bool {
        let hex = Trigger.hexClass, table = Base64Text.table, run = Trigger.runClass
        // Past a UTF-8 byte-order mark in base64 (`77u/`), as `decodeRun` reads it.
        let marked = run0 + 4 <= b.count && (0..<4).allSatisfy { b[run0 + $0] == utf8MarkBase64[$0] }
        let start = marked ? run0 + 4 : run0
        // A compressed stream or archive, encoded: opened when decoded (`decodeRun`).
        if startsEncodedArchive(UnsafeRawBufferPointer(rebasing: b[start...])) { return true }
        var end = start
        while end < b.count, end - start < 20, run[Int(b[end])] { end += 1 }
        guard end - start >= 16 else { return true } // a short tail of a wrapped run: decide later
        func printable(_ c: UInt32) -> Bool { (c >= 0x20 && c < 0x7F) || c == 9 || c == 10 || c == 13 }
        var from = start
        if b[from] == 0x30, b[from + 1] == 0x78 || b[from + 1] == 0x58 { from += 2 }
        if from + 16 <= b.count, (from..<(from + 16)).allSatisfy({ hex[Int(b[$0])] }) {
            if startsHexArchive(UnsafeRawBufferPointer(rebasing: b[from...])) { return true }
            var bad = 0
            for i in stride(from: from, to: from + 16, by: 2) where !printable(UInt32(HexRun.nibble(b[i]) << 4 | HexRun.nibble(b[i + 1]))) { bad += 1 }
            return bad == 0
        }
        if (start..<(start + 16)).allSatisfy({ Base32Text.alphabet[Int(b[$0])] }),
           Base32Text.decode(UnsafeRawBufferPointer(rebasing: b[start..<(start + 16)])).allSatisfy({ printable(UInt32($0)) }) {
            return true
        }
        for skip in 0..<4 {
            let stop = min(end, start + skip + 16)
            // The bytes this alignment decodes to, and how many of them may be unprintable: an
            // alignment is given up at the first byte past that (most runs are identifiers,
            // which fail within a few bytes at every alignment).
            let total = (stop - start - skip) * 6 / 8
            guard total >= 8 else { continue }
            let allowed = total / 10
            var acc: UInt32 = 0, bits = 0, bad = 0
            // A zero byte after a nonzero one is UTF-16 text's (`decodeRun` reads it).
            var afterZero = true
            // Continuation bytes a UTF-8 sequence still needs (text in other scripts).
            var continuing = 0
            for i in (start + skip)..<stop {
                var v = Int(table[Int(b[i])])
                if v < 0 { v = b[i] == 0x2B || b[i] == 0x2D ? 62 : 63 }
                acc = acc << 6 | UInt32(v)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    let byte = (acc >> UInt32(bits)) & 0xFF
                    if continuing > 0 {
                        if byte & 0xC0 == 0x80 {
                            continuing -= 1
                            afterZero = false
                            acc &= (1 << UInt32(bits)) - 1
                            continue
                        }
                        // A lead byte without its continuation: no UTF-8 after all.
                        continuing = 0
                        bad += 1
                        if bad > allowed { break }
                    }
                    if let more = Self.utf8Continuations(UInt8(byte)) {
                        continuing = more
                        afterZero = false
                    } else if byte == 0, !afterZero {
                        afterZero = true
                    } else if !printable(byte) {
                        afterZero = byte == 0
                        bad += 1
                        if bad > allowed { break }
                    } else {
                        afterZero = false
                    }
                    acc &= (1 << UInt32(bits)) - 1
                }
            }
            if bad <= allowed { return true }
        }
        return false
    }

    /// Mostly printable ASCII or well-formed UTF-8 sequences: what a secret, or a document
    /// holding one, looks like.
    static func isText(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= minimumDecoded else { return false }
        let allowed = bytes.count / 10
        var other = 0
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if (c >= 0x20 && c < 0x7F) || c == 9 || c == 10 || c == 13 { continue }
            if let more = utf8Continuations(c), i + more <= bytes.count, bytes[i..<(i + more)].allSatisfy({ $0 & 0xC0 == 0x80 }) {
                i += more
                continue
            }
            other += 1
            if other > allowed { return false }
        }
        return true
    }

    /// The continuation bytes a UTF-8 lead byte announces (nil: not a lead byte).
    @inline(__always)
    static func utf8Continuations(_ c: UInt8) -> Int? {
        switch c {
        case 0xC2...0xDF: 1
        case 0xE0...0xEF: 2
        case 0xF0...0xF4: 3
        default: nil
        }
    }

    /// The length of an invisible named entity or a `<wbr>` tag (`<wbr/>`, `<WBR />`) at `i`, or nil.
    static func invisibleMarkup(_ b: UnsafeRawBufferPointer, at i: Int, limit: Int) -> Int? {
        func word(_ w: [UInt8], caseless: Bool) -> Bool {
            i + w.count <= limit && w.indices.allSatisfy { caseless ? b[i + $0] | 0x20 == w[$0] : b[i + $0] == w[$0] }
        }
        if b[i] == 0x26 {
            for name in Self.invisibleEntities where word(name, caseless: false) { return name.count }
            return nil
        }
        guard word(Self.wbrTag, caseless: true) else { return nil }
        var j = i + Self.wbrTag.count
        while j < limit, j - i < 8, Trigger.isBlank(b[j]) { j += 1 }
        if j < limit, b[j] == 0x2F { j += 1 }
        return j < limit && b[j] == 0x3E ? j + 1 - i : nil
    }
    static let invisibleEntities: [[UInt8]] = ["&shy;", "&ZeroWidthSpace;", "&NoBreak;"].map { Array($0.utf8) }
    static let wbrTag = Array("<wbr".utf8)

    /// `region` with its `%XX`, `\uXXXX` (surrogate pairs joined), `\xXX`, octal, `\/` escapes
    /// and character references decoded; nil when it holds none. An escape whose own opening
    /// was escaped (`\\u0067`, `\\\\x67`: JSON inside a JSON string, a string in code written
    /// into another; `&amp;#103;`: HTML inside XML) is decoded through every level at once.
    static func unescape(_ b: UnsafeRawBufferPointer, _ region: Range<Int>) -> ([UInt8], String)? {
        let hex = Trigger.hexClass
        let limit = region.upperBound
        func value(_ i: Int, _ n: Int) -> UInt32? {
            guard i + n <= limit else { return nil }
            var v: UInt32 = 0
            for j in i..<(i + n) {
                guard hex[Int(b[j])] else { return nil }
                v = v << 4 | UInt32(HexRun.nibble(b[j]))
            }
            return v
        }
        var out: [UInt8] = []
        out.reserveCapacity(region.count)
        var kinds: [String] = []
        func note(_ kind: String) { if !kinds.contains(kind) { kinds.append(kind) } }
        func scalar(_ v: UInt32) { out.append(contentsOf: UTF8.encode(Unicode.Scalar(v) ?? "\u{FFFD}")!) }
        /// The escape the backslash at `i` opens, written out: its end, or nil when it opens none.
        func backslashEscape(_ i: Int) -> Int? {
            guard i + 1 < limit else { return nil }
            let e = b[i + 1]
            // JavaScript's and Swift's `\u{67}`: one to six hex digits in braces.
            if e == 0x75, i + 2 < limit, b[i + 2] == 0x7B {
                var j = i + 3, v: UInt32 = 0
                while j < limit, j - i - 3 < 6, hex[Int(b[j])] { v = v << 4 | UInt32(HexRun.nibble(b[j])); j += 1 }
                if j > i + 3, j < limit, b[j] == 0x7D, let s = Unicode.Scalar(v) {
                    out.append(contentsOf: UTF8.encode(s)!)
                    note("unicode-escape"); return j + 1
                }
            }
            // Java's source escapes take any number of `u`s (`\uu0067`).
            if e == 0x75, i + 2 < limit, b[i + 2] == 0x75 {
                var k = i + 2
                while k < limit, b[k] == 0x75 { k += 1 }
                if let v = value(k, 4) { scalar(v); note("unicode-escape"); return k + 4 }
            }
            if e == 0x75, var v = value(i + 2, 4) {
                var used = 6
                if v >= 0xD800, v < 0xDC00, i + 12 <= limit, b[i + 6] == 0x5C, b[i + 7] == 0x75,
                   let low = value(i + 8, 4), low >= 0xDC00, low < 0xE000 {
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    used = 12
                }
                scalar(v); note("unicode-escape"); return i + used
            }
            // Python's `\U0001F600`: eight hex digits.
            if e == 0x55, let v = value(i + 2, 8) { scalar(v); note("unicode-escape"); return i + 10 }
            if e == 0x78, let v = value(i + 2, 2) { out.append(UInt8(v)); note("hex-escape"); return i + 4 }
            // Three octal digits (C, `printf`, Python, Ruby): a byte up to \377.
            if e >= 0x30, e <= 0x33, i + 4 <= limit, (0x30...0x37).contains(b[i + 2]), (0x30...0x37).contains(b[i + 3]) {
                out.append((e - 0x30) << 6 | (b[i + 2] - 0x30) << 3 | (b[i + 3] - 0x30)); note("octal-escape"); return i + 4
            }
            return nil
        }
        /// The character reference whose `#` is at `i` (`&#95;`, `&#x5F;`) of printable ASCII or
        /// of a character no reader sees, written out: its end, or nil.
        func reference(_ i: Int) -> Int? {
            guard i + 2 < limit else { return nil }
            var j = i + 1
            let hexForm = b[j] == 0x78 || b[j] == 0x58
            if hexForm { j += 1 }
            var v = 0, digits = 0
            while j < limit, digits < 6 {
                let d = b[j]
                if d >= 0x30, d <= 0x39 { v = v * (hexForm ? 16 : 10) + Int(d - 0x30) }
                else if hexForm, hex[Int(d)] { v = v * 16 + Int(HexRun.nibble(d)) }
                else { break }
                j += 1
                digits += 1
            }
            guard digits > 0, j < limit, b[j] == 0x3B else { return nil }
            if v >= 0x20, v < 0x7F { out.append(UInt8(v)) } else if !Trigger.invisibleScalars.contains(v) { return nil }
            note("html-entity")
            return j + 1
        }
        let amp = Trigger.escapedAmpersand
        var i = region.lowerBound
        while i < limit {
            let c = b[i]
            if c == 0x25, let v = value(i + 1, 2) {
                out.append(UInt8(v)); i += 3; note("percent"); continue
            }
            if c == 0x26, i + 1 < limit {
                // `&#…;`, or with its `&` escaped again (`&amp;#…;`, and so on).
                var hash = i + 1
                while hash + amp.count - 1 < limit, hash - i < 32, b[hash] == 0x61,
                      (1..<amp.count).allSatisfy({ b[hash + $0 - 1] == amp[$0] }) { hash += amp.count - 1 }
                if hash < limit, b[hash] == 0x23, let end = reference(hash) { i = end; continue }
            }
            // The same by name (`&shy;`, `&ZeroWidthSpace;`, `&NoBreak;`), and HTML's `<wbr>`
            // (a place a browser may break a long word, shown as nothing).
            if c == 0x26 || c == 0x3C, let skip = Self.invisibleMarkup(b, at: i, limit: limit) {
                i += skip; note(c == 0x26 ? "html-entity" : "markup"); continue
            }
            if c == 0x5C, i + 1 < limit {
                // Backslashes escaped in turn: the last opens the escape, if any.
                var last = i
                while last + 1 < limit, last - i < 32, b[last + 1] == 0x5C { last += 1 }
                if let end = backslashEscape(last) { i = end; continue }
                if b[i + 1] == 0x2F { out.append(0x2F); i += 2; continue }
            }
            out.append(c)
            i += 1
        }
        return kinds.isEmpty ? nil : (out, kinds.joined(separator: "+"))
    }

    /// The logical line around the continuation mark at `backslash` (a backslash, or `mark`: a
    /// batch file's caret): the lines before it that end in one, this one and those after,
    /// joined without the marks, line ends and the next lines' indentation.
    static func joinContinued(_ b: UnsafeRawBufferPointer, at backslash: Int, mark: UInt8 = 0x5C) -> ([UInt8], Range<Int>) {
        func continues(_ lineEnd: Int) -> Bool { // whether the line ending at `lineEnd` (its \n) is continued
            var k = lineEnd - 1
            if k >= 0, b[k] == 0x0D { k -= 1 }
            return k >= 0 && b[k] == mark
        }
        var start = lineStart(backslash, b)
        var back = 0
        while start > 0, back < maxJoinedLines, continues(start - 1) {
            start = lineStart(start - 1, b)
            back += 1
        }
        var out: [UInt8] = []
        var i = start
        var lines = 0
        while i < b.count {
            let end = lineEnd(i, b)
            var content = end
            let continued = end < b.count && b[end] == 0x0A && continues(end) && lines < 2 * maxJoinedLines
            if continued {
                content = end - 1
                if content > i, b[content - 1] == mark { content -= 1 }
            }
            var from = i
            if lines > 0 { while from < content, b[from] == 0x20 || b[from] == 0x09 { from += 1 } }
            var line = Array(UnsafeRawBufferPointer(rebasing: b[from..<max(from, content)]))
            if continued, line.last == mark { line.removeLast() }
            out += line
            lines += 1
            i = end + 1
            if !continued { return (out, start..<end) }
        }
        return (out, start..<b.count)
    }

    /// `key: >-` (or `|`) and the more indented lines after it, joined without line breaks
    /// or indentation after the key: `key: value`.
    static func joinBlockScalar(_ b: UnsafeRawBufferPointer, colon: Int) -> ([UInt8], Range<Int>)? {
        let start = lineStart(colon, b)
        let end = lineEnd(colon, b)
        // Only block indicators (chomping, indentation) and a comment may follow on the line.
        var k = colon + 3
        while k < end, [0x2D, 0x2B, 0x20, 0x09, 0x0D].contains(b[k]) || (b[k] >= 0x31 && b[k] <= 0x39) { k += 1 }
        guard k == end || b[k] == 0x23 else { return nil }
        var indent = 0
        while start + indent < colon, b[start + indent] == 0x20 || b[start + indent] == 0x2D { indent += 1 }
        // The key and its colon (a list item: its dash), then the joined lines.
        var out = Array(UnsafeRawBufferPointer(rebasing: b[start..<colon])) + [b[colon], 0x20]
        var i = end + 1
        var blockEnd = end
        var lines = 0
        while i < b.count, lines < 10_000 {
            let e = lineEnd(i, b)
            var j = i
            while j < e, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
            let blank = j == e || (j + 1 == e && b[j] == 0x0D)
            if !blank {
                guard j - i > indent else { break }
                var stop = e
                if stop > j, b[stop - 1] == 0x0D { stop -= 1 }
                out += UnsafeRawBufferPointer(rebasing: b[j..<stop])
            }
            blockEnd = e
            i = e + 1
            lines += 1
        }
        guard lines > 0 else { return nil }
        return (out, start..<blockEnd)
    }

    /// The width of an operator joining two strings at `j`: `+`, `.`, `..` (Lua), `||` (SQL),
    /// `&` (Visual Basic; not `&&`); nil for anything else.
    static func joinOperator(_ b: UnsafeRawBufferPointer, at j: Int, limit: Int) -> Int? {
        let next: UInt8 = j + 1 < limit ? b[j + 1] : 0
        switch b[j] {
        case 0x2B: return 1
        case 0x2E: return next == 0x2E ? 2 : 1
        case 0x7C: return next == 0x7C ? 2 : nil
        case 0x26: return next == 0x26 ? nil : 1
        default: return nil
        }
    }

    /// The logical line from `start` with each seam between two quoted strings removed: a
    /// closing quote, blanks or one line end, a `joinOperator` (or none, where blanks or a line
    /// end separate the two), blanks or one line end, an opening quote. It goes on over the
    /// line ends seams cross (at most `maxJoinedLines`) and ends at the first other one, where
    /// `end` stands; `bytes` nil when no seam was found. Which quote opens and which closes is
    /// not tracked: a quote followed by a value character is simply no seam. With `commas`, a
    /// comma joins too (strings listed, then joined by code); with `tight`, a closing quote right
    /// before an opening one (strings side by side with nothing between).
    static func joinConcatenated(_ b: UnsafeRawBufferPointer, from start: Int, commas: Bool = false,
                                 tight: Bool = false) -> (bytes: [UInt8]?, end: Int) {
        var out: [UInt8] = []
        var i = start
        var lines = 0
        var joined = false
        let limit = min(b.count, start + 2 * lineReach)
        let quote = Trigger.isQuote, blank = Trigger.isBlank
        // Past blanks and at most one line end (CRLF too) from `j`; how many line ends.
        func skipSpace(_ j: inout Int) -> Int {
            while j < limit, blank(b[j]) { j += 1 }
            var ends = 0
            if j < limit, b[j] == 0x0D, j + 1 < limit, b[j + 1] == 0x0A { j += 1 }
            if j < limit, b[j] == 0x0A {
                j += 1
                ends = 1
                while j < limit, blank(b[j]) { j += 1 }
            }
            return ends
        }
        while i < limit, b[i] != 0x0A {
            if quote(b[i]) {
                // A closing quote, space or a line end, maybe `+` or `.`, space or a line end,
                // and an opening quote: one string.
                var j = i + 1
                var ends = skipSpace(&j)
                // With `tight`, a closing quote right before an opening one joins too.
                var joins = j > i + 1 || (tight && j < limit && quote(b[j]))
                if j < limit, let width = Self.joinOperator(b, at: j, limit: limit) ?? (commas && b[j] == 0x2C ? 1 : nil) {
                    let comma = b[j] == 0x2C
                    j += width
                    joins = true
                    // A list is joined on its line only (a comma ending a line is every other
                    // line of a JSON file).
                    if ends == 0, !comma {
                        // Visual Basic continues a line with ` _` after the operator.
                        var k = j
                        while k < limit, blank(b[k]) { k += 1 }
                        if k > j, k + 1 < limit, b[k] == 0x5F, b[k + 1] == 0x0A || b[k + 1] == 0x0D { j = k + 1 }
                        ends = skipSpace(&j)
                    } else {
                        while j < limit, blank(b[j]) { j += 1 }
                    }
                }
                // C#'s verbatim and interpolated strings open with `@"` and `$"`.
                if joins, j + 1 < limit, b[j] == 0x40 || b[j] == 0x24, quote(b[j + 1]) { j += 1 }
                if joins, j < limit, quote(b[j]), lines + ends <= maxJoinedLines {
                    lines += ends
                    joined = true
                    i = j + 1
                    continue
                }
            }
            out.append(b[i])
            i += 1
        }
        return (joined ? out : nil, i)
    }
}

/// Hex digits of a run found in scanned text to bytes, either case (pairs; an odd last digit is
/// dropped). Lenient where Base.Hex is strict: the run was already checked to be hex.
enum HexRun {
    static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        default: c - 0x61 + 10
        }
    }

    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = text.startIndex
        while i + 1 < text.endIndex {
            out.append(nibble(text[i]) << 4 | nibble(text[i + 1]))
            i += 2
        }
        return out
    }
}

/// Base32 text (RFC 4648) to bytes, lenient: padding already removed, a trailing partial group
/// decoded as far as it goes.
enum Base32Text {
    static let alphabet: [Bool] = (0..<256).map { b in (b >= 0x41 && b <= 0x5A) || (b >= 0x32 && b <= 0x37) }

    static func decode(_ text: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 5 / 8)
        var acc: UInt32 = 0
        var bits = 0
        for c in text {
            let v: UInt32 = c >= 0x41 ? UInt32(c - 0x41) : UInt32(c - 0x32 + 26)
            acc = (acc << 5 | v) & 0xFFFF
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }
}

/// Base64 and base64url text to bytes, lenient: padding already removed, a trailing partial
/// group decoded as far as it goes.
enum Base64Text {
    static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8.enumerated() { t[Int(c)] = Int8(i) }
        return t
    }()

    static func decode(_ text: ArraySlice<UInt8>, url: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text {
            var v = Int(table[Int(c)])
            if v < 0 {
                switch c {
                case 0x2B where !url, 0x2D where url: v = 62
                case 0x2F where !url, 0x5F where url: v = 63
                default: return out
                }
            }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }
}
