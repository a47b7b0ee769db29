import Foundation
import ReviewGateTestSupport
@testable import Secrets
import Testing

/// Keyword occurrences that cannot start a match are dropped before any regex work
/// (`KeywordGuard`); none that could is.
@Suite struct KeywordGuardTests {
    /// Whether the scanner's guard table lets an occurrence of `keyword` at `start` through
    /// for a rule with `regex`; nil when it keeps every occurrence.
    static func admits(_ regex: String, _ keyword: String, _ text: String, at start: Int = 0) -> Bool? {
        let table = GuardTable(words: [keyword], rules: [[(regex, [keyword], true)]], forward: false)
        guard let block = table.block(0) else { return nil }
        let bytes = Array(text.utf8)
        var budget = Int.max
        return bytes.withUnsafeBytes { block.pointee.admits(rule: 0, $0, at: start, budget: &budget) }
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

    /// The generic rules' regexes, as the built-in rules have them.
    static func regex(_ id: String) -> (source: String, keywords: [String]) {
        let rule = ruleSet.rules.first { $0.id == id }!
        return (rule.regex!.source, rule.keywords)
    }

    static func nameAdmits(_ rule: (source: String, keywords: [String]), _ keyword: String, _ text: String) -> Bool? {
        guard let guardian = ForwardGuard.naming(rule.source, keyword: keyword, ruleKeywords: rule.keywords) else { return nil }
        let bytes = Array(text.utf8)
        let lower = Array(text.lowercased().utf8), word = Array(keyword.utf8)
        let start = (0...(lower.count - word.count)).first { Array(lower[$0..<($0 + word.count)]) == word }!
        var budget = Int.max
        return bytes.withUnsafeBytes { guardian.admits($0, at: start, length: word.count, budget: &budget) }
    }

    @Test func namesMustEndWhereAnAssignmentCanBegin() throws {
        let generic = Self.regex("generic-secret-assignment")
        let v = "Zq8vLw3pRt"
        let admitted = ["password = \"\(v)\"", "let apiToken: String = \"\(v)\"", "\"api_token\": \"\(v)\"", "db.password=\(v)",
                        "TOKEN_KEY := \(v)", "auth_token ||= \(v)", "secret ?= \(v)", "password\t= \(v)", "'passwd' => \(v)",
                        "private_key]=\(v)", "token string = \(v)", "password = String(\"\(v)"]
        for line in admitted {
            let keyword = ["pass", "token", "secret", "key", "auth"].first { line.lowercased().contains($0) }!
            #expect(Self.nameAdmits(generic, keyword, "  " + line) == true, "\(line)")
        }
        let refused = ["@author Jane Doe", "getPassword()", "private String token;", "tokenizer.next()", "if (secret) {",
                       "keyboard", "password\n= \(v)", "credentials, err", "password", "password = \"short\"", "token == \(v)"]
        for line in refused {
            let keyword = ["pass", "token", "secret", "key", "auth", "credential"].first { line.lowercased().contains($0) }!
            #expect(Self.nameAdmits(generic, keyword, "  " + line) == false, "\(line)")
        }

        let xml = Self.regex("generic-secret-xml")
        let guardian = try #require(ForwardGuard.naming(xml.source, keyword: "pass", ruleKeywords: xml.keywords))
        #expect(guardian.opener == ByteSet([UInt8(ascii: "<")]))
        #expect(Self.nameAdmits(xml, "pass", "<db.password>\(v)</db.password>") == true)
        #expect(Self.nameAdmits(xml, "secret", "<client-secret>\(v)</client-secret>") == true)
        #expect(Self.nameAdmits(xml, "pass", "password>\(v)</password>") == false, "no element opens the name")
        #expect(Self.nameAdmits(xml, "pass", "< password>\(v)</password>") == false)
        #expect(Self.nameAdmits(xml, "pass", "<password x") == false, "a name the element's > does not end")
        #expect(Self.nameAdmits(xml, "pass", "<password>\(v) and more") == false, "text an element does not close")

        // Rules whose matches start at a keyword: the whole regex from the occurrence.
        let url = #"(?i)\b(?:https?|ftp)://[^\s:@/]{1,64}:([^\s:@/]{3,128})@"#
        let starting = try #require(ForwardGuard.starting(url))
        for (text, admitted) in [("https://www.apache.org/licenses/LICENSE-2.0", false), ("https://app:s3cr3tpass@db", true),
                                 ("HTTP://u:pw@h", false), ("http://user:pass@", true), ("ftp:", false)] {
            let bytes = Array(text.utf8)
            var budget = Int.max
            #expect(bytes.withUnsafeBytes { starting.admits($0, at: 0, length: 4, budget: &budget) } == admitted, "\(text)")
        }
    }

    @Test func nameGuardsOnlyWhereEveryMatchHoldsThem() {
        // Each shape the guard needs, broken once: a class after the keywords, every
        // alternative holding a keyword, something that must follow, names within a line,
        // nothing unknown first after the name.
        let cases: [(String, [String])] = [
            (#"[a-z]*(?:pass|token)="#, ["pass", "token"]),
            (#"[a-z]*(?:pass|other)[a-z]*="#, ["pass"]),
            (#"[a-z]*(?:pass|token)[a-z]*"#, ["pass", "token"]),
            (#"[a-z]*(?:pass|token)[a-z\n]*="#, ["pass", "token"]),
            (#"(['"])[a-z]*(?:pass|token)[a-z]*\1"#, ["pass", "token"]),
            (#"[a-z]*(?:pass|token)[a-z]*(?:x)*"#, ["pass", "token"]),
            (#"[a-z]*(?:pass|token)[a-z]*=|x"#, ["pass", "token"]),
            (#"[a-z]*(?:pass-word)[a-z]*="#, ["pass"]),
        ]
        for (regex, keywords) in cases {
            #expect(ForwardGuard.naming(regex, keyword: "pass", ruleKeywords: keywords) == nil, "\(regex)")
        }
        #expect(ForwardGuard.naming(#"[a-z]*(?:pass|token)[a-z]*="#, keyword: "pass", ruleKeywords: ["pass", "token"]) != nil)
        #expect(ForwardGuard.naming(#"[a-z]*(?:pass|token)[a-z]*="#, keyword: "auth", ruleKeywords: ["pass", "token"]) == nil)
        // Two rules with one regex and different keywords: each gets its own answer (the table
        // reads a regex once per rule's keywords).
        let regex = #"[a-z]*(?:pass|token)[a-z]*="#
        let table = GuardTable(words: ["pass"], rules: [[(regex, ["pass", "token"], false), (regex, ["pass"], false)]])
        let block = table.block(0)!
        let text = Array("password(".utf8)
        var budget = Int.max
        #expect(text.withUnsafeBytes { block.pointee.admits(rule: 0, $0, at: 0, budget: &budget) } == false)
        #expect(text.withUnsafeBytes { block.pointee.admits(rule: 1, $0, at: 0, budget: &budget) } == true)
    }

    /// Real code, full of these keywords in names that are no assignment (this repository's
    /// own sources, rules and tests), scanned with the guards and with whole lines and none:
    /// the same candidates.
    @Test func sameCandidatesOnRealCodeAsWithoutGuards() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var files: [URL] = []
        for dir in ["Sources", "Tests", "rules", "hooks"] {
            let walker = FileManager.default.enumerator(at: root.appendingPathComponent(dir), includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                if ["swift", "toml", "md", "sh", "yml", "json"].contains(url.pathExtension) { files.append(url) }
            }
        }
        #expect(files.count > 100)
        var compared = 0, lines = 0
        for url in files.sorted(by: { $0.path < $1.path }) {
            let data = try Array(Data(contentsOf: url))
            lines += data.count { $0 == 0x0A }
            let a = data.withUnsafeBytes { Self.near.candidates(in: $0, scratch: MatchScratch()) }
            let b = data.withUnsafeBytes { Self.whole.candidates(in: $0, scratch: MatchScratch()) }
            #expect(a == b, "\(url.lastPathComponent)")
            compared += a.count
        }
        #expect(lines > 20000 && compared > 50, "\(lines) lines, \(compared) candidates")
    }

    /// A text of one name repeated (each occurrence would walk the whole name): the guards stop
    /// reading at their budget and admit the rest, with the same candidates as whole lines.
    @Test func guardsReadAtMostABudget() {
        let generic = Self.regex("generic-secret-assignment")
        let guardian = ForwardGuard.naming(generic.source, keyword: "pass", ruleKeywords: generic.keywords)!
        let bytes = Array(String(repeating: "password", count: 4096).utf8)
        var budget = 10_000
        var admitted = 0
        bytes.withUnsafeBytes { b in
            for at in stride(from: 0, to: b.count, by: 8) where guardian.admits(b, at: at, length: 4, budget: &budget) { admitted += 1 }
        }
        #expect(budget <= 0 && admitted > 3000, "\(admitted) admitted, \(budget) left")
        let text = Array((String(repeating: "password", count: 20_000) + " = \"Zq8vLw3pRtY2\"\n").utf8)
        let a = text.withUnsafeBytes { Self.near.candidates(in: $0, scratch: MatchScratch()) }
        let b = text.withUnsafeBytes { Self.whole.candidates(in: $0, scratch: MatchScratch()) }
        #expect(a == b)
    }

    @Test("the guards' automata run as DFAs say what following their positions says, at the same byte, for every built-in rule")
    func statesAgreeWithPositions() throws {
        let rules = try RuleSet.builtin(examples: true).rules
        // Each automaton with its rule's examples to walk.
        var automata: [(automaton: ShapeAutomaton, examples: [[UInt8]])] = []
        for rule in rules {
            guard let source = rule.regex?.source else { continue }
            let examples = (rule.examplesTrue + rule.examplesFalse).map { Array($0.utf8) }
            if let guardian = ForwardGuard.starting(source) { automata.append((guardian.automaton, examples)) }
            for keyword in rule.keywords {
                if let guardian = ForwardGuard.naming(source, keyword: keyword, ruleKeywords: rule.keywords) {
                    automata.append((guardian.automaton, examples))
                }
            }
        }
        let withStates = automata.filter { $0.automaton.states != nil }.count
        #expect(automata.count > 300)
        // Nearly all are small enough to be made states (a few repeats side by side are not).
        #expect(withStates * 10 >= automata.count * 9, "\(withStates) of \(automata.count)")
        // Texts: the rule's examples, lines of code around secret-like words (values made at
        // run time), and noise.
        var factory = SecretFactory(seed: 17)
        var texts = ["api_key = \"\(factory.awsAccessKey())\"\n", "private String token;\n", "password: ${DB_PASSWORD}\n",
                     "let secret: String? = nil // key\n", "<add key=\"ApiKey\" value=\"\(factory.alnum(20))\"/>\n",
                     "export GITHUB_TOKEN=\(factory.githubToken())\n"].map { Array($0.utf8) }
        var rng = SplitMix(seed: 0x9E37_79B9_7F4A_7C15)
        let alphabet = Array("aZ09_-./:=\"' \t\n{}()+@$xXkK".utf8) + [0x00, 0xC3, 0xFF]
        for _ in 0..<24 {
            texts.append((0..<80).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        var compared = 0, disagreements: [String] = []
        for (automaton, examples) in automata where automaton.states != nil {
            for text in examples + texts {
                text.withUnsafeBytes { b in
                    for from in 0...b.count {
                        var budgetA = 1000, budgetB = 1000
                        let a = automaton.admits(b, from: from, reach: ForwardGuard.reach, budget: &budgetA)
                        let p = automaton.admitsByPositions(b, from: from, reach: ForwardGuard.reach, budget: &budgetB)
                        compared += 1
                        if a != p || budgetA != budgetB, disagreements.count < 5 {
                            disagreements.append("\(String(decoding: text, as: UTF8.self).debugDescription) from \(from): \(a)/\(p) \(budgetA)/\(budgetB)")
                        }
                    }
                }
            }
        }
        #expect(compared > 100_000)
        #expect(disagreements.isEmpty, "\(disagreements)")
        // A short reach ends a walk the same way.
        let twilio = try #require(ForwardGuard.starting(#"\b(SK[0-9a-fA-F]{32})\b"#)?.automaton)
        #expect(twilio.states != nil)
        Array("SK0123456789abcdef0123456789abcdef".utf8).withUnsafeBytes { b in
            for reach in [0, 1, 5, 33, 34, 40] {
                var budgetA = 100, budgetB = 100
                #expect(twilio.admits(b, from: 0, reach: reach, budget: &budgetA) == twilio.admitsByPositions(b, from: 0, reach: reach, budget: &budgetB))
                #expect(budgetA == budgetB)
            }
        }
    }
}

