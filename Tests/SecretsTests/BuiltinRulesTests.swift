import ReviewGateTestSupport
@testable import Secrets
import Testing

/// Every built-in rule proves itself on its own examples, as SwiftLint's rules and gitleaks'
/// do: each true example is found by that rule (also inside longer text), each false example
/// is not.
@Suite struct BuiltinRulesTests {
    static let ruleSet = try! RuleSet.builtin(examples: true)
    static let scanner = Scanner(ruleSet: ruleSet)
    static let ids = ruleSet.rules.map(\.id)

    /// What the rule finds on its own (with the global allowlists): where several rules match
    /// one secret the scanner reports the most confident one, so a rule is tested alone.
    static func found(_ text: String, rule: String) -> [SecretMatch] {
        guard let only = ruleSet.rules.first(where: { $0.id == rule }) else { return [] }
        let alone = Scanner(ruleSet: RuleSet(rules: [only], allowlists: ruleSet.allowlists))
        var copy = text
        return copy.withUTF8 { alone.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }.filter { $0.ruleID == rule }
    }

    /// One secret at one place is one finding, from the most confident of the rules that match
    /// it: a JWT sent by curl as a bearer token is not three findings.
    @Test func oneFindingPerSecret() {
        // {"iss":"https://auth.acme.test/","sub":"svc-deploy","aud":"billing-api",…}: in force.
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            + "eyJpc3MiOiJodHRwczovL2F1dGguYWNtZS50ZXN0LyIsInN1YiI6InN2Yy1kZXBsb3kiLCJhdWQiOiJiaWxsaW5nLWFwaSIsImlhdCI6MTc2NzIyNTYwMH0."
            + "PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O7"
        var text = "curl -H 'Authorization: Bearer \(jwt)' https://api.acme.test\n"
        let hits = text.withUTF8 { Self.scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }
        #expect(hits.count == 1)
        #expect(hits.first?.ruleID == "curl-auth-header", "the high-confidence rule reports it")
        #expect(hits.first.map { String(decoding: $0.secret, as: UTF8.self) } == jwt)
    }

