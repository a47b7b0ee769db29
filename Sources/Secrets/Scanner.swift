import Base
#if canImport(Glibc)
import CLibDeflate
import Glibc
import Synchronization
#endif

/// One secret found in some bytes. `secret` stays in memory for fingerprinting and is never
/// printed or stored: reports carry `Redaction` and `Fingerprint` forms only.
public struct SecretMatch: Sendable, Equatable {
    public var ruleID: String
    public var matchRange: Range<Int>
    public var secretRange: Range<Int>
    /// 1-based line and column (in characters) of the secret's first byte.
    public var line: Int
    public var column: Int
    public var secret: [UInt8]
    /// How the secret was found when not as plain text: the decoding chain, outermost first
    /// (`base64`, `utf-16le`, `joined`, … joined by `+`).
    public var encoding: String? = nil
    /// For an archive member: the `!inner/path` suffix of the blob's path.
    public var member: [UInt8]? = nil
    /// Set when an inline marker or an allowlist suppressed this match: it is reported as a
    /// note, never as a problem (SPEC §1.3).
    public var suppressed: Suppression? = nil
}

/// What kept a match from counting (the baseline is the gate's business, not the scanner's).
public enum Suppression: String, Sendable {
    case inline, allowlist
}

/// A regex match that passed every check that depends on the bytes alone.
public struct Candidate: Sendable, Equatable {
    public var ruleIndex: Int
    public var ruleID: String
    public var matchRange: Range<Int>
    public var secretRange: Range<Int>
    public var line: Int
    public var column: Int
    public var secret: [UInt8]
    var matchText: [UInt8]
    var lineText: [UInt8]
    /// As in `SecretMatch`.
    public var encoding: String? = nil
    public var member: [UInt8]? = nil
    /// An unquoted value accepted by the assignment validator: a literal only where the file
    /// is not source code, which the path tells (`accept`).
    var bareValue = false
    /// `.inline` when its line carries an allow marker: kept (it is reported as a note), but
    /// never accepted as a secret.
    public var suppressed: Suppression? = nil
}

/// Where the bytes come from, for path rules and allowlists.
public struct ScanContext: Sendable {
    public var path: String?
    public var commit: String?
    public init(path: String? = nil, commit: String? = nil) {
        self.path = path
        self.commit = commit
    }
}

/// Finds secrets in bytes: the keywords of all rules in one pass, then each rule's regex only
/// around its keywords' lines, then the validators and allowlists. Immutable and shared by all
/// threads; each thread passes its own `MatchScratch`.
public final class Scanner: Sendable {
    public let ruleSet: RuleSet
    /// Honour `reviewgate:allow` (and gitleaks' `gitleaks:allow`) on the secret's line.
    public let inlineAllow: Bool
    /// Paths where nothing is reported (a policy's `[secrets] allow_paths`), judged with the
    /// rule allowlists, so a value later moved out of such a path is still new there.
    public let allowPath: (@Sendable (String) -> Bool)?
    /// The keywords as an automaton, for when Hyperscan cannot run (not built, or an input
    /// past its 4 GiB limit). Built on first need: it costs a few milliseconds that a hook
    /// starting on every push should not pay for nothing.
    private let automaton: Mutex<KeywordSet?>
    let words: [String]
    var keywords: KeywordSet {
        automaton.withLock { built in
            if let built { return built }
            let set = KeywordSet(words)
            built = set
            return set
        }
    }
    /// The same keywords on Hyperscan, where it runs, compiled once enough bytes are searched.
    let fastKeywords: LazyHyperscanKeywords
    /// The decoders' triggers (`Trigger`), searched with the keywords as keyword indices
    /// `words.count...`; on Hyperscan once the keywords are (compiled on that first use).
    let fastTriggers = Mutex<HyperscanTriggers??>(nil)
    /// keyword index → the rules that listed it.
    let rulesByKeyword: [[Int]]
    /// The same laid end to end, keyword `k`'s rules at `keywordRules[keywordRuleBounds[k]..<keywordRuleBounds[k + 1]]`:
    /// the hits loop reads them for every occurrence, and taking an inner array retained and
    /// released it each time (6% of an audit of a history full of keywords).
    let keywordRules: [Int32]
    let keywordRuleBounds: [Int32]
    /// keyword index → for each of those rules, what an occurrence must look like to start a
    /// match (`KeywordGuard`: any of them), or nil to keep every occurrence; read from the
    /// regexes on a keyword's first occurrence (reading them all was a fifth of a start).
    let guardTable: GuardTable
    let rulesWithoutKeywords: [Int]
    /// Rules with a path and no regex, in rule order: asked about every path of a history.
    let pathOnlyRules: [Int]
    /// Byte length of each keyword, and the longest.
    let keywordLengths: [Int]
    let longestKeyword: Int
    /// Keywords a token may be split after (`Decoders.joinSplitToken`): those of any rule
    /// but the generic ones, whose words (`key`, `token`) are everywhere in code and name a
    /// value rather than stand in it.
    let splitKeywords: [Bool]
    /// Keywords a match of a medium or high rule starts at (a token's prefix): where one opens
    /// a short literal, the literals after it are joined to it (`Decoders.joinListedPieces`).
    let prefixKeywords: [Bool]
    /// Whether any allowlist looks at the whole match or line (`regexTarget`): only then are
    /// they kept with each candidate.
    let keepsMatchText: Bool
    let keepsLineText: Bool
    static let allowMarkers: [[UInt8]] = [Array("reviewgate:allow".utf8), Array("gitleaks:allow".utf8)]

