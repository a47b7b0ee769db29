import Foundation
import Policy
import ReviewGateTestSupport
import Testing

/// Generated gitignore pattern sets and paths, biased so that patterns and paths share names.
struct PatternCorpus {
    var rng: SplitMix
    init(seed: UInt64) { rng = SplitMix(seed: seed) }

    static let names: [[UInt8]] = [
        "a", "b", "c", "ab", "foo", "bar", "foo.c", "bar.c", "x.sql", "lib", "src", "docs",
        ".hidden", ".gitkeep", "x y", "a ", " b", "!x", "#c", "[a]", "*", "?", "a-b", "A", "B1",
        "release", "policy.toml", "node_modules", "tmp~",
    ].map { Array($0.utf8) } + [[0xC3, 0xBC], [0x66, 0xFF, 0x6F], Array("é.txt".utf8), [0xE2, 0x82, 0xAC, 0x2E, 0x63]]

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    /// One segment of a pattern: a literal name (with escapes where it needs them) or glob syntax.
    mutating func segment() -> [UInt8] {
        switch Int.random(in: 0..<20, using: &rng) {
        case 0..<7:
            // A literal name, escaped so it means itself.
            var out: [UInt8] = []
            for byte in pick(Self.names) {
                if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                }
                out.append(byte)
            }
            return out
        case 7: return Array("*".utf8)
        case 8: return Array("**".utf8)
        case 9: return Array("?".utf8)
        default:
            let globs = ["*.c", "foo*", "*o*", "[ab]", "[!a]*", "[^ab]", "[a-c]*", "[[:alpha:]]*", "[[:digit:][:upper:]]*",
                         "[[:space:]]b", "[]a]", "[!]]*", "?o?", "f[o]o", "\\*", "\\?", "a\\ ", "x\\ y", "*.[ch]",
                         "[[:punct:]]*", "a*b", "***", "a**", "**b", "[a-]", "[\\]]", "*~", "[[:xdigit:]]*", "[é]*",
                         "ba[[:lower:]]", "[z-a]", "[[:bogus:]]", "[ab", "x\\", "[[:alpha:]", "\\[a]"]
            return Array(pick(globs).utf8)
        }
    }

    mutating func pattern() -> [UInt8] {
        if chance(3) { return Array(pick(["#comment", "\\#c", "\\!x", "", "   ", "!", "/", "**", "*", "!*", "!**/"]).utf8) }
        var out: [UInt8] = []
        if chance(20) { out += Array("!".utf8) }
        if chance(20) { out += Array("/".utf8) } else if chance(12) { out += Array("**/".utf8) }
        let count = Int.random(in: 1...3, using: &rng)
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: "/")) }
            out += segment()
        }
        if chance(10) { out += Array("/**".utf8) }
        if chance(20) { out.append(UInt8(ascii: "/")) }
        if chance(8) { out += Array(pick(["  ", " ", "\\ ", " \\ "]).utf8) }
        return out
    }

    mutating func path() -> [UInt8] {
        let depth = Int.random(in: 1...4, using: &rng)
        var out: [UInt8] = []
        for i in 0..<depth {
            if i > 0 { out.append(UInt8(ascii: "/")) }
            out += pick(Self.names)
        }
        return out
    }
}

/// Asks git which line of a .gitignore decides each path: 0 for none.
/// HOME is the scratch directory and system config is off, so only our patterns count.
func gitCheckIgnore(_ root: URL, _ paths: [[UInt8]]) throws -> [Int] {
    var input: [UInt8] = []
    for path in paths { input += path + [0] }
    let result = try run(["git", "check-ignore", "--no-index", "-v", "-n", "-z", "--stdin"], in: root,
                         environment: ["HOME": root.path, "XDG_CONFIG_HOME": root.path, "GIT_CONFIG_NOSYSTEM": "1"],
                         input: Data(input))
    // Exit 1 only means "nothing ignored".
    try #require(result.status == 0 || result.status == 1, "git check-ignore failed: \(result.err)")
    let fields = Array(result.stdout).split(separator: 0, omittingEmptySubsequences: false)
    var lines: [Int] = []
    var i = 0
    while i + 3 < fields.count {
        lines.append(Int(String(decoding: fields[i + 1], as: UTF8.self)) ?? 0)
        i += 4
    }
    return lines
}

@Suite struct PathPatternTests {
    @Test(arguments: [
        // (patterns, path, matches)
        (["*.c"], "src/deep/foo.c", true),
        (["/foo"], "foo", true), (["/foo"], "a/foo", false),
        (["foo/"], "foo", false), (["foo/"], "foo/bar", true), (["foo/"], "a/foo/bar", true),
        (["doc/frotz/"], "doc/frotz/x", true), (["doc/frotz/"], "a/doc/frotz/x", false),
        (["**/foo"], "a/b/foo", true), (["**/foo"], "foo", true),
        (["abc/**"], "abc/x/y", true), (["abc/**"], "abc", false),
        (["a/**/b"], "a/b", true), (["a/**/b"], "a/x/y/b", true),
        (["a*"], "b/a/c", true), (["a/*"], "a/b/c", true), (["a/*.c"], "a/b/c.c", false),
        (["dir/", "!dir/keep"], "dir/keep", true),     // no re-inclusion below an excluded directory
        (["dir/*", "!dir/keep"], "dir/keep", false),
        (["*", "!*.c"], "x.c", false), (["*", "!*.c"], "x/y.c", true),
        (["\\!x"], "!x", true), (["\\#c"], "#c", true), (["#c"], "#c", false),
        (["a\\ "], "a ", true), (["a  "], "a", true), (["a  "], "a ", false),
        (["[!a]"], "b", true), (["[^a]"], "a", false), (["[[:digit:]]x"], "7x", true),
        (["foo**/bar"], "foox/bar", true),
    ])
    func examples(patterns: [String], path: String, expected: Bool) {
        #expect(PathPatternList(lines: patterns).matches(path) == expected)
    }

