import Synchronization

/// What must stand at a keyword's occurrence for a rule's regex to match there, read from the
/// regex: for a rule whose matches start with one of its keywords (`KeywordReach` 0), the byte
/// before the match (a `\b` or a one-byte negative lookbehind) and the bytes the match must
/// begin with (the literal, with the regex's own case, then fixed classes: `SK` then 32 hex
/// digits for `\b(SK[0-9a-fA-F]{32})\b`). An occurrence that fails it cannot start a match, so
/// the scanner drops it before any window or regex work: `pat` in `path`, `sk` in `task`, `lob`
/// in `global` were most of the hits of a thousand rules, each a regex search that failed.
///
/// Only what every match holds is checked, so no match is lost: a guard reads single-byte
/// elements up to the first repeat of varying length, group of alternatives, or anything it
/// does not know; it ignores lookaheads and other assertions; it never reads past the line
/// (a class holding a line break ends it), so a window copied whole from a delta's base keeps
/// the same occurrences. A regex the reader does not understand gets no guard.
struct KeywordGuard: Sendable, Equatable {
    /// The byte before the occurrence must not be one of these (any byte may start the text).
    var notBefore: ByteSet
    /// The bytes from the occurrence on, each one of its set.
    var sequence: [ByteSet]

    static let longest = 32

    /// The guards of `keyword` for `source` (any one admitting lets the occurrence through):
    /// nil when an occurrence must always be kept.
    static func of(_ source: String, keyword: String) -> [KeywordGuard]? {
        var parser = RegexShape(Array(source.utf8))
        guard let branches = parser.parse(), parser.atEnd else { return nil }
        let word = Array(keyword.lowercased().utf8)
        guard !word.isEmpty else { return nil }
        var guards: [KeywordGuard] = []
        for branch in branches {
            switch walk([branch[...]], word: word) {
            case .unguarded: return nil
            case .irrelevant: continue
            case let .guarded(found): guards += found
            }
        }
        // No way through the regex starts with the keyword: keep its occurrences all the same.
        return guards.isEmpty ? nil : guards
    }

    enum Outcome { case unguarded, irrelevant, guarded([KeywordGuard]) }

    /// Walks from a match's start: zero-width assertions, then (through groups) the first
    /// single-byte element, from which the sequence is read.
    static func walk(_ rest: [ArraySlice<RegexShape.Node>], word: [UInt8], notBefore: ByteSet = ByteSet(),
                     wordBoundary: Bool = false) -> Outcome {
        var rest = rest
        var notBefore = notBefore
        var wordBoundary = wordBoundary
        while let first = rest.first {
            guard let node = first.first else { rest.removeFirst(); continue }
            rest[0] = first.dropFirst()
            switch node {
            case .wordBoundary: wordBoundary = true
            case let .lookbehindNot(set): if let set { notBefore.formUnion(set) }
            case .zeroWidth: break
            case let .group(branches):
                var guards: [KeywordGuard] = []
                for branch in branches {
                    switch walk([branch[...]] + rest, word: word, notBefore: notBefore, wordBoundary: wordBoundary) {
                    case .unguarded: return .unguarded
                    case .irrelevant: continue
                    case let .guarded(found): guards += found
                    }
                }
                return guards.isEmpty ? .irrelevant : .guarded(guards)
            case let .set(set):
                if wordBoundary, set.isSubset(of: .word) { notBefore.formUnion(.word) }
                var sequence = [set]
                readSequence(rest, into: &sequence)
                // The keyword's bytes, either case, must fit the first sets; else no match
                // through here starts with it.
                for (i, byte) in word.enumerated() where i < sequence.count {
                    if !sequence[i].contains(byte), !sequence[i].contains(ByteSet.upper(byte)) { return .irrelevant }
                }
                return .guarded([KeywordGuard(notBefore: notBefore, sequence: sequence)])
            case .repeated, .opaque, .quantifiedGroup:
                return .unguarded
            }
        }
        return .unguarded
    }

    /// Appends the single-byte elements that follow, as far as every match has them.
    static func readSequence(_ rest: [ArraySlice<RegexShape.Node>], into sequence: inout [ByteSet]) {
        var rest = rest
        while sequence.count < longest, let first = rest.first {
            guard let node = first.first else { rest.removeFirst(); continue }
            rest[0] = first.dropFirst()
            switch node {
            case .wordBoundary, .lookbehindNot, .zeroWidth: continue
            case let .set(set):
                guard !set.contains(0x0A) else { return }
                sequence.append(set)
            case let .repeated(set, minimum, maximum):
                guard !set.contains(0x0A) else { return }
                for _ in 0..<min(minimum, longest - sequence.count) { sequence.append(set) }
                guard maximum == minimum else { return }
            case let .group(branches):
                guard branches.count == 1 else { return }
                rest.insert(branches[0][...], at: 0)
            case .opaque, .quantifiedGroup: return
            }
        }
    }
}