    /// Whether `text` holds an allow marker.
    static func hasAllowMarker(_ text: UnsafeRawBufferPointer) -> Bool {
        allowMarkers.contains { Decoders.firstIndex(of: $0, in: text, from: 0) != nil }
    }

    /// Rule index by id: a finding names its rule by id, and 745 rules are too many to search.
    let ruleIndexByID: [String: Int]

    /// Compiles the Hyperscan databases this scanner may search with and keeps them for later
    /// runs (`HyperscanCache`); false when they cannot be kept (no usable cache directory, or
    /// Hyperscan cannot run here).
    public func prepareKeptDatabases() -> Bool { fastKeywords.prepareKept() }

    /// Whether this scanner's searches would have been faster with the databases
    /// `prepareKeptDatabases` keeps, which were not kept: a search long enough to compile the
    /// keywords' database found no merged one.
    public var missedKeptDatabases: Bool { fastKeywords.missedKeptMerged }

    /// The rule with this id, when the scanner has it.
    public func rule(id: String) -> SecretRule? { ruleIndexByID[id].map { ruleSet.rules[$0] } }

    /// Per rule, how far before one of its keywords a match may start (`KeywordReach`), when
    /// its regex says so: the regex is then tried only at those starts.
    let keywordReach: [Int?]

    public convenience init(ruleSet: RuleSet, inlineAllow: Bool = true, allowPath: (@Sendable (String) -> Bool)? = nil) {
        self.init(ruleSet: ruleSet, inlineAllow: inlineAllow, allowPath: allowPath, startsNearKeywords: true)
    }

