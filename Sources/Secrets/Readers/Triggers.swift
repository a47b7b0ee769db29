#if canImport(Glibc)
import Glibc
#endif
import CHyperscan
import CScan

/// Where an encoded or split value may stand (SPEC §1.3): short fixed-length patterns found in
/// the same pass as the rule keywords, so text without them costs nothing more. Each looks at
/// its own bytes only and has a fixed length, which keeps a delta's occurrences derivable from
/// its base's like the keywords' (`KeywordOccurrences`). The decoders run only at these.
enum Trigger: Int, CaseIterable, Sendable {
    /// A run of `minimumRun` base64/base64url characters, not all of them hex digits, at its
    /// start, whose first characters decode to text (`Decoders.mayDecode`, which looks at
    /// the run's first 20 characters only).
    case run
    /// A run of `minimumHexRun` hex digits at its start, whose first 16 decode to text: most
    /// hex runs are object ids and digests, and each would be an occurrence carried through
    /// every delta of every version of a file.
    case hexRun
    /// A percent escape of a printable character after a letter or digit, or two in a row.
    case percentAfterWord, percentPair
    /// `\u00XX`, `\U000000XX` (Python), `\xXX` and octal `\NNN` (C, shell `printf`, Python)
    /// escapes of printable ASCII; an HTML or XML character reference (`&#95;`, `&#x5F;`).
    case unicodeEscape, unicodeEscape8, hexEscape, octalEscape, htmlEntity
    /// A line continued with a backslash right after a value character.
    case continuation, continuationCRLF
    /// A YAML folded or literal block scalar, as a mapping's value or a list item.
    case folded, foldedItem
    /// Quoted strings joined with `+` (or PHP's `.`, Lua's `..`, SQL's `||`, Visual Basic's `&`),
    /// on one line or across lines: a value character, its closing quote, a blank and the
    /// operator (`a" +`, `a"  ||`), or the operator right after the quote (`a"+"`, `a"."`), or the
    /// operator and the next string's quote and first value character (`+ "a`, `+"a`, the
    /// operator opening a line); and two strings side by side (`a" "b`, C and Python). A
    /// template literal's backquote counts as a quote before the operator. Strings side by
    /// side on two lines (C, Python in parentheses): a value character, its closing quote, the
    /// line end and a blank or quote opening the next line.
    case concat, concatTight, concatWide, concatLead, concatLeadSpaced, adjacent, adjacentLine, adjacentLineCRLF
    /// Strings listed with commas on one line, to be joined (`["ghp_…", "…"].join("")`, a JSON
    /// array): a value character, its closing quote, the comma, a space or none, the next
    /// quote. (Not over lines: `",` ending a line is every other line of a JSON file, and each
    /// occurrence is carried through every version of the file in an audit.)
    case listed, listedSpaced
    /// Bytes written as hex one by one: four printable ones separated by a space, comma or
    /// colon (`47 49 54 48`), in a C list (`0x47, 0x49`), or in `xxd`'s groups (`4749 5448`).
    case hexBytes, hexList, hexListTight, hexGroups
    /// A value character right before a closing tag (`…IW3cK</w:t>`): text a markup split
    /// into runs (a Word document's runs, a spreadsheet's rich text), read with its tags out.
    case markup
    /// A value character, then a character no reader sees: a zero-width space, non-joiner or
    /// joiner, a word joiner, a byte-order mark inside text (three bytes in UTF-8), a soft
    /// hyphen (two). A value with them inside is read without them.
    case invisible, invisibleShort
    /// Bytes written as decimal numbers in a list (`new byte[]{103, 104, 112, …}`): a number
    /// from 100 to 119 (most letters of a token are lower-case ones) between two others.
    case decimalList, decimalListTight
    /// Four numbers from 60 to 99 in a row (`65, 75, 73, 65`): upper-case letters, `_`, and
    /// no lower-case one, as an AWS key id's bytes are (`bytes([65,75,73,65,…])`); two-digit
    /// numbers alone are every numeric table, four of these in a row are rare.
    case decimalUpper, decimalUpperTight
    /// The first four characters of a well-known token prefix (`ghp_`, `AKIA`, `xoxb`, …),
    /// rot13'd (`tuc_`, `NXVN`) or reversed (`_phg`, `AIKA`: a reversed token ends with
    /// them): a token hidden with `tr a-zA-Z n-za-mN-ZA-M` or `rev`.
    case rot13Prefix, reversedPrefix
    /// Two strings side by side with nothing between (`"gh""p_…"`, shell's and Python's
    /// implicit joining): a value character, its closing quote, the next opening quote and a
    /// value character. (Last, so the other triggers keep their numbers.)
    case adjacentTight
    /// Two variable references side by side (`$A$B`, `${A}${B}`, `$(A)$(B)`): the end of one
    /// (a name's character, `}` or `)`), `$`, and the start of the next. A token split into
    /// variables is joined there from the file's own assignments, whatever the names (a
    /// keyword in a piece or in the key is looked for elsewhere, `joinVariables`).
    case referencePair
    /// Unicode escapes in other spellings: JavaScript's and Swift's braces (`\u{67}`,
    /// `\u{000067}`) and Java's extra `u`s (`\uu0067`, as its source escapes allow); the
    /// opening alone (`\u{`, `\uu`), rare outside such escapes, and the line is decoded.
    case unicodeEscapeBraced, unicodeEscapeDoubled
    /// Characters written one by one as character literals in a list (`{'g','h','p', …}` in
    /// C, Java, C#, Rust, Kotlin; `["g", "h", …]` in a script): a quote, a printable
    /// character, the same quote, a comma (and a space) and the next quote.
    case charList, charListSpaced
    /// A Jupyter notebook cell's lines (`"source": [`, or `"source": "…"` in one string) or a
    /// stream output's (`"text": [`): a JSON array of strings, one a line, read as the text
    /// they make (a cell's code, with its quotes unescaped, joins and assigns as code in a
    /// file does).
    case notebookSource, notebookText
    /// A MIME part's `Content-Transfer-Encoding: quoted-printable` (any case): the text after
    /// it read as a mail reader shows it, `=XX` escapes decoded and soft line breaks (`=` ending
    /// a line, every 76 characters) joined (a token in a committed `.eml` is cut by them).
    case quotedPrintable
    /// HTML shown as nothing inside a word: an invisible character by name (`&shy;`,
    /// `&ZeroWidthSpace;`, `&NoBreak;`) or a `<wbr>` tag (any case; `<wbr/>`, `<wbr />`), where a
    /// page (a generated doc's long identifiers) lets a browser break it.
    case htmlInvisible
    /// Markup a reader does not see, inside a word: an HTML or XML comment or a CDATA
    /// section's opening after a value character (`ghp_…<!-- -->…`, `<![CDATA[`), a CDATA
    /// section's end (`ghp_…]]>…`), and Markdown's bold markers, adjacent code spans and an
    /// escaped underscore between value characters (`**ghp_…**…`, `` `ghp_…``…` ``, `ghp\_…`).
    /// The line is read with them out (`Decoders.withoutMarkup`).
    case markupComment, cdataClose, emphasis
    /// A run of `minimumLineRun` to `minimumRun` - 1 base64/hex characters at its start that
    /// ends its line, the next line opening (after blanks) with four more
    /// (`endsWrappedLine`): base64 wrapped narrower than a `run` (`base64 -w 16`). Found with
    /// the runs (`forEachRun`); read as a run is, over its lines.
    case wrappedRun
    /// A character reference whose `&` is itself escaped (`&amp;#103;`, `&amp;#x67;`): HTML
    /// written into XML or into another page, read as the page shows it.
    case htmlEntityEscaped
    /// A quoted string that is the head of a well-known token prefix, two or three characters
    /// (`"gh"`, `'AKI'`): a token cut inside its prefix, the rest in the literals after it
    /// (`Decoders.joinListedPieces`), however the code puts them together.
    case prefixHead2, prefixHead3
    /// A line continued with a caret right after a value character: a Windows batch file's
    /// continuation (`set TOKEN=ghp_…^` then the rest), joined as a backslash's is.
    case caretContinuation, caretContinuationCRLF
    /// A quoted literal interpolated into a string right after a value character or a quote:
    /// `f"ghp_…{'more'}…"` (Python), `` `…${"more"}…` `` (JavaScript), `"…#{'more'}…"` (Ruby),
    /// the string read with each such literal in its place (`Decoders.withLiteralsInPlace`).
    case interpolated, interpolatedMarked
    /// A quoted string whose `{}`/`%s` places or whose joins the literals after it fill: Python's
    /// `"gh{}_…".format("p")` and `"gh%s_…" % "p"`, and a separator joining a list,
    /// `"_".join(["ghp", "…"])` (`Decoders.formatted`). At the string's closing quote.
    case formatCall, percentFormat, joinCall

