/// Builds a `DeltaForest` from blobs given in batches, in any order and from any one thread at
/// a time (it holds only the packs, which are shared): a history walk can hand it the blobs
/// of each slice of commits as soon as they are known. The forest does not depend on the
/// order the blobs came in.
public struct DeltaPlanner: Sendable {
    let packs: [PackFile]
    private var index: [PackPosition: Int32] = [:]
    private var nodes: [DeltaForest.Node] = []
    private var parent: [Int32] = []
    private var unplanned: [ObjectID] = []
    private var chain: [PackPosition] = []

    init(packs: [PackFile]) {
        self.packs = packs
    }

    /// Places each of `ids` (blobs) in the forest, with the bases its delta chain passes
    /// through; an id given twice is placed once.
    public mutating func add(_ ids: some Sequence<ObjectID>) {
        next: for id in ids {
            guard let key = locate(id) else {
                unplanned.append(id)
                continue
            }
            if let n = index[key] {
                if nodes[Int(n)].wanted == nil { nodes[Int(n)].wanted = id }
                continue
            }
            // Up the chain until a node already known or a whole object.
            chain.removeAll(keepingCapacity: true)
            var at = key
            var attach: Int32 = -1
            while true {
                if let n = index[at] {
                    attach = n
                    break
                }
                guard chain.count < PackStore.maximumChain, let entry = packs[at.pack].entry(at: at.offset) else {
                    unplanned.append(id)
                    continue next
                }
                chain.append(at)
                // Each header read may fault in the pages around it, counted with the pack's
                // other reads: blobs come in history order, scattered over the pack.
                packs[at.pack].noteRead(at: at.offset, count: 1)
                if case let .whole(type) = entry.kind {
                    guard type == .blob else {
                        unplanned.append(id)
                        continue next
                    }
                    break
                }
                if case let .offsetDelta(base) = entry.kind { at = PackPosition(pack: at.pack, offset: base) }
                if case let .refDelta(baseID) = entry.kind {
                    guard let base = packs[at.pack].index.offset(of: baseID) else {
                        unplanned.append(id)
                        continue next
                    }
                    at = PackPosition(pack: at.pack, offset: Int(base))
                }
            }
            var above = attach
            for key in chain.reversed() {
                let n = Int32(nodes.count)
                index[key] = n
                nodes.append(DeltaForest.Node(pack: key.pack, offset: key.offset, wanted: nil))
                parent.append(above)
                above = n
            }
            nodes[Int(above)].wanted = id
        }
    }

    /// The forest of every blob added so far.
    public func forest() -> DeltaForest {
        // Reading the entry headers touched pages all over the packs.
        for pack in packs { pack.dropResidentPages() }
        return DeltaForest(nodes: nodes, parent: parent, unplanned: unplanned)
    }

    /// The first pack holding `id` (the one `read` would use) and its offset there.
    private func locate(_ id: ObjectID) -> PackPosition? {
        for (p, pack) in packs.enumerated() {
            if let offset = pack.index.offset(of: id) { return PackPosition(pack: p, offset: Int(offset)) }
        }
        return nil
    }
}
