@testable import Secrets
import Testing

@Suite struct KeywordSetTests {
    func occurrences(_ set: KeywordSet, _ text: [UInt8]) -> [String] {
        var found: [String] = []
        text.withUnsafeBytes { bytes in
            set.forEachOccurrence(in: bytes) { found.append("\(set.keywords[$0])@\($1)") }
        }
        return found.sorted()
    }

    @Test func findsOverlappingKeywordsCaseInsensitively() {
        let set = KeywordSet(["he", "she", "his", "hers", "ghp_", "AKIA"])
        #expect(occurrences(set, Array("uSHErs".utf8)) == ["he@2", "hers@2", "she@1"])
        #expect(occurrences(set, Array("x=GHP_abc akia".utf8)) == ["AKIA@10", "ghp_@2"])
        #expect(occurrences(set, []) == [])
    }

    /// The same answers as a naive search, on random bytes including invalid UTF-8.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func agreesWithNaiveSearch(seed: UInt64) {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let alphabet: [UInt8] = Array("abAB_-".utf8) + [0xff, 0x00]
        let keywords = (0..<12).map { _ in String(decoding: (0..<(1 + Int(next() % 4))).map { _ in alphabet[Int(next() % 6)] }, as: UTF8.self) }
        let text = (0..<2000).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
        let set = KeywordSet(keywords)
        var expected: [String] = []
        let lower = text.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        for (index, word) in keywords.enumerated() {
            let w = Array(word.lowercased().utf8)
            for start in 0...(lower.count - w.count) where Array(lower[start..<(start + w.count)]) == w {
                expected.append("\(keywords[index])@\(start)")
            }
        }
        #expect(occurrences(set, text) == expected.sorted())
    }

    /// Hyperscan, where it runs, reports exactly what the automaton reports.
    @Test(arguments: [7, 8, 9] as [UInt64])
    func hyperscanAgreesWithTheAutomaton(seed: UInt64) throws {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let alphabet: [UInt8] = Array("abAB_-k".utf8) + [0xff, 0x00, 0x0a]
        let keywords = (0..<15).map { _ in String(decoding: (0..<(1 + Int(next() % 5))).map { _ in Array("abAB_-k".utf8)[Int(next() % 7)] }, as: UTF8.self) }
        let text = (0..<5000).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
        let fast = try #require(HyperscanKeywords(keywords))
        var scratch: OpaquePointer?
        var fromFast: [String] = []
        let ok = text.withUnsafeBytes { bytes in
            fast.forEachOccurrence(in: bytes, scratch: &scratch) { fromFast.append("\($0)@\($1)") }
        }
        #expect(ok)
        let slow = KeywordSet(keywords)
        var fromSlow: [String] = []
        text.withUnsafeBytes { bytes in slow.forEachOccurrence(in: bytes) { fromSlow.append("\($0)@\($1)") } }
        #expect(fromFast.sorted() == fromSlow.sorted())
    }

    /// On the ~900 built-in keywords (the automaton searches small runs, Hyperscan large
    /// ones): both report the same occurrences over random text with keywords planted in
    /// random case, overlapping ones included.
    @Test(arguments: [11, 12] as [UInt64])
    func hyperscanAgreesWithTheAutomatonOnTheBuiltinKeywords(seed: UInt64) throws {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        var seen = Set<String>()
        let keywords = try RuleSet.builtin().rules.filter { $0.regex != nil }.flatMap(\.keywords).filter { seen.insert($0).inserted }
        #expect(keywords.count > 500)
        var text: [UInt8] = []
        var planted = 0
        while text.count < 200_000 {
            if next() % 4 == 0 {
                let word = Array(keywords[Int(next() % UInt64(keywords.count))].utf8)
                text += word.map { next() % 2 == 0 && $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
                planted += 1
            } else {
                text += (0..<Int(next() % 12)).map { _ in UInt8(truncatingIfNeeded: next()) }
            }
        }
        let fast = try #require(HyperscanKeywords(keywords))
        var scratch: OpaquePointer?
        var fromFast: [String] = []
        let ok = text.withUnsafeBytes { bytes in
            fast.forEachOccurrence(in: bytes, scratch: &scratch) { fromFast.append("\($0)@\($1)") }
        }
        #expect(ok)
        var fromSlow: [String] = []
        text.withUnsafeBytes { bytes in KeywordSet(keywords).forEachOccurrence(in: bytes) { fromSlow.append("\($0)@\($1)") } }
        #expect(fromSlow.count >= planted)
        #expect(fromFast.sorted() == fromSlow.sorted())
    }
}