    var length: Int {
        switch self {
        case .run: Self.minimumRun + 1
        case .hexRun: Self.minimumHexRun + 1
        case .percentAfterWord: 4
        case .percentPair: 6
        case .unicodeEscape: 6
        case .unicodeEscape8: 10
        case .hexEscape: 4
        case .octalEscape: 4
        case .htmlEntity: 3
        case .continuation: 3
        case .continuationCRLF: 4
        case .folded, .foldedItem: 3
        case .concat: 5
        case .concatTight: 4
        case .concatWide: 6
        case .concatLead: 3
        case .concatLeadSpaced: 4
        case .adjacent: 5
        case .adjacentLine: 4
        case .adjacentLineCRLF: 5
        case .listed: 4
        case .listedSpaced: 5
        case .hexBytes: 11
        case .hexList: 10
        case .hexListTight: 9
        case .hexGroups: 9
        case .markup: 3
        case .invisible: 4
        case .invisibleShort: 3
        case .decimalList: 9
        case .decimalListTight: 7
        case .decimalUpper: 14
        case .decimalUpperTight: 11
        case .rot13Prefix, .reversedPrefix: 4
        case .adjacentTight: 4
        case .referencePair: 3
        case .unicodeEscapeBraced, .unicodeEscapeDoubled: 3
        case .charList: 5
        case .charListSpaced: 6
        case .notebookSource: 10
        case .notebookText: 9
        case .quotedPrintable: 16
        case .htmlInvisible: 5
        case .markupComment: 3
        case .cdataClose: 4
        case .emphasis: 4
        // The byte before, the longest line, CR LF, the indentation, four characters.
        case .wrappedRun: 1 + (Self.minimumRun - 1) + 2 + Self.wrappedIndent + 4
        case .htmlEntityEscaped: 7
        case .prefixHead2: 4
        case .prefixHead3: 5
        case .caretContinuation: 3
        case .caretContinuationCRLF: 4
        case .interpolated: 3
        case .interpolatedMarked: 4
        case .formatCall: 9
        case .percentFormat: 5
        case .joinCall: 7
        }
    }

