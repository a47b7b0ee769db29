/// What a rule's regex needs after one of its keywords, read as an automaton and run over the
/// bytes after an occurrence: an occurrence after which no match can go on is dropped before
/// any window is made. Two shapes (both read from the regex, neither from lists of words):
///
/// - A rule whose matches start at a keyword (`KeywordReach` 0): the whole regex, from the
///   occurrence (`KeywordGuard` reads only a fixed prefix: `https://` of a license header's
///   URL passes it, and dies here at the `/` before any `user:password@`).
/// - A rule that reads its keywords inside a name and says what must follow the name (the
///   generic assignment rules: `[\w.-]{0,48}?(?:pass|token|key…)[\w.-]{0,32}` then quotes, a
///   type annotation, an operator, a value): the regex from the name's rest on, from the end
///   of the occurrence; and, where the regex opens the name with a byte of its own (`<` of an
///   XML element), that byte where the name begins. `@author Jane`, `getPassword()`,
///   `private String token;` die within a few bytes.
///
/// The automaton is the regex made looser, never stricter: repeats beyond a few copies may go
/// on for ever, quantified groups may repeat or be left out, assertions are passed over, and
/// anything unknown (a backreference) ends the walk with a yes. So whatever the regex matches
/// it reaches the end of, and an occurrence in any match is admitted: in that match the bytes
/// after the keyword are the alternative's rest and the name's (all of the name's class, for
/// the second shape), then what follows. Names never hold a line break, so a match of the
/// second shape starts on the occurrence's line and its window is the one the occurrence
/// makes. A walk reads at most `reach` bytes; past that it admits.
struct ForwardGuard: Sendable {
    var automaton: ShapeAutomaton
    /// Whether the walk starts after the keyword (a name's rest) rather than at it.
    var afterKeyword: Bool
    /// The name's bytes before the keyword, and the byte that must open the name; nil when
    /// the regex has no such byte.
    var before: ByteSet
    var opener: ByteSet?

    /// How far a walk goes before it gives up and admits.
    static let reach = 256

    /// Whether an occurrence of a keyword of `length` bytes at `start` may be in a match;
    /// each byte looked at is taken from `budget`, and with none left every occurrence is
    /// admitted (a file of one name repeated a million times must not cost a walk for each).
    @inline(__always)
    func admits(_ b: UnsafeRawBufferPointer, at start: Int, length: Int, budget: inout Int) -> Bool {
        guard budget > 0 else { return true }
        if let opener {
            // Looked at first: most names have no opener before them.
            var s = start
            while s > 0, start - s < Self.reach, before.contains(b[s - 1]) { s -= 1 }
            budget -= start - s + 1
            if start - s < Self.reach, s == 0 || !opener.contains(b[s - 1]) { return false }
        }
        return automaton.admits(b, from: afterKeyword ? start + length : start, reach: Self.reach, budget: &budget)
    }

    /// The bytes the guards of one text may look at, in all: a few times the text (an ordinary
    /// file uses a small part of it).
    static func budget(for count: Int) -> Int { 4 * count + 65536 }

    /// The guard of a rule whose matches start at its keywords: its whole regex.
    static func starting(_ source: String) -> ForwardGuard? {
        var parser = RegexShape(Array(source.utf8))
        guard let top = parser.parse(), parser.atEnd, let automaton = ShapeAutomaton([.group(top)]) else { return nil }
        return ForwardGuard(automaton: automaton, afterKeyword: false, before: ByteSet(), opener: nil)
    }

    /// The guard of `keyword` for a rule with regex `source` and keywords `ruleKeywords` that
    /// reads its keywords inside a name, or nil when the regex does not have that shape.
    static func naming(_ source: String, keyword: String, ruleKeywords: [String]) -> ForwardGuard? {
        var parser = RegexShape(Array(source.utf8))
        guard let top = parser.parse(), parser.atEnd, top.count == 1 else { return nil }
        let words = ruleKeywords.map { Array($0.lowercased().utf8) }.filter { !$0.isEmpty }
        guard words.contains(Array(keyword.lowercased().utf8)) else { return nil }
        let seq = flatten(top[0])
        // The name's rest: the first repeated class right after a keyword group or literal
        // run (past assertions, which only narrow what matches).
        for (index, node) in seq.enumerated() {
            guard case let .repeated(after, _, _) = node, index > 0 else { continue }
            var k = index - 1
            while k > 0, seq[k].isAssertion { k -= 1 }
            guard let (alternatives, first) = literals(endingAt: k, in: seq),
                  let guardian = make(after: after, alternatives: alternatives, first: first, from: index, seq: seq, words: words)
            else { continue }
            return guardian
        }
        return nil
    }

