#if canImport(Glibc)
import Glibc
#endif
import Base
/// What reading one blob (or file) gave: the candidates of everything it holds, and what of it
/// could not be read in full.
public struct BlobScan: Sendable {
    public var candidates: [Candidate]
    /// Some rule gave up on some line at its backtracking limit.
    public var partly: Bool
    /// Parts that could not be read in full: `member` is empty for the blob itself, else the
    /// `!inner/path` suffix of an archive member.
    public var unscannable: [(member: [UInt8], problem: Archives.Problem)]
    /// The `!inner/path` suffix of every archive member (nested ones `!a!b`), read or not:
    /// the path-only rules judge members by name like any file (`memberPathFindings`).
    public var members: [[UInt8]] = []

    public init(candidates: [Candidate] = [], partly: Bool = false, unscannable: [(member: [UInt8], problem: Archives.Problem)] = []) {
        self.candidates = candidates
        self.partly = partly
        self.unscannable = unscannable
    }

    public var hasCandidates: Bool { !candidates.isEmpty }

    /// Nothing came out of what only looked like an archive (magic bytes, a record): no
    /// member, no candidate, no problem but the archive's own `corrupt`.
    var openedNothing: Bool {
        candidates.isEmpty && members.isEmpty && unscannable.allSatisfy { $0.member.isEmpty && $0.problem == .corrupt }
    }

    /// Each rule and value among the candidates.
    var secretKeys: Set<SecretKey> { Set(candidates.map(\.key)) }

    /// Drops the candidates from `start` on whose rule and value `known` holds: a second
    /// reading of the same bytes (a stream, a zip by its local headers) reports only what is new.
    mutating func dropRepeats(from start: Int, of known: Set<SecretKey>) {
        let added = candidates[start...].filter { !known.contains($0.key) }
        candidates.removeSubrange(start...)
        candidates += added
    }
}

extension Scanner {
    /// Reads `bytes` as SPEC §1.3 says content is read: archives opened (by magic bytes),
    /// UTF-16/UTF-32 text decoded, other binary content searched in its printable runs, text
    /// searched as it is (with `keywords`, when known, as its keyword occurrences) and its
    /// encoded forms decoded. Cheap checks first: plain text pays a look at its first bytes.
    public func read(_ bytes: UnsafeRawBufferPointer, keywords: KeywordOccurrences? = nil, limits: ReadLimits,
                     scratch: MatchScratch) -> BlobScan {
        read(bytes, keywords: keywords, reusing: nil, keepingWindows: false, limits: limits, scratch: scratch).scan
    }

    /// The same for a version of a file in a delta walk: plain text takes the matches of the
    /// windows its delta copied whole from a base read this way (`reusing`), and with
    /// `keepingWindows` says what it searched, for the versions built on it (nil when the bytes
    /// were read another way: an archive, UTF-16, binary; or when keeping it would cost more
    /// than a few times the bytes).
    public func read(_ bytes: UnsafeRawBufferPointer, keywords: KeywordOccurrences?,
                     reusing base: (windows: SearchedWindows, copies: [CopiedBytes])?, keepingWindows: Bool,
                     limits: ReadLimits, scratch: MatchScratch) -> (scan: BlobScan, windows: SearchedWindows?) {
        if bytes.count > limits.maxFileBytes { return (BlobScan(unscannable: [([], .tooLarge)]), nil) }
        scratch.decodedArchiveExpanded = 0
        var budget = Archives.Budget(limits: limits, compressed: bytes.count)
        return read(bytes, keywords: keywords, depth: 0, budget: &budget, reusing: base, keepingWindows: keepingWindows, scratch: scratch)
    }

    func read(_ bytes: UnsafeRawBufferPointer, keywords: KeywordOccurrences?, depth: Int,
              budget: inout Archives.Budget, scratch: MatchScratch) -> BlobScan {
        read(bytes, keywords: keywords, depth: depth, budget: &budget, reusing: nil, keepingWindows: false, scratch: scratch).scan
    }

