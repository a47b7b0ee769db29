/// Every occurrence of every rule keyword in some bytes: the prefilter's whole answer, from
/// which `Scanner.candidates(in:keywords:scratch:)` does the rest. For bytes made from others
/// by copying stretches and inserting new bytes (a pack delta), the occurrences follow from the
/// base's occurrences and a search of the new bytes and seams alone, identical to a search of
/// the whole (literal keywords look at nothing but their own bytes).

import Base
public struct KeywordOccurrences: Sendable, Equatable {
    /// `start << 24 | keyword`, ascending: by start, then keyword.
    var packed: [UInt64]

    public static let none = KeywordOccurrences(packed: [])
    public var count: Int { packed.count }

    static func pack(_ start: Int, _ keyword: Int) -> UInt64 { UInt64(start) << 24 | UInt64(keyword) }
    static func unpack(_ value: UInt64) -> (start: Int, keyword: Int) { (Int(value >> 24), Int(value & 0xff_ffff)) }

    /// The first index whose start is at least `start`.
    func firstIndex(from start: Int) -> Int {
        let key = UInt64(start) << 24
        var lo = 0, hi = packed.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if packed[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

extension Scanner {
    /// Every keyword occurrence in `bytes`, overlapping ones included.
    public func keywordOccurrences(in bytes: UnsafeRawBufferPointer, scratch: MatchScratch) -> KeywordOccurrences {
        var list: [UInt64] = []
        search(bytes, offset: 0, scratch: scratch, into: &list)
        list.sort()
        return KeywordOccurrences(packed: list)
    }

    /// The keyword occurrences of `bytes`, which hold the stretches `copies` (ascending,
    /// not overlapping, within both) of a base whose occurrences are `base`; the bytes
    /// between copies are new. Equal to `keywordOccurrences(in: bytes)`: an occurrence lying
    /// wholly inside one copied stretch is one of the base's, moved; any other touches new
    /// bytes or a seam between two copies, and lies within the longest keyword's length of it,
    /// where the bytes are searched.
    public func keywordOccurrences(in bytes: UnsafeRawBufferPointer, base: KeywordOccurrences, copies: [CopiedBytes],
                                   scratch: MatchScratch) -> KeywordOccurrences {
        guard longestKeyword > 0, bytes.count > 0 else { return .none }
        // Copies that continue each other in both the bytes and the base are one copy.
        var merged: [CopiedBytes] = []
        merged.reserveCapacity(copies.count)
        for copy in copies where copy.count > 0 {
            if let last = merged.last, last.target + last.count == copy.target, last.source + last.count == copy.source {
                merged[merged.count - 1].count += copy.count
            } else {
                merged.append(copy)
            }
        }
        var list: [UInt64] = []
        // Moved: the base's occurrences wholly inside each copy.
        for copy in merged {
            let end = copy.source + copy.count
            var i = base.firstIndex(from: copy.source)
            while i < base.packed.count {
                let (start, keyword) = KeywordOccurrences.unpack(base.packed[i])
                if start >= end { break }
                if start + keywordLengths[keyword] <= end {
                    list.append(KeywordOccurrences.pack(start - copy.source + copy.target, keyword))
                }
                i += 1
            }
        }
        // New: search every stretch not copied, and every seam between two copies, widened by
        // the longest keyword less one byte on both sides.
        let reach = longestKeyword - 1
        var regions: [Range<Int>] = []
        func add(_ lo: Int, _ hi: Int) {
            let range = max(0, lo - reach)..<min(bytes.count, hi + reach)
            guard !range.isEmpty else { return }
            if let last = regions.last, range.lowerBound <= last.upperBound {
                regions[regions.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                regions.append(range)
            }
        }
        var covered = 0
        for copy in merged {
            // A stretch of new bytes before this copy, or a seam with the previous copy.
            add(covered, copy.target)
            covered = copy.target + copy.count
        }
        add(covered, bytes.count)
        let moved = list.count
        searchRegions(regions, of: bytes, scratch: scratch, into: &list)
        // Found again by the search but already moved from the base: those inside one copy.
        var kept = moved
        for i in moved..<list.count {
            let (start, keyword) = KeywordOccurrences.unpack(list[i])
            if !Self.inside(start..<(start + keywordLengths[keyword]), merged) {
                list[kept] = list[i]
                kept += 1
            }
        }
        list.removeLast(list.count - kept)
        list.sort()
        return KeywordOccurrences(packed: list)
    }

    /// Appends the occurrences in `regions` of `bytes` (ascending, apart) to `list`, as
    /// searching each on its own would, as far as the caller keeps them: the regions laid end
    /// to end with a NUL byte between two and searched in one pass (a delta's regions are a
    /// few hundred bytes each, where a search's fixed cost outweighs its bytes). What the
    /// joined bytes show and the regions alone would not (a run just after a NUL, put one byte
    /// before its region; a match running on past a region's end) starts within the longest
    /// keyword's length past a region's new bytes, so it lies wholly inside the copy there and
    /// the caller drops it with the other occurrences wholly inside one copy. The NUL, in no
    /// keyword or trigger, only keeps such matches rare. Large regions are searched alone.
    private func searchRegions(_ regions: [Range<Int>], of bytes: UnsafeRawBufferPointer, scratch: MatchScratch,
                               into list: inout [UInt64]) {
        let total = regions.reduce(0) { $0 + $1.count }
        guard regions.count > 1, total <= 1 << 20 else {
            for region in regions {
                search(UnsafeRawBufferPointer(rebasing: bytes[region]), offset: region.lowerBound, scratch: scratch, into: &list)
            }
            return
        }
        var joined = scratch.regionBytes
        scratch.regionBytes = []
        defer { scratch.regionBytes = joined }
        joined.removeAll(keepingCapacity: true)
        // Where each region starts in `joined` (its separator, from the second on, one before).
        var starts: [Int] = []
        starts.reserveCapacity(regions.count)
        for region in regions {
            if !joined.isEmpty { joined.append(0) }
            starts.append(joined.count)
            joined.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[region]))
        }
        let first = list.count
        joined.withUnsafeBytes { search($0, offset: 0, scratch: scratch, into: &list) }
        for i in first..<list.count {
            let (at, keyword) = KeywordOccurrences.unpack(list[i])
            // The last region starting at or before `at`, its separator counted as its own.
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if starts[mid] - 1 <= at { lo = mid + 1 } else { hi = mid }
            }
            let region = max(0, lo - 1)
            list[i] = KeywordOccurrences.pack(at - starts[region] + regions[region].lowerBound, keyword)
        }
    }

    /// Whether `range` lies wholly inside one of `copies` (ascending by target).
    static func inside(_ range: Range<Int>, _ copies: [CopiedBytes]) -> Bool {
        var lo = 0, hi = copies.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if copies[mid].target <= range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return false }
        let copy = copies[lo - 1]
        return range.upperBound <= copy.target + copy.count
    }

