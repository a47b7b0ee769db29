import Base
import ReviewGateTestSupport
@testable import Secrets
import Testing

/// A version of a text built from a base by copies (as a pack delta builds it) takes the
/// base's matches for the windows it copied whole, and finds exactly what a search of the
/// whole version finds: new secrets in inserted lines, secrets cut by an edit, windows that
/// merge with an inserted keyword's, and windows at the start when the start moved.
@Suite struct SearchedWindowsTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())

    /// A text of ordinary lines, keyword lines and secrets.
    static func text(_ factory: inout SecretFactory, lines: Int, rng: inout SplitMix) -> [String] {
        (0..<lines).map { i in
            switch rng.next() % 12 {
            case 0: "GITHUB_TOKEN=" + factory.githubToken()
            case 1: "aws_access_key_id = " + factory.awsAccessKey()
            case 2: "password = \"" + factory.password() + "\""
            case 3: "the api key is kept elsewhere \(i)"
            case 4: "token: \(i)"
            default: "line \(i): ordinary text, value \(i % 7)"
            }
        }
    }

    /// `bytes` read as the history walk reads a blob others are built on, keeping its windows.
    static func read(_ scanner: Scanner, _ bytes: [UInt8], reusing base: (windows: SearchedWindows, copies: [CopiedBytes])?,
                     scratch: MatchScratch) -> (scan: BlobScan, windows: SearchedWindows?) {
        bytes.withUnsafeBytes {
            scanner.read($0, keywords: scanner.keywordOccurrences(in: $0, scratch: scratch), reusing: base, keepingWindows: true,
                         limits: ReadLimits(maxFileBytes: 50 << 20), scratch: scratch)
        }
    }

    /// The base's bytes, the target's (the base's lines with `edit` applied) and its copies.
    static func edited(_ lines: [String], _ edit: (inout [String]) -> Void) -> (base: [UInt8], target: [UInt8], copies: [CopiedBytes]) {
        var changed = lines
        edit(&changed)
        return texts(lines, changed)
    }

    /// Two texts of lines, and the copies a delta from the first to the second could have: the
    /// common prefix and the common suffix.
    static func texts(_ before: [String], _ after: [String]) -> (base: [UInt8], target: [UInt8], copies: [CopiedBytes]) {
        let base = Array((before.joined(separator: "\n") + "\n").utf8)
        let target = Array((after.joined(separator: "\n") + "\n").utf8)
        var prefix = 0
        while prefix < min(base.count, target.count), base[prefix] == target[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < min(base.count, target.count) - prefix, base[base.count - 1 - suffix] == target[target.count - 1 - suffix] { suffix += 1 }
        var copies: [CopiedBytes] = []
        if prefix > 0 { copies.append(CopiedBytes(target: 0, source: 0, count: prefix)) }
        if suffix > 0 { copies.append(CopiedBytes(target: target.count - suffix, source: base.count - suffix, count: suffix)) }
        return (base, target, copies)
    }

    @Test(arguments: 0..<6)
    func sameCandidatesAsAWholeSearch(seed: Int) throws {
        var rng = SplitMix(seed: UInt64(seed) &+ 77)
        var factory = SecretFactory(seed: UInt64(seed) &+ 91)
        let lines = Self.text(&factory, lines: 300, rng: &rng)
        let newSecret = "GITHUB_TOKEN=" + factory.githubToken()
        let edits: [(inout [String]) -> Void] = [
            { $0.insert(newSecret, at: 150) },
            { $0.insert("password: " + factory.password(), at: 0) },
            { $0[40] = String($0[40].dropLast(3)) + "xyz" },
            { $0.removeSubrange(100..<104) },
            { $0.insert("the token follows", at: 201) },
            { $0[0] = "edited " + $0[0] },
        ]
        let scratch = MatchScratch()
        var reusedInAll = 0
        for edit in edits {
            let (base, target, copies) = Self.edited(lines, edit)
            let windows = try #require(Self.read(Self.scanner, base, reusing: nil, scratch: scratch).windows)
            let (reused, reusedWindows) = Self.read(Self.scanner, target, reusing: (windows, copies), scratch: scratch)
            let (fresh, freshWindows) = Self.read(Self.scanner, target, reusing: nil, scratch: scratch)
            #expect(reused.candidates == fresh.candidates)
            #expect(fresh.candidates.contains { $0.ruleID == "github-pat" || $0.ruleID.hasPrefix("github") })
            // The windows the version leaves to its own versions are the same too.
            #expect(reusedWindows?.windows.map { [Int($0.rule), $0.lower, $0.upper] } == freshWindows?.windows.map { [Int($0.rule), $0.lower, $0.upper] })
            #expect(reusedWindows?.found == freshWindows?.found)
            reusedInAll += reusedWindows?.reused ?? 0
        }
        // Most windows were copied whole: the comparison above is of taken matches, not of two searches.
        #expect(reusedInAll > 50)
    }

    /// Rules that look at where the text starts (`^`, `\A`) or nest lookbehinds: a window that
    /// moves to or from the start, or whose bytes before it change within a nested lookbehind's
    /// reach, is searched again, never taken.
    @Test func anchorsAndNestedLookbehinds() throws {
        let set = try RuleFile.parse(#"""
        [[rules]]
        id = "anchored-hex"
        regex = '''(?:^|\s)([0-9a-f]{32})(?:\s|$)'''
        keywords = ["token"]
        [[rules]]
        id = "start-only"
        regex = '''\A(?:[^\n]*\n)?token ([A-Za-z0-9]{20})'''
        keywords = ["token"]
        [[rules]]
        id = "nested"
        regex = '''(?<=(?<=\bqq) :)([A-Z0-9]{24})'''
        keywords = ["qq"]
        """#, file: "anchors.toml", loadFile: nil)
        let scanner = Scanner(ruleSet: set)
        let scratch = MatchScratch()
        let limits = ReadLimits(maxFileBytes: 50 << 20)
        let hex = "0123456789abcdef0123456789abcdef"
        let value = "ABCDEFGHIJ0123456789"
        let head = ["first line", "second line"]
        let body = [hex, "token: here", "token \(value)", "a qq :QWERTYUIOPASDFGHJKL1234", "tail"]
        // Lines above removed (the windows move to the start), then put back (they move away),
        // and a byte changed just before a nested lookbehind's reach.
        let cases: [([String], [String])] = [
            (head + body, body),
            (body, head + body),
            (head + body, head + body.map { $0.replacingOccurrences(of: "a qq :", with: "aqq :") }),
        ]
        for (before, after) in cases {
            let (base, target, copies) = Self.texts(before, after)
            let known = try #require(Self.read(scanner, base, reusing: nil, scratch: scratch).windows)
            let reused = Self.read(scanner, target, reusing: (known, copies), scratch: scratch).scan
            let fresh = target.withUnsafeBytes { scanner.read($0, limits: limits, scratch: scratch) }
            #expect(reused.candidates == fresh.candidates, "\(after)")
        }
        // The cases are not vacuous: what the start decides differs between the two texts.
        let withHead = Array((head + body).joined(separator: "\n").utf8), bare = Array(body.joined(separator: "\n").utf8)
        let a = withHead.withUnsafeBytes { scanner.read($0, limits: limits, scratch: scratch).candidates.map(\.ruleID) }
        let b = bare.withUnsafeBytes { scanner.read($0, limits: limits, scratch: scratch).candidates.map(\.ruleID) }
        #expect(Set(a) != Set(b), "\(a) \(b)")
    }

    /// The guards' verdicts on the base are taken for occurrences the delta copied with every
    /// byte a guard reads around them; an occurrence whose following bytes the delta changed is
    /// walked again (a call, where no match can start, turned into an assignment of a
    /// secret; and the other way).
    @Test func guardVerdictsTakenOnlyWhereTheirBytesWereCopied() throws {
        var rng = SplitMix(seed: 5)
        var factory = SecretFactory(seed: 6)
        let lines = Self.text(&factory, lines: 300, rng: &rng)
        let secret = factory.password()
        let edits: [(before: [String], after: [String])] = [
            (lines.enumerated().map { $0 == 150 ? "password(); // asked again" : $1 },
             lines.enumerated().map { $0 == 150 ? "password = \"\(secret)\"" : $1 }),
            (lines.enumerated().map { $0 == 150 ? "password = \"\(secret)\"" : $1 },
             lines.enumerated().map { $0 == 150 ? "password(); // asked again" : $1 }),
            (lines, Array(lines[..<100]) + ["GITHUB_TOKEN=" + factory.githubToken()] + Array(lines[100...])),
        ]
        let scratch = MatchScratch()
        for (before, after) in edits {
            let (base, target, copies) = Self.texts(before, after)
            let windows = try #require(Self.read(Self.scanner, base, reusing: nil, scratch: scratch).windows)
            #expect(windows.verdicts.count == windows.occurrences.count)
            let taken = scratch.guardVerdictsTaken
            let reused = Self.read(Self.scanner, target, reusing: (windows, copies), scratch: scratch).scan
            let fresh = Self.read(Self.scanner, target, reusing: nil, scratch: scratch).scan
            #expect(reused.candidates == fresh.candidates)
            // Most occurrences lie far inside a copy: their verdicts were taken, not walked.
            #expect(scratch.guardVerdictsTaken - taken > 100)
        }
        // The edits are not vacuous: the password line's value decides a finding.
        let withSecret = Self.read(Self.scanner, Self.texts(edits[0].after, edits[0].after).target, reusing: nil, scratch: scratch).scan
        #expect(withSecret.candidates.contains { String(decoding: $0.secret, as: UTF8.self) == secret })
    }
}