    /// The same pattern for Hyperscan (the runs, which Hyperscan scans slowly, are searched
    /// by `forEachRun` instead; theirs only say what it finds).
    var expression: String {
        switch self {
        case .run: #"[^A-Za-z0-9+/_\-][A-Za-z0-9+/_\-]{\#(Self.minimumRun)}"# // and not all hex digits
        case .hexRun: #"[^0-9A-Fa-f][0-9A-Fa-f]{\#(Self.minimumHexRun)}"#
        case .wrappedRun: #"[^A-Za-z0-9+/_\-][A-Za-z0-9+/_\-]{\#(Self.minimumLineRun),\#(Self.minimumRun - 1)}\r?\n[ \t]{0,\#(Self.wrappedIndent)}[A-Za-z0-9+/_\-]{4}"#
        case .percentAfterWord: #"[A-Za-z0-9]%[2-7][0-9A-Fa-f]"#
        case .percentPair: #"%[2-7][0-9A-Fa-f]%[2-7][0-9A-Fa-f]"#
        case .unicodeEscape: #"\\u00[2-7][0-9A-Fa-f]"#
        case .unicodeEscape8: #"\\U000000[2-7][0-9A-Fa-f]"#
        case .hexEscape: #"\\x[2-7][0-9A-Fa-f]"#
        case .octalEscape: #"\\(?:0[4-7]|1[0-7])[0-7]"#
        case .htmlEntity: #"&#[0-9xX]"#
        case .htmlEntityEscaped: #"&amp;#[0-9xX]"#
        case .caretContinuation: #"[A-Za-z0-9_+/=\-]\^\n"#
        case .caretContinuationCRLF: #"[A-Za-z0-9_+/=\-]\^\r\n"#
        case .interpolated: #"[A-Za-z0-9_+/=\-"'`]\{["']"#
        case .interpolatedMarked: #"[A-Za-z0-9_+/=\-"'`][$#]\{["']"#
        case .formatCall: #"["']\.format\("#
        case .percentFormat: #"["'] % ["'(]"#
        case .joinCall: #"["']\.join\("#
        case .prefixHead2, .prefixHead3:
            (self == .prefixHead2 ? Self.prefixHeads2 : Self.prefixHeads3).flatMap { head in
                ["\"", "'"].map { q in HyperscanKeywords.Inputs.literal(Array((q + head + q).utf8)) }
            }.joined(separator: "|")
        case .continuation: #"[A-Za-z0-9_+/=\-]\\\n"#
        case .continuationCRLF: #"[A-Za-z0-9_+/=\-]\\\r\n"#
        case .folded: #": [>|]"#
        case .foldedItem: #"- [>|]"#
        case .concat: #"[A-Za-z0-9_\-]["'`] (?:[+.][\x00-\xff]|\|\||&[^&])"#
        case .concatTight: #"[A-Za-z0-9_\-]["'`](?:\+[ "'`\r\n]|\.["'`])"#
        case .concatWide: #"[A-Za-z0-9_\-]["'`]  (?:[+.][\x00-\xff]|\|\||&[^&])"#
        case .concatLead: #"\+["'][A-Za-z0-9_\-]"#
        case .concatLeadSpaced: #"\+ ["'][A-Za-z0-9_\-]"#
        case .adjacent: #"[A-Za-z0-9_\-]["'] ["'][A-Za-z0-9_\-]"#
        case .adjacentTight: #"[A-Za-z0-9_\-]["']["'][A-Za-z0-9_\-]"#
        case .referencePair: #"[A-Za-z0-9_})]\$[A-Za-z_{(]"#
        case .unicodeEscapeBraced: #"\\u\{"#
        case .unicodeEscapeDoubled: #"\\uu"#
        case .adjacentLine: #"[A-Za-z0-9_\-]["']\n[ \t"']"#
        case .adjacentLineCRLF: #"[A-Za-z0-9_\-]["']\r\n[ \t"']"#
        case .listed: #"[A-Za-z0-9_\-]["'],["']"#
        case .listedSpaced: #"[A-Za-z0-9_\-]["'], ["']"#
        case .hexBytes: #"[2-7][0-9A-Fa-f][ ,:\-][2-7][0-9A-Fa-f][ ,:\-][2-7][0-9A-Fa-f][ ,:\-][2-7][0-9A-Fa-f]"#
        case .hexList: #"0[xX][2-7][0-9A-Fa-f], 0[xX][2-7][0-9A-Fa-f]"#
        case .hexListTight: #"0[xX][2-7][0-9A-Fa-f],0[xX][2-7][0-9A-Fa-f]"#
        case .hexGroups: #"[2-7][0-9A-Fa-f][2-7][0-9A-Fa-f] [2-7][0-9A-Fa-f][2-7][0-9A-Fa-f]"#
        case .markup: #"[A-Za-z0-9_\-]</"#
        case .invisible: #"[A-Za-z0-9_\-](?:\xE2\x80[\x8B-\x8D]|\xE2\x81\xA0|\xEF\xBB\xBF)"#
        case .invisibleShort: #"[A-Za-z0-9_\-]\xC2\xAD"#
        case .decimalList: #"[0-9], 1[01][0-9], [0-9]"#
        case .decimalListTight: #"[0-9],1[01][0-9],[0-9]"#
        case .decimalUpper: #"[6-9][0-9], [6-9][0-9], [6-9][0-9], [6-9][0-9]"#
        case .decimalUpperTight: #"[6-9][0-9],[6-9][0-9],[6-9][0-9],[6-9][0-9]"#
        case .charList: #"'[\x20-\x7e]','|"[\x20-\x7e]",""#
        case .charListSpaced: #"'[\x20-\x7e]', '|"[\x20-\x7e]", ""#
        case .notebookSource: #""source": "#
        case .notebookText: #""text": \["#
        case .quotedPrintable: #"[Qq][Uu][Oo][Tt][Ee][Dd]-[Pp][Rr][Ii][Nn][Tt][Aa][Bb][Ll][Ee]"#
        case .htmlInvisible: #"&shy;|&Zero|&NoBr|<[Ww][Bb][Rr][ \t/>]"#
        case .markupComment: #"[A-Za-z0-9_\-]<!"#
        case .cdataClose: #"[A-Za-z0-9_\-]\]\]>"#
        case .emphasis: #"[A-Za-z0-9_\-](?:\*\*|``)[A-Za-z0-9_\-]|[A-Za-z0-9\-]\\_[A-Za-z0-9_\-]"#
        case .rot13Prefix, .reversedPrefix:
            "(?:" + (self == .rot13Prefix ? Self.rot13Words : Self.reversedWords).map(HyperscanKeywords.Inputs.literal).joined(separator: "|") + ")"
        }
    }

