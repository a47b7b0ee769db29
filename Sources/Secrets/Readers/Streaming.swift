#if canImport(Glibc)
import Glibc
#endif
import CLibArchive
import CScan

/// Where a streamed read gets its bytes: fills the front of the buffer and returns how many
/// bytes it wrote, 0 at the end, or a negative `Archives.Problem.code` when the source cannot
/// be read in full.
public typealias ByteSource = (UnsafeMutableRawBufferPointer) -> Int

extension Archives.Problem {
    /// The value a `ByteSource` returns for this problem.
    public var code: Int {
        switch self {
        case .corrupt: -1
        case .limit: -2
        case .tooLarge: -3
        case .depth: -4
        case .decodeLimit: -5
        }
    }

    init(code: Int) {
        switch code {
        case -2: self = .limit
        case -3: self = .tooLarge
        case -4: self = .depth
        case -5: self = .decodeLimit
        default: self = .corrupt
        }
    }
}

/// The archive budget of one streamed blob, shared by the member sources that spend it.
final class SharedBudget {
    var value: Archives.Budget
    init(_ value: Archives.Budget) { self.value = value }
}

extension Scanner {
    /// Reads a blob of `size` bytes from `source` as `read(_:limits:scratch:)` reads one in
    /// memory (SPEC §1.3), holding at most one window of it (`ReadLimits.window` plus twice
    /// `windowOverlap`): archives are opened through libarchive's read callback and their
    /// members read the same way, UTF-16/UTF-32 text is decoded a piece at a time, binary
    /// content viewed as printable runs, and each window scanned like a whole blob. A match is
    /// reported by the window where it starts past the overlap, so a match up to
    /// `windowOverlap` long is seen whole, with as much text before it, exactly once; decoded
    /// values (whose encoded run may cross windows) are kept from whichever window decodes
    /// them, one per rule and value; line numbers are counted across windows.
    /// `reopen`, when given, reads the blob again from its start: a compressed stream found
    /// after other bytes in its first window (a self-extracting installer's payload) is then
    /// opened from there, as `read(_:limits:scratch:)` opens one, besides the windows' scan.
    public func read(size: Int, from source: @escaping ByteSource, limits: ReadLimits, scratch: MatchScratch,
                     reopen: (() -> ByteSource?)? = nil) -> BlobScan {
        if size > limits.maxFileBytes { return BlobScan(unscannable: [([], .tooLarge)]) }
        scratch.decodedArchiveExpanded = 0
        let budget = SharedBudget(Archives.Budget(limits: limits, compressed: size))
        return read(from: source, depth: 0, budget: budget, scratch: scratch, reopen: reopen)
    }

    /// Magic bytes of a stream after other bytes tried in a streamed blob (each try reads the
    /// blob again up to its offset) before the rest is left unread (`archive-limit`).
    static let maxStreamedEmbeddedAttempts = 16

    /// The streams after other bytes at `offsets` of a streamed blob, read again from `reopen`:
    /// the first that opens, its members named `!@OFFSET/…`; what `known` holds not repeated.
    private func readEmbedded(at offsets: [Int], reopen: () -> ByteSource?, depth: Int, budget: SharedBudget,
                              known: Set<SecretKey>, scratch: MatchScratch) -> BlobScan {
        var result = BlobScan()
        for offset in offsets.prefix(Self.maxStreamedEmbeddedAttempts) {
            guard let source = reopen() else { return BlobScan(unscannable: [([], .corrupt)]) }
            // Past the bytes before the stream.
            var skipped = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while skipped < offset {
                let want = min(chunk.count, offset - skipped)
                let n = chunk.withUnsafeMutableBytes { source(UnsafeMutableRawBufferPointer(rebasing: $0[..<want])) }
                guard n > 0 else { return BlobScan(unscannable: [([], .corrupt)]) }
                skipped += n
            }
            let n = chunk.withUnsafeMutableBytes { source($0) }
            guard n > 0 else { continue }
            let head = Array(chunk[..<n])
            let inner = head.withUnsafeBytes { readArchive(head: $0, rest: source, depth: depth, budget: budget, scratch: scratch) }
            // Magic bytes that open nothing: no stream there.
            if inner.openedNothing { continue }
            let place = [0x21] + Array("@\(offset)/".utf8)
            for var candidate in inner.candidates where !known.contains(candidate.key) {
                candidate.member = place + (candidate.member.map { Array($0.dropFirst()) } ?? Array("data".utf8))
                result.candidates.append(candidate)
            }
            result.members = inner.members.map { place + $0.dropFirst() }
            result.unscannable = inner.unscannable.map { ($0.member.isEmpty ? [] : place + $0.member.dropFirst(), $0.problem) }
            result.partly = inner.partly
            return result
        }
        if offsets.count > Self.maxStreamedEmbeddedAttempts { result.unscannable.append(([], .limit)) }
        return result
    }

