import ReviewGateTestSupport
@testable import Secrets
import Testing

/// Keyword occurrences that cannot start a match are dropped before any regex work
/// (`KeywordGuard`); none that could is.
@Suite struct KeywordGuardTests {
    /// Whether the scanner's guard table lets an occurrence of `keyword` at `start` through
    /// for a rule with `regex`; nil when it keeps every occurrence.
    static func admits(_ regex: String, _ keyword: String, _ text: String, at start: Int = 0) -> Bool? {
        let table = GuardTable(words: [keyword], sources: [[regex]])
        guard let block = table.block(0) else { return nil }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { block.pointee.admits(rule: 0, $0, at: start) }
    }

    @Test func readsWhatAMatchMustBeginWith() throws {
        let hex32 = "0123456789abcdefABCDEF0123456789"
        let twilio = #"\b(SK[0-9a-fA-F]{32})\b"#
        let guards = try #require(KeywordGuard.of(twilio, keyword: "sk"))
        #expect(guards.count == 1 && guards[0].sequence.count == KeywordGuard.longest, "read as far as it reads")
        #expect(Self.admits(twilio, "sk", "SK" + hex32) == true)
        #expect(Self.admits(twilio, "sk", "sk" + hex32) == false, "the regex's own case")
        #expect(Self.admits(twilio, "sk", "SKIP" + hex32) == false)
        #expect(Self.admits(twilio, "sk", "xSK" + hex32, at: 1) == false, "\\b before a word byte")
        #expect(Self.admits(twilio, "sk", "-SK" + hex32, at: 1) == true)
        #expect(Self.admits(twilio, "sk", "SK" + hex32.prefix(20)) == false, "the text ends first")

        let url = #"(?i)\b(?:https?|ftp)://[^\s:@/]{1,64}:([^\s:@/]{3,128})@"#
        #expect(Self.admits(url, "http", "HTTPS://u:p@h") == true)
        #expect(Self.admits(url, "http", "xhttp://u:p@h", at: 1) == false)
        #expect(Self.admits(url, "ftp", "ftp://host") == true)
        #expect(Self.admits(url, "ftp", "ftpx") == false)

        let crates = #"(?<![A-Za-z0-9+/])(cio[A-Za-z0-9]{32})(?![A-Za-z0-9+/])"#
        #expect(Self.admits(crates, "cio", "precious", at: 3) == false)
        #expect(Self.admits(crates, "cio", " cio" + hex32, at: 1) == true)

        // Alternatives after the keyword's literal: the branches that begin with it.
        let aws = #"\b((?:A3T[A-Z0-9]|AKIA|ASIA)[A-Z2-7]{16})\b"#
        // Key ids made at run time, so no committed line reads as one.
        let body = String("PONMLKJIHGFEDCBA".reversed())
        #expect(Self.admits(aws, "akia", "AK" + "IA" + body) == true)
        #expect(Self.admits(aws, "akia", "ak" + "ia" + body) == false)
        #expect(Self.admits(aws, "a3t", "A3" + "TX" + body) == true)
        #expect(Self.admits(aws, "asia", "AS" + "IA1" + body.dropFirst()) == false, "1 is not base32")

        // Case-insensitive groups, quantifier forms, escapes.
        #expect(Self.admits(#"(?i:(?<![A-Za-z0-9])(?:lob))[\w.\- \t]{0,20}?="#, "lob", "global", at: 3) == false)
        #expect(Self.admits(#"(?i:(?<![A-Za-z0-9])(?:lob))[\w.\- \t]{0,20}?="#, "lob", " LOB_KEY=", at: 1) == true)
        #expect(Self.admits(#"key\x2D[a-z]{2,5}\d{3,}"#, "key", "key-ab") == true)
        #expect(Self.admits(#"key\x2D[a-z]{2,5}\d{3,}"#, "key", "key_ab") == false)
        #expect(Self.admits(#"key\x2D[a-z]{2,5}\d{3,}"#, "key", "key-a1") == false)
    }