    /// Well-known token prefixes, four characters each (a longer prefix's first four): GitHub,
    /// GitLab, AWS key ids, Slack, Stripe live keys, OpenAI and Anthropic, npm, PyPI, Google API
    /// keys, Shopify, DigitalOcean, Grafana. Only shapes whose transform is no common word: a
    /// reversed `dop_` is `_pod` (Kubernetes code), a rot13'd `glc_` is `typ_`.
    static let hiddenPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "gith", "glpa", "AKIA", "ASIA", "xoxb", "xoxp", "xoxa",
                                 "xoxe", "xoxr", "xoxs", "sk_l", "rk_l", "sk-p", "sk-a", "npm_", "pypi", "AIza", "shpa", "shps",
                                 "shpc", "glsa"]
    static let rot13Words: [[UInt8]] = (hiddenPrefixes + ["dop_", "doo_", "dor_"]).map { Decoders.rot13(Array($0.utf8)) }
    static let reversedWords: [[UInt8]] = (hiddenPrefixes + ["glc_"]).map { Array($0.utf8.reversed()) }
    /// Both lists as little-endian words, for the search without Hyperscan.
    static let rot13Set = Set(rot13Words.map(word32)), reversedSet = Set(reversedWords.map(word32))
    static let hiddenFirstBytes: [Bool] = (0..<256).map { b in (rot13Words + reversedWords).contains { $0[0] == UInt8(b) } }
    static func word32(_ w: [UInt8]) -> UInt32 { UInt32(w[0]) | UInt32(w[1]) << 8 | UInt32(w[2]) << 16 | UInt32(w[3]) << 24 }
    /// The `n` bytes at `i` of `b` as a little-endian word.
    static func word32(_ b: UnsafeRawBufferPointer, _ i: Int, _ n: Int) -> UInt32 {
        (0..<n).reduce(UInt32(0)) { $0 | UInt32(b[i + $1]) << (8 * $1) }
    }
    /// The well-known prefixes' first two and three characters (`prefixHead2`, `prefixHead3`).
    static let prefixHeads2 = Array(Set(hiddenPrefixes.map { String($0.prefix(2)) })).sorted()
    static let prefixHeads3 = Array(Set(hiddenPrefixes.map { String($0.prefix(3)) })).sorted()
    /// Both as words (`word32`), for the search without Hyperscan: a two-character head's third
    /// byte is zero, so one set serves both lengths.
    static let prefixHeadWords = Set((prefixHeads2 + prefixHeads3).map { head in Array(head.utf8).withUnsafeBytes { word32($0, 0, $0.count) } })

    static let escapedAmpersand = Array("&amp;".utf8)
    static let sourceOpening = Array(#""source": "#.utf8), textOpening = Array(#""text": ["#.utf8)
    /// In lower case (compared with `| 0x20` but the `-`).
    static let quotedPrintableName = Array("quoted-printable".utf8)
    /// The first five bytes of each (the trigger's length).
    static let invisibleEntityStarts: [[UInt8]] = Decoders.invisibleEntities.map { Array($0.prefix(5)) }
    /// Code points no reader sees inside a word: soft hyphen, zero-width space, non-joiner,
    /// joiner, word joiner, a byte-order mark inside text.
    static let invisibleScalars: Set<Int> = [0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]

    static let longest = allCases.map(\.length).max()!
    /// The triggers Hyperscan searches: all but the runs (`forEachRun`).
    static let onHyperscan = allCases.filter { $0 != .run && $0 != .hexRun && $0 != .wrappedRun }

    /// A string's quote (a template literal's backquote too), the operators that join two
    /// strings (`+`, PHP's `.`), and the blanks around them: for the triggers and the joiner.
    static func isQuote(_ c: UInt8) -> Bool { c == 0x22 || c == 0x27 || c == 0x60 }
    static func isOperator(_ c: UInt8) -> Bool { c == 0x2B || c == 0x2E }
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

    /// The shortest encoded runs decoded. The shortest values the rules match with a fixed
    /// prefix are about 20 bytes (an AWS access key id: AKIA and 16 characters), and a
    /// generic rule needs its keyword and a value of 8 or more beside it: 18 decoded bytes
    /// (24 base64 characters) hold such a value with a few bytes around it, 16 (32 hex
    /// digits) an id or a short token. Shorter runs are names, not secrets. Hex runs of 32
    /// and 40 are also MD5 and SHA-1 digests; their first bytes, not text, turn them away
    /// (`Decoders.mayDecode`).
    static let minimumRun = 24
    /// The narrowest lines of wrapped base64 read as one run (`wrappedRun`).
    static let minimumLineRun = 8

    /// Whether the run `start..<end` (maximal) is a line of wrapped base64: `minimumLineRun`
    /// to `minimumRun` - 1 long, of two kinds of characters (upper-case letters, lower-case
    /// letters, digits), ending its line, and the next line opening (after at most
    /// `wrappedIndent` blanks) with four run characters, not one four times (a title and its
    /// underline, `git-config\n----------`, is every other page of a manual). Only the
    /// trigger's `length` bytes from the byte before the run are read, as every trigger reads
    /// only its own: a delta's copy that holds them holds the same answer.
    static func endsWrappedLine(_ b: UnsafeRawBufferPointer, from start: Int, end e: Int) -> Bool {
        let limit = start - 1 + Trigger.wrappedRun.length
        guard limit <= b.count, e - start >= minimumLineRun, e - start < minimumRun, b[e] == 0x0A || b[e] == 0x0D else { return false }
        guard characterKinds(b, start..<e) >= 2 else { return false }
        var j = e
        if b[j] == 0x0D { j += 1 }
        guard b[j] == 0x0A else { return false }
        j += 1
        let indent = j
        while j < indent + wrappedIndent, isBlank(b[j]) { j += 1 }
        let run = runClass
        guard (j..<(j + 4)).allSatisfy({ run[Int(b[$0])] }) else { return false }
        return (j + 1..<(j + 4)).contains { b[$0] != b[j] }
    }
    /// How many of the kinds upper-case letter, lower-case letter and digit `range` of `b`
    /// holds: two or more in a random token's parts, one in most words and numbers.
    static func characterKinds(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int {
        var kinds: UInt8 = 0
        for k in range {
            let c = b[k]
            if c >= 0x41, c <= 0x5A { kinds |= 1 } else if c >= 0x61, c <= 0x7A { kinds |= 2 } else if c >= 0x30, c <= 0x39 { kinds |= 4 }
        }
        return kinds.nonzeroBitCount
    }
    /// The most blanks before a wrapped line's next (a YAML value's indentation).
    static let wrappedIndent = 8

    /// Whether the wrapped line from `start` (a `wrappedRun`'s) goes on as wrapped base64 does,
    /// read to the next line's end (as a trigger may not): that line wholly run characters (and
    /// `=` padding), as many as the first, or enough with it for a run (the last line, a
    /// value's rest on a deeper line). Checked before decoding: most lines a trigger stands at
    /// end a word over another line's first word.
    static func wrappedBlockGoesOn(_ b: UnsafeRawBufferPointer, from start: Int) -> Bool {
        let first = Decoders.runEnd(b, from: start)
        guard let next = Decoders.nextLineRun(b, after: first) else { return false }
        let width = first - start
        guard next.count >= 4, next.count == width || next.count + width >= minimumRun else { return false }
        return Decoders.paddedLineEnd(b, at: next.upperBound) != nil
    }

    /// Whether `b` opens with a line of wrapped base64 (no byte before it for `wrappedRun`).
    static func wrappedRunAtStart(_ b: UnsafeRawBufferPointer) -> Bool {
        let run = runClass
        var e = 0
        while e < b.count, e <= minimumRun, run[Int(b[e])] { e += 1 }
        return endsWrappedLine(b, from: 0, end: e) && wrappedBlockGoesOn(b, from: 0)
    }
    static let minimumHexRun = 32
    /// The base64 (standard and URL) alphabet without padding.
    static let runClass: [Bool] = (0..<256).map { isRunByte(UInt8($0)) }
    static let wordClass: [Bool] = (0..<256).map { isWordByte(UInt8($0)) }
    static let hexClass: [Bool] = (0..<256).map { isHexByte(UInt8($0)) }
    /// The classes as comparisons (the tables above are made from them), for loops over bytes
    /// outside `forEachRun`: a global table is reached through `swift_once` on every use, which
    /// the decoders' token walks (once per byte of every trigger's neighbourhood, in every
    /// version of every file of a history) paid some 2% of an audit for.
    @inline(__always) static func isRunByte(_ c: UInt8) -> Bool {
        isWordByte(c) || c == 0x2B || c == 0x2F || c == 0x5F || c == 0x2D
    }
    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool {
        let folded = c | 0x20
        return (folded >= 0x61 && folded <= 0x7A) || (c >= 0x30 && c <= 0x39)
    }
    @inline(__always) static func isHexByte(_ c: UInt8) -> Bool {
        let folded = c | 0x20
        return (folded >= 0x61 && folded <= 0x66) || (c >= 0x30 && c <= 0x39)
    }

    /// Whether the trigger stands at `i` of `b` (the reference the Hyperscan database is
    /// tested against, and the search where Hyperscan cannot run).
    func matches(_ b: UnsafeRawBufferPointer, at i: Int) -> Bool {
        guard i + length <= b.count else { return false }
        let word = Self.wordClass, hex = Self.hexClass, run = Self.runClass
        func valueChar(_ c: UInt8) -> Bool { word[Int(c)] || c == 0x5F || c == 0x2D }
        func digit(_ j: Int) -> Bool { b[j] >= 0x30 && b[j] <= 0x39 }
        func printableHex(_ j: Int) -> Bool { (0x32...0x37).contains(b[j]) && hex[Int(b[j + 1])] }
        let quote = Self.isQuote
        // A value character or base64's `+`, `/`, `=`: what a token's piece ends with.
        func tokenEnd(_ c: UInt8) -> Bool { valueChar(c) || c == 0x2B || c == 0x2F || c == 0x3D }
        // A token's piece and a line-continuing `mark` after it.
        func continued(_ mark: UInt8) -> Bool { tokenEnd(b[i]) && b[i + 1] == mark }
        // What opens a character reference's number: a digit, or `x` for hex.
        func referenceDigit(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || c == 0x78 || c == 0x58 }
        // The joiner's own operators (a shell's `"$a" && …`, every other line of a test
        // script, is none); the byte after is inside the trigger's length.
        func joinOperator(_ j: Int) -> Bool { Decoders.joinOperator(b, at: j, limit: b.count) != nil }
        func plainQuote(_ c: UInt8) -> Bool { c == 0x22 || c == 0x27 }
        switch self {
        case .run:
            guard !run[Int(b[i])] else { return false }
            for j in (i + 1)..<(i + length) where !run[Int(b[j])] { return false }
            return !((i + 1)..<(i + length)).allSatisfy { hex[Int(b[$0])] } && Decoders.mayDecode(b, from: i + 1)
        case .hexRun:
            guard !hex[Int(b[i])] else { return false }
            for j in (i + 1)..<(i + length) where !hex[Int(b[j])] { return false }
            return Decoders.mayDecode(b, from: i + 1)
        case .wrappedRun:
            guard !run[Int(b[i])] else { return false }
            var e = i + 1
            while e < i + 1 + Self.minimumRun, run[Int(b[e])] { e += 1 }
            return Self.endsWrappedLine(b, from: i + 1, end: e)
        case .percentAfterWord: return word[Int(b[i])] && b[i + 1] == 0x25 && printableHex(i + 2)
        case .percentPair: return b[i] == 0x25 && printableHex(i + 1) && b[i + 3] == 0x25 && printableHex(i + 4)
        case .unicodeEscape: return b[i] == 0x5C && b[i + 1] == 0x75 && b[i + 2] == 0x30 && b[i + 3] == 0x30 && printableHex(i + 4)
        case .unicodeEscapeBraced: return b[i] == 0x5C && b[i + 1] == 0x75 && b[i + 2] == 0x7B
        case .unicodeEscapeDoubled: return b[i] == 0x5C && b[i + 1] == 0x75 && b[i + 2] == 0x75
        case .unicodeEscape8:
            return b[i] == 0x5C && b[i + 1] == 0x55 && (2..<8).allSatisfy { b[i + $0] == 0x30 } && printableHex(i + 8)
        case .hexEscape: return b[i] == 0x5C && b[i + 1] == 0x78 && printableHex(i + 2)
        case .octalEscape:
            return b[i] == 0x5C && ((b[i + 1] == 0x30 && (0x34...0x37).contains(b[i + 2])) || (b[i + 1] == 0x31 && (0x30...0x37).contains(b[i + 2])))
                && (0x30...0x37).contains(b[i + 3])
        case .htmlEntity: return b[i] == 0x26 && b[i + 1] == 0x23 && referenceDigit(b[i + 2])
        case .continuation, .caretContinuation:
            return continued(self == .continuation ? 0x5C : 0x5E) && b[i + 2] == 0x0A
        case .continuationCRLF, .caretContinuationCRLF:
            return continued(self == .continuationCRLF ? 0x5C : 0x5E) && b[i + 2] == 0x0D && b[i + 3] == 0x0A
        case .formatCall, .joinCall:
            let word = self == .formatCall ? Self.formatOpening : Self.joinOpening
            return plainQuote(b[i]) && word.indices.allSatisfy { b[i + 1 + $0] == word[$0] }
        case .percentFormat:
            return plainQuote(b[i]) && b[i + 1] == 0x20 && b[i + 2] == 0x25 && b[i + 3] == 0x20 && (plainQuote(b[i + 4]) || b[i + 4] == 0x28)
        case .interpolated, .interpolatedMarked:
            // A value character, a quote or a backquote; `$` or `#` for the marked kind; the
            // brace and the literal's opening quote.
            let marked = self == .interpolatedMarked ? 1 : 0
            guard tokenEnd(b[i]) || plainQuote(b[i]) || b[i] == 0x60 else { return false }
            if marked == 1, b[i + 1] != 0x24, b[i + 1] != 0x23 { return false }
            return b[i + 1 + marked] == 0x7B && plainQuote(b[i + 2 + marked])
        case .prefixHead2, .prefixHead3:
            let n = self == .prefixHead2 ? 2 : 3
            guard plainQuote(b[i]), b[i + n + 1] == b[i] else { return false }
            return Self.prefixHeadWords.contains(Self.word32(b, i + 1, n))
        case .htmlEntityEscaped:
            return Self.escapedAmpersand.indices.allSatisfy { b[i + $0] == Self.escapedAmpersand[$0] } && b[i + 5] == 0x23
                && referenceDigit(b[i + 6])
        case .folded: return b[i] == 0x3A && b[i + 1] == 0x20 && (b[i + 2] == 0x3E || b[i + 2] == 0x7C)
        case .foldedItem: return b[i] == 0x2D && b[i + 1] == 0x20 && (b[i + 2] == 0x3E || b[i + 2] == 0x7C)
        case .concat: return valueChar(b[i]) && quote(b[i + 1]) && b[i + 2] == 0x20 && joinOperator(i + 3)
        case .concatTight:
            // `"+` then a quote, a blank or a line end; PHP's `"."` only with the quote (`"x".y`
            // and a quoted word ending a sentence are everywhere).
            return valueChar(b[i]) && quote(b[i + 1])
                && ((b[i + 2] == 0x2B && (quote(b[i + 3]) || [0x20, 0x0D, 0x0A].contains(b[i + 3])))
                    || (b[i + 2] == 0x2E && quote(b[i + 3])))
        case .concatWide: return valueChar(b[i]) && quote(b[i + 1]) && b[i + 2] == 0x20 && b[i + 3] == 0x20 && joinOperator(i + 4)
        // The operator opening a line, and strings side by side: `+` and `"`/`'` only (a
        // period or a backquote before a quote is ordinary prose and Markdown).
        case .concatLead: return b[i] == 0x2B && plainQuote(b[i + 1]) && valueChar(b[i + 2])
        case .concatLeadSpaced: return b[i] == 0x2B && b[i + 1] == 0x20 && plainQuote(b[i + 2]) && valueChar(b[i + 3])
        case .adjacent:
            return valueChar(b[i]) && plainQuote(b[i + 1]) && b[i + 2] == 0x20 && plainQuote(b[i + 3]) && valueChar(b[i + 4])
        case .adjacentTight: return valueChar(b[i]) && plainQuote(b[i + 1]) && plainQuote(b[i + 2]) && valueChar(b[i + 3])
        case .referencePair:
            let c = b[i], d = b[i + 2]
            return (Decoders.isIdentifier(c) || c == 0x7D || c == 0x29) && b[i + 1] == 0x24
                && (Decoders.isIdentifierStart(d) || d == 0x7B || d == 0x28)
        case .adjacentLine:
            return valueChar(b[i]) && plainQuote(b[i + 1]) && b[i + 2] == 0x0A && (Self.isBlank(b[i + 3]) || plainQuote(b[i + 3]))
        case .adjacentLineCRLF:
            return valueChar(b[i]) && plainQuote(b[i + 1]) && b[i + 2] == 0x0D && b[i + 3] == 0x0A
                && (Self.isBlank(b[i + 4]) || plainQuote(b[i + 4]))
        case .listed: return valueChar(b[i]) && plainQuote(b[i + 1]) && b[i + 2] == 0x2C && plainQuote(b[i + 3])
        case .listedSpaced:
            return valueChar(b[i]) && plainQuote(b[i + 1]) && b[i + 2] == 0x2C && b[i + 3] == 0x20 && plainQuote(b[i + 4])
        case .hexBytes:
            func separator(_ c: UInt8) -> Bool { c == 0x20 || c == 0x2C || c == 0x3A || c == 0x2D }
            return printableHex(i) && separator(b[i + 2]) && printableHex(i + 3) && separator(b[i + 5]) && printableHex(i + 6)
                && separator(b[i + 8]) && printableHex(i + 9)
        case .hexList:
            return b[i] == 0x30 && (b[i + 1] | 0x20) == 0x78 && printableHex(i + 2) && b[i + 4] == 0x2C && b[i + 5] == 0x20
                && b[i + 6] == 0x30 && (b[i + 7] | 0x20) == 0x78 && printableHex(i + 8)
        case .hexListTight:
            return b[i] == 0x30 && (b[i + 1] | 0x20) == 0x78 && printableHex(i + 2) && b[i + 4] == 0x2C
                && b[i + 5] == 0x30 && (b[i + 6] | 0x20) == 0x78 && printableHex(i + 7)
        case .hexGroups:
            return printableHex(i) && printableHex(i + 2) && b[i + 4] == 0x20 && printableHex(i + 5) && printableHex(i + 7)
        case .markup: return valueChar(b[i]) && b[i + 1] == 0x3C && b[i + 2] == 0x2F
        case .markupComment: return valueChar(b[i]) && b[i + 1] == 0x3C && b[i + 2] == 0x21
        case .cdataClose: return valueChar(b[i]) && b[i + 1] == 0x5D && b[i + 2] == 0x5D && b[i + 3] == 0x3E
        case .emphasis:
            // `a**b`, `a``b`, or `a\_b` (a Markdown escape; `\_` after `_` is no escape's use).
            let marker = (b[i + 1] == 0x2A && b[i + 2] == 0x2A) || (b[i + 1] == 0x60 && b[i + 2] == 0x60)
            let escape = b[i] != 0x5F && b[i + 1] == 0x5C && b[i + 2] == 0x5F
            return valueChar(b[i]) && (marker || escape) && valueChar(b[i + 3])
        case .invisible: return valueChar(b[i]) && Self.invisibleLength(b, at: i + 1) == 3
        case .invisibleShort: return valueChar(b[i]) && Self.invisibleLength(b, at: i + 1) == 2
        case .decimalList, .decimalListTight:
            let gap = self == .decimalList ? 1 : 0
            let n = i + 2 + gap
            return digit(i) && b[i + 1] == 0x2C && (gap == 0 || b[i + 2] == 0x20) && b[n] == 0x31 && (b[n + 1] == 0x30 || b[n + 1] == 0x31)
                && digit(n + 2) && b[n + 3] == 0x2C && (gap == 0 || b[n + 4] == 0x20) && digit(n + 4 + gap)
        case .decimalUpper, .decimalUpperTight:
            let gap = self == .decimalUpper ? 1 : 0
            var j = i
            for k in 0..<4 {
                guard b[j] >= 0x36, b[j] <= 0x39, digit(j + 1) else { return false }
                j += 2
                guard k < 3 else { break }
                guard b[j] == 0x2C, gap == 0 || b[j + 1] == 0x20 else { return false }
                j += 1 + gap
            }
            return true
        case .charList, .charListSpaced:
            let q = b[i], next = self == .charList ? i + 4 : i + 5
            return plainQuote(q) && b[i + 1] >= 0x20 && b[i + 1] < 0x7F && b[i + 2] == q && b[i + 3] == 0x2C
                && (self == .charList || b[i + 4] == 0x20) && b[next] == q
        case .notebookSource, .notebookText:
            let word = self == .notebookSource ? Self.sourceOpening : Self.textOpening
            return word.indices.allSatisfy { b[i + $0] == word[$0] }
        case .htmlInvisible:
            func word(_ w: [UInt8]) -> Bool { w.indices.allSatisfy { b[i + $0] == w[$0] } }
            if b[i] == 0x26 { return Self.invisibleEntityStarts.contains { word($0) } }
            return b[i] == 0x3C && b[i + 1] | 0x20 == 0x77 && b[i + 2] | 0x20 == 0x62 && b[i + 3] | 0x20 == 0x72
                && (Self.isBlank(b[i + 4]) || b[i + 4] == 0x2F || b[i + 4] == 0x3E)
        case .quotedPrintable:
            let name = Self.quotedPrintableName
            return name.indices.allSatisfy { k in name[k] == 0x2D ? b[i + k] == 0x2D : b[i + k] | 0x20 == name[k] }
        case .rot13Prefix, .reversedPrefix:
            let w = UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
            return (self == .rot13Prefix ? Self.rot13Set : Self.reversedSet).contains(w)
        }
    }

    /// Every trigger but `run` in `bytes`, without Hyperscan: `hit(trigger, start)`.
    static func forEachOccurrence(in bytes: UnsafeRawBufferPointer, _ hit: (Trigger, Int) -> Void) {
        let n = bytes.count
        guard n > 1 else { return }
        // The tables read once here, not once per byte (each static costs a `swift_once`).
        let word = wordClass, hidden = hiddenFirstBytes
        for i in 0..<(n - 1) {
            let c = bytes[i]
            if hidden[Int(c)] {
                if Trigger.rot13Prefix.matches(bytes, at: i) { hit(.rot13Prefix, i) }
                if Trigger.reversedPrefix.matches(bytes, at: i) { hit(.reversedPrefix, i) }
            }
            if bytes[i + 1] == 0x24, Trigger.referencePair.matches(bytes, at: i) { hit(.referencePair, i) }
            // Cheap dispatch on the first byte: most bytes start no trigger.
            switch c {
            case 0x25: if Trigger.percentPair.matches(bytes, at: i) { hit(.percentPair, i) }
            case 0x5C:
                if Trigger.unicodeEscape.matches(bytes, at: i) { hit(.unicodeEscape, i) }
                if Trigger.unicodeEscapeBraced.matches(bytes, at: i) { hit(.unicodeEscapeBraced, i) }
                if Trigger.unicodeEscapeDoubled.matches(bytes, at: i) { hit(.unicodeEscapeDoubled, i) }
                if Trigger.unicodeEscape8.matches(bytes, at: i) { hit(.unicodeEscape8, i) }
                if Trigger.hexEscape.matches(bytes, at: i) { hit(.hexEscape, i) }
                if Trigger.octalEscape.matches(bytes, at: i) { hit(.octalEscape, i) }
            case 0x3A: if Trigger.folded.matches(bytes, at: i) { hit(.folded, i) }
            case 0x22, 0x27:
                if Trigger.formatCall.matches(bytes, at: i) { hit(.formatCall, i) }
                if Trigger.percentFormat.matches(bytes, at: i) { hit(.percentFormat, i) }
                if Trigger.joinCall.matches(bytes, at: i) { hit(.joinCall, i) }
                if Trigger.prefixHead2.matches(bytes, at: i) { hit(.prefixHead2, i) }
                if Trigger.prefixHead3.matches(bytes, at: i) { hit(.prefixHead3, i) }
                if Trigger.charList.matches(bytes, at: i) { hit(.charList, i) }
                if Trigger.charListSpaced.matches(bytes, at: i) { hit(.charListSpaced, i) }
                if Trigger.notebookSource.matches(bytes, at: i) { hit(.notebookSource, i) }
                if Trigger.notebookText.matches(bytes, at: i) { hit(.notebookText, i) }
            case 0x26:
                if Trigger.htmlEntity.matches(bytes, at: i) { hit(.htmlEntity, i) }
                if Trigger.htmlEntityEscaped.matches(bytes, at: i) { hit(.htmlEntityEscaped, i) }
                if Trigger.htmlInvisible.matches(bytes, at: i) { hit(.htmlInvisible, i) }
            case 0x3C: if Trigger.htmlInvisible.matches(bytes, at: i) { hit(.htmlInvisible, i) }
            case 0x51, 0x71: if Trigger.quotedPrintable.matches(bytes, at: i) { hit(.quotedPrintable, i) }
            case 0x2D: if Trigger.foldedItem.matches(bytes, at: i) { hit(.foldedItem, i) }
            case 0x2B:
                if Trigger.concatLead.matches(bytes, at: i) { hit(.concatLead, i) }
                if Trigger.concatLeadSpaced.matches(bytes, at: i) { hit(.concatLeadSpaced, i) }
            default: break
            }
            if c >= 0x30, c <= 0x37 {
                for t in Self.hexByteTriggers where t.matches(bytes, at: i) { hit(t, i) }
            }
            if c >= 0x30, c <= 0x39, bytes[i + 1] == 0x2C {
                if Trigger.decimalList.matches(bytes, at: i) { hit(.decimalList, i) }
                if Trigger.decimalListTight.matches(bytes, at: i) { hit(.decimalListTight, i) }
            }
            if c >= 0x36, c <= 0x39 {
                if Trigger.decimalUpper.matches(bytes, at: i) { hit(.decimalUpper, i) }
                if Trigger.decimalUpperTight.matches(bytes, at: i) { hit(.decimalUpperTight, i) }
            }
            // The others start with a value character followed by `%`, a backslash or a quote.
            let next = bytes[i + 1]
            if next == 0x3C, Trigger.markup.matches(bytes, at: i) { hit(.markup, i) }
            if next == 0x3C, Trigger.markupComment.matches(bytes, at: i) { hit(.markupComment, i) }
            if next == 0x5D, Trigger.cdataClose.matches(bytes, at: i) { hit(.cdataClose, i) }
            if next == 0x2A || next == 0x60 || next == 0x5C, Trigger.emphasis.matches(bytes, at: i) { hit(.emphasis, i) }
            if next == 0xE2 || next == 0xEF, Trigger.invisible.matches(bytes, at: i) { hit(.invisible, i) }
            if next == 0xC2, Trigger.invisibleShort.matches(bytes, at: i) { hit(.invisibleShort, i) }
            if next == 0x5E {
                if Trigger.caretContinuation.matches(bytes, at: i) { hit(.caretContinuation, i) }
                if Trigger.caretContinuationCRLF.matches(bytes, at: i) { hit(.caretContinuationCRLF, i) }
            }
            if next == 0x7B, Trigger.interpolated.matches(bytes, at: i) { hit(.interpolated, i) }
            if next == 0x24 || next == 0x23, Trigger.interpolatedMarked.matches(bytes, at: i) { hit(.interpolatedMarked, i) }
            guard next == 0x25 || next == 0x5C || next == 0x22 || next == 0x27 || next == 0x60 else { continue }
            if word[Int(c)] || c == 0x5F || c == 0x2D || c == 0x2B || c == 0x2F || c == 0x3D {
                for t in Self.afterValueCharacter where t.matches(bytes, at: i) { hit(t, i) }
            }
        }
    }

    /// The UTF-8 length of the invisible character at `i` (zero-width space, non-joiner,
    /// joiner, word joiner, byte-order mark: 3; soft hyphen: 2), or 0.
    static func invisibleLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int {
        guard i + 1 < b.count else { return 0 }
        if b[i] == 0xC2, b[i + 1] == 0xAD { return 2 }
        guard i + 2 < b.count else { return 0 }
        if b[i] == 0xE2, b[i + 1] == 0x80, (0x8B...0x8D).contains(b[i + 2]) { return 3 }
        if b[i] == 0xE2, b[i + 1] == 0x81, b[i + 2] == 0xA0 { return 3 }
        if b[i] == 0xEF, b[i + 1] == 0xBB, b[i + 2] == 0xBF { return 3 }
        return 0
    }

    /// What follows a string's closing quote in a `formatCall` and a `joinCall`.
    static let formatOpening = Array(".format(".utf8), joinOpening = Array(".join(".utf8)

    static let hexByteTriggers: [Trigger] = [.hexBytes, .hexList, .hexListTight, .hexGroups]
    static let afterValueCharacter: [Trigger] = [.percentAfterWord, .continuation, .continuationCRLF, .concat, .concatTight, .concatWide, .adjacent,
                                                 .adjacentTight, .adjacentLine, .adjacentLineCRLF, .listed, .listedSpaced]

    /// Every `run`, `hexRun` and `wrappedRun` trigger in `bytes` (the same answers as their
    /// `matches` at every offset). Not on Hyperscan: a pure character-class repeat costs it
    /// about 7 ns a byte. The runs of `minimumRun`, and the shorter ones that end a line, are
    /// found by `reviewgate_long_runs` (C, 32 bytes at a time with AVX2), each whole; only
    /// their own bytes (and a line run's next line) are read here.
    static func forEachRun(in bytes: UnsafeRawBufferPointer, verdicts: RunVerdicts? = nil, _ hit: (Trigger, Int) -> Void) {
        let n = bytes.count
        let minimum = minimumRun, minimumHex = minimumHexRun
        guard n > minimum, let raw = bytes.baseAddress else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        let hexDigit = hexClass
        func run(_ s: Int, _ e: Int) {
            // A run needs the byte before it (none at the very start of the bytes).
            if s >= 1, !(s..<(s + minimum)).allSatisfy({ hexDigit[Int(base[$0])] }),
               verdicts?.mayDecode(bytes, from: s) ?? Decoders.mayDecode(bytes, from: s) {
                hit(.run, s - 1)
            }
            // Hex stretches inside the run (after a non-hex byte), whether or not the run
            // itself is one: each is its own trigger, so a stretch is found however much of
            // the run before it the bytes searched hold (a delta's region may start inside it).
            guard e - s >= minimumHex else { return }
            var q = s
            while q < e {
                guard hexDigit[Int(base[q])] else { q += 1; continue }
                var r = q
                while r < e, hexDigit[Int(base[r])] { r += 1 }
                if q >= 1, r - q >= minimumHex, verdicts?.mayDecode(bytes, from: q) ?? Decoders.mayDecode(bytes, from: q) {
                    hit(.hexRun, q - 1)
                }
                q = r
            }
        }
        let capacity = 64
        let lineRun = Int(REVIEWGATE_LINE_RUN)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * capacity) { runs in
            var from = 0
            while from < n {
                let found = reviewgate_long_runs(base + from, n - from, UInt32(minimum), UInt32(minimumLineRun), runs.baseAddress!, capacity)
                for k in 0..<found {
                    let start = runs[2 * k], end = from + runs[2 * k + 1]
                    guard start & lineRun != 0 else {
                        run(from + start, end)
                        continue
                    }
                    // A line shorter than a run: wrapped base64 when the next line goes on with it.
                    let s = from + (start & ~lineRun)
                    if s >= 1, endsWrappedLine(bytes, from: s, end: end) { hit(.wrappedRun, s - 1) }
                }
                guard found == capacity else { break }
                from += runs[2 * capacity - 1]
            }
        }
    }
}