    private static func make(after: ByteSet, alternatives: [[ByteSet]], first: Int, from index: Int,
                             seq: [RegexShape.Node], words: [[UInt8]]) -> ForwardGuard? {
        let newline: UInt8 = 0x0A
        guard !after.contains(newline) else { return nil }
        // Every alternative holds a keyword whose following bytes are all name bytes.
        var altBytes = ByteSet()
        for alternative in alternatives {
            let spelled = alternative.compactMap(\.lowerLetter)
            guard spelled.count == alternative.count else { return nil }
            var holds = false
            for word in words where word.count <= spelled.count {
                for at in 0...(spelled.count - word.count) where Array(spelled[at..<(at + word.count)]) == word {
                    if alternative[(at + word.count)...].allSatisfy({ $0.isSubset(of: after) }) { holds = true }
                }
            }
            guard holds else { return nil }
            for set in alternative { altBytes.formUnion(set) }
        }
        guard !altBytes.contains(newline), let automaton = ShapeAutomaton(Array(seq[index...])) else { return nil }
        var guardian = ForwardGuard(automaton: automaton, afterKeyword: true, before: ByteSet(), opener: nil)
        // The opener: one byte right before a repeated class right before the keywords.
        if first >= 2, case let .repeated(pre, _, _) = seq[first - 1], case let .set(opener) = seq[first - 2] {
            var before = pre
            before.formUnion(altBytes)
            if !before.contains(newline), opener.intersection(before).isEmpty {
                guardian.before = before
                guardian.opener = opener
            }
        }
        return guardian
    }

    /// The literal alternatives ending at `k` (a group of them, or the longest run of literal
    /// bytes) and the index where they begin.
    private static func literals(endingAt k: Int, in seq: [RegexShape.Node]) -> ([[ByteSet]], Int)? {
        if case let .group(branches) = seq[k] {
            var alternatives: [[ByteSet]] = []
            for branch in branches {
                var sets: [ByteSet] = []
                for node in flatten(branch) {
                    guard case let .set(set) = node, set.lowerLetter != nil else { return nil }
                    sets.append(set)
                }
                guard !sets.isEmpty else { return nil }
                alternatives.append(sets)
            }
            return alternatives.isEmpty ? nil : (alternatives, k)
        }
        var run: [ByteSet] = []
        var start = k + 1
        while start > 0, case let .set(set) = seq[start - 1], set.lowerLetter != nil {
            run.insert(set, at: 0)
            start -= 1
        }
        return run.isEmpty ? nil : ([run], start)
    }

    /// Single-alternative groups taken in place.
    static func flatten(_ nodes: [RegexShape.Node]) -> [RegexShape.Node] {
        var out: [RegexShape.Node] = []
        for node in nodes {
            if case let .group(branches) = node, branches.count == 1 {
                out += flatten(branches[0])
            } else {
                out.append(node)
            }
        }
        return out
    }
}

/// A set of an automaton's positions (at most 128).
struct PositionMask {
    var low: UInt64 = 0
    var high: UInt64 = 0

    static func one(_ i: Int) -> PositionMask {
        i < 64 ? PositionMask(low: 1 << UInt64(i), high: 0) : PositionMask(low: 0, high: 1 << UInt64(i - 64))
    }

    var isEmpty: Bool { low == 0 && high == 0 }
    static func | (a: PositionMask, b: PositionMask) -> PositionMask { PositionMask(low: a.low | b.low, high: a.high | b.high) }
    static func & (a: PositionMask, b: PositionMask) -> PositionMask { PositionMask(low: a.low & b.low, high: a.high & b.high) }
    static func |= (a: inout PositionMask, b: PositionMask) { a = a | b }

    @inline(__always)
    func forEach(_ body: (Int) -> Void) {
        var w = low
        while w != 0 { body(w.trailingZeroBitCount); w &= w - 1 }
        w = high
        while w != 0 { body(64 + w.trailingZeroBitCount); w &= w - 1 }
    }
}

/// A `RegexShape` as a position automaton (Glushkov's: one position per byte-consuming
/// element, no empty moves), made looser than the regex as `ForwardGuard` says, run over bytes
/// from a start to tell whether a match can begin there.
final class ShapeAutomaton: Sendable {
    let follow: [PositionMask]
    /// Per byte value, the positions whose set holds it.
    let byByte: [PositionMask]
    let first: PositionMask
    /// Positions after which the regex may have matched whole.
    let last: PositionMask
    /// Positions standing for what could not be read: reaching one admits.
    let unknown: PositionMask

    /// The same automaton with its sets of positions made states ahead of time (a DFA over
    /// classes of bytes alike), when there are few enough: a walk then takes one table read a
    /// byte, where following positions takes a chain of dependent ones. Nil: positions are
    /// followed as they come (`admitsByPositions`).
    let states: ShapeStates?

