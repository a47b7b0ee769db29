import Base
import Foundation
import Secrets
import ReviewGateTestSupport
import Testing
import TOML

@Suite struct RuleFileTests {
    func load(_ text: String) throws(ConfigurationError) -> RuleSet {
        try RuleFile.parse(text, file: "test.toml", loadFile: nil)
    }

    func scan(_ set: RuleSet, _ text: String, path: String? = nil, commit: String? = nil, inlineAllow: Bool = true) -> [SecretMatch] {
        var copy = text
        return copy.withUTF8 {
            Scanner(ruleSet: set, inlineAllow: inlineAllow).scan(UnsafeRawBufferPointer($0), context: ScanContext(path: path, commit: commit),
                                                               scratch: MatchScratch())
        }
    }

    /// A gitleaks configuration loads unchanged: extend/useDefault, legacy and new
    /// allowlists, regexTarget, stopwords, conditions, global allowlists.
    @Test func gitleaksConfigurationsLoad() throws {
        let set = try load("""
        title = "company rules"
        [extend]
        useDefault = true
        disabledRules = ["jwt"]

        [[rules]]
        id = "acme-key"
        description = "ACME internal key"
        regex = '''\\b(acme_[a-z0-9]{20})\\b'''
        secretGroup = 1
        entropy = 2.5
        keywords = ["ACME_"]
        tags = ["internal"]
        [rules.allowlist]
        regexes = ['''acme_test''']
        [[rules.allowlists]]
        condition = "AND"
        paths = ['''^fixtures/''']
        stopwords = ["sample"]

        [allowlist]
        description = "global"
        paths = ['''(^|/)third_party/''']
        regexTarget = "line"
        regexes = ['''nosecret''']
        """)
        #expect(set.rules.contains { $0.id == "github-pat" }, "useDefault keeps the built-in rules")
        #expect(!set.rules.contains { $0.id == "jwt" }, "disabledRules drops one")
        let acme = try #require(set.rules.first { $0.id == "acme-key" })
        #expect(acme.keywords == ["acme_"])
        #expect(acme.allowlists.count == 2)
        #expect(set.allowlists.count == (try RuleSet.builtin()).allowlists.count + 1, "the built-in global allowlists and this file's")
        let key = "acme_" + "k3y9x2m8q7w4e5r6t1y0"
        #expect(scan(set, "k = \(key)\n").map(\.ruleID) == ["acme-key"])
        #expect(scan(set, "k = acme_test0000000000000a\n").isEmpty, "rule regex allowlist")
        #expect(scan(set, "k = \(key)\n", path: "third_party/x.py").isEmpty, "global path allowlist")
        #expect(scan(set, "k = \(key) # nosecret\n").isEmpty, "global line allowlist")
        #expect(!scan(set, "k = \(key)\n", path: "fixtures/a.txt").isEmpty, "AND: path alone is not enough")
        #expect(scan(set, "k = acme_sample00000000000k\n", path: "fixtures/a.txt").isEmpty, "AND: path and stopword")
    }

    @Test func inlineMarkersAndTheirSwitch() throws {
        let set = try RuleSet.builtin()
        var secrets = SecretFactory(seed: 1)
        let token = secrets.githubToken()
        #expect(scan(set, "t = \"\(token)\" # reviewgate:allow\n").isEmpty)
        #expect(scan(set, "t = \"\(token)\" // gitleaks:allow\n").isEmpty)
        #expect(scan(set, "t = \"\(token)\" # reviewgate:allow\n", inlineAllow: false).count == 1)
        #expect(scan(set, "# reviewgate:allow\nt = \"\(token)\"\n").count == 1, "the marker must be on the secret's line")
    }

    @Test func checksumsTellRealTokensFromLookAlikes() throws {
        let set = try RuleSet.builtin()
        var secrets = SecretFactory(seed: 2)
        for (kind, rule) in [("p", "github-pat"), ("o", "github-oauth-token"), ("u", "github-app-token"), ("s", "github-app-token"),
                             ("r", "github-refresh-token")] {
            #expect(scan(set, secrets.githubToken(kind: kind)).map(\.ruleID) == [rule], "gh\(kind)_")
        }
        // A look-alike (its checksum does not match) is no live token: only a warning's rule,
        // of low confidence, reports its shape.
        #expect(scan(set, secrets.githubTokenBadChecksum()).map(\.ruleID) == ["github-token-unverified"])
        #expect(set.rules.first { $0.id == "github-token-unverified" }?.confidence == .low)
    }