    /// `startsNearKeywords: false` searches whole lines around keywords for every rule (the
    /// reference the restricted search is tested against).
    /// `keptDatabases: false` never loads a kept database (`HyperscanCache`) ahead of the
    /// thresholds (the tests of the thresholds themselves).
    init(ruleSet: RuleSet, inlineAllow: Bool = true, allowPath: (@Sendable (String) -> Bool)?, startsNearKeywords: Bool,
         keptDatabases: Bool = true) {
        self.ruleSet = ruleSet
        ruleIndexByID = Dictionary(ruleSet.rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        keywordReach = ruleSet.rules.map { rule in
            guard startsNearKeywords, let regex = rule.regex else { return nil }
            return KeywordReach.of(regex.source, keywords: rule.keywords)
        }
        self.inlineAllow = inlineAllow
        self.allowPath = allowPath
        var index: [String: Int] = [:]
        var words: [String] = []
        var byKeyword: [[Int]] = []
        var without: [Int] = []
        for (r, rule) in ruleSet.rules.enumerated() where rule.regex != nil {
            if rule.keywords.isEmpty { without.append(r); continue }
            // In the rule's order, not a set's (whose order changes from run to run): the
            // keyword indices name a kept database (`HyperscanCache`).
            var inRule = Set<String>()
            for word in rule.keywords where inRule.insert(word).inserted {
                if let k = index[word] {
                    byKeyword[k].append(r)
                } else {
                    index[word] = words.count
                    words.append(word)
                    byKeyword.append([r])
                }
            }
        }
        self.words = words
        keywordLengths = words.map(\.utf8.count) + Trigger.allCases.map(\.length)
        longestKeyword = keywordLengths.max() ?? 0
        fastKeywords = LazyHyperscanKeywords(words, keptAtFirstSearch: keptDatabases)
        byKeyword += Trigger.allCases.map { _ in [] }
        automaton = Mutex(nil)
        let lists = ruleSet.allowlists + ruleSet.rules.flatMap(\.allowlists)
        keepsMatchText = lists.contains { $0.regexTarget == .match && !$0.regexes.isEmpty }
        keepsLineText = lists.contains { $0.regexTarget == .line && !$0.regexes.isEmpty }
        rulesByKeyword = byKeyword
        keywordRules = byKeyword.flatMap { $0.map { Int32($0) } }
        keywordRuleBounds = byKeyword.reduce(into: [Int32(0)]) { $0.append($0.last! + Int32($1.count)) }
        splitKeywords = byKeyword.indices.map { k in
            k < words.count && byKeyword[k].contains { ruleSet.rules[$0].confidence != .low }
        }
        // Whatever `startsNearKeywords` says (the reference scanner reads the same joins).
        let startsAt = startsNearKeywords ? keywordReach : ruleSet.rules.map { rule in
            rule.regex.flatMap { KeywordReach.of($0.source, keywords: rule.keywords) }
        }
        prefixKeywords = byKeyword.indices.map { k in
            k < words.count && byKeyword[k].contains { ruleSet.rules[$0].confidence != .low && startsAt[$0] == 0 }
        }
        // Guards of what a match begins with only where matches start at a keyword (reach 0):
        // there the scanner tries a start at the occurrence alone, which a guard can rule out.
        // Forward guards (what must follow) for every rule whose regex says. None for the
        // reference scanner, which searches whole lines.
        let reach = keywordReach
        guardTable = GuardTable(words: byKeyword.indices.map { $0 < words.count ? words[$0] : nil },
                                rules: byKeyword.map { rules in
                                    rules.map { r in
                                        guard startsNearKeywords, let regex = ruleSet.rules[r].regex else { return nil }
                                        return (regex.source, ruleSet.rules[r].keywords, reach[r] == 0)
                                    }
                                })
        rulesWithoutKeywords = without
        pathOnlyRules = ruleSet.rules.indices.filter { ruleSet.rules[$0].regex == nil && ruleSet.rules[$0].path != nil }
    }

    /// The secrets in `bytes`, in order of position: `candidates` then `accept`.
    public func scan(_ bytes: UnsafeRawBufferPointer, context: ScanContext = ScanContext(),
                     scratch: MatchScratch) -> [SecretMatch] {
        accept(candidates(in: bytes, scratch: scratch), context: context, scratch: scratch)
    }

    /// Everything that depends on the bytes alone: keywords, regexes, entropy, checksums, the
    /// inline marker and the allowlists that look at no path or commit. The result can be
    /// kept per blob and judged for each path and commit the blob appears under.
    public func candidates(in bytes: UnsafeRawBufferPointer, scratch: MatchScratch) -> [Candidate] {
        candidates(in: bytes, depth: 0, scratch: scratch)
    }

    /// `markers`: whether an inline allow marker in `bytes` counts — only where a reviewer
    /// sees it, the plain text of a file; never in an archive member, decoded UTF-16 text,
    /// printable runs of a binary or a decoded value, where it would hide from review.
    func candidates(in bytes: UnsafeRawBufferPointer, depth: Int, markers: Bool = true, scratch: MatchScratch) -> [Candidate] {
        guard bytes.count > 0 else { return [] }
        return candidates(in: bytes, keywords: keywordOccurrences(in: bytes, scratch: scratch), depth: depth, markers: markers,
                          scratch: scratch)
    }

    /// `candidates(in:)` given the keyword occurrences of `bytes` (as `keywordOccurrences`
    /// finds them, or as derived from a delta base's).
    public func candidates(in bytes: UnsafeRawBufferPointer, keywords occurrences: KeywordOccurrences,
                           scratch: MatchScratch) -> [Candidate] {
        candidates(in: bytes, keywords: occurrences, depth: 0, scratch: scratch)
    }

    /// `depth`: how many decodings deep `bytes` are (SPEC §1.3's encoded forms).
    func candidates(in bytes: UnsafeRawBufferPointer, keywords occurrences: KeywordOccurrences, depth: Int,
                    markers: Bool = true, scratch: MatchScratch) -> [Candidate] {
        var unused: SearchedWindows?
        return candidates(in: bytes, keywords: occurrences, depth: depth, markers: markers, reusing: nil, searched: &unused,
                          scratch: scratch)
    }

    /// With `reusing` (a delta base's searched windows and what the delta copied from it), a
    /// window copied whole takes the base's matches instead of a search; with `searched`
    /// non-nil, every window searched or taken, with its matches, is added to it.
    func candidates(in bytes: UnsafeRawBufferPointer, keywords occurrences: KeywordOccurrences, depth: Int,
                    markers: Bool = true, reusing base: (windows: SearchedWindows, copies: [CopiedBytes])?,
                    searched: inout SearchedWindows?, scratch: MatchScratch) -> [Candidate] {
        guard bytes.count > 0 else { return [] }
        let markers = markers && depth == 0
        // Each rule's keyword starts, as one sorted list of `rule << 40 | start` (a rule
        // without keywords once, with no start): no dictionary of arrays per blob.
        let noStart: UInt64 = 1 << 40 - 1
        var hits: [UInt64] = []
        hits.reserveCapacity(occurrences.packed.count * 2 + rulesWithoutKeywords.count)
        var guardBudget = ForwardGuard.budget(for: bytes.count)
        // What the guards said, kept for the versions built on these bytes; and what they said
        // on the base, taken for what the delta copied (`GuardVerdicts`).
        let keepVerdicts = searched != nil && depth == 0
        var verdicts: [UInt64] = []
        if keepVerdicts { verdicts.reserveCapacity(occurrences.packed.count) }
        var inherited = depth == 0 ? base.flatMap { GuardVerdicts(base: $0.windows, copies: $0.copies) } : nil
        keywordRules.withUnsafeBufferPointer { keywordRules in
        keywordRuleBounds.withUnsafeBufferPointer { bounds in
        for packed in occurrences.packed {
            let (start, keyword) = KeywordOccurrences.unpack(packed)
            let first = Int(bounds[keyword]), count = Int(bounds[keyword + 1]) - first
            guard let block = guardTable.block(keyword) else {
                for j in 0..<count { hits.append(UInt64(keywordRules[first + j]) << 40 | UInt64(start)) }
                if keepVerdicts { verdicts.append(0) }
                continue
            }
            // A verdict holds one bit a rule (a keyword of more rules is always walked).
            let fits = count <= GuardVerdicts.rules
            let known = fits ? inherited?.verdict(start: start, keyword: keyword, length: block.pointee.length) : nil
            if known != nil { scratch.guardVerdictsTaken += 1 }
            var verdict = fits ? GuardVerdicts.known : 0
            for j in 0..<count {
                // An occurrence that cannot start a match of the rule costs it nothing more.
                if let known {
                    guard known & (1 << UInt64(j)) != 0 else { continue }
                } else {
                    guard block.pointee.admits(rule: j, bytes, at: start, budget: &guardBudget) else { continue }
                    if fits { verdict |= 1 << UInt64(j) }
                }
                hits.append(UInt64(keywordRules[first + j]) << 40 | UInt64(start))
            }
            if keepVerdicts { verdicts.append(known ?? verdict) }
        }
        }
        }
        if keepVerdicts {
            searched?.occurrences = occurrences
            searched?.verdicts = verdicts
        }
        for rule in rulesWithoutKeywords { hits.append(UInt64(rule) << 40 | noStart) }
        hits.sort()
        var found: [Candidate] = []
        // Rules that share all their keywords (the generic pair) share their windows too.
        var lastWindows: (positions: [Int], after: Int, windows: [Range<Int>])?
        var positions: [Int] = []
        var h = 0
        // The rules read in place: a copy of a rule retains and releases each of its fields.
        ruleSet.rules.withUnsafeBufferPointer { rules in
        while h < hits.count {
            let r = Int(hits[h] >> 40)
            positions.removeAll(keepingCapacity: true)
            while h < hits.count, Int(hits[h] >> 40) == r {
                let start = hits[h] & noStart
                if start != noStart { positions.append(Int(start)) }
                h += 1
            }
            let rule = rules.baseAddress! + r
            let regex = rule.pointee.regex!
            let windows: [Range<Int>]
            if positions.isEmpty {
                windows = [0..<bytes.count]
            } else if let last = lastWindows, last.after == rule.pointee.spanLines, last.positions == positions {
                windows = last.windows
            } else {
                windows = Self.windows(around: positions, in: bytes, before: 1, after: rule.pointee.spanLines)
                lastWindows = (positions, rule.pointee.spanLines, windows)
            }
            var seen = Set<Range<Int>>()
            // One finding per rule and value in one file: a value repeated a thousand times is
            // one secret (and a hostile file cannot make the work quadratic).
            var values = Set<[UInt8]>()
            // Values already kept as suppressed: a marked value repeated stays one note, and a
            // marked occurrence never hides an unmarked one.
            var suppressedValues = Set<[UInt8]>()
            func consider(_ match: Match) {
                let whole = match.range
                let secretRange = Self.secretRange(match, group: rule.pointee.secretGroup)
                guard !secretRange.isEmpty, seen.insert(secretRange).inserted else { return }
                let secret = Array(bytes[secretRange])
                // Repeats are dropped only when no allowlist looks at the match or line,
                // which could clear one occurrence of a value and not another.
                if !keepsLineText, !keepsMatchText, values.contains(secret) { return }
                if let threshold = rule.pointee.entropy, Entropy.shannon(secret) <= threshold { return }
                if let checksum = rule.pointee.checksum, checksum.isValid(secret) == rule.pointee.checksumMismatch { return }
                var form = GenericAssignment.Form.quoted
                if rule.pointee.validator == .assignment {
                    guard let judged = GenericAssignment.judge(match, in: bytes) else { return }
                    form = judged
                } else if rule.pointee.validator == .credential, !GenericAssignment.isCredential(secret) {
                    return
                } else if let v = rule.pointee.validator, v == .jwt || v == .jwtInert {
                    guard (JSONWebToken.judge(secret) == .inForce) == (v == .jwt) else { return }
                }
                let line = Self.lineContext(of: whole, in: bytes)
                var suppressed: Suppression?
                if inlineAllow, markers {
                    let text = UnsafeRawBufferPointer(rebasing: bytes[line])
                    if Self.hasAllowMarker(text) {
                        guard suppressedValues.insert(secret).inserted else { return }
                        suppressed = .inline
                    }
                }
                if suppressed == nil { values.insert(secret) }
                let lineText = keepsLineText ? Array(bytes[line]) : []
                found.append(Candidate(ruleIndex: r, ruleID: rule.pointee.id, matchRange: whole, secretRange: secretRange,
                                       line: 0, column: 0, secret: secret, matchText: keepsMatchText ? Array(bytes[whole]) : [], lineText: lineText,
                                       bareValue: form == .bare, suppressed: suppressed))
            }
            // The matches of the window being searched, when it is to be kept (`searched`).
            var recording: [Match]?
            func take(_ match: Match) {
                recording?.append(match)
                consider(match)
            }
            let lookbehind = regex.reuseLookbehind
            var next = 0 // the first position not yet in a window's start ranges
            for window in windows {
                var at = window.lowerBound
                let subject = UnsafeRawBufferPointer(rebasing: bytes[..<window.upperBound])
                // A window the delta copied whole from the base, which searched it: its matches.
                if !positions.isEmpty, let base, let known = base.windows.matches(rule: r, window: window, lookbehind: lookbehind, copies: base.copies) {
                    for match in known { consider(match) }
                    while next < positions.count, positions[next] < window.upperBound { next += 1 }
                    searched?.append(rule: r, range: window, matches: known)
                    searched?.reused += 1
                    if searched?.isOverAllowance == true { searched = nil }
                    continue
                }
                recording = positions.isEmpty || searched == nil ? nil : []
                let limitsBefore = scratch.limitsHit
                defer {
                    // Kept unless a search gave up at a limit (then it was done another way).
                    if let found = recording, scratch.limitsHit == limitsBefore, !scratch.limitHit {
                        searched?.append(rule: r, range: window, matches: found)
                        if searched?.isOverAllowance == true { searched = nil }
                    }
                }
                if let reach = keywordReach[r], !positions.isEmpty {
                    // Matches start at most `reach` before a keyword: only those starts are tried.
                    var gaveUp = false
                    while next < positions.count, positions[next] < window.upperBound {
                        let lo = max(window.lowerBound, positions[next] - reach)
                        var hi = positions[next]
                        next += 1
                        while next < positions.count, positions[next] < window.upperBound, positions[next] - reach <= hi + 1 {
                            hi = max(hi, positions[next])
                            next += 1
                        }
                        var from = max(lo, at)
                        while from <= hi, let match = regex.firstMatch(in: subject, from: from, startingAtMost: hi, using: scratch) {
                            at = match.range.isEmpty ? match.range.upperBound + 1 : match.range.upperBound
                            take(match)
                            from = at
                        }
                        if scratch.limitHit {
                            gaveUp = true
                            recording = nil
                            break
                        }
                    }
                    guard gaveUp else { continue }
                    // A search gave up at the backtracking limit: the window is searched whole,
                    // with the pieces below (what was found already is not kept twice).
                    scratch.limitHit = false
                    while next < positions.count, positions[next] < window.upperBound { next += 1 }
                    at = window.lowerBound
                }
                while at < window.upperBound {
                    guard let match = regex.firstMatch(in: subject, from: at, using: scratch) else {
                        // A search that hit the backtracking limit gave up, not finished: the
                        // rest of that line is searched again in short overlapping pieces
                        // (one hostile stretch hides only its own piece), then the search
                        // resumes on the next line.
                        guard scratch.limitHit else { break }
                        scratch.limitHit = false
                        scratch.limitsHit += 1
                        let end = min(Self.lineEnd(at, in: bytes), window.upperBound)
                        searchInPieces(regex, from: at, to: end, in: bytes, scratch: scratch, take)
                        at = end + 1
                        continue
                    }
                    at = match.range.isEmpty ? match.range.upperBound + 1 : match.range.upperBound
                    take(match)
                }
            }
        }
        }
        found += decodedCandidates(in: bytes, occurrences: occurrences, plain: found, depth: depth, markers: markers, scratch: scratch)
        return Self.locate(Self.preferSpecific(found, ruleSet.rules), in: bytes)
    }

    /// Searches `start..<end` in pieces of 512 bytes that overlap by 256, so any match up to
    /// 256 bytes long lies whole in some piece. A match that ends where its piece was cut
    /// could be a cut-off token and is left to the next piece, which sees past it.
    private func searchInPieces(_ regex: Pattern, from start: Int, to end: Int, in bytes: UnsafeRawBufferPointer,
                                scratch: MatchScratch, _ consider: (Match) -> Void) {
        var piece = start
        while piece < end {
            let pieceEnd = min(piece + 512, end)
            let subject = UnsafeRawBufferPointer(rebasing: bytes[..<pieceEnd])
            var at = piece
            while at < pieceEnd, let match = regex.firstMatch(in: subject, from: at, using: scratch) {
                at = match.range.isEmpty ? match.range.upperBound + 1 : match.range.upperBound
                if match.range.upperBound < pieceEnd || pieceEnd == end { consider(match) }
            }
            if scratch.limitHit {
                scratch.limitHit = false
                scratch.limitsHit += 1
            }
            if pieceEnd == end { break }
            piece += 256
        }
    }

    /// A value caught by a provider's rule is not reported again by a generic rule (ids
    /// starting with `generic`), as gitleaks does: one secret, one finding. Rules that yield
    /// (`SecretRule.yields`) give way the same.
    static func preferSpecific(_ found: [Candidate], _ rules: [SecretRule]) -> [Candidate] {
        // Two yielding rules on one value (an XML attribute is also an assignment): the most
        // confident rule's, else the first's.
        var bestOnValue: [Range<Int>: Int] = [:]
        for (i, c) in found.enumerated() where rules[c.ruleIndex].yields {
            if let j = bestOnValue[c.secretRange], rules[found[j].ruleIndex].confidence >= rules[c.ruleIndex].confidence { continue }
            bestOnValue[c.secretRange] = i
        }
        let found = found.enumerated().filter { i, c in !rules[c.ruleIndex].yields || bestOnValue[c.secretRange] == i }.map(\.element)
        // Provider matches sorted by start, with the furthest end seen so far: a generic match
        // overlaps one exactly when some provider match starts before it ends and the
        // furthest end up to there lies past its start. One binary search each.
        let specific = found.filter { !rules[$0.ruleIndex].yields }.map(\.secretRange).sorted { $0.lowerBound < $1.lowerBound }
        guard !specific.isEmpty else { return found }
        var furthest: [Int] = []
        furthest.reserveCapacity(specific.count)
        for range in specific { furthest.append(max(furthest.last ?? 0, range.upperBound)) }
        return found.filter { c in
            guard rules[c.ruleIndex].yields else { return true }
            var lo = 0, hi = specific.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if specific[mid].lowerBound < c.secretRange.upperBound { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 || furthest[lo - 1] <= c.secretRange.lowerBound
        }
    }

    /// Applies what depends on where the bytes were found: rule paths, and the allowlists
    /// (paths, commits, regexes, stopwords). With `includingSuppressed`, matches an inline
    /// marker or an allowlist suppressed are returned too, marked `suppressed` — except those
    /// a value allowlist (regexes, stopwords) clears: that says the value is a placeholder,
    /// not a secret accepted where it stands (README, "Choices where the contract is silent").
    public func accept(_ candidates: [Candidate], context: ScanContext, scratch: MatchScratch,
                       includingSuppressed: Bool = false) -> [SecretMatch] {
        var result: [SecretMatch] = []
        let pathAllowed = allowPath.map { allow in context.path.map(allow) ?? false } ?? false
        if pathAllowed, !includingSuppressed { return result }
        // One secret at one place is one finding: where several rules match the same bytes (a
        // JWT in a curl `Authorization: Bearer` header), the most confident rule's, and a
        // reported one before a note.
        struct Place: Hashable { var range: Range<Int>; var secret: [UInt8]; var encoding: String?; var member: [UInt8]? }
        var placed: [Place: (index: Int, rule: Int)] = [:]
        // One finding per rule and value in a file. Candidates come deduplicated so, unless an
        // allowlist reads the match or the line (which may clear one occurrence and not
        // another): then the first occurrence no allowlist clears stands for the value here.
        struct Value: Hashable { var rule: Int; var secret: [UInt8]; var encoding: String?; var member: [UInt8]? }
        var reported = Set<Value>()
        let repeatsPossible = keepsLineText || keepsMatchText
        for candidate in candidates {
            let rule = ruleSet.rules[candidate.ruleIndex]
            // An archive member is judged by its own path (`archive.zip!inner/path`).
            var context = context
            if let member = candidate.member, let path = context.path {
                context.path = path + String(decoding: member, as: UTF8.self)
                if let allowPath, allowPath(context.path!) { continue }
            }
            if let pathPattern = rule.path {
                guard let path = context.path, Self.matches(pathPattern, path, scratch) else { continue }
            }
            if candidate.bareValue, let path = context.path, !GenericAssignment.allowsBareValue(path: path) { continue }
            var suppressed = candidate.suppressed ?? (pathAllowed ? .allowlist : nil)
            // A token whose checksum verified is real wherever it stands: the rules' path
            // allowlists (lock files, vendored code) quiet noise, they do not hide one.
            let lists = (rule.allowlists + ruleSet.allowlists.filter { $0.targetRules.isEmpty || $0.targetRules.contains(rule.id) })
                .filter { rule.checksum == nil || rule.checksumMismatch || !$0.judgesPathOnly }
            let allowing = lists.filter { allows($0, candidate, context: context, scratch: scratch) }
            if !allowing.isEmpty {
                guard includingSuppressed, !allowing.contains(where: \.judgesValueOnly) else { continue }
                suppressed = suppressed ?? .allowlist
            }
            if suppressed != nil, !includingSuppressed { continue }
            if repeatsPossible, suppressed == nil,
               !reported.insert(Value(rule: candidate.ruleIndex, secret: candidate.secret, encoding: candidate.encoding,
                                      member: candidate.member)).inserted { continue }
            let match = SecretMatch(ruleID: rule.id, matchRange: candidate.matchRange, secretRange: candidate.secretRange,
                                    line: candidate.line, column: candidate.column, secret: candidate.secret,
                                    encoding: candidate.encoding, member: candidate.member, suppressed: suppressed)
            let place = Place(range: candidate.secretRange, secret: candidate.secret, encoding: candidate.encoding, member: candidate.member)
            if let earlier = placed[place] {
                let other = result[earlier.index]
                let better = (other.suppressed != nil && suppressed == nil)
                    || ((other.suppressed == nil) == (suppressed == nil) && rule.confidence > ruleSet.rules[earlier.rule].confidence)
                if better {
                    result[earlier.index] = match
                    placed[place] = (earlier.index, candidate.ruleIndex)
                }
                continue
            }
            placed[place] = (result.count, candidate.ruleIndex)
            result.append(match)
        }
        return result
    }

    /// Path-only rules (no regex): the file itself is the finding, e.g. a `.pem` committed.
    public func pathFindings(_ context: ScanContext, scratch: MatchScratch) -> [String] {
        guard let path = context.path, !pathOnlyRules.isEmpty else { return [] }
        if let allowPath, allowPath(path) { return [] }
        return pathOnlyRules.map { ruleSet.rules[$0] }.filter { rule in
            guard rule.regex == nil, let pattern = rule.path, Self.matches(pattern, path, scratch) else { return false }
            let lists = rule.allowlists + ruleSet.allowlists.filter { $0.targetRules.isEmpty || $0.targetRules.contains(rule.id) }
            return !lists.contains { list in
                !list.paths.isEmpty && list.paths.contains { Self.matches($0, path, scratch) }
            }
        }.map(\.id)
    }

    /// gitleaks' choice of the secret: the group asked for, else the first group that
    /// matched something, else the whole match.
    static func secretRange(_ match: Match, group: Int) -> Range<Int> {
        if group > 0 { return group < match.groups.count ? (match.groups[group] ?? 0..<0) : 0..<0 }
        for g in match.groups.dropFirst() { if let g, !g.isEmpty { return g } }
        return match.range
    }

    func allows(_ list: Allowlist, _ candidate: Candidate, context: ScanContext, scratch: MatchScratch) -> Bool {
        var verdicts: [Bool] = []
        if !list.commits.isEmpty { verdicts.append(context.commit.map { list.commits.contains($0.lowercased()) } ?? false) }
        if !list.paths.isEmpty {
            verdicts.append(context.path.map { path in list.paths.contains { Self.matches($0, path, scratch) } } ?? false)
        }
        if !list.regexes.isEmpty {
            let target: [UInt8]
            switch list.regexTarget {
            case .secret: target = candidate.secret
            case .match: target = candidate.matchText
            case .line: target = candidate.lineText
            }
            verdicts.append(target.withUnsafeBytes { t in list.regexes.contains { $0.firstMatch(in: t, using: scratch) != nil } })
        }
        if !list.stopwords.isEmpty {
            let lower = String(decoding: candidate.secret, as: UTF8.self).lowercased()
            verdicts.append(list.stopwords.contains { lower.contains($0) })
        }
        guard !verdicts.isEmpty else { return false }
        return list.requireAll ? verdicts.allSatisfy { $0 } : verdicts.contains(true)
    }

    static func matches(_ pattern: Pattern, _ text: String, _ scratch: MatchScratch) -> Bool {
        var copy = text
        return copy.withUTF8 { pattern.firstMatch(in: UnsafeRawBufferPointer($0), using: scratch) != nil }
    }

    /// Line-aligned windows around keyword positions: `before` lines before each hit's line,
    /// `after` lines after it; overlapping windows merged.
    static func windows(around positions: [Int], in bytes: UnsafeRawBufferPointer, before: Int, after: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        // The end of the line of the last hit that shaped a window: a later hit on that same
        // line adds nothing; a hit on a later line extends the window by its own span.
        var coveredLineEnd = -1
        for p in positions.sorted() {
            if p <= coveredLineEnd { continue }
            coveredLineEnd = lineEnd(p, in: bytes)
            if let last = result.last, p < last.upperBound {
                var end = coveredLineEnd
                for _ in 0..<after where end < bytes.count { end = lineEnd(end + 1, in: bytes) }
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, end)
                continue
            }
            var start = lineStart(p, in: bytes)
            for _ in 0..<before where start > 0 { start = lineStart(start - 1, in: bytes) }
            var end = lineEnd(p, in: bytes)
            for _ in 0..<after where end < bytes.count { end = lineEnd(end + 1, in: bytes) }
            if let last = result.last, start <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, end)
            } else {
                result.append(start..<end)
            }
        }
        return result
    }

    static func lineStart(_ p: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var i = min(p, bytes.count)
        guard let base = bytes.baseAddress else { return 0 }
        // Eight bytes at a time once past the first few: a long line (minified code, data) is
        // walked back once per keyword and rule.
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        for _ in 0..<8 {
            guard i > 0 else { return 0 }
            if base.load(fromByteOffset: i - 1, as: UInt8.self) == 10 { return i }
            i -= 1
        }
        while i >= 8 {
            let x = base.loadUnaligned(fromByteOffset: i - 8, as: UInt64.self) ^ (ones &* 10)
            if (x &- ones) & ~x & highs != 0 { break }
            i -= 8
        }
        while i > 0, base.load(fromByteOffset: i - 1, as: UInt8.self) != 10 { i -= 1 }
        return i
    }

    static func lineEnd(_ p: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        guard p < bytes.count, let base = bytes.baseAddress,
              let nl = memchr(base + p, 10, bytes.count - p) else { return bytes.count }
        return base.distance(to: UnsafeRawPointer(nl))
    }

    /// How far around a match its line is looked at (for the inline marker and `line`
    /// allowlists): enough for any real line, bounded for a 50 MB one-line file.
    static let lineContextBytes = 4096

    /// The lines a match touches (without the final newline), cut to `lineContextBytes`
    /// either side of the match.
    static func lineContext(of match: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Range<Int> {
        var start = match.lowerBound
        let floor = max(0, match.lowerBound - lineContextBytes)
        while start > floor, bytes[start - 1] != 10 { start -= 1 }
        let last = max(match.lowerBound, match.upperBound - 1)
        guard last < bytes.count, let base = bytes.baseAddress else { return start..<bytes.count }
        let limit = min(bytes.count, match.upperBound + lineContextBytes) - last
        let end = memchr(base + last, 10, limit).map { base.distance(to: UnsafeRawPointer($0)) } ?? (last + limit)
        return start..<end
    }

    /// Fills in line and column, counting newlines once from the top for all findings.
    static func locate(_ found: [Candidate], in bytes: UnsafeRawBufferPointer) -> [Candidate] {
        var sorted = found.sorted { ($0.secretRange.lowerBound, $0.ruleID) < ($1.secretRange.lowerBound, $1.ruleID) }
        var line = 1
        var position = 0
        // Column counted incrementally from `counted`, so many findings on one long line
        // cost one pass over it.
        var counted = 0
        var column = 1
        for i in sorted.indices {
            let target = sorted[i].secretRange.lowerBound
            while position < target, let base = bytes.baseAddress,
                  let nl = memchr(base + position, 10, target - position) {
                line += 1
                position = base.distance(to: UnsafeRawPointer(nl)) + 1
                counted = position
                column = 1
            }
            position = max(position, target)
            // Characters, not bytes: UTF-8 continuation bytes do not start a column.
            for j in counted..<max(counted, target) where bytes[j] & 0xC0 != 0x80 { column += 1 }
            counted = max(counted, target)
            sorted[i].line = line
            sorted[i].column = column
        }
        return sorted
    }
}

