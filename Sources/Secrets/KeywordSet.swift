/// Many keywords found in one pass over the bytes (Aho–Corasick, compiled to a dense DFA),
/// ASCII case-insensitively as gitleaks matches keywords. The prefilter in front of the
/// regexes: a rule's pattern only runs where one of its keywords occurs.
public struct KeywordSet: Sendable {
    public let keywords: [String]
    /// byte → its class: each byte that occurs in a keyword (case folded) has its own class,
    /// every other byte is class 0. Moving on classes rather than bytes makes the table about
    /// six times smaller for the ~900 built-in keywords, and so cheaper to build at start-up.
    private let classOf: [UInt16]
    private let classCount: Int
    /// transitions[state * classCount + class] → next state.
    private let transitions: [Int32]
    /// For each state, the keywords that end there: outputs[outputStart[s]..<outputStart[s+1]].
    private let outputStart: [Int32]
    private let outputs: [Int32]
    private let lengths: [Int]

    public init(_ keywords: [String]) {
        self.keywords = keywords
        let folded = keywords.map { $0.utf8.map(KeywordSet.fold) }
        lengths = folded.map(\.count)
        var classOf = [UInt16](repeating: 0, count: 256)
        var classes = 1
        for word in folded {
            for byte in word where classOf[Int(byte)] == 0 {
                classOf[Int(byte)] = UInt16(classes)
                classes += 1
            }
        }
        // Case folding: an upper-case byte moves like its lower-case twin.
        for byte in 65...90 { classOf[byte] = classOf[byte + 32] }
        // Trie, flat: goto[state * classes + class], -1 where there is no edge. Made at its
        // largest (a state per keyword byte) in one allocation, then cut to the states used.
        let most = 1 + lengths.reduce(0, +)
        var goto = [Int32](repeating: -1, count: most * classes)
        var ends: [[Int32]] = Array(repeating: [], count: most)
        var states = 1
        for (index, word) in folded.enumerated() where !word.isEmpty {
            var state = 0
            for byte in word {
                let edge = state * classes + Int(classOf[Int(byte)])
                if goto[edge] < 0 {
                    goto[edge] = Int32(states)
                    states += 1
                }
                state = Int(goto[edge])
            }
            ends[state].append(Int32(index))
        }
        goto.removeLast((most - states) * classes)
        ends.removeLast(most - states)
        // Breadth-first failure links, folded into a complete DFA.
        var fail = Array(repeating: Int32(0), count: states)
        var queue: [Int] = []
        queue.reserveCapacity(states)
        for c in 0..<classes {
            let next = goto[c]
            if next < 0 { goto[c] = 0 } else { fail[Int(next)] = 0; queue.append(Int(next)) }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            if !ends[Int(fail[state])].isEmpty { ends[state] += ends[Int(fail[state])] }
            let row = state * classes, failRow = Int(fail[state]) * classes
            for c in 0..<classes {
                let next = goto[row + c]
                if next < 0 {
                    goto[row + c] = goto[failRow + c]
                } else {
                    fail[Int(next)] = goto[failRow + c]
                    queue.append(Int(next))
                }
            }
        }
        self.classOf = classOf
        classCount = classes
        transitions = goto
        var start: [Int32] = [0]
        start.reserveCapacity(states + 1)
        var flat: [Int32] = []
        for list in ends {
            flat += list
            start.append(Int32(flat.count))
        }
        outputStart = start
        outputs = flat
    }

    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    /// Calls `hit(keywordIndex, start)` for every occurrence, overlapping ones included.
    public func forEachOccurrence(in bytes: UnsafeRawBufferPointer, _ hit: (Int, Int) -> Void) {
        let classes = classCount
        transitions.withUnsafeBufferPointer { table in
            classOf.withUnsafeBufferPointer { classOf in
            outputStart.withUnsafeBufferPointer { starts in
                var state = 0
                for i in 0..<bytes.count {
                    state = Int(table[state &* classes &+ Int(classOf[Int(bytes[i])])])
                    let lo = Int(starts[state]), hi = Int(starts[state + 1])
                    if lo != hi {
                        for k in lo..<hi {
                            let keyword = Int(outputs[k])
                            hit(keyword, i + 1 - lengths[keyword])
                        }
                    }
                }
            }
            }
        }
    }

    /// Which keywords occur at least once.
    public func present(in bytes: UnsafeRawBufferPointer) -> Set<Int> {
        var found = Set<Int>()
        forEachOccurrence(in: bytes) { keyword, _ in found.insert(keyword) }
        return found
    }
}