/// Every keyword's guards for the rules that list it, read from the regexes on the keyword's
/// first occurrence (reading them all was a fifth of a start) and kept in flat memory: the
/// hits loop asks for every keyword occurrence of every blob on every thread, and a reference
/// counted object shared by the threads made that loop slower than the guards made it faster.
final class GuardTable: @unchecked Sendable {
    struct Flat { var notBefore: ByteSet; var first: Int32; var count: Int32 }
    /// One keyword's guards: per rule (in `rulesByKeyword` order) the range of its guards in
    /// `guards`, count -1 when every occurrence is kept; each guard's sets in `sets`.
    struct Block {
        var perRule: UnsafeMutableBufferPointer<(Int32, Int32)>
        var guards: UnsafeMutableBufferPointer<Flat>
        var sets: UnsafeMutableBufferPointer<ByteSet>
        /// Per rule, its `ForwardGuard` for this keyword, if any; and the keyword's length.
        var forward: UnsafeMutableBufferPointer<ForwardGuard?>
        var length: Int

        /// `budget`: what the forward guards may still read of these bytes (`ForwardGuard`).
        @inline(__always)
        func admits(rule j: Int, _ bytes: UnsafeRawBufferPointer, at start: Int, budget: inout Int) -> Bool {
            let (first, count) = perRule[j]
            if count >= 0 {
                var admitted = false
                for g in Int(first)..<Int(first + count) {
                    let flat = guards[g]
                    if start > 0, flat.notBefore.contains(bytes[start - 1]) { continue }
                    let n = Int(flat.count)
                    guard start + n <= bytes.count else { continue }
                    var i = 0
                    while i < n, sets[Int(flat.first) + i].contains(bytes[start + i]) { i += 1 }
                    if i == n {
                        admitted = true
                        break
                    }
                }
                guard admitted else { return false }
            }
            // Both guards are what every match holds: an occurrence must pass each.
            guard let forward = forward[j] else { return true }
            return forward.admits(bytes, at: start, length: length, budget: &budget)
        }
    }

    private let words: [String?]
    /// Per keyword, per rule: the rule's regex, its keywords and whether its matches start at
    /// a keyword (then a `KeywordGuard` is read); nil where every occurrence is kept.
    private let rules: [[RuleSource?]]
    typealias RuleSource = (source: String, keywords: [String], startsAtKeyword: Bool)
    /// Whether `ForwardGuard`s are read too.
    private let forward: Bool
    /// The forward guards read so far, by kind and regex.
    private let forwardMade = Mutex<[String: ForwardGuard?]>([:])
    /// Per keyword: 0 not read yet, 1 nothing to check, else the address of its `Block`.
    private let slots: UnsafeMutablePointer<Atomic<Int>>

    init(words: [String?], rules: [[RuleSource?]], forward: Bool = true) {
        self.words = words
        self.rules = rules
        self.forward = forward
        slots = .allocate(capacity: max(1, rules.count))
        for k in rules.indices {
            let none = words[k] == nil || !rules[k].contains { $0.map { forward || $0.startsAtKeyword } ?? false }
            (slots + k).initialize(to: Atomic(none ? 1 : 0))
        }
    }

    deinit {
        for k in rules.indices {
            let value = slots[k].load(ordering: .acquiring)
            if value > 1 { Self.free(UnsafeMutablePointer<Block>(bitPattern: value)!) }
        }
        slots.deinitialize(count: rules.count)
        slots.deallocate()
    }

    /// Keyword `k`'s guards, nil when all its occurrences are kept.
    @inline(__always)
    func block(_ k: Int) -> UnsafePointer<Block>? {
        let value = slots[k].load(ordering: .acquiring)
        if value == 1 { return nil }
        if value != 0 { return UnsafePointer(bitPattern: value) }
        return read(k)
    }

