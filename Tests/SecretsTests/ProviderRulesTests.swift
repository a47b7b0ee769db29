import ReviewGateTestSupport
import Secrets
import Testing

/// The provider rules (issue 14, reach): keys printed in the providers' own documentation are
/// allowlisted by value while random keys of the same shape are still found, and every rule
/// can be reached through its keywords.
@Suite struct ProviderRulesTests {
    static let ruleSet = try! RuleSet.builtin()
    static let scanner = Scanner(ruleSet: ruleSet)

    static func found(_ text: String, rule: String) -> [SecretMatch] {
        var copy = text
        return copy.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }.filter { $0.ruleID == rule }
    }

    /// A published example key (built from parts, so this file holds none whole), the rule it
    /// looks like, and a random key of the same shape.
    struct Published: Sendable, CustomTestStringConvertible {
        var key: String
        var rule: String
        var lookAlike: @Sendable (inout SecretFactory) -> String
        var testDescription: String { rule }
    }

    static let published: [Published] = [
        Published(key: "AIza" + "SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", rule: "gcp-api-key") { "AIza" + $0.random(35, from: "abcdefghijKLMNOPQRST0123456789_-") },
        Published(key: "AIza" + "SyBdVl-cTICSwYKrZ95SuvNw7dbMuDt1KG0", rule: "gcp-api-key") { "AIza" + $0.random(35, from: "abcdefghijKLMNOPQRST0123456789_-") },
        Published(key: "AIza" + "SyDdVgKwhZl0sTTTLZ7iTmt1r3N2cJLnaDk", rule: "gcp-api-key") { "AIza" + $0.random(35, from: "abcdefghijKLMNOPQRST0123456789_-") },
        Published(key: "sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc", rule: "stripe-secret-key") { "sk_" + "test_" + $0.alnum(24) },
        Published(key: "key-" + "3ax6xnjp29jd6fds4gc373sgvjxteol0", rule: "mailgun-api-key") { "key-" + $0.random(32, from: "0123456789abcdef") },
        Published(key: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                    + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", rule: "jwt-inert") {
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJ" + $0.alnum(40) + "." + $0.alnum(43)
        },
    ]

    @Test(arguments: published)
    func publishedExampleKeysAreAllowlisted(_ example: Published) {
        #expect(Self.found("key = \"\(example.key)\"\n", rule: example.rule).isEmpty, "\(example.rule) reports a published example key")
        var secrets = SecretFactory(seed: 14)
        let random = example.lookAlike(&secrets)
        #expect(Self.found("key = \"\(random)\"\n", rule: example.rule).count == 1, "\(example.rule) misses a key of the same shape")
    }

    /// A rule without keywords runs its regex over every byte of every file; the scanner only
    /// stays fast because each rule names the literals its secrets contain.
    @Test func everyRegexRuleHasKeywords() {
        let without = Self.ruleSet.rules.filter { $0.regex != nil && $0.keywords.isEmpty }.map(\.id)
        #expect(without.isEmpty, "rules without keywords: \(without)")
    }

    /// The reach the issue asks for: at least as many rules as the best-known open scanners.
    @Test func coversTheProvidersOfThePeers() {
        #expect(Self.ruleSet.rules.count >= 400)
        for id in ["slack-legacy-token", "sidekiq-secret", "curl-user-password", "curl-auth-header", "sonarqube-legacy-token",
                   "1password-service-account-token", "facebook-access-token", "sourcegraph-access-token", "sumologic-access-key",
                   "huggingface-organization-token", "notion-integration-token", "snyk-api-token", "azure-storage-connection-string",
                   "docker-config-auth", "atlassian-api-token-legacy", "asana-personal-access-token", "box-access-token"] {
            #expect(Self.ruleSet.rules.contains { $0.id == id }, "no rule \(id)")
        }
    }
}
