import Secrets
import Testing

@Suite struct PatternTests {
    func matches(_ pattern: Pattern, _ bytes: [UInt8]) -> [Match] {
        let scratch = MatchScratch()
        return bytes.withUnsafeBytes { pattern.allMatches(in: $0, using: scratch) }
    }

    @Test func capturesGroupsOnBytes() throws {
        let pattern = try Pattern(#"\b(tok_[a-z0-9]{4})(x)?\b"#)
        #expect(pattern.isJIT)
        #expect(pattern.captureCount == 2)
        let found = matches(pattern, Array("a tok_ab12 b tok_cd34x".utf8))
        #expect(found.count == 2)
        #expect(found[0].groups[1] == 2..<10)
        #expect(found[0].groups[2] == nil, "a group that did not take part is nil")
        #expect(found[1].groups[2] == 21..<22)
    }

    /// Invalid UTF-8 around (and inside) a match never stops the search.
    @Test func invalidUTF8IsJustBytes() throws {
        let pattern = try Pattern(#"key=([^\s]+)"#)
        let subject: [UInt8] = [0xff, 0xfe] + Array("key=".utf8) + [0xc3, 0x28, 0x41] + [0x0a, 0x80]
        let found = matches(pattern, subject)
        #expect(found.count == 1)
        #expect(found[0].groups[1] == 6..<9)
    }

    @Test func caseInsensitiveAndInlineFlags() throws {
        #expect(matches(try Pattern("secret", caseInsensitive: true), Array("SeCrEt".utf8)).count == 1)
        #expect(matches(try Pattern("(?i)secret"), Array("SECRET".utf8)).count == 1)
        #expect(matches(try Pattern("(?P<name>ab)"), Array("ab".utf8)).count == 1, "Python-style named groups, as in RE2")
    }

    @Test(arguments: [("(unclosed", 9), ("a{2,1}", 5), ("[z-a]", 3)])
    func compileErrorsSayWhere(source: String, offset: Int) {
        #expect {
            _ = try Pattern(source)
        } throws: { error in
            (error as? PatternError)?.offset == offset
        }
    }

    /// Catastrophic backtracking stops at the limit and says so, instead of running for ever.
    @Test func pathologicalInputIsBounded() throws {
        let pattern = try Pattern(#"^(a+)+$"#)
        let scratch = MatchScratch(matchLimit: 100_000)
        let subject = Array(repeating: UInt8(ascii: "a"), count: 5000) + [UInt8(ascii: "b")]
        let found = subject.withUnsafeBytes { pattern.firstMatch(in: $0, using: scratch) }
        #expect(found == nil)
        #expect(scratch.limitHit)
    }

    @Test func emptyMatchesAdvance() throws {
        #expect(matches(try Pattern("x*"), Array("ab".utf8)).count == 3)
        #expect(matches(try Pattern("x"), []).isEmpty)
    }
}