    func read(from source: @escaping ByteSource, depth: Int, budget: SharedBudget, scratch: MatchScratch,
              reopen: (() -> ByteSource?)? = nil) -> BlobScan {
        let limits = budget.value.limits
        let overlap = limits.windowOverlap
        let capacity = limits.window + 2 * overlap
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var count = 0
        var failure: Archives.Problem?
        while count < capacity {
            let n = source(UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
            if n < 0 { failure = Archives.Problem(code: n) }
            guard n > 0 else { break }
            count += n
        }
        let head = UnsafeRawBufferPointer(rebasing: buffer[..<count])
        if let failure {
            // What could be read is scanned; the rest is unscannable.
            var scan = read(head, keywords: nil, depth: depth, budget: &budget.value, scratch: scratch)
            scan.unscannable.append(([], failure))
            return scan
        }
        if count < capacity { return read(head, keywords: nil, depth: depth, budget: &budget.value, scratch: scratch) }
        if Archives.isArchive(head) {
            guard depth < limits.maxArchiveDepth else { return BlobScan(unscannable: [([], .depth)]) }
            return readArchive(head: head, rest: source, depth: depth, budget: budget, scratch: scratch)
        }
        let binary = PrintableRuns.isBinary(head)
        // Streams after other bytes in the first window, found before the window is viewed as
        // printable runs; read again from the start once the windows are scanned.
        var embedded: [Int] = []
        if reopen != nil, depth < limits.maxArchiveDepth, Archives.mayHoldStreams(head, binary: binary) {
            embedded = Archives.embeddedStreams(head, limit: Self.maxStreamedEmbeddedAttempts + 1)
        }
        var text: TextStream
        if let (encoding, bom) = TextEncoding.detectMark(head) ?? (binary ? TextEncoding.detect(head) : nil) {
            text = TextStream(source: source, kind: .encoded(encoding), pending: Array(head[bom...]))
            count = 0
        } else if binary {
            PrintableRuns.viewInPlace(buffer)
            text = TextStream(source: source, kind: .printable, pending: [])
        } else {
            text = TextStream(source: source, kind: .plain, pending: [])
            // The first window is read here, not through `next`: a NUL in it past the first
            // 8,000 bytes counts as one met later does.
            text.sawNUL = PrintableRuns.hasNUL(head)
        }
        var result = scanWindows(buffer, count: count, text: &text, markers: depth == 0 && text.kind == .plain, limits: limits,
                                 scratch: scratch)
        // Decoded text is read again as binary content, as `read` does with bytes in memory:
        // strings at another offset or width than the mark says read as other characters.
        if case .encoded = text.kind, let reopen, let again = reopen() {
            readAgain(again, as: .printable, into: &result, buffer: buffer, limits: limits, scratch: scratch) { $0 }
        }
        // NULs inside text (`ghp_ab\0cd…`): read again with them taken out, as a blob in memory
        // is (`nulJoinedCandidates`); lines count as in the blob, columns as in the text
        // without the NULs.
        if text.kind == .printable || text.sawNUL, let reopen, let again = reopen() {
            readAgain(again, as: .nulRemoved, into: &result, buffer: buffer, limits: limits, scratch: scratch, nulRemoved)
        }
        if !embedded.isEmpty, let reopen {
            let known = result.secretKeys
            let inner = readEmbedded(at: embedded, reopen: reopen, depth: depth, budget: budget, known: known, scratch: scratch)
            result.candidates += inner.candidates
            result.members += inner.members
            result.unscannable += inner.unscannable
            result.partly = result.partly || inner.partly
        }
        return result
    }

    /// The blob read again from its start (`again`) as `kind`, what the first reading could not
    /// see, merged into `result`: the candidates it lacks, as `keep` makes them (nil: dropped),
    /// and the problems it has not noted yet (a second reading not read in full counts as the
    /// first would).
    private func readAgain(_ again: @escaping ByteSource, as kind: TextStream.Kind, into result: inout BlobScan,
                           buffer: UnsafeMutableRawBufferPointer, limits: ReadLimits, scratch: MatchScratch,
                           _ keep: (Candidate) -> Candidate?) {
        var stream = TextStream(source: again, kind: kind, pending: [])
        let known = result.secretKeys
        let seen = scanWindows(buffer, count: 0, text: &stream, markers: false, limits: limits, scratch: scratch)
        result.candidates += seen.candidates.filter { !known.contains($0.key) }.compactMap(keep)
        result.unscannable += seen.unscannable.filter { problem in !result.unscannable.contains { $0.problem == problem.problem } }
        result.partly = result.partly || seen.partly
    }

    /// One rule, value and place (the place only when allowlists look at the match or line,
    /// as `candidates(in:)` keeps repeats then), for candidates found in two windows.
    private struct WindowKey: Hashable {
        var rule: Int
        var secret: [UInt8]
        var suppressed: Bool
        var at: Int
    }

    /// The windows of `text` (the first `count` bytes already in `buffer`), each scanned whole.
    private func scanWindows(_ buffer: UnsafeMutableRawBufferPointer, count initial: Int, text: inout TextStream,
                             markers: Bool, limits: ReadLimits, scratch: MatchScratch) -> BlobScan {
        let overlap = limits.windowOverlap
        let capacity = buffer.count
        let limitsBefore = scratch.limitsHit, decodeLimitsBefore = scratch.decodeLimitsHit
        var count = initial
        // Where buffer[0] stands in the text: its offset, the lines before it, and the
        // characters before it on its line.
        var base = 0, lineBase = 0, columnBase = 0
        var first = true
        var kept: [Candidate] = []
        var keys = Set<WindowKey>()
        var result = BlobScan()
        while true {
            var ended = false
            // Room enough for a decoded code unit or two, always.
            while count < capacity - 16 {
                let n = text.next(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
                if n < 0 { result.unscannable.append(([], Archives.Problem(code: n))) }
                guard n > 0 else { ended = true; break }
                count += n
            }
            let window = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            let ownedFrom = first ? 0 : overlap
            let ownedTo = ended ? Int.max : count - overlap
            for var candidate in candidates(in: window, depth: 0, markers: markers, scratch: scratch) {
                if candidate.encoding == nil {
                    guard candidate.matchRange.lowerBound >= ownedFrom, candidate.matchRange.lowerBound < ownedTo else { continue }
                } else {
                    // A decoded region (its run or line) cut by this window's end, or by its
                    // start, is decoded whole by the next, or the previous, window when it
                    // lies in their shared bytes: a cut one could yield a cut value.
                    let region = candidate.matchRange
                    if !ended, region.upperBound >= count, region.lowerBound >= count - 2 * overlap { continue }
                    if !first, region.lowerBound == 0, region.upperBound < 2 * overlap { continue }
                }
                candidate.matchRange = (candidate.matchRange.lowerBound + base)..<(candidate.matchRange.upperBound + base)
                candidate.secretRange = (candidate.secretRange.lowerBound + base)..<(candidate.secretRange.upperBound + base)
                if candidate.line == 1 { candidate.column += columnBase }
                candidate.line += lineBase
                let key = WindowKey(rule: candidate.ruleIndex, secret: candidate.secret, suppressed: candidate.suppressed != nil,
                                    at: keepsLineText || keepsMatchText ? candidate.secretRange.lowerBound : -1)
                if keys.insert(key).inserted { kept.append(candidate) }
            }
            if ended { break }
            // The next window repeats the last 2 * overlap bytes of this one.
            let drop = count - 2 * overlap
            let dropped = UnsafeRawBufferPointer(rebasing: buffer[..<drop])
            var lastNewline = -1
            var p = 0
            while p < drop, let nl = memchr(dropped.baseAddress! + p, 10, drop - p) {
                lastNewline = dropped.baseAddress!.distance(to: UnsafeRawPointer(nl))
                lineBase += 1
                p = lastNewline + 1
            }
            if lastNewline >= 0 { columnBase = 0 }
            for i in (lastNewline + 1)..<drop where dropped[i] & 0xC0 != 0x80 { columnBase += 1 }
            memmove(buffer.baseAddress!, buffer.baseAddress! + drop, count - drop)
            count -= drop
            base += drop
            first = false
        }
        var found = Self.preferSpecific(kept, ruleSet.rules)
        found.sort { ($0.secretRange.lowerBound, $0.ruleID) < ($1.secretRange.lowerBound, $1.ruleID) }
        if case let .encoded(encoding) = text.kind {
            for i in found.indices { found[i].encoding = encoding.rawValue + (found[i].encoding.map { "+" + $0 } ?? "") }
        }
        result.candidates = found
        result.partly = scratch.limitsHit > limitsBefore
        if scratch.decodeLimitsHit > decodeLimitsBefore { result.unscannable.append(([], .decodeLimit)) }
        return result
    }

    /// An archive too large to hold, opened through libarchive's read callback: `head` first,
    /// then the rest of `rest`; each member read as a stream of its own.
    private func readArchive(head: UnsafeRawBufferPointer, rest: @escaping ByteSource, depth: Int, budget: SharedBudget,
                             scratch: MatchScratch) -> BlobScan {
        let input = ArchiveInput(head: head, rest: rest)
        guard let archive = archive_read_new() else { return BlobScan(unscannable: [([], .corrupt)]) }
        defer { archive_read_free(archive) }
        Archives.supportFormats(archive)
        return withExtendedLifetime(input) { readMembers(archive, input: input, depth: depth, budget: budget, scratch: scratch) }
    }

    private func readMembers(_ archive: OpaquePointer, input: ArchiveInput, depth: Int, budget: SharedBudget,
                             scratch: MatchScratch) -> BlobScan {
        var result = BlobScan()
        let opened = archive_read_open(archive, Unmanaged.passUnretained(input).toOpaque(), nil, { _, data, out in
            let input = Unmanaged<ArchiveInput>.fromOpaque(data!).takeUnretainedValue()
            return input.next(out)
        }, nil)
        guard opened == ARCHIVE_OK else { return BlobScan(unscannable: [([], input.problem ?? .corrupt)]) }
        let limits = budget.value.limits
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                result.unscannable.append(([], input.problem ?? .corrupt))
                break
            }
            budget.value.members += 1
            if budget.value.exceeded {
                result.unscannable.append(([], .limit))
                break
            }
            guard archive_entry_filetype(entry) == 0o100000 else { continue }
            let name = Archives.name(of: entry)
            let prefix = [0x21] + name
            result.members.append(prefix)
            if archive_entry_size_is_set(entry) != 0, Int(archive_entry_size(entry)) > limits.maxFileBytes {
                result.unscannable.append((prefix, .tooLarge))
                continue
            }
            var memberBytes = 0
            var stop: Archives.Problem?
            let member: ByteSource = { out in
                let n = archive_read_data(archive, out.baseAddress, out.count)
                if n < 0 {
                    stop = input.problem ?? .corrupt
                    return stop!.code
                }
                budget.value.expanded += n
                if budget.value.exceeded {
                    stop = .limit
                    return Archives.Problem.limit.code
                }
                memberBytes += n
                if memberBytes > limits.maxFileBytes { return Archives.Problem.tooLarge.code }
                return n
            }
            let inner = read(from: member, depth: depth + 1, budget: budget, scratch: scratch)
            for var candidate in inner.candidates {
                candidate.member = prefix + (candidate.member ?? [])
                result.candidates.append(candidate)
            }
            result.partly = result.partly || inner.partly
            result.members += inner.members.map { prefix + $0 }
            if let stop {
                // Past the budget, or a stream that cannot be decoded: no next header can be trusted.
                result.unscannable.append(([], stop))
                break
            }
            result.unscannable += inner.unscannable.map { (prefix + $0.member, $0.problem) }
        }
        return result
    }
}