    private func read(_ bytes: UnsafeRawBufferPointer, keywords: KeywordOccurrences?, depth: Int,
                      budget: inout Archives.Budget, reusing base: (windows: SearchedWindows, copies: [CopiedBytes])?,
                      keepingWindows: Bool, scratch: MatchScratch) -> (scan: BlobScan, windows: SearchedWindows?) {
        let limitsBefore = scratch.limitsHit, decodeLimitsBefore = scratch.decodeLimitsHit
        var result = BlobScan()
        var searched: SearchedWindows?
        /// One member read like a file, its findings named `!name` after the blob's path.
        func addMember(_ name: [UInt8], _ member: UnsafeRawBufferPointer, budget: inout Archives.Budget) {
            let inner = read(member, keywords: nil, depth: depth + 1, budget: &budget, scratch: scratch)
            let prefix = [0x21] + name
            result.members.append(prefix)
            result.members += inner.members.map { prefix + $0 }
            for var candidate in inner.candidates {
                candidate.member = prefix + (candidate.member ?? [])
                result.candidates.append(candidate)
            }
            result.partly = result.partly || inner.partly
            result.unscannable += inner.unscannable.map { (prefix + $0.member, $0.problem) }
        }
        /// A zlib stream's content as a member named `name`; how many bytes the stream took
        /// (nil when it is no zlib stream; one cut short is read, then `corrupt`). Its content
        /// counts against the blob's expansion budget like an archive member's, the ratio included.
        @discardableResult
        func addZlib(_ name: [UInt8], _ stream: UnsafeRawBufferPointer, budget: inout Archives.Budget, pdf: Bool = false) -> Int? {
            let limits = budget.limits
            let byRatio = max(limits.ratioFloorBytes, limits.maxExpansionRatio * max(1, budget.compressed))
            let room = min(limits.maxFileBytes, limits.maxExpandedBytes - budget.expanded, byRatio - budget.expanded)
            guard room > 0 else {
                result.unscannable.append(([], .limit))
                return nil
            }
            let inflated: [UInt8], consumed: Int, cut: Bool
            switch ZlibStreams.inflate(stream, limit: room + 1) {
            case .invalid:
                return nil
            case .tooLarge:
                budget.expanded += room + 1
                result.members.append([0x21] + name)
                result.unscannable.append(budget.exceeded ? ([], .limit) : ([0x21] + name, .tooLarge))
                return stream.count
            case let .bytes(bytes, taken): (inflated, consumed, cut) = (bytes, taken, false)
            // What a stream cut short held is read; then it is `corrupt`, as a gzip cut short is.
            case let .truncated(bytes): (inflated, consumed, cut) = (bytes, stream.count, true)
            }
            budget.expanded += inflated.count
            budget.members += 1
            if budget.exceeded {
                result.unscannable.append(([], .limit))
                return consumed
            }
            inflated.withUnsafeBytes { addMember(name, $0, budget: &budget) }
            // A PDF page's text as a reader copies it (strings split for kerning joined): what
            // it adds to the stream's own bytes, as the member `…/text`.
            if pdf, let text = inflated.withUnsafeBytes({ ZlibStreams.pdfText($0) }) {
                let known = result.secretKeys, before = result.candidates.count
                text.withUnsafeBytes { addMember(name + Array("/text".utf8), $0, budget: &budget) }
                result.dropRepeats(from: before, of: known)
            }
            if cut { result.unscannable.append(([0x21] + name, .corrupt)) }
            return consumed
        }
        func readMembers(_ bytes: UnsafeRawBufferPointer, found: Archives.Found, at offset: Int = 0, budget: inout Archives.Budget) {
            // A stream found inside other bytes: its members under `@offset/`.
            let place: [UInt8] = offset > 0 ? Array("@\(offset)/".utf8) : []
            Archives.forEachMember(bytes, found: found, budget: &budget, member: { name, member, budget in
                addMember(place + name, member, budget: &budget)
            }, problem: { name, problem in
                let member = name.isEmpty && place.isEmpty ? [] : [0x21] + place + name
                if !member.isEmpty { result.members.append(member) }
                result.unscannable.append((member, problem))
            })
        }
        if Archives.isArchive(bytes) {
            guard depth < budget.limits.maxArchiveDepth else { return (BlobScan(unscannable: [([], .depth)]), nil) }
            readMembers(bytes, found: .atStart, budget: &budget)
            // Entries only a streaming reader sees (a local header the central directory does
            // not list): the zip read again that way, what it adds kept.
            if Archives.hasUnlistedLocalEntries(bytes) {
                let known = result.secretKeys, before = result.candidates.count
                readMembers(bytes, found: .zipLocalHeaders, budget: &budget)
                result.dropRepeats(from: before, of: known)
                var seen = Set<[UInt8]>()
                result.members = result.members.filter { seen.insert($0).inserted }
            }
            // Text outside the members (a comment, a pax record, a link target), as binary
            // content, at the archive's own offsets; what the members hold is not repeated.
            if let range = Archives.metadataRange(bytes) {
                var view = PrintableRuns.view(UnsafeRawBufferPointer(rebasing: bytes[range]))
                // A zip record's signature ("PK" and two small bytes) ends the text before it.
                for i in view.indices.dropLast(3) where view[i] == 0x50 && view[i + 1] == 0x4B && bytes[range.lowerBound + i + 2] < 0x09 {
                    view[i] = 0
                    view[i + 1] = 0
                }
                let found = view.withUnsafeBytes { candidates(in: $0, depth: 0, markers: false, scratch: scratch) }
                if !found.isEmpty {
                    let known = result.secretKeys
                    let linesBefore = bytes[..<range.lowerBound].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                    // A member's name is judged as its path (`memberPathFindings`, names
                    // rules): not again as content of the directory that lists it.
                    func inAName(_ secret: [UInt8]) -> Bool {
                        result.members.contains { name in
                            name.count >= secret.count && (0...(name.count - secret.count)).contains { name[$0..<($0 + secret.count)].elementsEqual(secret) }
                        }
                    }
                    for var candidate in found where !known.contains(candidate.key) && !inAName(candidate.secret) {
                        candidate.matchRange = (candidate.matchRange.lowerBound + range.lowerBound)..<(candidate.matchRange.upperBound + range.lowerBound)
                        candidate.secretRange = (candidate.secretRange.lowerBound + range.lowerBound)..<(candidate.secretRange.upperBound + range.lowerBound)
                        candidate.line += linesBefore
                        result.candidates.append(candidate)
                    }
                }
            }
            return (result, nil)
        }
        // A file that is one zlib stream: its content, as the one member of a gzip is. Bytes
        // after the stream are the file's own, read as any file's.
        if ZlibStreams.hasHeader(bytes), depth < budget.limits.maxArchiveDepth,
           let consumed = addZlib(Array("data".utf8), bytes, budget: &budget), consumed >= bytes.count {
            return (result, nil)
        }
        // UTF-16/32 without a mark has NUL bytes (its ASCII): text without NULs is spared
        // the look at its first 4 KiB.
        let binary = PrintableRuns.isBinary(bytes)
        if let (encoding, bom) = TextEncoding.detectMark(bytes) ?? (binary ? TextEncoding.detect(bytes) : nil) {
            let text = encoding.decode(UnsafeRawBufferPointer(rebasing: bytes[bom...]))
            result.candidates = text.withUnsafeBytes { candidates(in: $0, depth: 0, markers: false, scratch: scratch) }.map { candidate in
                var c = candidate
                c.encoding = encoding.rawValue + (c.encoding.map { "+" + $0 } ?? "")
                return c
            }
            // A mark or a pattern tells where text starts, not that all of it is aligned so:
            // binary bytes of odd length before more text (or text in the other width) read
            // as other characters. Bytes with a zero among them are read as binary content
            // too, which finds such strings at any offset; what the decoded text found is
            // not repeated.
            if Archives.mayHoldStreams(bytes, binary: binary) {
                let before = result.candidates.count, known = result.secretKeys
                let view = PrintableRuns.view(bytes)
                result.candidates += view.withUnsafeBytes { candidates(in: $0, depth: 0, markers: false, scratch: scratch) }
                result.dropRepeats(from: before, of: known)
            }
        } else if binary {
            let view = PrintableRuns.view(bytes)
            result.candidates = view.withUnsafeBytes { candidates(in: $0, depth: 0, markers: false, scratch: scratch) }
        } else if let keywords {
            // Only here are windows kept: their offsets are the blob's own bytes.
            if keepingWindows { searched = SearchedWindows(expecting: base?.windows.count ?? 16, bytes: bytes.count) }
            result.candidates = candidates(in: bytes, keywords: keywords, depth: 0, markers: depth == 0, reusing: base,
                                           searched: &searched, scratch: scratch)
        } else {
            // An archive member's markers are not in any diff a reviewer reads.
            result.candidates = candidates(in: bytes, depth: 0, markers: depth == 0, scratch: scratch)
        }
        // NUL bytes inside text (`ghp_ab\0cd…`, a NUL between every two characters, anywhere
        // in the file): read again with them taken out, as `tr -d '\0'` would.
        result.candidates += nulJoinedCandidates(bytes, plain: result.candidates, scratch: scratch)
        result.partly = scratch.limitsHit > limitsBefore
        // Triggers left undecoded at the budget: the text was not read in full (fail closed).
        if scratch.decodeLimitsHit > decodeLimitsBefore { result.unscannable.append(([], .decodeLimit)) }
        // A zip that does not start the file (a self-extracting archive, a zip appended to an
        // image or a script): its members too, besides the file's own bytes (after the checks
        // above, which are the file's own: each member reports its own).
        var trailingZipRead = false
        let trailingZip = depth < budget.limits.maxArchiveDepth && Archives.hasTrailingZip(bytes)
        if trailingZip {
            let before = result.members.count
            readMembers(bytes, found: .trailingZip, budget: &budget)
            trailingZipRead = result.members.count > before
        }
        // A PDF's compressed streams that may hold text (`ZlibStreams.pdfStreams`), each a
        // member `stream@OFFSET` counted against the member limit (`archive-limit` past it).
        if depth < budget.limits.maxArchiveDepth {
            for range in ZlibStreams.pdfStreams(bytes, limit: budget.limits.maxMembers + 1) {
                addZlib(Array("stream@\(range.lowerBound)".utf8), UnsafeRawBufferPointer(rebasing: bytes[range]), budget: &budget, pdf: true)
                if budget.exceeded { break }
            }
        }
        // A PNG's compressed text chunks (its tEXt ones are in the printable runs).
        if binary, depth < budget.limits.maxArchiveDepth {
            for (type, range) in ZlibStreams.pngText(bytes) {
                addZlib(Array("\(type)@\(range.lowerBound)".utf8), UnsafeRawBufferPointer(rebasing: bytes[range]), budget: &budget)
                if budget.exceeded { break }
            }
        }
        // Compressed streams after other bytes (a self-extracting installer's payload after
        // its script, a gzip appended to a file), each from its magic bytes on: only in bytes
        // with a zero byte somewhere (every such stream of some size has them).
        if depth < budget.limits.maxArchiveDepth, Archives.mayHoldStreams(bytes, binary: binary) {
            // The first that opens is read to the end of the bytes (libarchive goes on over
            // concatenated streams); magic bytes that open nothing are passed over, up to a
            // limit past which the rest is not read (fail closed).
            // A zip after other bytes that its end record did not open is read by its local
            // headers, as a streaming reader would.
            let offsets = Archives.embeddedStreams(bytes, limit: Self.maxEmbeddedAttempts + 1, zipLocalHeaders: trailingZip && !trailingZipRead)
            let known = result.secretKeys
            let before = (candidates: result.candidates.count, members: result.members.count, problems: result.unscannable.count)
            for offset in offsets.prefix(Self.maxEmbeddedAttempts) {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                let zip = rest.count >= 4 && rest[0] == 0x50 && rest[1] == 0x4B && rest[2] == 0x03 && rest[3] == 0x04
                readMembers(rest, found: zip ? .zipLocalHeaders : .embedded, at: offset, budget: &budget)
                if result.members.count > before.members || result.unscannable.count > before.problems { break }
            }
            if offsets.count > Self.maxEmbeddedAttempts, result.members.count == before.members { result.unscannable.append(([], .limit)) }
            // What the file's own bytes already showed is not reported again from the stream.
            result.dropRepeats(from: before.candidates, of: known)
        }
        return (result, searched)
    }