    private func read(_ k: Int) -> UnsafePointer<Block>? {
        let perRule = rules[k].map { rule -> [KeywordGuard]? in
            guard let word = words[k], let rule, rule.startsAtKeyword else { return nil }
            return KeywordGuard.of(rule.source, keyword: word)
        }
        let forwardGuards = rules[k].map { rule -> ForwardGuard? in
            guard forward, let word = words[k], let (source, keywords, starts) = rule else { return nil }
            // One per rule: the rule's other keywords read the same regex the same way (a name
            // guard depends on the rule's keywords too).
            let key = (starts ? "s\u{0}" : "n\u{0}" + keywords.map { $0.lowercased() }.sorted().joined(separator: "\u{0}") + "\u{0}") + source
            if let known = forwardMade.withLock({ $0[key] }) { return known }
            let made = starts ? ForwardGuard.starting(source) : ForwardGuard.naming(source, keyword: word, ruleKeywords: keywords)
            forwardMade.withLock { $0[key] = made }
            return made
        }
        var made = 1
        if perRule.contains(where: { $0 != nil }) || forwardGuards.contains(where: { $0 != nil }) {
            let all = perRule.compactMap { $0 }.flatMap { $0 }
            let block = UnsafeMutablePointer<Block>.allocate(capacity: 1)
            block.initialize(to: Block(perRule: .allocate(capacity: perRule.count), guards: .allocate(capacity: all.count),
                                       sets: .allocate(capacity: all.reduce(0) { $0 + $1.sequence.count }),
                                       forward: .allocate(capacity: forwardGuards.count), length: words[k]?.utf8.count ?? 0))
            _ = block.pointee.forward.initialize(from: forwardGuards)
            var g = 0, set = 0
            for (j, guards) in perRule.enumerated() {
                guard let guards else { block.pointee.perRule[j] = (0, -1); continue }
                block.pointee.perRule[j] = (Int32(g), Int32(guards.count))
                for one in guards {
                    block.pointee.guards[g] = Flat(notBefore: one.notBefore, first: Int32(set), count: Int32(one.sequence.count))
                    for s in one.sequence {
                        block.pointee.sets[set] = s
                        set += 1
                    }
                    g += 1
                }
            }
            made = Int(bitPattern: block)
        }
        let (exchanged, current) = slots[k].compareExchange(expected: 0, desired: made, ordering: .acquiringAndReleasing)
        if !exchanged, made > 1 { Self.free(UnsafeMutablePointer<Block>(bitPattern: made)!) }
        let value = exchanged ? made : current
        return value == 1 ? nil : UnsafePointer(bitPattern: value)
    }

    private static func free(_ block: UnsafeMutablePointer<Block>) {
        block.pointee.perRule.deallocate()
        block.pointee.guards.deallocate()
        block.pointee.sets.deallocate()
        block.pointee.forward.deinitialize()
        block.pointee.forward.deallocate()
        block.deinitialize(count: 1)
        block.deallocate()
    }

    /// Keyword `k`'s guards for its rules, as `KeywordGuard`s (for tests).
    func guards(_ k: Int) -> [[KeywordGuard]?] {
        guard let block = block(k) else { return rules[k].map { _ in nil } }
        return block.pointee.perRule.map { first, count in
            guard count >= 0 else { return nil }
            return (Int(first)..<Int(first + count)).map { g in
                let flat = block.pointee.guards[g]
                return KeywordGuard(notBefore: flat.notBefore,
                                    sequence: Array(block.pointee.sets[Int(flat.first)..<Int(flat.first + flat.count)]))
            }
        }
    }
}