    /// Appends the occurrences in `bytes` (which start at `offset` of the whole) to `list`:
    /// Hyperscan where it runs and has paid for its compile, else the automaton.
    private func search(_ bytes: UnsafeRawBufferPointer, offset: Int, scratch: MatchScratch, into list: inout [UInt64]) {
        guard bytes.count > 0 else { return }
        let before = list.count
        func record(_ keyword: Int, _ start: Int) { list.append(KeywordOccurrences.pack(offset + start, keyword)) }
        let fast = fastKeywords.database(forSearching: bytes.count)
        let first = words.count
        // Keywords and triggers in one pass, once a long search has paid for that database.
        if let fast, fast.withTriggers {
            if fast.database.forEachOccurrence(in: bytes, scratch: &scratch.mergedScratch, record) {
                Trigger.forEachRun(in: bytes, verdicts: scratch.runVerdicts) { record(first + $0.rawValue, $1) }
                return
            }
            list.removeLast(list.count - before)
        }
        let database = fast?.withTriggers == false ? fast?.database : nil
        if database?.forEachOccurrence(in: bytes, scratch: &scratch.keywordScratch, record) != true {
            list.removeLast(list.count - before)
            keywords.forEachOccurrence(in: bytes, record)
        }
        // The decoders' triggers, as keywords after the rules' own: on Hyperscan once the
        // keywords are (their database compiled then, once), else searched directly.
        let afterKeywords = list.count
        let triggers: HyperscanTriggers? = fast == nil ? nil : fastTriggers.withLock { built in
            if let built { return built }
            let made = HyperscanTriggers()
            built = .some(made)
            return made
        }
        if triggers?.forEachOccurrence(in: bytes, scratch: &scratch.triggerScratch, { record(first + $0.rawValue, $1) }) != true {
            list.removeLast(list.count - afterKeywords)
            Trigger.forEachOccurrence(in: bytes) { record(first + $0.rawValue, $1) }
        }
        Trigger.forEachRun(in: bytes, verdicts: scratch.runVerdicts) { record(first + $0.rawValue, $1) }
    }
}
