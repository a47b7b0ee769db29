// Secret rules and the engine that finds them in bytes. This module knows bytes and rules,
// nothing about commits or repositories.
import CHyperscan
import CPCRE2
import Synchronization

/// A compilation failure, with the 0-based offset in the pattern where PCRE2 stopped.
public struct PatternError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at offset \(offset)" }
}

/// A PCRE2 pattern compiled once, matched on raw bytes: subjects are never required to be
/// UTF-8, so a file with invalid bytes is scanned like any other. The compiled code is shared by
/// every thread; each thread brings its own `MatchScratch`. Machine code (JIT) is made on the
/// first match, not at load: of hundreds of rules a push usually wakes a handful, and JIT is
/// three quarters of compiling them all, paid by a hook on every push.
public final class Pattern: @unchecked Sendable {
    public let source: String
    private let caseInsensitive: Bool
    /// The compiled code, its group count and lookbehind reach: set once by `prepare` (under
    /// `lock`) before `ready` is stored (released); read after `ready` is seen (acquired).
    private var compiled: OpaquePointer?
    private var groups = 0
    private var lookbehindReach = 1
    private let ready = Atomic<Bool>(false)
    private let lock = Mutex<Bool?>(nil) // whether JIT compiled, once tried

    /// Compiles `source` now: a pattern that does not compile is an error here.
    public convenience init(_ source: String, caseInsensitive: Bool = false) throws(PatternError) {
        self.init(unchecked: source, caseInsensitive: caseInsensitive)
        let code = try Self.compile(source, caseInsensitive: caseInsensitive)
        lock.withLock { _ in adopt(code) }
    }

    /// A pattern compiled on its first use (a built-in rule's, which the test suite compiles
    /// every one of): of hundreds of rules a run usually wakes a handful, and compiling them
    /// all was a tenth of a hook's start. It must compile; a failure at first use stops the
    /// process (fail closed) rather than match nothing.
    public init(unchecked source: String, caseInsensitive: Bool = false) {
        self.source = source
        self.caseInsensitive = caseInsensitive
    }

    private static func compile(_ source: String, caseInsensitive: Bool) throws(PatternError) -> OpaquePointer {
        var errorCode: Int32 = 0
        var errorOffset = 0
        // Lets a search say how far its match may start (`startingAtMost`); no cost otherwise.
        var options = UInt32(PCRE2_USE_OFFSET_LIMIT)
        if caseInsensitive { options |= UInt32(PCRE2_CASELESS) }
        let compiled = source.withCString { text in
            text.withMemoryRebound(to: UInt8.self, capacity: source.utf8.count) {
                pcre2_compile_8($0, source.utf8.count, options, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else { throw PatternError(message: Pattern.message(errorCode), offset: errorOffset) }
        return compiled
    }

    /// Takes `code` as this pattern's (under `lock`, once).
    private func adopt(_ code: OpaquePointer) {
        guard compiled == nil else { pcre2_code_free_8(code); return }
        compiled = code
        var count: UInt32 = 0
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        groups = Int(count)
        var lookbehind: UInt32 = 0
        pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_MAXLOOKBEHIND), &lookbehind)
        // PCRE2 reports the longest single lookbehind; nested ones reach further (each level at
        // most that far, and a `\b` or `^` inside one more). Bytes before a window that a
        // reuse must find unchanged: every level counted, and at least one, which also shows
        // where the text starts (`^` counts none).
        var levels = 1
        var previous: (UInt8, UInt8) = (0, 0)
        for c in source.utf8 {
            if previous == (0x28, 0x3F), c == 0x3C { levels += 1 } // "(?<"
            previous = (previous.1, c)
        }
        lookbehindReach = (Int(lookbehind) + 1) * levels
    }

    /// The code, compiled (if deferred) and given machine code (JIT) on first use: JIT is
    /// three quarters of compiling a rule, and a push usually wakes a handful of hundreds.
    @inline(__always) private func prepare() -> OpaquePointer {
        if !ready.load(ordering: .acquiring) {
            lock.withLock { tried in
                if compiled == nil {
                    do { adopt(try Self.compile(source, caseInsensitive: caseInsensitive)) } catch {
                        fatalError("built-in pattern \(source.debugDescription) does not compile: \(error)")
                    }
                }
                if tried == nil { tried = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0 }
            }
            ready.store(true, ordering: .releasing)
        }
        return compiled!
    }

    /// How many capture groups the pattern has.
    public var captureCount: Int {
        _ = prepare()
        return groups
    }

    /// How many bytes before a window a reuse of its matches must find unchanged
    /// (`SearchedWindows`): PCRE2's longest lookbehind, bounded for nested lookbehinds and
    /// start-of-text anchors.
    public var reuseLookbehind: Int {
        _ = prepare()
        return lookbehindReach
    }

    /// Whether the pattern runs as machine code (compiling it now if that was not tried yet).
    public var isJIT: Bool {
        _ = prepare()
        return lock.withLock { $0 ?? false }
    }

    deinit { if let compiled { pcre2_code_free_8(compiled) } }

    /// The first match at or after `start` (and starting at `startingAtMost` at the latest,
    /// when given), or nil. A match that would exceed the scratch's limits (catastrophic
    /// backtracking) ends the search and is reported in `scratch.limitHit`.
    public func firstMatch(in subject: UnsafeRawBufferPointer, from start: Int = 0, startingAtMost last: Int? = nil,
                           using scratch: MatchScratch) -> Match? {
        guard start <= subject.count else { return nil }
        let code = prepare()
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self)
            ?? UnsafePointer<UInt8>(bitPattern: 1)!
        if let last { pcre2_set_offset_limit_8(scratch.context, last) }
        let rc = pcre2_match_8(code, base, subject.count, start, 0, scratch.data, scratch.context)
        // PCRE2_UNSET (~0): no limit for the scratch's next search.
        if last != nil { pcre2_set_offset_limit_8(scratch.context, Int(bitPattern: UInt.max)) }
        if rc == PCRE2_ERROR_NOMATCH { return nil }
        if rc < 0 {
            if rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT {
                scratch.limitHit = true
            }
            return nil
        }
        // PCRE2_UNSET is ~(size_t)0, which Swift (size_t as Int) sees as -1.
        let vector = pcre2_get_ovector_pointer_8(scratch.data)!
        let pairs = Int(pcre2_get_ovector_count_8(scratch.data))
        var groups: [Range<Int>?] = []
        let captureCount = self.groups
        groups.reserveCapacity(captureCount + 1)
        for i in 0...captureCount {
            if i < pairs, i < Int(rc), vector[2 * i] != Int(bitPattern: UInt.max) {
                let lo = vector[2 * i], hi = vector[2 * i + 1]
                groups.append(lo <= hi ? lo..<hi : hi..<hi)
            } else {
                groups.append(nil)
            }
        }
        return Match(groups: groups)
    }