/// 256 bits, one per byte value.
struct ByteSet: Sendable, Equatable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}
    init(_ bytes: some Sequence<UInt8>) { for b in bytes { insert(b) } }
    init(_ range: ClosedRange<UInt8>) { for b in range { insert(b) } }

    static func == (a: ByteSet, b: ByteSet) -> Bool { a.words == b.words }

    @inline(__always)
    func contains(_ b: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    mutating func formUnion(_ other: ByteSet) {
        words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
    }

    var inverted: ByteSet {
        var s = ByteSet()
        s.words = (~words.0, ~words.1, ~words.2, ~words.3)
        return s
    }

    func isSubset(of other: ByteSet) -> Bool {
        words.0 & ~other.words.0 == 0 && words.1 & ~other.words.1 == 0 && words.2 & ~other.words.2 == 0
            && words.3 & ~other.words.3 == 0
    }

    /// Each ASCII letter with its other case.
    var caseFolded: ByteSet {
        var s = self
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") where contains(b) || contains(b - 32) {
            s.insert(b)
            s.insert(b - 32)
        }
        return s
    }

    func intersection(_ other: ByteSet) -> ByteSet {
        var s = ByteSet()
        s.words = (words.0 & other.words.0, words.1 & other.words.1, words.2 & other.words.2, words.3 & other.words.3)
        return s
    }

    var isEmpty: Bool { words == (0, 0, 0, 0) }

    /// The byte a literal set spells, lower-cased: a set of one byte, or of a letter in both
    /// cases; nil for any other set.
    var lowerLetter: UInt8? {
        if let one = single { return one >= 0x41 && one <= 0x5A ? one + 32 : one }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") where contains(b) {
            return self == ByteSet([b, b - 32]) ? b : nil
        }
        return nil
    }

    /// The set's one byte, when it holds exactly one.
    var single: UInt8? {
        let counts = [words.0, words.1, words.2, words.3].map(\.nonzeroBitCount)
        guard counts.reduce(0, +) == 1, let w = counts.firstIndex(of: 1) else { return nil }
        let word = [words.0, words.1, words.2, words.3][w]
        return UInt8(w * 64 + word.trailingZeroBitCount)
    }

    static func upper(_ b: UInt8) -> UInt8 { b >= 0x61 && b <= 0x7A ? b - 32 : b }

    static let digit = ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9"))
    static let word: ByteSet = {
        var s = digit
        s.formUnion(ByteSet(UInt8(ascii: "a")...UInt8(ascii: "z")))
        s.formUnion(ByteSet(UInt8(ascii: "A")...UInt8(ascii: "Z")))
        s.insert(UInt8(ascii: "_"))
        return s
    }()
    /// PCRE2's `\s`: space, \t \n \v \f \r.
    static let space = ByteSet([0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D])
    static let horizontal = ByteSet([0x20, 0x09, 0xA0])
    static let vertical = ByteSet([0x0A, 0x0B, 0x0C, 0x0D, 0x85])
    static let all = ByteSet().inverted
}

/// A PCRE2 regex read for its shape: which bytes each element may match, groups, repeats and
/// assertions. Anything beyond that (backreferences' content, `\K`, verbs, options other than
/// `i` and `m`, POSIX classes, Unicode properties) makes `parse` give nil.
struct RegexShape {
    indirect enum Node {
        /// One byte of the set.
        case set(ByteSet)
        /// One byte of the set, between `min` and `max` times (nil: no limit).
        case repeated(ByteSet, Int, Int?)
        /// A group taken once: its alternatives.
        case group([[Node]])
        /// Something of unknown bytes and length (a backreference).
        case opaque
        /// A group with a quantifier: its alternatives, taken between `min` and `max` times.
        case quantifiedGroup([[Node]], Int, Int?)
        /// `(?<!x)` of one byte (the set), or nil for a longer lookbehind.
        case lookbehindNot(ByteSet?)
        case wordBoundary
        /// Any other assertion (lookaheads, positive lookbehinds, `^`, `$`, `\B`, `\A`, `\z`).
        case zeroWidth
    }

    let p: [UInt8]
    var i = 0
    init(_ p: [UInt8]) { self.p = p }
    var atEnd: Bool { i >= p.count }

    mutating func parse() -> [[Node]]? {
        var caseless = false
        return alternatives(caseless: &caseless)
    }

