/// Which core rules each changed path touches, for many paths in a row. It remembers the
/// directory decisions of the previous path, so paths in tree order (as a diff lists them)
/// pay only for the directories they do not share with the one before. One per thread: it
/// is a value with a cache, not shared state.
public struct CoreRuleMatcher: Sendable {
    /// Every rule's patterns flattened into one program and one byte buffer, so the loop
    /// below touches no reference-counted storage.
    private let text: [UInt8]
    private let program: [CompiledPattern]
    private let ranges: [Range<Int>]
    private var previous: [UInt8] = []
    /// Per rule: the directory level (0 = first component) an excluding pattern matched on the
    /// previous path, or Int.max when none of its directories was excluded.
    private var excludedLevel: [Int]

    public init(policy: Policy) { self.init(lists: policy.core.map(\.paths)) }

    public init(lists: [PathPatternList]) {
        var text: [UInt8] = []
        var program: [CompiledPattern] = []
        var ranges: [Range<Int>] = []
        for list in lists {
            let start = program.count
            for var pattern in list.program {
                pattern.start += text.count
                program.append(pattern)
            }
            text += list.text
            ranges.append(start..<program.count)
        }
        self.text = text
        self.program = program
        self.ranges = ranges
        excludedLevel = Array(repeating: Int.max, count: lists.count)
    }

    /// Indices of the rules `path` (a file) touches, ascending; the same answers as
    /// `CoreRule.touches` for each rule.
    public mutating func rules(touching path: [UInt8]) -> [Int] {
        var result: [Int] = []
        // Directory levels shared with the previous path: every '/' before the first
        // differing byte ends a directory both paths have.
        var slashes: [Int] = []
        var firstDifference = 0
        let common = min(previous.count, path.count)
        while firstDifference < common && previous[firstDifference] == path[firstDifference] { firstDifference += 1 }
        var shared = 0
        for i in 0..<path.count where path[i] == UInt8(ascii: "/") {
            slashes.append(i)
            if i < firstDifference { shared += 1 }
        }
        let basename = (slashes.last ?? -1) + 1
        let ruleCount = ranges.count
        text.withUnsafeBufferPointer { text in
        program.withUnsafeBufferPointer { program in
        ranges.withUnsafeBufferPointer { ranges in
        excludedLevel.withUnsafeMutableBufferPointer { excludedLevel in
        path.withUnsafeBufferPointer { p in
            for r in 0..<ruleCount {
                let rule = UnsafeBufferPointer(rebasing: program[ranges[r]])
                if rule.isEmpty { continue }
                if excludedLevel[r] < shared {
                    result.append(r)
                    continue
                }
                excludedLevel[r] = Int.max
                var level = shared
                while level < slashes.count {
                    let end = slashes[level]
                    let start = level == 0 ? 0 : slashes[level - 1] + 1
                    if end > 0,
                       let m = PathPatternList.lastMatch(text, rule, UnsafeBufferPointer(rebasing: p[..<end]), basename: start, isDirectory: true),
                       !rule[m].negated {
                        excludedLevel[r] = level
                        break
                    }
                    level += 1
                }
                if excludedLevel[r] != Int.max {
                    result.append(r)
                } else if let m = PathPatternList.lastMatch(text, rule, p, basename: basename, isDirectory: false), !rule[m].negated {
                    result.append(r)
                }
            }
        }
        }
        }
        }
        }
        previous = path
        return result
    }
}
