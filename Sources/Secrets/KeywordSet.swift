/// Many keywords found in one pass over the bytes (Aho–Corasick, compiled to a dense DFA),
/// ASCII case-insensitively as gitleaks matches keywords. The prefilter in front of the
/// regexes: a rule's pattern only runs where one of its keywords occurs.
public struct KeywordSet: Sendable {
    public let keywords: [String]
    /// transitions[state * 256 + byte] → next state.
    private let transitions: [Int32]
    /// For each state, the keywords that end there: outputs[outputStart[s]..<outputStart[s+1]].
    private let outputStart: [Int32]
    private let outputs: [Int32]
    private let lengths: [Int]

    public init(_ keywords: [String]) {
        self.keywords = keywords
        let folded = keywords.map { $0.utf8.map(KeywordSet.fold) }
        lengths = folded.map(\.count)
        // Trie.
        var goto: [[Int32]] = [Array(repeating: -1, count: 256)]
        var ends: [[Int32]] = [[]]
        for (index, word) in folded.enumerated() where !word.isEmpty {
            var state = 0
            for byte in word {
                if goto[state][Int(byte)] < 0 {
                    goto.append(Array(repeating: -1, count: 256))
                    ends.append([])
                    goto[state][Int(byte)] = Int32(goto.count - 1)
                }
                state = Int(goto[state][Int(byte)])
            }
            ends[state].append(Int32(index))
        }
        // Breadth-first failure links, folded into a complete DFA.
        var fail = Array(repeating: Int32(0), count: goto.count)
        var queue: [Int] = []
        for byte in 0..<256 {
            let next = goto[0][byte]
            if next < 0 { goto[0][byte] = 0 } else { fail[Int(next)] = 0; queue.append(Int(next)) }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            ends[state] += ends[Int(fail[state])]
            for byte in 0..<256 {
                let next = goto[state][byte]
                if next < 0 {
                    goto[state][byte] = goto[Int(fail[state])][byte]
                } else {
                    fail[Int(next)] = goto[Int(fail[state])][byte]
                    queue.append(Int(next))
                }
            }
        }
        // Case folding: an upper-case byte moves like its lower-case twin.
        var table = [Int32](repeating: 0, count: goto.count * 256)
        for state in goto.indices {
            for byte in 0..<256 {
                table[state * 256 + byte] = goto[state][Int(KeywordSet.fold(UInt8(byte)))]
            }
        }
        transitions = table
        var start: [Int32] = [0]
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
        transitions.withUnsafeBufferPointer { table in
            outputStart.withUnsafeBufferPointer { starts in
                var state = 0
                for i in 0..<bytes.count {
                    state = Int(table[state &* 256 &+ Int(bytes[i])])
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

    /// Which keywords occur at least once.
    public func present(in bytes: UnsafeRawBufferPointer) -> Set<Int> {
        var found = Set<Int>()
        forEachOccurrence(in: bytes) { keyword, _ in found.insert(keyword) }
        return found
    }
}
