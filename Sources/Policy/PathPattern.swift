// Path patterns with gitignore semantics exactly (SPEC §1.1), as git 2.39's dir.c applies the
// patterns of a top-level .gitignore: line rules (comments, trailing spaces, `!`, trailing `/`),
// basename versus anchored matching, last match wins, and no re-inclusion below an excluded
// directory. Paths are raw bytes relative to the repository root, never decoded.

/// One gitignore pattern line, compiled.
public struct PathPattern: Sendable, Hashable {
    /// The line as written, after trailing-space trimming (what `git check-ignore -v` shows,
    /// without the `!` and trailing `/` it shows separately).
    public let source: [UInt8]
    /// `!pattern`: a match re-includes (says "not touched") rather than excludes.
    public let isNegated: Bool
    /// `pattern/`: matches directories only (and so everything under them).
    public let directoryOnly: Bool
    /// No slash but a trailing one: matched against the basename at any depth.
    let basenameOnly: Bool
    /// `*literal`: a suffix compare does the work.
    let endsWith: Bool
    /// The pattern proper: no `!`, no trailing `/`.
    let body: [UInt8]
    /// Length of the leading run without glob syntax (git's nowildcardlen).
    let literalPrefix: Int
    /// Why the pattern can never match anything, when that is so (unterminated `[`, unknown
    /// `[:class:]`, trailing `\`). git accepts such lines silently; a policy refuses them.
    public let problem: String?

    /// Compiles one pattern line as git's `add_patterns_from_buffer` + `parse_path_pattern` do.
    /// Returns nil for the lines git skips: empty ones and comments (`#…`).
    public init?(line raw: some Collection<UInt8>) {
        var line = Array(raw)
        // A NUL ends the line as far as git's C strings are concerned.
        if let nul = line.firstIndex(of: 0) { line.removeSubrange(nul...) }
        if line.last == 0x0D { line.removeLast() }      // CRLF files
        if line.isEmpty || line[0] == UInt8(ascii: "#") { return nil }
        PathPattern.trimTrailingSpaces(&line)
        source = line
        var p = line[...]
        isNegated = p.first == UInt8(ascii: "!")
        if isNegated { p = p.dropFirst() }
        directoryOnly = p.last == UInt8(ascii: "/")
        if directoryOnly { p = p.dropLast() }
        body = Array(p)
        basenameOnly = !body.contains(UInt8(ascii: "/"))
        literalPrefix = body.firstIndex(where: isGlobSpecial) ?? body.count
        endsWith = body.first == UInt8(ascii: "*") && !body.dropFirst().contains(where: isGlobSpecial)
        problem = PathPattern.diagnose(body)
    }

    /// git's trim_trailing_spaces: unescaped trailing spaces go, `\ ` stays.
    static func trimTrailingSpaces(_ line: inout [UInt8]) {
        var lastSpace: Int?
        var i = 0
        while i < line.count {
            switch line[i] {
            case 0x20:
                if lastSpace == nil { lastSpace = i }
            case UInt8(ascii: "\\"):
                i += 1
                if i >= line.count { return }
                lastSpace = nil
            default:
                lastSpace = nil
            }
            i += 1
        }
        if let lastSpace { line.removeSubrange(lastSpace...) }
    }

    /// Finds what makes wildmatch abort on every text: a match walks the whole pattern, and
    /// these constructs abort wherever they are reached. The class walk mirrors dowild's.
    static func diagnose(_ p: [UInt8]) -> String? {
        func at(_ i: Int) -> UInt8 { i < p.count ? p[i] : 0 }
        var i = 0
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "\\"):
                if i + 1 >= p.count { return "a trailing backslash escapes nothing" }
                i += 2
            case UInt8(ascii: "["):
                var j = i + 1
                var c = at(j)
                if c == UInt8(ascii: "!") || c == UInt8(ascii: "^") {
                    j += 1
                    c = at(j)
                }
                var prev: UInt8 = 0
                while true {
                    if c == 0 { return "unterminated character class" }
                    if c == UInt8(ascii: "\\") {
                        j += 1
                        c = at(j)
                        if c == 0 { return "unterminated character class" }
                    } else if c == UInt8(ascii: "-") && prev != 0 && at(j + 1) != 0 && at(j + 1) != UInt8(ascii: "]") {
                        j += 1
                        c = at(j)
                        if c == UInt8(ascii: "\\") {
                            j += 1
                            c = at(j)
                            if c == 0 { return "unterminated character class" }
                        }
                        c = 0
                    } else if c == UInt8(ascii: "[") && at(j + 1) == UInt8(ascii: ":") {
                        j += 2
                        let s = j
                        while at(j) != 0 && at(j) != UInt8(ascii: "]") { j += 1 }
                        if at(j) == 0 { return "unterminated character class" }
                        if j - s - 1 < 0 || at(j - 1) != UInt8(ascii: ":") {
                            j = s - 2
                            c = UInt8(ascii: "[")
                        } else {
                            let name = String(decoding: p[s..<(j - 1)], as: UTF8.self)
                            if !Wildmatch.classNames.contains(name) { return "unknown character class [:\(name):]" }
                            c = 0
                        }
                    }
                    prev = c
                    j += 1
                    c = at(j)
                    if c == UInt8(ascii: "]") { break }
                }
                i = j + 1
            default:
                i += 1
            }
        }
        return nil
    }

}