enum Entropy {
    /// Shannon entropy in bits per byte.
    static func shannon(_ bytes: [UInt8]) -> Double {
        guard !bytes.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for b in bytes { counts[Int(b)] += 1 }
        let n = Double(bytes.count)
        var h = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            h -= p * log2(p)
        }
        return h
    }
}

extension Checksum {
    /// Base62 alphabet as GitHub and npm tokens use it: digits, upper case, lower case.
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    func isValid(_ secret: [UInt8]) -> Bool {
        switch self {
        case .crc32Base62:
            // prefix_ + 30 random + 6 checksum characters.
            guard let underscore = secret.lastIndex(of: UInt8(ascii: "_")) else { return false }
            let body = secret[(underscore + 1)...]
            guard body.count == 36 else { return false }
            let random = body.prefix(30)
            return Array(body.suffix(6)) == Checksum.encodeBase62(CRC32.checksum(random), width: 6)
        case .crc32HexLE:
            guard let underscore = secret.lastIndex(of: UInt8(ascii: "_")), secret.count - underscore == 9 else { return false }
            let crc = CRC32.checksum(secret[..<underscore])
            let littleEndian = (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * UInt32($0))) }
            return String(decoding: secret[(underscore + 1)...].map { $0 | 0x20 }, as: UTF8.self) == Hex.encode(littleEndian)
        }
    }

    static func encodeBase62(_ value: UInt32, width: Int) -> [UInt8] {
        var v = value
        var digits: [UInt8] = []
        repeat {
            digits.append(base62[Int(v % 62)])
            v /= 62
        } while v > 0
        while digits.count < width { digits.append(UInt8(ascii: "0")) }
        return digits.reversed()
    }
}

/// CRC-32 (IEEE 802.3, as zlib computes it), by libdeflate.
enum CRC32 {
    static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        Array(bytes).withUnsafeBytes { UInt32(libdeflate_crc32(0, $0.baseAddress, $0.count)) }
    }
}