    /// Every non-overlapping match from the start.
    public func allMatches(in subject: UnsafeRawBufferPointer, using scratch: MatchScratch) -> [Match] {
        var result: [Match] = []
        var position = 0
        while position <= subject.count, let match = firstMatch(in: subject, from: position, using: scratch) {
            result.append(match)
            position = match.range.isEmpty ? match.range.upperBound + 1 : match.range.upperBound
        }
        return result
    }

    static func message(_ code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[..<Int(n)], as: UTF8.self) : "PCRE2 error \(code)"
    }
}

/// One match: the whole match and each capture group (nil where a group did not take part).
public struct Match: Sendable, Equatable {
    public var groups: [Range<Int>?]
    public var range: Range<Int> { groups[0]! }
}

/// Per-thread matching state: PCRE2 match data sized for the largest pattern, a JIT stack,
/// and limits that bound the work on pathological input.
public final class MatchScratch {
    let data: OpaquePointer
    let context: OpaquePointer
    let jitStack: OpaquePointer?
    /// Set when a match gave up at a limit, so the caller can report the input as not
    /// fully scanned instead of silently passing it.
    public var limitHit = false
    /// How many searches gave up at a limit since this scratch was made (the scanner resumes
    /// after each on the next line).
    public var limitsHit = 0
    /// How many texts stopped being decoded at the decoding budget with triggers left: the
    /// reader reports each as not fully scanned (`decode-limit`).
    public var decodeLimitsHit = 0
    /// Archives found encoded inside text (base64 of a gzip): how deep the reader is in one
    /// (one level is opened), and what they expanded to in the blob being read (one budget
    /// per blob, like its own archives'; reset where a blob's reading starts).
    var decodedArchiveDepth = 0
    var decodedArchiveExpanded = 0
    /// Set while a join of listed pieces is read (`Decoders.joinListedPieces`): no pieces are
    /// joined again inside it.
    var insideListedJoin = false
    /// This thread's Hyperscan scratch for the keyword prefilter (made on first use).
    var keywordScratch: OpaquePointer?
    /// The same for the decoders' triggers, and for both in one database.
    var triggerScratch: OpaquePointer?
    var mergedScratch: OpaquePointer?
    /// How many keyword occurrences took their guards' verdicts from a delta's base
    /// (`GuardVerdicts`) rather than walking again.
    var guardVerdictsTaken = 0
    /// The new stretches of a delta's bytes, laid end to end to be searched at once.
    var regionBytes: [UInt8] = []
    /// What the run trigger's first look said of recent runs (made on first use).
    lazy var runVerdicts = RunVerdicts()

    public init(maxCaptures: Int = 32, matchLimit: UInt32 = 1_000_000, depthLimit: UInt32 = 10_000) {
        data = pcre2_match_data_create_8(UInt32(maxCaptures + 1), nil)
        context = pcre2_match_context_create_8(nil)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        pcre2_set_match_limit_8(context, matchLimit)
        pcre2_set_depth_limit_8(context, depthLimit)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        if let keywordScratch { hs_free_scratch(keywordScratch) }
        if let triggerScratch { hs_free_scratch(triggerScratch) }
        if let mergedScratch { hs_free_scratch(mergedScratch) }
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(context)
        pcre2_match_data_free_8(data)
    }
}
