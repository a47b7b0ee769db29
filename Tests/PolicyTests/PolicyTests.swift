import Base
import Foundation
import Policy
import ReviewGateTestSupport
import Testing
import TOML

let people = """
version = 1
[[people]]
id = "alice"
emails = ["Alice@Example.com"]
logins = ["alice"]
keys = ["ssh-ed25519 AAAAkey alice@laptop", "ssh-ed25519 AAAAother alice@desk"]
groups = ["senior"]
[[people]]
id = "bob"
emails = ["bob@example.com"]
logins = ["bob"]
groups = ["senior", "security"]
[[people]]
id = "carol"
groups = ["security"]

"""

@Suite struct PolicyTests {
    @Test func exampleLoadsAndGuardsItself() throws {
        let url = Scratch.packageRoot.appendingPathComponent("rules/policy.example.toml")
        let policy = try Policy.load(Array(try Data(contentsOf: url)), file: "rules/policy.example.toml")
        let guarded = policy.core.filter {
            $0.touches(Array(".reviewgate/policy.toml".utf8)) && $0.touches(Array("hooks/pre-receive".utf8))
        }
        #expect(!guarded.isEmpty)
        #expect(guarded.allSatisfy { $0.pathSources.map(\.0).contains(".reviewgate/policy.toml") && $0.pathSources.map(\.0).contains("hooks/") })
        #expect(policy.core.map(\.name) == ["reviewgate", "payments"])
        #expect(policy.core[1].trailerKeys == ["Reviewed-by"])
        #expect(policy.core[1].touches(Array("src/payments/api.swift".utf8)))
        #expect(!policy.core[1].touches(Array("src/payments/README.md".utf8)))
        #expect(policy.core[1].touches(Array("db/migrations/2024/01/x.sql".utf8)))
        #expect(policy.breakglass == ["alice", "carol"])
        #expect(policy.refs.protected.matches("refs/heads/release/1.0"))
        #expect(!policy.refs.protected.matches("refs/heads/release/1.0/fix"))
        #expect(policy.refs.denyDelete.matches("refs/tags/v1/rc"))
        #expect(policy.approvals.notesRef == "refs/notes/reviewgate")
    }

    @Test func defaultsAndLookups() throws {
        let policy = try Policy.load(people + """
        [[core]]
        name = "c"
        paths = ["src/"]
        from = ["senior", "carol"]
        """, file: "p.toml")
        let rule = try #require(policy.core.first)
        #expect(rule.approvals == 1 && rule.evidence == .signed && rule.bind == .commit && rule.mode == .commit)
        #expect(rule.allowSelf == false && rule.trailerKeys == ["Reviewed-by", "Approved-by"])
        #expect(rule.approvers == ["alice", "bob", "carol"])
        #expect(rule.isApprovalKey("reviewed-BY"))
        #expect(policy.person(email: "alice@example.COM")?.id == "alice")
        #expect(policy.person(email: " bob@example.com")?.id == "bob")
        #expect(policy.person(email: "nobody@example.com") == nil)
        #expect(policy.person(login: "bob")?.id == "bob" && policy.person(login: "Bob") == nil)
        #expect(policy.person(id: "alice")?.keys.map(\.position.line) == [6, 6])
        #expect(policy.expand(["security"]) == ["bob", "carol"])
        #expect(policy.members(of: "senior") == ["alice", "bob"])
        #expect(policy.refs.protected.map(\.source) == ["refs/heads/main", "refs/heads/master"])
        #expect(policy.secrets.rules == ["builtin"] && policy.secrets.inlineAllow && policy.secrets.maxFileBytes == 52_428_800)
        #expect(policy.budgetSeconds == 4.0 && policy.approvals.notesRef == "refs/notes/reviewgate")
        #expect(policy.coreRules(touching: Array("src/a/b.c".utf8)) == [0])
        #expect(policy.coreRules(touching: Array("lib/src".utf8)) == [])
        #expect(Policy.builtin().core.isEmpty)
    }