    static let maxPositions = 128
    /// Copies of a repeated class made before the rest becomes a loop.
    static let maxCopies = 8

    /// Nil when the regex is too large to read this way, or may match nothing at all.
    init?(_ nodes: [RegexShape.Node]) {
        var builder = Builder()
        guard let whole = builder.sequence(nodes[...]), !builder.overflow, !whole.nullable else { return nil }
        follow = builder.follow
        var table = [PositionMask](repeating: PositionMask(), count: 256)
        for (j, set) in builder.sets.enumerated() {
            for c in 0...255 where set.contains(UInt8(c)) { table[c] |= PositionMask.one(j) }
        }
        byByte = table
        first = whole.first
        last = whole.last
        unknown = builder.unknown
        states = ShapeStates(follow: follow, byByte: table, first: first, last: last, unknown: unknown)
    }

    /// Whether a match may begin at `from`: the automaton reaches the regex's end, or
    /// something unknown, within `reach` bytes (or walks that far without dying).
    @inline(__always)
    func admits(_ b: UnsafeRawBufferPointer, from: Int, reach: Int, budget: inout Int) -> Bool {
        if let states { return states.admits(b, from: from, reach: reach, budget: &budget) }
        return admitsByPositions(b, from: from, reach: reach, budget: &budget)
    }

    /// `admits`, following the positions byte by byte (the reference `ShapeStates` is tested
    /// against).
    func admitsByPositions(_ b: UnsafeRawBufferPointer, from: Int, reach: Int, budget: inout Int) -> Bool {
        var next = first
        var i = from
        let cap = from + reach
        defer { budget -= i - from + 1 }
        return byByte.withUnsafeBufferPointer { byByte in
            follow.withUnsafeBufferPointer { follow in
                while true {
                    if !(next & unknown).isEmpty { return true }
                    guard i < b.count else { return false }
                    if i >= cap { return true }
                    let now = next & byByte[Int(b[i])]
                    if now.isEmpty { return false }
                    if !(now & last).isEmpty { return true }
                    // Mostly one position at a time (a name's bytes, a run of blanks).
                    if now.high == 0, now.low & (now.low &- 1) == 0 {
                        next = follow[now.low.trailingZeroBitCount]
                    } else {
                        var after = PositionMask()
                        now.forEach { after |= follow[$0] }
                        next = after
                    }
                    i += 1
                }
            }
        }
    }

    private struct Fragment {
        var first = PositionMask()
        var last = PositionMask()
        var nullable = true
    }

    private struct Builder {
        var sets: [ByteSet] = []
        var follow: [PositionMask] = []
        var unknown = PositionMask()
        var overflow = false

        mutating func position(_ set: ByteSet) -> Fragment {
            guard sets.count < ShapeAutomaton.maxPositions else {
                overflow = true
                return Fragment()
            }
            sets.append(set)
            follow.append(PositionMask())
            let me = PositionMask.one(sets.count - 1)
            return Fragment(first: me, last: me, nullable: false)
        }

        mutating func link(_ from: PositionMask, to: PositionMask) {
            from.forEach { follow[$0] |= to }
        }

        mutating func concat(_ a: Fragment, _ b: Fragment) -> Fragment {
            link(a.last, to: b.first)
            return Fragment(first: a.nullable ? a.first | b.first : a.first,
                            last: b.nullable ? a.last | b.last : b.last,
                            nullable: a.nullable && b.nullable)
        }

        mutating func sequence(_ nodes: ArraySlice<RegexShape.Node>) -> Fragment? {
            var whole = Fragment()
            for node in nodes {
                guard let part = self.node(node) else { return nil }
                whole = concat(whole, part)
            }
            return whole
        }

        mutating func alternatives(_ branches: [[RegexShape.Node]]) -> Fragment? {
            var union = Fragment(first: PositionMask(), last: PositionMask(), nullable: branches.isEmpty)
            for branch in branches {
                guard let part = sequence(branch[...]) else { return nil }
                union.first |= part.first
                union.last |= part.last
                union.nullable = union.nullable || part.nullable
            }
            return union
        }

        mutating func node(_ node: RegexShape.Node) -> Fragment? {
            switch node {
            case let .set(set):
                return position(set)
            case let .repeated(set, minimum, maximum):
                let copies = min(minimum, ShapeAutomaton.maxCopies)
                var whole = Fragment()
                for _ in 0..<copies { whole = concat(whole, position(set)) }
                if maximum.map({ $0 > copies }) ?? true {
                    var loop = position(set)
                    link(loop.last, to: loop.first)
                    loop.nullable = true
                    whole = concat(whole, loop)
                }
                return whole
            case let .group(branches):
                return alternatives(branches)
            case let .quantifiedGroup(branches, _, maximum):
                if maximum == 0 { return Fragment() }
                guard var inner = alternatives(branches) else { return nil }
                if maximum != 1 { link(inner.last, to: inner.first) }
                inner.nullable = true
                return inner
            case .wordBoundary, .lookbehindNot, .zeroWidth:
                return Fragment()
            case .opaque:
                var any = position(.all)
                link(any.last, to: any.first)
                unknown |= any.first
                any.nullable = true
                return any
            }
        }
    }
}