    /// Alternatives up to the closing `)` of the group (not consumed) or the end.
    mutating func alternatives(caseless: inout Bool) -> [[Node]]? {
        var branches: [[Node]] = [[]]
        while i < p.count, p[i] != UInt8(ascii: ")") {
            let c = p[i]
            if c == UInt8(ascii: "|") {
                branches.append([])
                i += 1
                continue
            }
            var element: Node
            var single: ByteSet?
            switch c {
            case UInt8(ascii: "^"), UInt8(ascii: "$"):
                i += 1
                branches[branches.count - 1].append(.zeroWidth)
                continue
            case UInt8(ascii: "."):
                i += 1
                var s = ByteSet.all
                s.words.0 &= ~(UInt64(1) << 10) // not \n
                single = s
                element = .set(s)
            case UInt8(ascii: "["):
                guard let s = characterClass(caseless: caseless) else { return nil }
                single = s
                element = .set(s)
            case UInt8(ascii: "\\"):
                guard i + 1 < p.count else { return nil }
                let n = p[i + 1]
                if n == UInt8(ascii: "b") || n == UInt8(ascii: "B") || n == UInt8(ascii: "A") || n == UInt8(ascii: "z")
                    || n == UInt8(ascii: "Z") {
                    i += 2
                    guard i >= p.count || !isQuantifier(p[i]) else { return nil }
                    branches[branches.count - 1].append(n == UInt8(ascii: "b") ? .wordBoundary : .zeroWidth)
                    continue
                }
                if n >= UInt8(ascii: "1"), n <= UInt8(ascii: "9") {
                    i += 2
                    while i < p.count, p[i] >= 0x30, p[i] <= 0x39 { i += 1 }
                    element = .opaque
                } else {
                    guard let s = escape(caseless: caseless, inClass: false) else { return nil }
                    single = s
                    element = .set(s)
                }
            case UInt8(ascii: "("):
                guard let group = group(caseless: &caseless) else { return nil }
                guard let node = group else { continue } // an option setting
                element = node
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                return nil
            default:
                i += 1
                let s = ByteSet([c])
                single = caseless ? s.caseFolded : s
                element = .set(single!)
            }
            if i < p.count, isQuantifier(p[i]) {
                guard let (low, high, next) = KeywordReach.quantifier(p, i, p.count) else { return nil }
                i = next
                switch element {
                case .zeroWidth, .lookbehindNot, .wordBoundary: return nil
                default: break
                }
                if let single {
                    element = .repeated(single, low, high)
                } else if case let .group(branches) = element {
                    element = .quantifiedGroup(branches, low, high)
                } else {
                    element = .opaque
                }
            }
            branches[branches.count - 1].append(element)
        }
        return branches
    }

    /// At `(`: the group as a node; .some(nil) for an option setting `(?i)`; nil when unknown.
    mutating func group(caseless: inout Bool) -> Node?? {
        i += 1
        var inner = caseless
        var kind = 0 // 0 group, 1 lookahead, 2 lookbehind !, 3 lookbehind =
        if i < p.count, p[i] == UInt8(ascii: "?") {
            i += 1
            guard i < p.count else { return nil }
            switch p[i] {
            case UInt8(ascii: ":"), UInt8(ascii: ">"): i += 1
            case UInt8(ascii: "="), UInt8(ascii: "!"): i += 1; kind = 1
            case UInt8(ascii: "<"):
                guard i + 1 < p.count else { return nil }
                if p[i + 1] == UInt8(ascii: "!") { i += 2; kind = 2 } else if p[i + 1] == UInt8(ascii: "=") { i += 2; kind = 3 } else {
                    guard skipName(close: UInt8(ascii: ">")) else { return nil }
                }
            case UInt8(ascii: "P"):
                i += 1
                guard i < p.count, p[i] == UInt8(ascii: "<"), skipName(close: UInt8(ascii: ">")) else { return nil }
            case UInt8(ascii: "'"):
                guard skipName(close: UInt8(ascii: "'")) else { return nil }
            default:
                // Options: i (and m, which only moves ^ and $), optionally turned off after -.
                var on = true
                while i < p.count, p[i] != UInt8(ascii: ":"), p[i] != UInt8(ascii: ")") {
                    switch p[i] {
                    case UInt8(ascii: "-"): on = false
                    case UInt8(ascii: "i"): inner = on
                    case UInt8(ascii: "m"): break
                    default: return nil
                    }
                    i += 1
                }
                guard i < p.count else { return nil }
                if p[i] == UInt8(ascii: ")") {
                    i += 1
                    caseless = inner // for the rest of the enclosing group
                    return .some(nil)
                }
                i += 1
            }
        }
        guard let branches = alternatives(caseless: &inner), i < p.count, p[i] == UInt8(ascii: ")") else { return nil }
        i += 1
        switch kind {
        case 1, 3: return .some(.zeroWidth)
        case 2:
            if branches.count == 1, branches[0].count == 1, case let .set(s) = branches[0][0] { return .some(.lookbehindNot(s)) }
            return .some(.lookbehindNot(nil))
        default: return .some(.group(branches))
        }
    }

    mutating func skipName(close: UInt8) -> Bool {
        i += 1
        while i < p.count, p[i] != close {
            guard KeywordReach.isLetter(p[i]) || KeywordReach.isDigit(p[i]) || p[i] == UInt8(ascii: "_") else { return false }
            i += 1
        }
        guard i < p.count else { return false }
        i += 1
        return true
    }

    func isQuantifier(_ c: UInt8) -> Bool { KeywordReach.isQuantifier(c) }