    /// One finding per rule and value in a file, also when an allowlist reads the line or the
    /// match (which kept every occurrence for the allowlists to judge, and then reported them all).
    @Test func aRepeatedValueIsOneFindingWhateverTheAllowlists() throws {
        let set = try load("""
        [extend]
        useDefault = true

        [[rules]]
        id = "acme-key"
        regex = '''\\b(acme_[a-z0-9]{20})\\b'''
        keywords = ["acme_"]
        [[rules.allowlists]]
        regexTarget = "line"
        regexes = ['''nosecret''']
        """)
        let key = "acme_" + "k3y9x2m8q7w4e5r6t1y0"
        #expect(scan(set, "k = \(key) # nosecret\n" + String(repeating: "k = \(key)\n", count: 4)).map(\.line) == [2],
                "the first occurrence the allowlist does not clear")
        var secrets = SecretFactory(seed: 12)
        let token = secrets.githubToken()
        #expect(scan(set, String(repeating: "t = \(token)\n", count: 3)).count == 1, "every rule, not only the one with the allowlist")
    }

    @Test func linesAndColumnsCountCharacters() throws {
        let set = try RuleSet.builtin()
        var secrets = SecretFactory(seed: 3)
        let key = secrets.awsAccessKey()
        let found = scan(set, "line one\nünï = \(key)\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 7)
    }

    /// Invalid UTF-8, NUL-free binary-looking bytes and CRLF around a secret do not hide it.
    @Test func hostileBytesAroundSecrets() throws {
        let set = try RuleSet.builtin()
        var secrets = SecretFactory(seed: 4)
        let token = secrets.stripeKey()
        let bytes: [UInt8] = [0xff, 0xfe, 0x80] + Array("\r\nkey: \(token)\r\n".utf8) + [0xc3, 0x28]
        let found = bytes.withUnsafeBytes { Scanner(ruleSet: set).scan($0, scratch: MatchScratch()) }
        #expect(found.map(\.ruleID) == ["stripe-secret-key"])
        #expect(found.first?.secret == Array(token.utf8))
    }

    /// Pathological input finishes: one 8 MB line of keyword-dense text and a 100,000-line file.
    @Test func pathologicalInputFinishes() throws {
        let set = try RuleSet.builtin()
        let scanner = Scanner(ruleSet: set)
        let long = [UInt8](String(repeating: "password=token-key-secret ", count: 320_000).utf8)
        _ = long.withUnsafeBytes { scanner.scan($0, scratch: MatchScratch()) }
        var secrets = SecretFactory(seed: 5)
        var lines = (0..<100_000).map { "let value\($0) = compute(\($0)) // key and token talk" }
        let token = secrets.slackBotToken()
        lines[77_777] = "slack = \"\(token)\""
        let text = lines.joined(separator: "\n")
        let found = scan(set, text)
        #expect(found.map(\.line) == [77_778])
    }

    @Test(arguments: [
        ("[[rules]]\nid = \"a\"\nregex = 'x'\nbogus = 1\n", "4:1", "unknown key 'bogus' in rule 'a'"),
        ("[[rules]]\nid = \"a\"\nregex = 5\n", "3:9", "'regex' in rule 'a' must be a string"),
        ("[[rules]]\nid = \"a\"\nregex = '(unclosed'\n", "3:9", "regex does not compile"),
        ("[[rules]]\nid = \"a\"\nregex = 'x'\n[[rules]]\nid = \"a\"\nregex = 'y'\n", "5:6", "duplicate rule id 'a'"),
        ("[[rules]]\nid = \"a\"\nregex = 'x'\n[[rules.required]]\nid = \"b\"\n", "4:1", "composite rules"),
        ("[[rules]]\nid = \"a\"\n", "1:1", "needs a 'regex' or a 'path'"),
        ("[[rules]]\nid = \"a\"\nregex = 'x'\nentropy = 9\n", "4:11", "entropy"),
        ("[[rules]]\nid = \"a\"\nregex = 'x'\nchecksum = \"luhn\"\n", "4:12", "unknown checksum"),
        ("[[rules]]\nid = \"a\"\nregex = 'x'\nchecksumMismatch = true\n", "4:20", "needs a checksum"),
        ("[[rules]]\nid = \"a\"\nregex = 'x'\n[rules.allowlist]\nregexTarget = \"file\"\n", "5:15", "regexTarget"),
        ("[[rules]\n", "1:9", "expected ']]'"),
    ])
    func errorsNameFileLineAndColumn(text: String, position: String, message: String) {
        do {
            _ = try load(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix("test.toml:\(position): "), "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// Known answers for SPEC §1.3's fingerprint, computed independently with Python.
    @Test func fingerprintsAndRedaction() throws {
        let secret = Array("correct horse battery".utf8)
        let plain = Fingerprinter().fingerprint(rule: "generic", secret: secret)
        let keyed = Fingerprinter(key: Array("k3y".utf8)).fingerprint(rule: "generic", secret: secret)
        let python = """
        import hashlib, hmac
        m = b"reviewgate-v1\\0generic\\0correct horse battery"
        print(hashlib.sha256(m).hexdigest()); print(hmac.new(b"k3y", m, hashlib.sha256).hexdigest())
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", python]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        process.waitUntilExit()
        #expect(out.count == 2)
        #expect(plain == String(out[0]) && keyed == String(out[1]))
        #expect(Redaction.redact(Array(("gh" + "p_" + "0123456789abcdefghijklmnopqrstuvwxyz").utf8)) == "ghp_…yz")
        #expect(Redaction.redact(Array("hunter22".utf8)) == "hu…2")
        #expect(Redaction.redact(Array("abc".utf8)) == "…")
    }

    /// `yields = true`: a match inside another rule's match is not reported (without it, both
    /// are). Not a boolean: refused.
    @Test func yieldingRules() throws {
        func rules(yields: Bool) -> String {
            """
            [[rules]]
            id = "wrapper"
            regex = '''(wrap\\(body_[a-z0-9]{12}\\))'''
            keywords = ["wrap("]
            [[rules]]
            id = "body"
            regex = '''(body_[a-z0-9]{12})'''
            keywords = ["body_"]
            \(yields ? "yields = true" : "")
            """
        }
        func load(_ text: String) throws -> RuleSet { try RuleFile.parse(text, file: "yields.toml", loadFile: nil) }
        func ids(_ set: RuleSet, _ text: String) -> [String] {
            var copy = text
            return copy.withUTF8 { Scanner(ruleSet: set).scan(UnsafeRawBufferPointer($0), scratch: MatchScratch()) }.map(\.ruleID)
        }
        let set = try load(rules(yields: true))
        #expect(ids(set, "x = wrap(body_a1b2c3d4e5f6)\n") == ["wrapper"])
        #expect(ids(set, "x = body_a1b2c3d4e5f6\n") == ["body"])
        #expect(Set(ids(try load(rules(yields: false)), "x = wrap(body_a1b2c3d4e5f6)\n")) == ["wrapper", "body"])
        #expect(throws: ConfigurationError.self) {
            try load("[[rules]]\nid = \"r\"\nregex = '''x'''\nyields = \"yes\"\n")
        }
    }
}

@Suite struct BacktrackingTests {
    /// A custom rule that backtracks catastrophically on one line still finds a token on the
    /// next line: the search resumes instead of ending.
    @Test func searchResumesAfterALimit() throws {
        let set = try RuleFile.parse("""
        [[rules]]
        id = "slow"
        regex = '''(?:(?:x+x+)+y)|(tok_[a-z0-9]{12})'''
        keywords = ["x", "tok_"]
        """, file: "slow.toml", loadFile: nil)
        let scanner = Scanner(ruleSet: set)
        let scratch = MatchScratch(matchLimit: 20_000)
        let text = String(repeating: "x", count: 40) + "\nvalue tok_" + "a1b2c3d4e5f6" + "\n"
        var copy = text
        let found = copy.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: scratch) }
        #expect(found.map(\.ruleID) == ["slow"])
        #expect(scratch.limitsHit >= 1)
    }

    /// A token on the same line as the hostile stretch is still found, in a piece of the line
    /// that excludes the stretch; a token cut by a piece boundary is never reported cut short.
    @Test func tokenBesideAHostileStretch() throws {
        let set = try RuleFile.parse(#"""
        [[rules]]
        id = "slow"
        regex = '''(?:(?:x+x+)+y)|\b(tok_[a-z0-9]{12})\b'''
        keywords = ["x", "tok_"]
        """#, file: "slow.toml", loadFile: nil)
        let scanner = Scanner(ruleSet: set)
        for padding in [0, 200, 490, 500, 505, 511, 700] {
            let scratch = MatchScratch(matchLimit: 20_000)
            let token = "tok_" + "a1b2c3d4e5f6"
            let text = String(repeating: "x", count: 40) + String(repeating: " ", count: 600) + String(repeating: "z", count: padding)
                + " " + token + " and more\n"
            var copy = text
            let found = copy.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: scratch) }
            #expect(found.map { String(decoding: $0.secret, as: UTF8.self) } == [token], "padding \(padding)")
            #expect(scratch.limitsHit >= 1)
        }
    }
}