/// The bytes libarchive reads a streamed archive from: the head already read, then the rest.
private final class ArchiveInput {
    let head: UnsafeRawBufferPointer
    let rest: ByteSource
    var headGiven = false
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    var problem: Archives.Problem?

    init(head: UnsafeRawBufferPointer, rest: @escaping ByteSource) {
        self.head = head
        self.rest = rest
    }

    deinit { chunk.deallocate() }

    func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
        if !headGiven {
            headGiven = true
            out?.pointee = head.baseAddress
            return la_ssize_t(head.count)
        }
        let n = rest(chunk)
        if n < 0 {
            problem = Archives.Problem(code: n)
            return -1
        }
        out?.pointee = UnsafeRawPointer(chunk.baseAddress)
        return la_ssize_t(n)
    }
}

/// A blob's text, a piece at a time: as it is, as printable runs, or decoded from UTF-16/32.
struct TextStream {
    enum Kind: Equatable {
        case plain, printable
        case encoded(TextEncoding)
        /// With its NULs taken out and its other bytes outside text made NULs (separators),
        /// as `tr -d '\0'` gives it back (`PrintableRuns.nulJoined` in memory).
        case nulRemoved
    }

    let source: ByteSource
    let kind: Kind
    /// Bytes read and not yet handed out: the head, or a code unit cut at a piece's end.
    var pending: [UInt8]
    var ended = false
    /// Whether a NUL was among the plain bytes handed out (then they are read again with
    /// the NULs taken out).
    var sawNUL = false

