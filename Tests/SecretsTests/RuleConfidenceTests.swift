import Foundation
import Secrets
import Testing

/// Every built-in rule says how sure its matches are, and rules/README.md shows it.
@Suite struct RuleConfidenceTests {
    static let rules = try! RuleSet.builtin().rules
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func genericRulesAreLowAndChecksummedOnesHigh() {
        for rule in Self.rules where rule.isGeneric { #expect(rule.confidence == .low, "\(rule.id)") }
        for rule in Self.rules where rule.checksum != nil {
            // A checked token is one; a look-alike (`checksumMismatch`: its checksum fails) only warns.
            #expect(rule.confidence == (rule.checksumMismatch ? .low : .high), "\(rule.id)")
        }
        #expect(Self.rules.contains { $0.checksumMismatch }, "the look-alike rules")
    }

    /// The table in rules/README.md is the rule file's ids, confidences and descriptions, in
    /// order (regenerate it with scripts/rules-table.sh). A rule without its own `confidence`
    /// shows an empty cell there and fails here.
    @Test func readmeTableMatchesTheRuleFile() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("rules/README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        let expected = Self.rules.map { rule in
            "| `\(rule.id)` | \(rule.confidence.rawValue) | \(rule.description.replacingOccurrences(of: "|", with: "\\|")) |"
        }
        #expect(rows == expected, "rules/README.md is out of date: run scripts/rules-table.sh")
    }
}