    /// At a backslash: the bytes the escape matches (one byte of them).
    mutating func escape(caseless: Bool, inClass: Bool) -> ByteSet? {
        let n = p[i + 1]
        i += 2
        switch n {
        case UInt8(ascii: "d"): return .digit
        case UInt8(ascii: "D"): return ByteSet.digit.inverted
        case UInt8(ascii: "w"): return .word
        case UInt8(ascii: "W"): return ByteSet.word.inverted
        case UInt8(ascii: "s"): return .space
        case UInt8(ascii: "S"): return ByteSet.space.inverted
        case UInt8(ascii: "h"): return .horizontal
        case UInt8(ascii: "H"): return ByteSet.horizontal.inverted
        case UInt8(ascii: "v"): return .vertical
        case UInt8(ascii: "V"): return ByteSet.vertical.inverted
        case UInt8(ascii: "t"): return ByteSet([0x09])
        case UInt8(ascii: "n"): return ByteSet([0x0A])
        case UInt8(ascii: "r"): return ByteSet([0x0D])
        case UInt8(ascii: "f"): return ByteSet([0x0C])
        case UInt8(ascii: "e"): return ByteSet([0x1B])
        case UInt8(ascii: "a"): return ByteSet([0x07])
        case UInt8(ascii: "b") where inClass: return ByteSet([0x08])
        case UInt8(ascii: "x"):
            var value = 0, digits = 0
            if i < p.count, p[i] == UInt8(ascii: "{") {
                i += 1
                while i < p.count, p[i] != UInt8(ascii: "}") {
                    guard let d = hexValue(p[i]) else { return nil }
                    value = value * 16 + d
                    digits += 1
                    guard value < 256 else { return nil }
                    i += 1
                }
                guard i < p.count, digits > 0 else { return nil }
                i += 1
            } else {
                while digits < 2, i < p.count, let d = hexValue(p[i]) {
                    value = value * 16 + d
                    digits += 1
                    i += 1
                }
            }
            let s = ByteSet([UInt8(value)])
            return caseless ? s.caseFolded : s
        default:
            // Any other letter or digit is something this reader does not know (\p, \K, \Q,
            // \N, \G, \k, octal…); any other byte stands for itself.
            guard !KeywordReach.isLetter(n), !KeywordReach.isDigit(n), n < 0x80 else { return nil }
            let s = ByteSet([n])
            return caseless ? s.caseFolded : s
        }
    }

    func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 0x30...0x39: Int(c - 0x30)
        case 0x41...0x46: Int(c - 0x41 + 10)
        case 0x61...0x66: Int(c - 0x61 + 10)
        default: nil
        }
    }

    /// At `[`: the class's bytes.
    mutating func characterClass(caseless: Bool) -> ByteSet? {
        i += 1
        var negated = false
        if i < p.count, p[i] == UInt8(ascii: "^") { negated = true; i += 1 }
        var set = ByteSet()
        var first = true
        while i < p.count {
            let c = p[i]
            if c == UInt8(ascii: "]"), !first { break }
            first = false
            var low: UInt8
            if c == UInt8(ascii: "[") {
                if i + 1 < p.count, p[i + 1] == UInt8(ascii: ":") || p[i + 1] == UInt8(ascii: ".") || p[i + 1] == UInt8(ascii: "=") { return nil }
                low = c
                i += 1
            } else if c == UInt8(ascii: "\\") {
                guard i + 1 < p.count, let s = escape(caseless: false, inClass: true) else { return nil }
                // A class escape (\w, \d…) is not a range's end.
                guard let only = s.single else { set.formUnion(s); continue }
                low = only
            } else {
                low = c
                i += 1
            }
            // A range `a-z` (a `-` before `]` is a literal).
            if i + 1 < p.count, p[i] == UInt8(ascii: "-"), p[i + 1] != UInt8(ascii: "]") {
                i += 1
                var high: UInt8
                if p[i] == UInt8(ascii: "\\") {
                    guard i + 1 < p.count, let s = escape(caseless: false, inClass: true), let only = s.single else { return nil }
                    high = only
                } else if p[i] == UInt8(ascii: "[") {
                    return nil
                } else {
                    high = p[i]
                    i += 1
                }
                guard low <= high else { return nil }
                set.formUnion(ByteSet(low...high))
            } else {
                set.insert(low)
            }
        }
        guard i < p.count else { return nil }
        i += 1 // ]
        if caseless { set = set.caseFolded }
        // Bytes above 0x7F: a class may match parts of UTF-8 sequences; the set stays as read.
        return negated ? set.inverted : set
    }
}