    init(source: @escaping ByteSource, kind: Kind, pending: [UInt8]) {
        self.source = source
        self.kind = kind
        self.pending = pending
    }

    /// Writes the next text into `out`: how many bytes, 0 at the end, or a negative problem code.
    mutating func next(into out: UnsafeMutableRawBufferPointer) -> Int {
        switch kind {
        case .nulRemoved:
            // Read until some text is left (a piece of NULs only is no end).
            while true {
                let n = nextBytes(into: out)
                guard n > 0 else { return n }
                var kept = 0
                for i in 0..<n {
                    let c = out[i]
                    if c == 0 { continue }
                    out[kept] = TextEncoding.isText(c) ? c : 0
                    kept += 1
                }
                if kept > 0 { return kept }
            }
        case .plain, .printable:
            let n = nextBytes(into: out)
            if n > 0, case .plain = kind, !sawNUL, memchr(out.baseAddress!, 0, n) != nil { sawNUL = true }
            return n
        case let .encoded(encoding):
            return nextDecoded(into: out, encoding)
        }
    }

    /// The next bytes as they are (the printable view of them for `.printable`).
    private mutating func nextBytes(into out: UnsafeMutableRawBufferPointer) -> Int {
        switch kind {
        case .plain, .printable, .nulRemoved:
            if !pending.isEmpty {
                let n = min(out.count, pending.count)
                pending.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
                pending.removeFirst(n)
                if case .printable = kind { PrintableRuns.viewInPlace(UnsafeMutableRawBufferPointer(rebasing: out[..<n])) }
                return n
            }
            guard !ended else { return 0 }
            let n = source(out)
            if n <= 0 { ended = true }
            if n > 0, case .printable = kind { PrintableRuns.viewInPlace(UnsafeMutableRawBufferPointer(rebasing: out[..<n])) }
            return n
        case .encoded:
            preconditionFailure("decoded text is read by nextDecoded")
        }
    }