    /// Candidates of `bytes` read with the NULs inside their text taken out
    /// (`PrintableRuns.nulJoined`; nothing to do, one `memchr`, for text without a NUL), at
    /// the offsets and lines of `bytes`, as `nulRemoved` reports them; none that `plain` has.
    func nulJoinedCandidates(_ bytes: UnsafeRawBufferPointer, plain: [Candidate], scratch: MatchScratch) -> [Candidate] {
        guard let joined = PrintableRuns.nulJoined(bytes) else { return [] }
        let found = joined.text.withUnsafeBytes { candidates(in: $0, depth: 0, markers: false, scratch: scratch) }
        func place(_ range: Range<Int>) -> Range<Int> {
            guard !range.isEmpty else { return joined.offset(range.lowerBound)..<joined.offset(range.lowerBound) }
            return joined.offset(range.lowerBound)..<(joined.offset(range.upperBound - 1) + 1)
        }
        var kept: [Candidate] = []
        var seen = Set(plain.map(\.key))
        for candidate in found where seen.insert(candidate.key).inserted {
            guard var candidate = nulRemoved(candidate) else { continue }
            candidate.matchRange = place(candidate.matchRange)
            candidate.secretRange = place(candidate.secretRange)
            kept.append(candidate)
        }
        return Self.locate(kept, in: bytes)
    }