/// What `Decoders.mayDecode` said of the runs seen lately, by the 24 bytes from a run's start
/// (all it reads there: a byte-order mark, an archive's magic, 20 characters): a history brings
/// the same long names in delta after delta, a tree in file after file. One per thread.
final class RunVerdicts {
    private static let slots = 2048
    private let keys = UnsafeMutablePointer<(UInt64, UInt64, UInt64)>.allocate(capacity: RunVerdicts.slots)
    /// 0: nothing kept; 1: no; 2: yes.
    private let values = UnsafeMutablePointer<UInt8>.allocate(capacity: RunVerdicts.slots)

    init() {
        keys.initialize(repeating: (0, 0, 0), count: Self.slots)
        values.initialize(repeating: 0, count: Self.slots)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// `Decoders.mayDecode(b, from: start)`, from the last answer for the same bytes if kept.
    @inline(__always)
    func mayDecode(_ b: UnsafeRawBufferPointer, from start: Int) -> Bool {
        // Near the end the answer depends on where the bytes end too: not kept.
        guard start >= 0, start + 24 <= b.count else { return Decoders.mayDecode(b, from: start) }
        let k0 = b.loadUnaligned(fromByteOffset: start, as: UInt64.self)
        let k1 = b.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)
        let k2 = b.loadUnaligned(fromByteOffset: start + 16, as: UInt64.self)
        let mixed = (k0 &* 0x9E37_79B9_7F4A_7C15) ^ (k1 &* 0xC2B2_AE3D_27D4_EB4F) ^ (k2 &* 0x1656_67B1_9E37_79F9)
        let slot = Int(truncatingIfNeeded: mixed >> 53) & (Self.slots - 1)
        if values[slot] != 0, keys[slot] == (k0, k1, k2) { return values[slot] == 2 }
        let verdict = Decoders.mayDecode(b, from: start)
        keys[slot] = (k0, k1, k2)
        values[slot] = verdict ? 2 : 1
        return verdict
    }
}