    private mutating func nextDecoded(into out: UnsafeMutableRawBufferPointer, _ encoding: TextEncoding) -> Int {
        let unit = encoding == .utf16le || encoding == .utf16be ? 2 : 4
        // A UTF-16 unit makes at most 3 bytes of UTF-8 from 2; a UTF-32 one at most 4 from 4.
        let want = unit == 2 ? out.count / 3 * 2 : out.count / 4 * 4
        precondition(want >= unit, "at least 16 bytes of room")
        while true {
            if !ended, pending.count < want {
                var more = [UInt8](repeating: 0, count: want - pending.count)
                let n = more.withUnsafeMutableBytes { source($0) }
                if n < 0 { ended = true; return n }
                if n == 0 { ended = true } else { pending += more[..<n] }
            }
            var usable = min(pending.count, want) / unit * unit
            if !ended, unit == 2, usable >= 2 {
                // A high surrogate waits for its low half.
                let hi = encoding == .utf16le ? pending[usable - 1] : pending[usable - 2]
                if hi >= 0xD8, hi < 0xDC { usable -= 2 }
            }
            if ended, usable == 0 {
                pending = []
                return 0
            }
            guard usable > 0 else { continue }
            let text = pending.withUnsafeBytes { encoding.decode(UnsafeRawBufferPointer(rebasing: $0[..<usable])) }
            pending.removeFirst(usable)
            text.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: text.count) }
            if text.isEmpty { continue }
            return text.count
        }
    }
}

extension PrintableRuns {
    /// `view` in place (`reviewgate_printable_view`, C: clean stretches 32 bytes at a time;
    /// a compiled object or an archive member is megabytes of such bytes).
    static func viewInPlace(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        reviewgate_printable_view(base.assumingMemoryBound(to: UInt8.self), bytes.count, minimumWideRun)
    }

    /// The shortest UTF-16 string read out of binary content (`strings -el` reads 4; a
    /// secret with its name is longer than 8).
    static let minimumWideRun = 8
}
