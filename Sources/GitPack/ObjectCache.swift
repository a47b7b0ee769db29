import DequeModule

/// Reconstructed objects by where they sit in the packs, evicted oldest-first once they hold
/// more than `budget` bytes; an object larger than a quarter of the budget is not kept. Delta
/// chains mostly reach back to objects read just before, so first in, first out serves them.
struct ObjectCache {
    private var contents: [PackPosition: ObjectContent] = [:]
    private var order: Deque<PackPosition> = []
    private var cached = 0
    let budget: Int

    init(budget: Int) {
        self.budget = budget
    }

    subscript(_ key: PackPosition) -> ObjectContent? { contents[key] }

    mutating func remember(_ key: PackPosition, _ content: ObjectContent) {
        guard content.size <= budget / 4 else { return }
        contents[key] = content
        order.append(key)
        cached += content.size
        while cached > budget, let oldest = order.popFirst() {
            if let evicted = contents.removeValue(forKey: oldest) { cached -= evicted.size }
        }
    }
}
