import DequeModule

/// Reconstructed objects by where they sit in the packs, evicted oldest-first once they hold
/// more than `budget` bytes; an object larger than a quarter of the budget is not kept. Delta
/// chains mostly reach back to objects read just before, so first in, first out serves them.
///
/// An open-addressing table (linear probing, deletion by shifting back) keyed by the position
/// packed in one word: the cache is looked up for every object read and every base along a
/// delta chain, and a `Dictionary` of positions spent 2.5% of an audit hashing and probing.
struct ObjectCache {
    /// Keys (`key(_:)`, never 0) and contents; 0: an empty slot.
    private var keys: [UInt64]
    private var contents: [ObjectContent?]
    private var mask: Int
    /// 64 less the table's size in bits: the product's top bits pick the slot.
    private var shift: UInt64
    private var count = 0
    private var order: Deque<UInt64> = []
    private var cached = 0
    let budget: Int

    init(budget: Int) {
        self.budget = budget
        keys = Array(repeating: 0, count: 1024)
        contents = Array(repeating: nil, count: 1024)
        mask = 1023
        shift = 64 - 10
    }

    /// A position as one word: the offset below bit 44 (16 TiB), the pack's number above; one
    /// added so no key is 0.
    private static func key(_ position: PackPosition) -> UInt64 {
        assert(position.pack < 1 << 20 && position.offset < 1 << 44)
        return (UInt64(truncatingIfNeeded: position.pack) << 44 | UInt64(truncatingIfNeeded: position.offset) & (1 << 44 - 1)) &+ 1
    }

    /// The slot a key's search starts at (Fibonacci hashing: the product's top bits depend on
    /// every bit of the key, the pack's number too: every pack's first object is at offset 12).
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private func slot(_ key: UInt64) -> Int {
        var i = home(key)
        while keys[i] != 0, keys[i] != key { i = (i + 1) & mask }
        return i
    }

    subscript(_ position: PackPosition) -> ObjectContent? {
        let key = Self.key(position)
        let i = slot(key)
        return keys[i] == key ? contents[i] : nil
    }

    mutating func remember(_ position: PackPosition, _ content: ObjectContent) {
        guard content.size <= budget / 4 else { return }
        let key = Self.key(position)
        var i = slot(key)
        if keys[i] == key {
            cached -= contents[i]!.size
            contents[i] = content
            cached += content.size
        } else {
            if (count + 1) * 4 > keys.count * 3 {
                grow()
                i = slot(key)
            }
            keys[i] = key
            contents[i] = content
            count += 1
            order.append(key)
            cached += content.size
        }
        while cached > budget, let oldest = order.popFirst() {
            remove(oldest)
        }
    }

    /// Takes `key` out, shifting back the entries after it that its slot held up.
    private mutating func remove(_ key: UInt64) {
        var i = slot(key)
        guard keys[i] == key else { return }
        cached -= contents[i]!.size
        count -= 1
        var j = i
        while true {
            j = (j + 1) & mask
            guard keys[j] != 0 else { break }
            // Whether the entry at j may move to i: its home is not in (i, j] cyclically.
            let h = home(keys[j])
            let between = i <= j ? (i < h && h <= j) : (i < h || h <= j)
            if between { continue }
            keys[i] = keys[j]
            contents[i] = contents[j]
            i = j
        }
        keys[i] = 0
        contents[i] = nil
    }

    private mutating func grow() {
        let oldKeys = keys, oldContents = contents
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        contents = Array(repeating: nil, count: oldKeys.count * 2)
        mask = keys.count - 1
        shift -= 1
        for (k, key) in oldKeys.enumerated() where key != 0 {
            let i = slot(key)
            keys[i] = key
            contents[i] = oldContents[k]
        }
    }
}