/// The triggers on Hyperscan, where it runs.
final class HyperscanTriggers: @unchecked Sendable {
    private let database: OpaquePointer

    init?() {
        guard let db = HyperscanCache.database(.triggers(Trigger.onHyperscan)) else { return nil }
        database = db
    }

    deinit { hs_free_database(database) }

    private struct Sink { let hit: (Trigger, Int) -> Void }

    /// Calls `hit(trigger, start)` for every occurrence; false when Hyperscan could not scan.
    func forEachOccurrence(in bytes: UnsafeRawBufferPointer, scratch: inout OpaquePointer?, _ hit: (Trigger, Int) -> Void) -> Bool {
        guard bytes.count > 0, let base = bytes.baseAddress else { return true }
        if scratch == nil, hs_alloc_scratch(database, &scratch) != HS_SUCCESS { return false }
        guard bytes.count < Int(UInt32.max) else { return false }
        return withoutActuallyEscaping(hit) { hit in
            var sink = Sink(hit: hit)
            return withUnsafeMutablePointer(to: &sink) { sink in
                func run() -> hs_error_t {
                    hs_scan(database, base.assumingMemoryBound(to: CChar.self), UInt32(bytes.count), 0, scratch, { id, _, to, _, ctx in
                        let trigger = Trigger(rawValue: Int(id))!
                        ctx!.assumingMemoryBound(to: HyperscanTriggers.Sink.self).pointee.hit(trigger, Int(to) - trigger.length)
                        return 0
                    }, UnsafeMutableRawPointer(sink))
                }
                var status = run()
                if status == HS_INVALID, hs_alloc_scratch(database, &scratch) == HS_SUCCESS { status = run() }
                return status == HS_SUCCESS
            }
        }
    }
}
