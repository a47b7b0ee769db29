import Base
import ReviewGateTestSupport
@testable import Secrets
import Testing

/// Keyword occurrences derived from a base's and a delta's copies against a full search of
/// the new bytes, on random bytes built from copies and inserts the way pack deltas are.
@Suite struct KeywordOccurrencesTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())

    @Test(arguments: 0..<40)
    func derivedEqualsFull(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed) &* 7919 &+ 3)
        let words = ["token", "TOKEN", "ghp_", "password", "AKIA", "secret", "key", "sk_live_", "xoxb-", "\n", "=", " ",
                     // the decoders' triggers (SPEC §1.3's encoded forms)
                     "%5F", "%41%42", "\\u0041", "\\x5f", "a\\\n", ": >-\n", "a\" + \"b", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                     // runs whose first characters decode to text (base64, hex): triggers at a
                     // region's first byte, where the regions searched at once meet
                     "YSB2YWx1ZSBmb3IgdGhlIHRlc3Q", "746f6b656e2076616c756520666f72207468652074657374"]
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-=: \n".utf8)
        func randomBytes(_ n: Int) -> [UInt8] {
            var out: [UInt8] = []
            while out.count < n {
                if rng.next() % 4 == 0 { out += Array(words[Int(rng.next() % UInt64(words.count))].utf8) }
                else { out.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            }
            return out
        }
        let scratch = MatchScratch()
        var base = randomBytes(200 + Int(rng.next() % 3000))
        var baseKeywords = base.withUnsafeBytes { Self.scanner.keywordOccurrences(in: $0, scratch: scratch) }
        for _ in 0..<50 {
            // A target of copies from the base (any stretch, any order, seams inside
            // keywords included) and inserts.
            var target: [UInt8] = []
            var copies: [CopiedBytes] = []
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                if rng.next() % 3 == 0 {
                    target += randomBytes(Int(rng.next() % 40))
                } else if !base.isEmpty {
                    let from = Int(rng.next() % UInt64(base.count))
                    let count = 1 + Int(rng.next() % UInt64(min(base.count - from, 900)))
                    copies.append(CopiedBytes(target: target.count, source: from, count: count))
                    target += base[from..<(from + count)]
                }
            }
            let full = target.withUnsafeBytes { Self.scanner.keywordOccurrences(in: $0, scratch: scratch) }
            let derived = target.withUnsafeBytes {
                Self.scanner.keywordOccurrences(in: $0, base: baseKeywords, copies: copies, scratch: scratch)
            }
            #expect(derived == full)
            let candidates = target.withUnsafeBytes { Self.scanner.candidates(in: $0, scratch: scratch) }
            let fromDerived = target.withUnsafeBytes { Self.scanner.candidates(in: $0, keywords: derived, scratch: scratch) }
            #expect(fromDerived == candidates)
            base = target
            baseKeywords = derived
        }
    }
}
