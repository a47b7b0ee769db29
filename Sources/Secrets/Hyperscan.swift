#if canImport(Glibc)
import Glibc
#endif
import CHyperscan
import Synchronization

/// The keyword prefilter on Hyperscan (SIMD literal matching), when the machine supports it:
/// several times faster than the `KeywordSet` automaton over gigabytes of history. Same
/// answers: every occurrence of every keyword, ASCII case-insensitive.
final class HyperscanKeywords: @unchecked Sendable {
    private let database: OpaquePointer
    private let lengths: [Int]

    /// What a database is compiled from: expressions (literals, for `hs_compile_lit_multi`)
    /// with their flags and ids, and each id's match length (a keyword's or trigger's).
    struct Inputs {
        var literal: Bool
        var expressions: [[UInt8]]
        var flags: [UInt32]
        var ids: [UInt32]
        var lengths: [Int]

        /// The keywords, ASCII case-insensitive, ids their indices.
        static func keywords(_ keywords: [String]) -> Inputs {
            let bytes = keywords.map { Array($0.utf8) }
            return Inputs(literal: true, expressions: bytes, flags: bytes.map { _ in UInt32(HS_FLAG_CASELESS) },
                          ids: bytes.indices.map { UInt32($0) }, lengths: bytes.map(\.count))
        }

        /// The keywords and the decoders' triggers in one database, ids `0..<keywords.count` the
        /// keywords' and `keywords.count + trigger.rawValue` the triggers' (but `run` and
        /// `hexRun`, searched apart).
        static func merged(_ keywords: [String], triggers: [Trigger]) -> Inputs {
            let expressions = keywords.map { literal(Array($0.utf8)) } + triggers.map(\.expression)
            var lengths = keywords.map(\.utf8.count) + Trigger.allCases.map { _ in 0 }
            for trigger in triggers { lengths[keywords.count + trigger.rawValue] = trigger.length }
            return Inputs(literal: false, expressions: expressions.map { Array($0.utf8) },
                          flags: keywords.map { _ in UInt32(HS_FLAG_CASELESS) } + triggers.map { _ in UInt32(0) },
                          ids: keywords.indices.map { UInt32($0) } + triggers.map { UInt32(keywords.count + $0.rawValue) },
                          lengths: lengths)
        }

        /// Bytes as an expression that matches them and nothing else: every byte escaped.
        static func literal(_ bytes: [UInt8]) -> String {
            // Written byte by byte into one buffer: every run builds these for all keywords
            // (they name the kept database), and a string per byte cost 1.5 ms of each start.
            let digits = Array("0123456789abcdef".utf8)
            return String(unsafeUninitializedCapacity: bytes.count * 4) { out in
                for (k, byte) in bytes.enumerated() {
                    out[4 * k] = 0x5C
                    out[4 * k + 1] = 0x78
                    out[4 * k + 2] = digits[Int(byte >> 4)]
                    out[4 * k + 3] = digits[Int(byte & 15)]
                }
                return bytes.count * 4
            }
        }

        /// The triggers alone, ids their raw values.
        static func triggers(_ triggers: [Trigger]) -> Inputs {
            var lengths = Trigger.allCases.map { _ in 0 }
            for trigger in triggers { lengths[trigger.rawValue] = trigger.length }
            return Inputs(literal: false, expressions: triggers.map { Array($0.expression.utf8) }, flags: triggers.map { _ in 0 },
                          ids: triggers.map { UInt32($0.rawValue) }, lengths: lengths)
        }
    }

    /// nil when Hyperscan cannot run here or cannot compile the set; callers use `KeywordSet`.
    convenience init?(_ keywords: [String]) {
        guard !keywords.isEmpty else { return nil }
        self.init(.keywords(keywords))
    }

    /// The keywords and the decoders' triggers in one database (`Inputs.merged`): one pass
    /// where two cost about 1.7 times as much, for a compile about ten times as long (some
    /// 130 ms), so only for long searches or when the database is kept (`HyperscanCache`).
    convenience init?(_ keywords: [String], triggers: [Trigger]) {
        guard !keywords.isEmpty else { return nil }
        self.init(.merged(keywords, triggers: triggers))
    }

    /// The database for `inputs`, from the cache or compiled (and then kept); with
    /// `cachedOnly`, nil unless the cache holds it.
    init?(_ inputs: Inputs, cachedOnly: Bool = false) {
        guard let found = HyperscanCache.database(inputs, cachedOnly: cachedOnly) else { return nil }
        database = found
        lengths = inputs.lengths
    }