    /// A JWT in no force (here one naming no issuer or audience: a library's sample) is no
    /// credential where a header carries it either: one warning, from jwt-inert.
    @Test func aSampleJWTInAHeaderIsOneWarning() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiAiWGVjQklqZFlYZCIsICJpYXQiOiAxNzAwMDAwMDAwfQ." + "4eZu_r0x8H-XOpic6ml1-GVGNs2-I55FNQO9C4NUQKe"
        var text = "curl -H 'Authorization: Bearer \(jwt)' https://api.acme.test\n"
        let hits = text.withUTF8 { Self.scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }
        #expect(hits.map(\.ruleID) == ["jwt-inert"])
        #expect(Self.ruleSet.rules.first { $0.id == "jwt-inert" }?.confidence == .low)
    }

    /// The built-in allowlist of lock files and vendored directories quiets values there, but
    /// not a token whose checksum verified: that one is real wherever it stands.
    @Test func checksumVerifiedTokensAreNotAllowlistedByPath() {
        var factory = SecretFactory(seed: 14)
        let token = factory.githubToken(), key = factory.awsAccessKey()
        var text = "TOKEN=\(token)\nAWS_ACCESS_KEY_ID=\(key)\n"
        let candidates = text.withUTF8 { Self.scanner.candidates(in: UnsafeRawBufferPointer($0), scratch: MatchScratch()) }
        for path in ["vendor/github.com/acme/conf/deploy.env", "go.sum", "web/node_modules/x/.env"] {
            let all = Self.scanner.accept(candidates, context: ScanContext(path: path), scratch: MatchScratch(), includingSuppressed: true)
            #expect(all.first { $0.ruleID == "github-pat" }?.suppressed == nil, "\(path)")
            #expect(all.first { $0.ruleID == "aws-access-key-id" }?.suppressed == .allowlist, "\(path)")
        }
    }

    /// The built-in regexes are compiled on first use (`Pattern(unchecked:)`), so each one
    /// is compiled here; and a scan's rule set (no examples) is the same rules.
    /// The built-in file read in parts on several threads is the file read whole: the same
    /// rules in the same order, every field, their allowlists and the global ones.
    @Test(arguments: [false, true]) func readInPartsIsReadWhole(examples: Bool) throws {
        func list(_ a: Allowlist) -> String {
            "\(a.description)|\(a.requireAll)|\(a.regexes.map(\.source))|\(a.regexTarget)|\(a.paths.map(\.source))|"
                + "\(a.stopwords)|\(a.commits.sorted())|\(a.targetRules.sorted())"
        }
        func describe(_ set: RuleSet) -> [String] {
            set.rules.map { r in
                "\(r.id)|\(r.description)|\(r.regex?.source ?? "-")|\(r.secretGroup)|\(r.entropy ?? -1)|\(r.keywords)|"
                    + "\(r.path?.source ?? "-")|\(r.tags)|\(String(describing: r.checksum))|\(r.checksumMismatch)|"
                    + "\(String(describing: r.validator))|\(r.confidence)|\(r.spanLines)|\(r.yieldsToOthers)|"
                    + "\(r.allowlists.map(list))|\(r.examplesTrue)|\(r.examplesFalse)"
            } + set.allowlists.map(list)
        }
        let whole = describe(try RuleSet.builtin(examples: examples, threads: 1))
        #expect(whole.count > 700)
        for threads in [2, 3, 4, 8] {
            #expect(describe(try RuleSet.builtin(examples: examples, threads: threads)) == whole, "\(threads) threads")
        }
    }

    /// Parts start at `[[rules]]` lines only, in order; a file with no such line further on
    /// is one part.
    @Test func partsStartAtRuleHeaders() {
        let text = Array("title = \"t\"\n[[rules]]\nid = \"a\"\n[[rules]]\nid = \"b\"\nx = 1\n[[rules]]\nid = \"c\"\n".utf8)
        let bounds = RuleSet.partBounds(text, parts: 4)
        #expect(bounds.first == 0 && bounds.last == text.count)
        #expect(bounds == bounds.sorted() && Set(bounds).count == bounds.count)
        #expect(bounds.count > 2)
        for b in bounds.dropFirst().dropLast() {
            #expect(text[b...].starts(with: Array("[[rules]]\n".utf8)))
        }
        let one = Array("[[rules]]\nid = \"a\"\n".utf8)
        #expect(RuleSet.partBounds(one, parts: 3) == [0, one.count])
        #expect(RuleSet.partBounds(text, parts: 1) == [0, text.count])
    }

    @Test func everyBuiltinPatternCompiles() throws {
        let lists = Self.ruleSet.allowlists + Self.ruleSet.rules.flatMap(\.allowlists)
        let patterns = Self.ruleSet.rules.flatMap { [$0.regex, $0.path].compactMap { $0 } } + lists.flatMap { $0.regexes + $0.paths }
        #expect(patterns.count > Self.ruleSet.rules.count)
        for pattern in patterns {
            #expect(throws: Never.self) { _ = try Pattern(pattern.source) }
        }
        let scanning = try RuleSet.builtin()
        #expect(scanning.rules.map(\.id) == Self.ids)
        #expect(scanning.rules.map { $0.regex?.source } == Self.ruleSet.rules.map { $0.regex?.source })
        #expect(scanning.rules.allSatisfy { $0.examplesTrue.isEmpty && $0.examplesFalse.isEmpty })
    }

    @Test func coversAtLeastSixtySecretTypes() {
        #expect(Self.ruleSet.rules.count >= 60)
        #expect(Set(Self.ids).count == Self.ids.count)
    }

    @Test(arguments: ids)
    func rule(id: String) throws {
        let rule = try #require(Self.ruleSet.rules.first { $0.id == id })
        #expect(!rule.examplesTrue.isEmpty, "rule \(id) has no true examples")
        #expect(!rule.examplesFalse.isEmpty, "rule \(id) has no false examples")
        for example in rule.examplesTrue {
            let plain = Self.found(example, rule: id)
            #expect(!plain.isEmpty, "\(id) misses its example: \(example)")
            guard let secret = plain.first?.secret else { continue }
            // The same secret inside longer text and other surroundings.
            let variants = [
                "first line\n\(example)\nlast line\n",
                "    # \(example)  \n",
                "// ünïcödé ✓ → \(example)\n",
                "a\r\nb\r\n\(example)\r\nc\r\n",
                String(repeating: "filler text, nothing secret here\n", count: 50) + example + "\n" + String(repeating: "more\n", count: 50),
            ]
            for variant in variants {
                let hits = Self.found(variant, rule: id)
                #expect(hits.contains { $0.secret == secret }, "\(id) misses its example in: \(variant.prefix(80))")
            }
        }
        for example in rule.examplesFalse {
            #expect(Self.found(example, rule: id).isEmpty, "\(id) flags its false example: \(example)")
        }
    }
}