    @Test func keepsEveryOccurrenceWhereItCannotTell() {
        // Unknown syntax, a match that need not begin with the keyword, a start the regex
        // leaves open.
        for (regex, keyword) in [(#"\p{L}key"#, "key"), (#"[a-z]{0,3}key"#, "key"), (#"(?:[a-z]*|key)\d"#, "key"),
                                 (#"(?s)key.{4}"#, "key"), (#"(?x) key"#, "key"), (#"(ab)+key"#, "key"), ("", "key")] {
            #expect(KeywordGuard.of(regex, keyword: keyword) == nil, "\(regex)")
        }
        // Reading stops at a repeat of varying length, a backreference, a line break.
        #expect(KeywordGuard.of(#"key\d{2,4}x"#, keyword: "key")?.first?.sequence.count == 5)
        #expect(KeywordGuard.of(#"(['"])key\1x"#, keyword: "key") == nil, "a match begins with a quote, never with the keyword")
        // A branch that cannot begin with the keyword does not keep its occurrences.
        #expect(Self.admits(#"(?:x|key)\d"#, "key", "key1") == true)
        #expect(Self.admits(#"(?:x|key)\d"#, "key", "key_") == false)
        #expect(KeywordGuard.of(#"key(a)\1xyz"#, keyword: "key")?.first?.sequence.count == 4)
        #expect(KeywordGuard.of(#"key\s=x"#, keyword: "key")?.first?.sequence.count == 3)
        #expect(KeywordGuard.of(#"key[^"]x"#, keyword: "key")?.first?.sequence.count == 3)
        #expect(KeywordGuard.of(#"key.x"#, keyword: "key")?.first?.sequence.count == 5)
    }

    static let ruleSet = try! RuleSet.builtin(examples: true)
    static let near = Scanner(ruleSet: ruleSet, allowPath: nil, startsNearKeywords: true)
    static let whole = Scanner(ruleSet: ruleSet, allowPath: nil, startsNearKeywords: false)

    @Test func mostRulesThatStartAtAKeywordAreGuarded() {
        var started = 0, guarded = 0
        for (k, rules) in Self.near.rulesByKeyword.enumerated() where k < Self.near.words.count {
            let guards = Self.near.guardTable.guards(k)
            for (j, r) in rules.enumerated() where Self.near.keywordReach[r] == 0 {
                started += 1
                if guards[j] != nil { guarded += 1 }
            }
        }
        #expect(started > 300)
        #expect(guarded * 10 >= started * 8, "\(guarded) of \(started)")
    }

    /// Every true example, changed at random near its keywords (case flipped, a byte put
    /// before, one dropped or doubled), scanned with guards and with whole lines and no
    /// guards: the same candidates.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func sameCandidatesAsWithoutGuards(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let befores = ["", " ", "x", "_", "0", "/", "+", "-", "\n", "\"", "=", "."]
        var text = ""
        for rule in Self.ruleSet.rules {
            for example in rule.examplesTrue {
                for _ in 0..<3 {
                    var bytes = Array(example.utf8)
                    let at = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 4 {
                    case 0: if at < bytes.count, (0x41...0x5A).contains(bytes[at]) || (0x61...0x7A).contains(bytes[at]) { bytes[at] ^= 0x20 }
                    case 1: if at < bytes.count { bytes.remove(at: at) }
                    case 2: if at < bytes.count { bytes.insert(bytes[at], at: at) }
                    default: bytes.insert(contentsOf: Array(befores[Int(rng.next() % UInt64(befores.count))].utf8), at: at)
                    }
                    text += befores[Int(rng.next() % UInt64(befores.count))] + String(decoding: bytes, as: UTF8.self)
                        + befores[Int(rng.next() % UInt64(befores.count))] + example + "\n"
                }
            }
        }
        var compared = 0
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            // Pieces of about 30 KB, cut after a line end so no example is split.
            var end = min(bytes.count, start + 30_000)
            while end < bytes.count, bytes[end - 1] != 0x0A { end += 1 }
            let part = Array(bytes[start..<end])
            start = end
            let a = part.withUnsafeBytes { Self.near.candidates(in: $0, scratch: MatchScratch()) }
            let b = part.withUnsafeBytes { Self.whole.candidates(in: $0, scratch: MatchScratch()) }
            #expect(a == b)
            compared += a.count
        }
        #expect(compared > 500)
    }
}