    /// A block-mode database of `inputs`, or nil when Hyperscan cannot run here or refuses them.
    static func compile(_ inputs: Inputs) -> OpaquePointer? {
        guard hs_valid_platform() == HS_SUCCESS, !inputs.expressions.isEmpty else { return nil }
        let strings = inputs.expressions.map { bytes -> UnsafeMutablePointer<CChar> in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
            p[bytes.count] = 0
            return p
        }
        defer { strings.forEach { $0.deallocate() } }
        let pointers: [UnsafePointer<CChar>?] = strings.map { UnsafePointer($0) }
        var db: OpaquePointer?
        var error: UnsafeMutablePointer<hs_compile_error_t>?
        let count = UInt32(inputs.expressions.count)
        let status = inputs.literal
            ? hs_compile_lit_multi(pointers, inputs.flags, inputs.ids, inputs.expressions.map(\.count), count, UInt32(HS_MODE_BLOCK), nil, &db, &error)
            : hs_compile_multi(pointers, inputs.flags, inputs.ids, count, UInt32(HS_MODE_BLOCK), nil, &db, &error)
        if let error { hs_free_compile_error(error) }
        return status == HS_SUCCESS ? db : nil
    }

    deinit { hs_free_database(database) }

    /// What the match callback needs, on the caller's stack: a class instance per scan cost
    /// an allocation and its release for every stretch a delta inserted.
    private struct Sink {
        let lengths: UnsafeBufferPointer<Int>
        let hit: (Int, Int) -> Void
    }

    /// Calls `hit(keyword, start)` for every occurrence; false when Hyperscan could not scan
    /// (the caller then uses the automaton, after discarding what was reported). `scratch` is
    /// the caller thread's Hyperscan scratch, allocated (or grown) here on first use.
    func forEachOccurrence(in bytes: UnsafeRawBufferPointer, scratch: inout OpaquePointer?,
                           _ hit: (Int, Int) -> Void) -> Bool {
        guard bytes.count > 0, let base = bytes.baseAddress else { return true }
        // Once made, a scratch serves every later scan of this database; checking it again
        // costs more than scanning a short stretch.
        if scratch == nil, hs_alloc_scratch(database, &scratch) != HS_SUCCESS { return false }
        // hs_scan takes a 32-bit length; larger inputs are left to the automaton.
        guard bytes.count < Int(UInt32.max) else { return false }
        return withoutActuallyEscaping(hit) { hit in
            lengths.withUnsafeBufferPointer { lengths in
                var sink = Sink(lengths: lengths, hit: hit)
                return withUnsafeMutablePointer(to: &sink) { sink in
                    func run() -> hs_error_t {
                        hs_scan(database, base.assumingMemoryBound(to: CChar.self), UInt32(bytes.count), 0, scratch, { id, _, to, _, ctx in
                            let sink = ctx!.assumingMemoryBound(to: HyperscanKeywords.Sink.self)
                            let keyword = Int(id)
                            // Every id is one of ours (a kept database is sealed with its key);
                            // checked all the same, as an index into unchecked memory.
                            guard keyword < sink.pointee.lengths.count else { return 0 }
                            sink.pointee.hit(keyword, Int(to) - sink.pointee.lengths[keyword])
                            return 0
                        }, UnsafeMutableRawPointer(sink))
                    }
                    var status = run()
                    // A scratch made for another database is refused before any match is reported.
                    if status == HS_INVALID, hs_alloc_scratch(database, &scratch) == HS_SUCCESS { status = run() }
                    return status == HS_SUCCESS
                }
            }
        }
    }
}

/// `HyperscanKeywords`, compiled only once a scanner has been asked to search enough bytes for
/// the compile (about 10 ms for the ~900 built-in keywords, the largest start-up cost of a
/// hook) to pay: until then the `KeywordSet` automaton, much cheaper to build, searches. Both
/// give the same answers, so which one ran never shows.
final class LazyHyperscanKeywords: @unchecked Sendable {
    /// One input at least this large, or this many bytes searched in all, compiles the database.
    /// The automaton (with the triggers searched in Swift) costs about 6 ms a MiB, so past
    /// 2 MiB the compile has paid for itself; a push of ordinary size stays below.
    static let inputThreshold = 1 << 20
    static let totalThreshold = 2 << 20
    /// Past this many bytes searched in all, the keywords and triggers are compiled into one
    /// database (`HyperscanKeywords(_:triggers:)`): its compile (on one thread, the others
    /// going on) costs what one pass over about 200 MB saves, so a history's audit (most
    /// search from several hundred megabytes to gigabytes) gains, and a push never pays.
    static let mergedThreshold = 128 << 20
    static let mergedMostKeywords = 4000