    /// A candidate of a reading with NULs taken out, as reported: only rules of `high`
    /// confidence (a fixed prefix, a checksum, a structure) count there, since taking NULs
    /// out also joins the C strings of a compiled object's string table, where a name and the
    /// next string read as an assignment no one wrote; its encoding says how it was found.
    func nulRemoved(_ candidate: Candidate) -> Candidate? {
        guard ruleSet.rules[candidate.ruleIndex].confidence == .high else { return nil }
        var found = candidate
        found.encoding = "nul-removed" + (candidate.encoding.map { "+" + $0 } ?? "")
        return found
    }

    /// Candidates of the decoded forms at the triggers among `occurrences`, pointing at the
    /// encoded text; none that a plain candidate (`plain`) already has.
    func decodedCandidates(in bytes: UnsafeRawBufferPointer, occurrences: KeywordOccurrences, plain: [Candidate],
                           depth: Int, markers: Bool, scratch: MatchScratch) -> [Candidate] {
        guard depth < Self.maxDecodeDepth else {
            // The deepest decoding is itself nothing but another layer (an encoding's characters,
            // maybe wrapped in lines, and nothing else): text built to nest past the depth
            // (base64 of base64 … of a token) is left undecoded, and said so (`decode-limit`),
            // not passed. Code that merely holds encoded strings this deep (a bundled worker
            // inside a source map) is not that, and stops here silently.
            // Blanks only at the end; inside, line breaks and `=` padding before one (a wrapped
            // base64 text), nothing else (`t = ghp_…` is a line of text, not a layer).
            var n = bytes.count
            while n > 0, bytes[n - 1] == 0x20 || bytes[n - 1] == 0x0A || bytes[n - 1] == 0x0D || bytes[n - 1] == 0x09 { n -= 1 }
            var longest = 0..<0, start = 0
            for i in 0...n {
                if i < n, Trigger.isRunByte(bytes[i]) { continue }
                if i - start > longest.count { longest = start..<i }
                start = i + 1
                guard i < n else { break }
                let c = bytes[i], next: UInt8 = i + 1 < n ? bytes[i + 1] : 0x0A
                guard c == 0x0A || c == 0x0D || (c == 0x3D && (next == 0x3D || next == 0x0A || next == 0x0D)) else { return [] }
            }
            // …and it decodes to text, as the decoders would take it (a token's own characters,
            // which a reversal or rot13 leaves alone at this depth, decode to noise), and some
            // line of it is as varied as an encoding of data is: one repeated letter (an image's
            // flat rows, `VUUUU…`, as printable bytes) decodes by chance to more of the same.
            // Any line, not the longest: a long line of one letter must not hide the rest.
            var varied = false
            var lineFrom = 0
            for i in 0...n where i == n || bytes[i] == 0x0A {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineFrom..<i])
                lineFrom = i + 1
                if line.count >= 16, Entropy.shannon(Array(line)) >= 2 {
                    varied = true
                    break
                }
            }
            if longest.count >= Trigger.minimumRun, varied, Decoders.mayDecode(bytes, from: longest.lowerBound),
               Decoders.decodeRun(Decoders.run(bytes, from: longest.lowerBound).0) != nil {
                scratch.decodeLimitsHit += 1
            }
            return []
        }
        var triggers: [(Trigger, Int)] = []
        // The secrets the plain search found, but the generic rules', as sorted disjoint
        // ranges, made on first use: a split is not looked for inside one.
        var matched: [Range<Int>]?
        func matchedWhole(_ p: Int) -> Bool {
            if matched == nil {
                var merged: [Range<Int>] = []
                let ranges = plain.filter { ruleSet.rules[$0.ruleIndex].confidence != .low }.map(\.secretRange)
                for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                    if let last = merged.last, range.lowerBound <= last.upperBound {
                        merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                    } else {
                        merged.append(range)
                    }
                }
                matched = merged
            }
            var lo = 0, hi = matched!.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if matched![mid].upperBound <= p { lo = mid + 1 } else { hi = mid }
            }
            return lo < matched!.count && matched![lo].contains(p)
        }
        // Rule keywords whose token a line end may split (most are not at one), and those in
        // a key (`Decoders.nestedValues`, `joinVariables`).
        var splits: [(at: Int, length: Int)] = []
        var headers: [Decoders.KeyAt] = []
        // Keywords opening a variable's value, or in a key (`Decoders.joinVariables`).
        var pieces: [Int] = []
        // Keywords whose token a variable completes (`"ghp_$B"`, `"AKIA" + sfx`).
        var tails: [(name: Range<Int>, replaced: Range<Int>, quoted: Bool)] = []
        // Token prefixes opening a short literal (`Decoders.joinListedPieces`).
        var listed: [Decoders.ListedPiece] = []
        let first = words.count
        for packed in occurrences.packed {
            let (start, keyword) = KeywordOccurrences.unpack(packed)
            if keyword >= first {
                triggers.append((Trigger(rawValue: keyword - first)!, start))
            } else if splitKeywords[keyword] {
                let length = keywordLengths[keyword]
                if Decoders.mayEndLine(bytes, keyword: start, length: length),
                   // A token a rule matched already (a generic one aside: it matches a piece
                   // as well) is whole, not split: the next line of a list of tokens is another.
                   !matchedWhole(start) {
                    splits.append((start, length))
                }
                if let (key, separator) = Decoders.keyAndSeparator(bytes, keyword: start, length: length) {
                    headers.append(Decoders.KeyAt(at: start, keyword: keyword, key: key, separator: separator))
                }
                if Decoders.assignedName(bytes, valueAt: start) != nil, !matchedWhole(start) { pieces.append(start) }
                if let tail = Decoders.referenceAfterToken(bytes, keyword: start, length: length), !matchedWhole(start) { tails.append(tail) }
                if !scratch.insideListedJoin, prefixKeywords[keyword], let piece = Decoders.listedPiece(bytes, keyword: start, length: length),
                   !matchedWhole(start) {
                    listed.append(piece)
                }
            }
        }
        // Where the keywords a token may be split after start, for the joiner of split tokens
        // (only when needed): a piece one opens is a token of its own.
        var keywordStarts: [Int] = []
        if !splits.isEmpty {
            for packed in occurrences.packed {
                let (start, keyword) = KeywordOccurrences.unpack(packed)
                if keyword < first, splitKeywords[keyword] { keywordStarts.append(start) }
            }
        }
        let runAtStart = bytes.count >= Trigger.minimumRun && (0..<Trigger.minimumRun).allSatisfy { Trigger.isRunByte(bytes[$0]) }
            || Trigger.wrappedRunAtStart(bytes)
        guard !triggers.isEmpty || runAtStart || !splits.isEmpty || !headers.isEmpty || !pieces.isEmpty || !tails.isEmpty || !listed.isEmpty else { return [] }
        // Built on the first decoded candidate: most triggers decode to nothing.
        var seen: Set<SecretKey>?
        var place: [SecretKey: Int] = [:]
        var found: [Candidate] = []
        // Decoding never does more than a few times the work of the bytes themselves: each
        // decoder's regions barely overlap (a long line's windows by half), so five decoders
        // stay under 8x on any text; only a hostile one reaches the budget, and then what is
        // left undecoded is reported (`decode-limit`), not passed.
        var budget = 8 * bytes.count + 65536
        var archivesUnread = false
        func take(_ decoded: Decoders.Decoded) {
            var decoded = decoded
            let inner = decoded.bytes.withUnsafeBytes { raw -> [Candidate] in
                if decoded.listed {
                    let outer = scratch.insideListedJoin
                    scratch.insideListedJoin = true
                    defer { scratch.insideListedJoin = outer }
                    return candidates(in: raw, depth: depth + 1, scratch: scratch)
                }
                guard Archives.isEncodedPayload(raw) else { return candidates(in: raw, depth: depth + 1, scratch: scratch) }
                // A compressed stream or archive, encoded (`H4sI…`, `UEsDB…`): opened like
                // a file's, its findings pointing at the encoded text. One level only: an
                // encoded archive inside one is not opened (and the text counts as not read
                // in full), or each level would start its depth and budget anew.
                guard scratch.decodedArchiveDepth == 0 else {
                    archivesUnread = true
                    return []
                }
                decoded.encoding += "+" + Archives.formatName(raw)
                // One expansion budget for every encoded archive of the blob being read.
                var limits = ReadLimits(maxFileBytes: Self.decodedArchiveLimit)
                limits.maxArchiveDepth = max(1, limits.maxArchiveDepth - depth)
                limits.maxExpandedBytes = max(0, limits.maxExpandedBytes - scratch.decodedArchiveExpanded)
                var archiveBudget = Archives.Budget(limits: limits, compressed: bytes.count)
                scratch.decodedArchiveDepth += 1
                let scan = read(raw, keywords: nil, depth: 0, budget: &archiveBudget, scratch: scratch)
                scratch.decodedArchiveDepth -= 1
                scratch.decodedArchiveExpanded += archiveBudget.expanded
                // Magic bytes that opened nothing were no archive: no problem. Anything else
                // not read in full is.
                if !scan.unscannable.isEmpty, !scan.openedNothing { archivesUnread = true }
                return scan.candidates.map { var c = $0; c.member = nil; return c }
            }
            // Under a key that names a provider, only that keyword's rules count.
            let kept = decoded.keyword.map { k in inner.filter { rulesByKeyword[k].contains($0.ruleIndex) } } ?? inner
            guard !kept.isEmpty else { return }
            // A marker on the encoded line, where a reviewer sees it (never one inside the
            // decoded text: the inner scan is past depth 0 and ignores those).
            if inlineAllow, markers {
                let line = Self.lineContext(of: decoded.region, in: bytes)
                let text = UnsafeRawBufferPointer(rebasing: bytes[line])
                if Self.hasAllowMarker(text) { return }
            }
            if seen == nil { seen = Set(plain.map(\.key)) }
            for var candidate in kept {
                let key = candidate.key
                guard !seen!.contains(key) else { continue }
                candidate.matchRange = decoded.region
                candidate.secretRange = decoded.region
                candidate.encoding = decoded.encoding + (candidate.encoding.map { "+" + $0 } ?? "")
                // One value decoded at two places (a base64 line inside a joined block):
                // the narrower place says best where it is.
                if let i = place[key] {
                    if decoded.region.count < found[i].matchRange.count { found[i] = candidate }
                    continue
                }
                place[key] = found.count
                found.append(candidate)
            }
        }
        var finished = Decoders.decode(bytes, triggers: triggers, runAtStart: runAtStart, listedJoins: !scratch.insideListedJoin,
                                       budget: &budget, take)
        if !splits.isEmpty { finished = Decoders.joinSplitTokens(bytes, keywords: splits, starts: keywordStarts, budget: &budget, take) && finished }
        if !headers.isEmpty { finished = Decoders.nestedValues(bytes, headers: headers, budget: &budget, take) && finished }
        if !headers.isEmpty || !pieces.isEmpty || !tails.isEmpty {
            finished = Decoders.joinVariables(bytes, pieces: pieces, keys: headers, tails: tails, budget: &budget, take) && finished
        }
        if !listed.isEmpty { finished = Decoders.joinListedPieces(bytes, firsts: listed, budget: &budget, take) && finished }
        // An encoded archive not read in full counts as text left undecoded (fail closed).
        if !finished || archivesUnread { scratch.decodeLimitsHit += 1 }
        return found
    }

    /// An archive found encoded inside text is read up to this many bytes a member.
    static let decodedArchiveLimit = 16 << 20
    /// Magic bytes of a compressed stream inside other bytes tried before the rest is left
    /// unread (`archive-limit`): only a file built to hide one behind decoys has more.
    static let maxEmbeddedAttempts = 256

    /// Decodings inside decodings, at most. Five (betterleaks' depth) was tried: random tokens
    /// then decoded by chance into chains that spent a text's budget (one in 10,050 GitHub
    /// tokens was a `decode-limit`); text still wholly encoded at the last depth is refused.
    static let maxDecodeDepth = 3
}

extension Scanner {
    /// The path-only rules (a key file by its name) that the archive members of a blob at
    /// `path` match, as (member suffix, rule id): a member is a file like any other.
    public func memberPathFindings(_ scan: BlobScan, path: String?, scratch: MatchScratch) -> [(member: [UInt8], rule: String)] {
        guard let path, !pathOnlyRules.isEmpty else { return [] }
        return scan.members.flatMap { member in
            pathFindings(ScanContext(path: path + String(decoding: member, as: UTF8.self)), scratch: scratch).map { (member, $0) }
        }
    }
}

extension Candidate {
    /// Its rule and value.
    var key: SecretKey { SecretKey(rule: ruleID, secret: secret) }
}

/// A rule and the value it matched: one secret, however many places hold it.
public struct SecretKey: Hashable, Sendable {
    public var rule: String
    public var secret: [UInt8]

    public init(rule: String, secret: [UInt8]) {
        self.rule = rule
        self.secret = secret
    }
}