/// A pattern flattened for matching: offsets into one shared byte buffer and flags, so the
/// hot loop touches no reference-counted storage.
struct CompiledPattern {
    var start: Int
    var count: Int
    var literalPrefix: Int
    var negated: Bool
    var directoryOnly: Bool
    var basenameOnly: Bool
    var endsWith: Bool

    /// git's match_basename: a pattern without a slash against the last path component.
    @inline(__always)
    func matchBasename(_ text: UnsafeBufferPointer<UInt8>, _ path: UnsafeBufferPointer<UInt8>, basename: Int) -> Bool {
        let length = path.count - basename
        if literalPrefix == count {
            guard length == count else { return false }
            for i in 0..<count where path[basename + i] != text[start + i] { return false }
            return true
        }
        if endsWith {
            let suffix = count - 1
            guard suffix <= length else { return false }
            let from = path.count - suffix
            for i in 0..<suffix where path[from + i] != text[start + 1 + i] { return false }
            return true
        }
        return Wildmatch.dowild(UnsafeBufferPointer(rebasing: text[start..<(start + count)]), 0,
                                UnsafeBufferPointer(rebasing: path[basename...]), 0, false) == .match
    }

    /// git's match_pathname with an empty base: anchored at the root, literal prefix first.
    /// The prefix split is kept exactly as git does it, since wildmatch's `**` rules look at
    /// what precedes the stars in the remaining pattern.
    @inline(__always)
    func matchPathname(_ text: UnsafeBufferPointer<UInt8>, _ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = start
        let end = start + count
        var prefix = literalPrefix
        if count > 0 && text[p] == UInt8(ascii: "/") {
            p += 1
            prefix -= 1
        }
        var name = 0
        if prefix > 0 {
            if prefix > path.count { return false }
            for i in 0..<prefix where path[i] != text[p + i] { return false }
            p += prefix
            name = prefix
            if p == end && name == path.count { return true }
        }
        return Wildmatch.dowild(UnsafeBufferPointer(rebasing: text[p..<end]), 0,
                                UnsafeBufferPointer(rebasing: path[name...]), 0, true) == .match
    }

    /// Whether this pattern matches `path` (a directory when `isDirectory`), ignoring negation.
    @inline(__always)
    func matches(_ text: UnsafeBufferPointer<UInt8>, _ path: UnsafeBufferPointer<UInt8>, basename: Int, isDirectory: Bool) -> Bool {
        if directoryOnly && !isDirectory { return false }
        return basenameOnly ? matchBasename(text, path, basename: basename) : matchPathname(text, path)
    }
}

/// The outcome for one path: which pattern decided, and whether it excluded (matched).
public struct PathMatch: Sendable, Hashable {
    /// Index into `PathPatternList.patterns` of the last pattern that matched.
    public let pattern: Int
    /// True when the deciding pattern is not negated: the path is in the set.
    public let isMatch: Bool
    /// Length of the leading directory the pattern matched, when a directory above the path
    /// decided (nothing below an excluded directory can be re-included); nil when the path did.
    public let directoryLength: Int?
}

/// An ordered list of gitignore pattern lines, compiled once; last match wins.
public struct PathPatternList: Sendable, Hashable {
    public let patterns: [PathPattern]
    /// 1-based index of each pattern among the lines given (git's line number in a file).
    public let lines: [Int]
    let program: [CompiledPattern]
    let text: [UInt8]