    private let words: [String]
    private let searched = Atomic<Int>(0)
    /// 0: not compiled yet; 1: compiled, in `built`; 2: Hyperscan cannot run here; 3: the
    /// keywords and triggers compiled together too, in `merged`; 4: `built` only, for good.
    private let status = Atomic<Int>(0)
    /// Whether a kept merged database was looked for (once, on the first search).
    private let triedKept = Atomic<Bool>(false)
    private let lock = Mutex<Void>(())
    /// Written once each, under `lock`, before `status` says so (released); read after it is seen.
    private var built: HyperscanKeywords?
    private var merged: HyperscanKeywords?

    init(_ words: [String], keptAtFirstSearch: Bool = true) {
        self.words = words
        if !keptAtFirstSearch { triedKept.store(true, ordering: .relaxed) }
    }

    /// Compiles and keeps (`HyperscanCache`) every database a search may load, so later runs
    /// on this machine start with the fastest one (a damaged kept file is compiled again);
    /// true when each now loads from the cache (or there is nothing to search with).
    func prepareKept() -> Bool {
        guard !words.isEmpty else { return true }
        guard HyperscanCache.isUsable else { return false }
        var wanted: [HyperscanKeywords.Inputs] = [.keywords(words), .triggers(Trigger.onHyperscan)]
        if words.count <= Self.mergedMostKeywords { wanted.append(.merged(words, triggers: Trigger.onHyperscan)) }
        for inputs in wanted { _ = HyperscanKeywords(inputs) }
        return wanted.allSatisfy { HyperscanKeywords($0, cachedOnly: true) != nil }
    }

    /// Whether this scanner searched enough to compile the keywords' database and found no
    /// kept merged one: a later run would start with the fastest database if one were kept
    /// (`prepareKept`).
    var missedKeptMerged: Bool {
        status.load(ordering: .acquiring) == 1 && words.count <= Self.mergedMostKeywords && HyperscanCache.isUsable
    }

    /// The database to search `count` bytes with, counting them, and whether it holds the
    /// triggers too; nil: use the automaton.
    func database(forSearching count: Int) -> (database: HyperscanKeywords, withTriggers: Bool)? {
        switch status.load(ordering: .acquiring) {
        case 3: return (merged!, true)
        case 4: return (built!, false)
        case 2: return nil
        case 1:
            let total = searched.wrappingAdd(count, ordering: .relaxed).newValue
            guard total >= Self.mergedThreshold else { return (built!, false) }
            // As below: one thread compiles, the others go on meanwhile. Not for a rule set of
            // many thousands of keywords: the compile grows with them, and the thread doing it
            // scans nothing meanwhile.
            lock.withLockIfAvailable { _ in
                if status.load(ordering: .acquiring) == 1 {
                    merged = words.count > Self.mergedMostKeywords ? nil
                        : HyperscanKeywords(words, triggers: Trigger.onHyperscan)
                    status.store(merged == nil ? 4 : 3, ordering: .releasing)
                }
            }
            return (built!, false)
        default: break
        }
        // On the first search, a kept merged database (`HyperscanCache`) is taken whatever
        // the length: loading it (about a millisecond) costs less than building the automaton.
        // It is never compiled here (some 400 ms, which a CI job without a kept cache would pay
        // on every run): by a long search below, or ahead of time (`prepareKept`).
        if !triedKept.load(ordering: .relaxed) {
            lock.withLockIfAvailable { _ in
                guard !triedKept.load(ordering: .relaxed) else { return }
                triedKept.store(true, ordering: .relaxed)
                guard status.load(ordering: .acquiring) == 0, words.count <= Self.mergedMostKeywords,
                      let one = HyperscanKeywords(.merged(words, triggers: Trigger.onHyperscan), cachedOnly: true) else { return }
                merged = one
                status.store(3, ordering: .releasing)
            }
            if status.load(ordering: .acquiring) == 3 { return (merged!, true) }
        }
        let total = searched.wrappingAdd(count, ordering: .relaxed).newValue
        guard count >= Self.inputThreshold || total >= Self.totalThreshold else { return nil }
        // One thread compiles; the others go on with the automaton meanwhile instead of
        // waiting for it (a tree scan's other worker stood idle for the whole compile).
        let compiled = lock.withLockIfAvailable { _ -> HyperscanKeywords? in
            if status.load(ordering: .acquiring) == 0 {
                built = HyperscanKeywords(words)
                status.store(built == nil ? 2 : 1, ordering: .releasing)
            }
            return built
        }
        return (compiled ?? nil).map { ($0, false) }
    }
}