    /// Each broken policy fails with the message and the position of the culprit.
    @Test(arguments: [
        ("version = 2\n", "p.toml:1:11: unsupported policy version 2; this ReviewGate reads version 1"),
        ("title = 'x'\n", "p.toml:1:1: the policy must start with 'version = 1'"),
        ("version = 1\nverison = 1\n", "p.toml:2:1: unknown key 'verison' in the policy"),
        ("version = '1'\n", "p.toml:1:11: 'version' in the policy must be an integer, not a string"),
        (people + "[[core]]\nname = 'c'\npaths = ['a/']\nfrom = ['seniors']\n",
         "p.toml:19:9: unknown person or group 'seniors' in core rule 'c'"),
        (people + "[[core]]\nname = 'c'\npaths = ['a/']\nfrom = ['senior']\napprovals = 3\n",
         "p.toml:20:13: 'approvals' is 3 but 'from' names only 2 people"),
        (people + "[[core]]\nname = 'c'\npaths = ['a/']\nfrom = ['senior']\napprovals = 0\n",
         "p.toml:20:13: 'approvals' must be at least 1"),
        (people + "[[core]]\nname = 'c'\npaths = ['a/', 'src/[ab']\nfrom = ['bob']\n",
         "p.toml:18:16: path pattern 'src/[ab' can never match: unterminated character class"),
        (people + "[[core]]\nname = 'c'\npaths = ['#x']\nfrom = ['bob']\n",
         "p.toml:18:10: path pattern '#x' is empty or a comment; write \\# for a leading '#'"),
        (people + "[[core]]\nname = 'c'\npaths = ['a']\nfrom = ['bob']\nevidence = 'email'\n",
         "p.toml:20:12: 'evidence' in core rule 'c' must be \"trailer\" or \"signed\", not \"email\""),
        (people + "[[core]]\nname = 'c'\npaths = ['a']\nfrom = ['bob']\nbind = 'tree'\n",
         "p.toml:20:8: 'bind' in core rule 'c' must be \"commit\" or \"patch-id\", not \"tree\""),
        (people + "[[core]]\nname = 'c'\npaths = ['a']\nfrom = ['bob']\nmode = 'x'\n",
         "p.toml:20:8: 'mode' in core rule 'c' must be \"commit\" or \"merge\", not \"x\""),
        (people + "[[core]]\nname = 'c'\npaths = ['a']\nfrom = ['bob']\n[[core]]\nname = 'c'\npaths = ['b']\nfrom = ['bob']\n",
         "p.toml:21:8: duplicate core rule 'c' (first at line 16)"),
        (people + "[[core]]\nname = 'c'\npaths = ['a']\nfrom = ['bob']\nallow_self = 'yes'\n",
         "p.toml:20:14: 'allow_self' in core rule 'c' must be true or false, not a string"),
        (people + "[[core]]\nname = 'c'\npaths = ['a']\nfrom = ['bob']\napprover = 'bob'\n",
         "p.toml:20:1: unknown key 'approver' in core rule 'c'"),
        (people + "[[people]]\nid = 'alice'\n", "p.toml:17:6: duplicate person id 'alice' (first at line 2)"),
        (people + "[[people]]\nid = 'dave'\nemails = ['ALICE@example.com']\n",
         "p.toml:18:11: email 'ALICE@example.com' already belongs to person 'alice'"),
        (people + "[[people]]\nid = 'dave'\nlogins = ['bob']\n", "p.toml:18:11: login 'bob' already belongs to person 'bob'"),
        (people + "[[people]]\nid = 'dave'\nemail = ['d@x']\n", "p.toml:18:1: unknown key 'email' in person 'dave'"),
        (people + "[[people]]\nid = 'dave'\nemails = ['Dave <d@x>']\n",
         "p.toml:18:11: 'Dave <d@x>' is not an email address (write it without name or angle brackets)"),
        (people + "[[people]]\nid = 'senior'\n[breakglass]\nfrom = ['senior']\n",
         "p.toml:19:9: 'senior' in [breakglass] is both a person id and a group; rename one"),
        (people + "[breakglass]\nfrom = ['dave']\n", "p.toml:17:9: unknown person or group 'dave' in [breakglass]"),
        (people + "[refs]\nprotected = ['main']\n",
         "p.toml:17:14: ref pattern 'main' must name full refs, starting with refs/ (like refs/heads/main)"),
        (people + "[refs]\ndeny_delete = ['refs/tags/[v']\n",
         "p.toml:17:16: ref pattern 'refs/tags/[v' can never match: unterminated character class"),
        (people + "[refs]\nprotect = []\n", "p.toml:17:1: unknown key 'protect' in [refs]"),
        (people + "[secrets]\nallow_paths = ['x\\']\n",
         "p.toml:17:16: path pattern 'x\\' can never match: a trailing backslash escapes nothing"),
        (people + "[secrets]\nmax_file_bytes = 0\n", "p.toml:17:18: 'max_file_bytes' must be at least 1"),
        (people + "[budget]\nseconds = -1\n", "p.toml:17:11: 'seconds' must be a positive number"),
        (people + "[approvals]\nnotes_ref = 'reviewgate'\n",
         "p.toml:17:13: 'notes_ref' must be a full ref name like refs/notes/reviewgate"),
        (people + "[trailers]\nkeys = ['Reviewed by']\n",
         "p.toml:17:9: trailer key 'Reviewed by' must be letters, digits and '-' (git reads nothing else as a trailer key)"),
        (people + "[audit]\ndir = 3\n", "p.toml:17:7: 'dir' in [audit] must be a string, not a integer"),
        ("version = 1\n[[core]]\nname = 'c'\npaths = ['a']\nfrom = []\n",
         "p.toml:5:8: core rule 'c' needs 'from', the people or groups who approve"),
        ("version = 1\n[x\n", "p.toml:2:3: "),
    ])
    func errors(text: String, message: String) {
        do {
            _ = try Policy.load(text, file: "p.toml")
            Issue.record("no error; expected \(message)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test func invalidUTF8IsNamedByLine() {
        let error = #expect(throws: ConfigurationError.self) {
            try Policy.load(Array("version = 1\n".utf8) + [0x23, 0xFF, 0x0A], file: "p.toml")
        }
        #expect(error?.description == "p.toml:2:1: the policy is not valid UTF-8")
    }

    @Test(arguments: [
        ("refs/heads/main", "refs/heads/main", true), ("refs/heads/main", "refs/heads/main2", false),
        ("refs/heads/release/*", "refs/heads/release/1.0", true), ("refs/heads/release/*", "refs/heads/release/a/b", false),
        ("refs/heads/release/*", "refs/heads/release/", true), ("refs/heads/**", "refs/heads/a/b/c", true),
        ("refs/**/wip", "refs/wip", true), ("refs/**/wip", "refs/heads/x/wip", true), ("refs/tags/v[0-9]*", "refs/tags/v1.2", true),
        ("refs/tags/v[0-9]*", "refs/tags/vx", false), ("refs/heads/?", "refs/heads/a", true), ("refs/heads/?", "refs/heads/ab", false),
        ("refs/heads/a**", "refs/heads/ab/c", false), ("refs/heads/\\*", "refs/heads/*", true), ("refs/heads/\\*", "refs/heads/x", false),
    ])
    func refPatterns(pattern: String, ref: String, expected: Bool) throws {
        #expect(try RefPattern(pattern).matches(ref) == expected)
    }
}