    /// Each element is one line of a gitignore file (no newline inside).
    public init(lines: [[UInt8]]) {
        var patterns: [PathPattern] = []
        var numbers: [Int] = []
        for (index, line) in lines.enumerated() {
            if let pattern = PathPattern(line: line) {
                patterns.append(pattern)
                numbers.append(index + 1)
            }
        }
        self.patterns = patterns
        self.lines = numbers
        var program: [CompiledPattern] = []
        var text: [UInt8] = []
        for pattern in patterns {
            program.append(CompiledPattern(start: text.count, count: pattern.body.count, literalPrefix: pattern.literalPrefix,
                                           negated: pattern.isNegated, directoryOnly: pattern.directoryOnly,
                                           basenameOnly: pattern.basenameOnly, endsWith: pattern.endsWith))
            text += pattern.body
        }
        self.program = program
        self.text = text
    }

    public static func == (a: PathPatternList, b: PathPatternList) -> Bool { a.patterns == b.patterns && a.lines == b.lines }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(patterns)
        hasher.combine(lines)
    }

    /// Whether the pattern at `index` is negated (`!`).
    @inline(__always) func isNegated(_ index: Int) -> Bool { program[index].negated }

    public init(lines: [String]) { self.init(lines: lines.map { Array($0.utf8) }) }

    /// The contents of a .gitignore file, read as git reads it (BOM, LF or CRLF lines).
    public init(gitignore text: [UInt8]) {
        var body = text[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var lines = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        self.init(lines: lines)
    }

    public var isEmpty: Bool { patterns.isEmpty }

    /// The last pattern matching `path` itself (a directory when `isDirectory`), negated or not.
    @inline(__always)
    func lastMatch(_ path: UnsafeBufferPointer<UInt8>, basename: Int, isDirectory: Bool) -> Int? {
        text.withUnsafeBufferPointer { text in
            program.withUnsafeBufferPointer { program in
                PathPatternList.lastMatch(text, program, path, basename: basename, isDirectory: isDirectory)
            }
        }
    }

    @inline(__always)
    static func lastMatch(_ text: UnsafeBufferPointer<UInt8>, _ program: UnsafeBufferPointer<CompiledPattern>,
                          _ path: UnsafeBufferPointer<UInt8>, basename: Int, isDirectory: Bool) -> Int? {
        var i = program.count - 1
        while i >= 0 {
            if program[i].matches(text, path, basename: basename, isDirectory: isDirectory) { return i }
            i -= 1
        }
        return nil
    }

    /// What git decides for `path`: every leading directory is tried first, shallowest first,
    /// and the first one a non-negated pattern matches decides (as `git check-ignore` reports);
    /// otherwise the last pattern matching the path itself. nil when no pattern matches.
    /// The last component is a file unless `isDirectory`.
    public func match(_ path: [UInt8], isDirectory: Bool = false) -> PathMatch? {
        path.withUnsafeBufferPointer { match($0, isDirectory: isDirectory) }
    }

    public func match(_ path: UnsafeBufferPointer<UInt8>, isDirectory: Bool = false) -> PathMatch? {
        if patterns.isEmpty { return nil }
        var componentStart = 0
        var i = 0
        while i < path.count {
            if path[i] == UInt8(ascii: "/") {
                if i > 0, let m = lastMatch(UnsafeBufferPointer(rebasing: path[..<i]), basename: componentStart,
                                            isDirectory: true), !isNegated(m) {
                    return PathMatch(pattern: m, isMatch: true, directoryLength: i)
                }
                componentStart = i + 1
            }
            i += 1
        }
        guard let m = lastMatch(path, basename: componentStart, isDirectory: isDirectory) else { return nil }
        return PathMatch(pattern: m, isMatch: !isNegated(m), directoryLength: nil)
    }

    /// Whether `path` is in the set the patterns describe (git would ignore it).
    public func matches(_ path: [UInt8], isDirectory: Bool = false) -> Bool {
        match(path, isDirectory: isDirectory)?.isMatch ?? false
    }

    public func matches(_ path: UnsafeBufferPointer<UInt8>, isDirectory: Bool = false) -> Bool {
        match(path, isDirectory: isDirectory)?.isMatch ?? false
    }

    public func matches(_ path: String, isDirectory: Bool = false) -> Bool {
        matches(Array(path.utf8), isDirectory: isDirectory)
    }
}