    @Test func problemsAreNamed() {
        #expect(PathPattern(line: Array("[ab".utf8))?.problem == "unterminated character class")
        #expect(PathPattern(line: Array("[[:bogus:]]".utf8))?.problem == "unknown character class [:bogus:]")
        #expect(PathPattern(line: Array("x\\".utf8))?.problem != nil)
        #expect(PathPattern(line: Array("[a-[:foo:]]".utf8))?.problem == nil)
        #expect(PathPattern(line: Array("[]a]*".utf8))?.problem == nil)
        #expect(PathPattern(line: Array("#x".utf8)) == nil)
    }

    /// Root .gitignore: one git run per pattern set.
    @Test func agreesWithGitCheckIgnoreAtTheRoot() throws {
        let root = try Scratch.directory("ignore-root")
        defer { try? FileManager.default.removeItem(at: root) }
        try run(["git", "init", "-q", root.path])
        var corpus = PatternCorpus(seed: 20_240_401)
        var compared = 0
        for set in 0..<150 {
            let lines = (0..<Int.random(in: 1...6, using: &corpus.rng)).map { _ in corpus.pattern() }
            let paths = (0..<80).map { _ in corpus.path() }
            let file = lines.reduce(into: [UInt8]()) { $0 += $1 + [0x0A] }
            try Data(file).write(to: root.appendingPathComponent(".gitignore"))
            let expected = try gitCheckIgnore(root, paths)
            try #require(expected.count == paths.count)
            let list = PathPatternList(gitignore: file)
            for (path, line) in zip(paths, expected) {
                let ours = list.match(path).map { list.lines[$0.pattern] } ?? 0
                #expect(ours == line, "set \(set): patterns \(lines.map(show)) path \(show(path))")
                compared += 1
            }
        }
        #expect(compared == 150 * 80)
    }

    /// Thousands of sets at once: each set in its own directory's .gitignore, which git applies
    /// relative to that directory exactly as a root .gitignore applies to the repository.
    @Test(arguments: 0..<6)
    func agreesWithGitCheckIgnoreInBulk(batch: Int) throws {
        let root = try Scratch.directory("ignore-bulk")
        defer { try? FileManager.default.removeItem(at: root) }
        try run(["git", "init", "-q", root.path])
        var corpus = PatternCorpus(seed: 77 + UInt64(batch))
        var sets: [(lines: [[UInt8]], list: PathPatternList, paths: [[UInt8]])] = []
        var all: [[UInt8]] = []
        for set in 0..<500 {
            let lines = (0..<Int.random(in: 1...7, using: &corpus.rng)).map { _ in corpus.pattern() }
            let file = lines.reduce(into: [UInt8]()) { $0 += $1 + [0x0A] }
            let dir = root.appendingPathComponent("d\(set)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(file).write(to: dir.appendingPathComponent(".gitignore"))
            let paths = (0..<60).map { _ in corpus.path() }
            sets.append((lines, PathPatternList(gitignore: file), paths))
            all += paths.map { Array("d\(set)/".utf8) + $0 }
        }
        let expected = try gitCheckIgnore(root, all)
        try #require(expected.count == all.count)
        var failures = 0
        var matched = 0, negated = 0, byDirectory = 0
        for (index, set) in sets.enumerated() {
            for (offset, path) in set.paths.enumerated() {
                let line = expected[index * 60 + offset]
                let match = set.list.match(path)
                let ours = match.map { set.list.lines[$0.pattern] } ?? 0
                if let match {
                    if match.isMatch { matched += 1 } else { negated += 1 }
                    if match.directoryLength != nil { byDirectory += 1 }
                }
                if ours != line && failures < 20 {
                    failures += 1
                    Issue.record("batch \(batch) set \(index): patterns \(set.lines.map(show)) path \(show(path)): git line \(line), ours \(ours)")
                }
            }
        }
        #expect(failures == 0)
        // The corpus must exercise every outcome, or agreement would prove little.
        #expect(matched > all.count / 10 && negated > all.count / 50 && byDirectory > all.count / 50,
                "matched \(matched) negated \(negated) by directory \(byDirectory) of \(all.count)")
    }
}

func show(_ bytes: [UInt8]) -> String {
    "\"" + bytes.map { b in (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16) }.joined() + "\""
}

@Suite struct CoreRuleMatcherTests {
    /// The caching matcher answers exactly as each list alone, in tree order and in any order.
    @Test(arguments: [false, true])
    func agreesWithStatelessMatching(sorted: Bool) {
        var corpus = PatternCorpus(seed: sorted ? 11 : 12)
        for _ in 0..<200 {
            let lists = (0..<Int.random(in: 1...5, using: &corpus.rng)).map { _ in
                PathPatternList(lines: (0..<Int.random(in: 0...5, using: &corpus.rng)).map { _ in corpus.pattern() })
            }
            var paths = (0..<100).map { _ in corpus.path() }
            if sorted { paths.sort { $0.lexicographicallyPrecedes($1) } }
            var matcher = CoreRuleMatcher(lists: lists)
            for path in paths {
                let expected = lists.indices.filter { lists[$0].matches(path) }
                #expect(matcher.rules(touching: path) == expected, "path \(show(path))")
            }
        }
    }
}
