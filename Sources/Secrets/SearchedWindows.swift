import Base

/// What each rule's regex found in the windows of a text (the lines around its keywords),
/// kept with a blob while the walk of its delta tree builds the next versions from it. A
/// version searches again only the windows its delta did not copy whole: a window whose bytes,
/// and the bytes the regex may look behind its start (`Pattern.reuseLookbehind`), were copied
/// from one stretch of the base, where the base searched exactly that window for the same rule,
/// has the base's matches (the keywords in it are the same too, being in the same bytes). A
/// history repeats most lines of a file from one version to the next; searching them again was
/// a tenth of an audit.
public struct SearchedWindows: Sendable {
    /// One searched window: its rule, where it stands, and its matches (`found[first..<end]`).
    struct Window {
        var rule: Int32
        var lower: Int
        var upper: Int
        var first: Int32
        var end: Int32
    }
    /// By rule, then by window start (`Scanner.candidates` searches in that order).
    var windows: [Window] = []
    var found: [Match] = []
    /// How many of the windows were taken from a base rather than searched.
    public internal(set) var reused = 0
    /// The keyword occurrences the guards were asked about (`KeywordOccurrences.packed`), and
    /// per occurrence what they said (`GuardVerdicts`): a version built on this one takes the
    /// verdicts of occurrences it copied with every byte a guard reads.
    var occurrences = KeywordOccurrences.none
    var verdicts: [UInt64] = []

    public init() {}

    /// Memory the record may take: a few times the bytes it describes (a hostile blob of a
    /// million matching lines is searched again by its versions rather than held).
    var allowance = Int.max

    init(expecting count: Int, bytes: Int) {
        windows.reserveCapacity(min(count, 1 << 16))
        allowance = 4 * bytes + (64 << 10)
    }

    /// Whether the record has grown past its allowance (it is then dropped).
    var isOverAllowance: Bool { windows.count * 40 + found.count * 160 + verdicts.count * 8 > allowance }

    public var count: Int { windows.count }

    mutating func append(rule: Int, range: Range<Int>, matches: some Collection<Match>) {
        let first = Int32(found.count)
        found.append(contentsOf: matches)
        windows.append(Window(rule: Int32(rule), lower: range.lowerBound, upper: range.upperBound, first: first, end: Int32(found.count)))
    }

    /// The base's matches for `window` of the new bytes (moved to the new bytes' offsets), when
    /// the base searched the very bytes of that window for `rule`; nil when it did not, or
    /// when a copy does not show it.
    func matches(rule: Int, window: Range<Int>, lookbehind: Int, copies: [CopiedBytes]) -> [Match]? {
        let need = max(0, window.lowerBound - lookbehind)
        return copies.withUnsafeBufferPointer { copies -> [Match]? in
            // The copy holding `need`: the last one starting at or before it.
            var lo = 0, hi = copies.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if copies[mid].target <= need { lo = mid + 1 } else { hi = mid }
            }
            guard lo > 0 else { return nil }
            let copy = copies[lo - 1]
            guard window.upperBound <= copy.target + copy.count else { return nil }
            let shift = copy.source - copy.target
            // Where the lookbehind reaches the start of either text, the regex can see it (`^`,
            // `\A`): the window must stand as far from the start in both.
            if need == 0 || need + shift == 0, shift != 0 { return nil }
            let lower = window.lowerBound + shift, upper = window.upperBound + shift
            let key = Int32(rule)
            return windows.withUnsafeBufferPointer { windows -> [Match]? in
                // The base's window for `rule` starting at `lower`.
                var lo = 0, hi = windows.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    let w = windows[mid]
                    if w.rule < key || (w.rule == key && w.lower < lower) { lo = mid + 1 } else { hi = mid }
                }
                guard lo < windows.count else { return nil }
                let w = windows[lo]
                guard w.rule == key, w.lower == lower, w.upper == upper else { return nil }
                if w.first == w.end { return [] }
                return found[Int(w.first)..<Int(w.end)].map { $0.shifted(by: -shift) }
            }
        }
    }
}

extension Match {
    /// The same match with every range moved by `delta` bytes.
    func shifted(by delta: Int) -> Match {
        Match(groups: groups.map { $0.map { ($0.lowerBound + delta)..<($0.upperBound + delta) } })
    }
}

/// What the keyword guards said about each occurrence of a text: bit `j` for the keyword's
/// `j`th rule (admitted), and `known` once asked. A version of the text built on it by a delta
/// takes a verdict instead of walking again when the delta copied the occurrence with every
/// byte a guard may read around it (`before` and `after`: the opener's walk back and the
/// forward walk; both texts then hold the same bytes there, far from either end).
struct GuardVerdicts {
    static let known: UInt64 = 1 << 63
    /// Rules of one keyword a verdict can hold.
    static let rules = 63
    static let before = ForwardGuard.reach + 2
    static func after(_ length: Int) -> Int { length + ForwardGuard.reach + KeywordGuard.longest + 2 }

    private let occurrences: KeywordOccurrences
    private let verdicts: [UInt64]
    private let copies: [CopiedBytes]
    private var copy = 0
    /// Where the last look-up in the current copy stood in `occurrences` (-1: none yet).
    private var at = -1

    /// Nil when the base kept no verdicts.
    init?(base: SearchedWindows, copies: [CopiedBytes]) {
        guard !base.verdicts.isEmpty, base.verdicts.count == base.occurrences.count else { return nil }
        occurrences = base.occurrences
        verdicts = base.verdicts
        self.copies = copies
    }

    /// The base's verdict for the occurrence of `keyword` (`length` bytes) at `start`, asked
    /// in ascending order of start; nil when it is not to be taken.
    mutating func verdict(start: Int, keyword: Int, length: Int) -> UInt64? {
        while copy < copies.count, copies[copy].target + copies[copy].count <= start {
            copy += 1
            at = -1
        }
        guard copy < copies.count else { return nil }
        let c = copies[copy]
        guard start - Self.before >= c.target, start + Self.after(length) <= c.target + c.count else { return nil }
        let baseStart = start - c.target + c.source
        let key = KeywordOccurrences.pack(baseStart, keyword)
        // The copy's first look-up searches; within one copy the base's occurrences follow in
        // the same order.
        if at < 0 { at = occurrences.firstIndex(from: baseStart) }
        while at < occurrences.count, occurrences.packed[at] < key { at += 1 }
        guard at < occurrences.count, occurrences.packed[at] == key else { return nil }
        let v = verdicts[at]
        return v & Self.known != 0 ? v : nil
    }
}
