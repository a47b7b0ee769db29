import ReviewGateTestSupport
@testable import Secrets
import Testing

/// Regexes tried only near their keywords (`KeywordReach`) find exactly what a search of
/// the whole lines around the keywords finds.
@Suite struct KeywordReachTests {
    @Test func readsHowFarAKeywordLiesIntoAMatch() {
        #expect(KeywordReach.of(#"\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})(?![a-f0-9])"#, keywords: ["pat"]) == 0)
        #expect(KeywordReach.of(#"\b(SK[0-9a-fA-F]{32})\b"#, keywords: ["sk"]) == 0)
        #expect(KeywordReach.of(#"(?i)\b(?:https?|ftp)://[^\s:@/]{1,64}:([^\s:@/]{3,128})@"#, keywords: ["http", "ftp"]) == 0)
        #expect(KeywordReach.of(#"\b([0-9a-f]{32}-us[0-9]{1,2})\b"#, keywords: ["-us"]) == 32)
        #expect(KeywordReach.of(#"(?i)(?<![A-Za-z0-9_])([A-Za-z0-9_.\-]{0,48}?(?:pass|key)[A-Za-z0-9_]{0,32})\s*="#,
                                keywords: ["pass", "key"]) == 48)
        #expect(KeywordReach.of(#"(?i:(?<![A-Za-z0-9])(?:x[_-]?figma[_-]?token))\s*="#, keywords: ["figma"]) == 2)
        #expect(KeywordReach.of(#"(?:rapidapi|x-rapidapi-key)\s*="#, keywords: ["rapidapi"]) == 2)
        // Not told: unbounded repeats before the keyword, a branch without one, an optional
        // group holding it, a keyword spread over pieces, \K, extended mode.
        #expect(KeywordReach.of(#"[a-z]+key=\w+"#, keywords: ["key"]) == nil)
        #expect(KeywordReach.of(#"key=\w+|token=\w+"#, keywords: ["key"]) == nil)
        #expect(KeywordReach.of(#"(?:key)?=\w+"#, keywords: ["key"]) == nil)
        #expect(KeywordReach.of(#"(?:pat|sat)\.\w+"#, keywords: ["pat."]) == nil)
        #expect(KeywordReach.of(#"ab\Kkey=\w+"#, keywords: ["key"]) == nil)
        #expect(KeywordReach.of(#"(?x) key = \w+"#, keywords: ["key"]) == nil)
        #expect(KeywordReach.of(#"\w{0,4}key"#, keywords: []) == nil)
    }

    static let ruleSet = try! RuleSet.builtin(examples: true)
    static let near = Scanner(ruleSet: ruleSet, allowPath: nil, startsNearKeywords: true)
    static let whole = Scanner(ruleSet: ruleSet, allowPath: nil, startsNearKeywords: false)

    @Test func mostBuiltinRulesAreRead() {
        let read = Self.near.keywordReach.compactMap { $0 }.count
        #expect(read * 4 >= Self.ruleSet.rules.count * 3)
        #expect(Self.whole.keywordReach.allSatisfy { $0 == nil })
    }

    /// Every rule's examples, true and false, shuffled among each other and among random
    /// separators and keyword-bearing noise: both searches give the same candidates.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func sameCandidatesAsTheWholeLines(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let examples = Self.ruleSet.rules.flatMap { $0.examplesTrue + $0.examplesFalse }.shuffled(using: &rng)
        let separators = ["\n", " ", "\n\n", "\t", "=", ": ", "\"", "'", ",", "\r\n", "; key = ", " password: ", " http://"]
        var text = ""
        for example in examples {
            text += example
            for _ in 0..<Int(rng.next() % 3) { text += separators[Int(rng.next() % UInt64(separators.count))] }
        }
        let bytes = Array(text.utf8)
        for piece in stride(from: 0, to: bytes.count, by: 40_000) {
            let part = Array(bytes[piece..<min(bytes.count, piece + 40_000)])
            let a = part.withUnsafeBytes { Self.near.candidates(in: $0, scratch: MatchScratch()) }
            let b = part.withUnsafeBytes { Self.whole.candidates(in: $0, scratch: MatchScratch()) }
            #expect(a == b)
            #expect(!a.isEmpty)
        }
    }
}
