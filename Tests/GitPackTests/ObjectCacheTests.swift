import ReviewGateTestSupport
@testable import GitPack
import Testing

/// The cache of reconstructed objects against a plain model (a dictionary and a queue): the
/// same objects kept and evicted, oldest first, within the budget, through growth and the
/// back-shifting deletion of its table.
@Suite struct ObjectCacheTests {
    @Test("the cache keeps what a dictionary with oldest-first eviction keeps", arguments: [1, 2, 3] as [UInt64])
    func matchesModel(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let budget = 64 << 10
        var cache = ObjectCache(budget: budget)
        var model: [PackPosition: ObjectContent] = [:]
        var order: [PackPosition] = []
        var cached = 0
        for step in 0..<40_000 {
            // Positions crowded in a few offsets of many packs (every pack's first object is at
            // offset 12), so probes collide and wrap.
            let position = PackPosition(pack: Int(rng.next() % 300), offset: 12 + Int(rng.next() % 60) * 16)
            if rng.next() % 3 == 0 {
                #expect(cache[position] === model[position], "step \(step)")
                continue
            }
            guard model[position] == nil else { continue }
            let size = Int(rng.next() % 4_000) + 1
            let content = ObjectContent(type: .blob, count: size)!
            content.setSize(size)
            cache.remember(position, content)
            if size <= budget / 4 {
                model[position] = content
                order.append(position)
                cached += size
                while cached > budget {
                    let oldest = order.removeFirst()
                    cached -= model.removeValue(forKey: oldest)!.size
                }
            }
        }
        for (position, content) in model { #expect(cache[position] === content) }
        var rng2 = SplitMix(seed: seed + 100)
        for _ in 0..<2_000 {
            let position = PackPosition(pack: Int(rng2.next() % 300), offset: 12 + Int(rng2.next() % 60) * 16)
            #expect(cache[position] === model[position])
        }
    }
}