extension RegexShape.Node {
    var isAssertion: Bool {
        switch self {
        case .wordBoundary, .lookbehindNot, .zeroWidth: true
        default: false
        }
    }
}

/// A `ShapeAutomaton` as a DFA: each set of positions a walk can be at is a state, and bytes
/// whose positions are the same everywhere are one class (an automaton's sets are a few
/// classes: a name's characters, blanks, quotes, `=`…). Built at once, breadth first from the
/// first positions, or not at all past `maxStates` (repeats side by side can make many).
/// A walk ends as the positions' walk does, at the same byte (the budget is charged alike):
/// three ends are kept apart from the states, `dead` and `matched` before the byte is read
/// (no position takes it; a position taking it ends the regex), and `unknown` after it.
final class ShapeStates: Sendable {
    static let maxStates = 512
    /// Table entries at most (128 KB).
    static let maxEntries = 32768
    static let dead = UInt32.max, matched = UInt32.max - 1, unknown = UInt32.max - 2

    /// Per byte value, its class.
    let classOf: [UInt8]
    let classes: Int
    /// `row + class` → the next state's row (its number times `classes`: the first state's is
    /// 0), or an end.
    let table: [UInt32]
    /// Whether the first positions hold something unknown (every walk admits at once).
    let startsUnknown: Bool

    init?(follow: [PositionMask], byByte: [PositionMask], first: PositionMask, last: PositionMask, unknown: PositionMask) {
        struct Key: Hashable {
            var low: UInt64, high: UInt64
            init(_ m: PositionMask) { low = m.low; high = m.high }
        }
        // Classes: bytes whose positions are the same.
        var classIDs: [Key: UInt8] = [:]
        var representatives: [PositionMask] = []
        var classOf = [UInt8](repeating: 0, count: 256)
        for c in 0..<256 {
            let key = Key(byByte[c])
            if let id = classIDs[key] {
                classOf[c] = id
            } else {
                guard representatives.count < 256 else { return nil }
                classIDs[key] = UInt8(representatives.count)
                classOf[c] = UInt8(representatives.count)
                representatives.append(byByte[c])
            }
        }
        self.classOf = classOf
        let classes = representatives.count
        self.classes = classes
        startsUnknown = !(first & unknown).isEmpty
        guard !startsUnknown else {
            table = []
            return
        }
        var rows: [Key: UInt32] = [Key(first): 0]
        var pending: [PositionMask] = [first]
        var table: [UInt32] = []
        var k = 0
        while k < pending.count {
            let state = pending[k]
            k += 1
            for set in representatives {
                let now = state & set
                if now.isEmpty { table.append(Self.dead); continue }
                if !(now & last).isEmpty { table.append(Self.matched); continue }
                var next = PositionMask()
                now.forEach { next |= follow[$0] }
                if !(next & unknown).isEmpty { table.append(Self.unknown); continue }
                if let row = rows[Key(next)] { table.append(row); continue }
                guard pending.count < Self.maxStates, (pending.count + 1) * classes <= Self.maxEntries else { return nil }
                let row = UInt32(pending.count * classes)
                rows[Key(next)] = row
                pending.append(next)
                table.append(row)
            }
        }
        self.table = table
    }

    @inline(__always)
    func admits(_ b: UnsafeRawBufferPointer, from: Int, reach: Int, budget: inout Int) -> Bool {
        var i = from
        defer { budget -= i - from + 1 }
        if startsUnknown { return true }
        let end = min(b.count, from + reach)
        return table.withUnsafeBufferPointer { table in
            classOf.withUnsafeBufferPointer { classOf in
                guard let bytes = b.baseAddress?.assumingMemoryBound(to: UInt8.self), let table = table.baseAddress,
                      let classOf = classOf.baseAddress else { return false }
                var row: UInt32 = 0
                while i < end {
                    let next = table[Int(row &+ UInt32(classOf[Int(bytes[i])]))]
                    if next >= Self.unknown {
                        if next == Self.unknown {
                            i += 1
                            return true
                        }
                        return next == Self.matched
                    }
                    row = next
                    i += 1
                }
                // The text's end (nothing more can match) or the reach (walked far enough).
                return i < b.count
            }
        }
    }
}
