import Base
#if canImport(Glibc)
import Glibc
#endif

/// Blobs grouped by the pack deltas that reconstruct them: a forest whose roots are whole
/// objects and whose edges are deltas, holding the asked-for blobs and the bases their chains
/// pass through. Walking a tree reconstructs each of its objects once, from its base's bytes
/// still in memory, where reading blob by blob rebuilds evicted bases again and again; and
/// each visit learns what its delta copied from the base. Shared by all workers (the packs are
/// opened once per process, in the same order for every handle).
public final class DeltaForest: Sendable {
    struct Node: Sendable {
        var pack: Int
        var offset: Int
        var wanted: ObjectID?
    }

    let nodes: [Node]
    /// Children of node n: children[childStart[n]..<childStart[n+1]], in pack order.
    let children: [Int32]
    let childStart: [Int32]
    /// Root nodes (whole objects) in pack order.
    let roots: [Int32]
    /// Asked-for blobs the forest cannot reconstruct (loose objects, bases in other packs,
    /// damaged entries): read them one by one, which reports damage properly.
    public let unplanned: [ObjectID]

    public var treeCount: Int { roots.count }

    init(nodes: [Node], parent: [Int32], unplanned: [ObjectID]) {
        self.nodes = nodes
        self.unplanned = unplanned
        var counts = [Int32](repeating: 0, count: nodes.count + 1)
        for p in parent where p >= 0 { counts[Int(p) + 1] += 1 }
        for i in 0..<nodes.count { counts[i + 1] += counts[i] }
        var fill = counts
        var flat = [Int32](repeating: 0, count: Int(counts[nodes.count]))
        var rootList: [Int32] = []
        // Nodes in pack order, so each list of children comes out in pack order too.
        let order = nodes.indices.sorted { (nodes[$0].pack, nodes[$0].offset) < (nodes[$1].pack, nodes[$1].offset) }
        for n in order {
            let p = parent[n]
            if p < 0 {
                rootList.append(Int32(n))
            } else {
                flat[Int(fill[Int(p)])] = Int32(n)
                fill[Int(p)] += 1
            }
        }
        children = flat
        childStart = counts
        roots = rootList
    }

    func childRange(_ n: Int) -> Range<Int> { Int(childStart[n])..<Int(childStart[n + 1]) }

    /// The asked-for blobs in the subtree under `n`, `n` excluded.
    func wantedBelow(_ n: Int) -> [ObjectID] {
        var result: [ObjectID] = []
        var pending = Array(children[childRange(n)])
        while let m = pending.popLast() {
            if let id = nodes[Int(m)].wanted { result.append(id) }
            pending.append(contentsOf: children[childRange(Int(m))])
        }
        return result
    }
}

/// One object reconstructed by a walk of a `DeltaForest`.
public struct DeltaVisit<State> {
    /// nil for a base no one asked for, visited only for the objects built on it.
    public var id: ObjectID?
    /// nil when the object is larger than the walk's size limit (it is then never a base).
    public var bytes: UnsafeRawBufferPointer?
    /// What the visit of the base returned, and what this object's delta copied from the
    /// base's bytes; nil for a whole object.
    public var base: (state: State, bytes: UnsafeRawBufferPointer, copies: [CopiedBytes])?
    /// Whether objects are built on this one: only then is the state the visit returns kept.
    public var isBase = false
}

extension PackStore {
    /// Bytes of bases held at once on one walk's path; a subtree below a base that would pass
    /// this is left to one-by-one reading, whose memory is bounded by the delta cache.
    static let walkBudget = 16 << 20

    private struct Frame<State> {
        var node: Int
        var content: ObjectContent
        var state: State
        var next: Int
    }

    /// Reconstructs every object of tree `tree` of `forest` once, parents before children,
    /// and calls `visit` for each. An asked-for object larger than `sizeLimit` with nothing
    /// built on it is visited without bytes. Returns the asked-for objects it left to be read
    /// one by one (a chain too large to hold in memory). The forest must come from a planner
    /// of a store over the same objects directory (packs are numbered alike in every store).
    public func walk<State>(_ forest: DeltaForest, tree: Int, sizeLimit: Int,
                     _ visit: (DeltaVisit<State>) -> State) throws(Damage) -> [ObjectID] {
        var stack: [Frame<State>] = []
        var held = 0
        var leftOver: [ObjectID] = []
        var copies: [CopiedBytes] = []

        // Reconstructs node `n` on top of the frame at the stack's top (none for a root),
        // visits it, and pushes it when objects are built on it.
        func enter(_ n: Int) throws(Damage) {
            let node = forest.nodes[n]
            let pack = packs[node.pack]
            let hasChildren = !forest.childRange(n).isEmpty
            guard let entry = pack.entry(at: node.offset), pack.plausible(entry), entry.size <= Self.maximumObject else {
                throw Damage(message: "unreadable entry at \(node.offset)")
            }
            let content: ObjectContent
            if let top = stack.last {
                guard case .whole = entry.kind else {
                    // Checked below: a delta entry under a base.
                    return try enterDelta(n, entry: entry, base: top, hasChildren: hasChildren)
                }
                throw Damage(message: "whole object under a base at \(node.offset)")
            } else {
                guard case let .whole(type) = entry.kind else { throw Damage(message: "delta at the root at \(node.offset)") }
                if !hasChildren, entry.size > sizeLimit {
                    _ = visit(DeltaVisit(id: node.wanted, bytes: nil, base: nil))
                    return
                }
                guard let made = ObjectContent(type: type, count: entry.size),
                      pack.inflate(at: entry.dataOffset, into: made.buffer, size: entry.size, with: inflater) else {
                    throw Damage(message: "undecodable data at \(node.offset)")
                }
                made.setSize(entry.size)
                content = made
                let state = visit(DeltaVisit(id: node.wanted, bytes: content.bytes, base: nil, isBase: hasChildren))
                if hasChildren {
                    stack.append(Frame(node: n, content: content, state: state, next: 0))
                    held += content.size
                }
            }
        }

        func enterDelta(_ n: Int, entry: (kind: PackFile.Kind, size: Int, dataOffset: Int), base: Frame<State>,
                        hasChildren: Bool) throws(Damage) {
            let node = forest.nodes[n]
            let pack = packs[node.pack]
            guard let delta = malloc(max(entry.size, 1)) else { throw Damage(message: "delta too large at \(node.offset)") }
            defer { free(delta) }
            let deltaBytes = UnsafeMutableRawBufferPointer(start: delta, count: entry.size)
            guard pack.inflate(at: entry.dataOffset, into: deltaBytes, size: entry.size, with: inflater),
                  let size = Delta.targetSize(UnsafeRawBufferPointer(deltaBytes)) else {
                throw Damage(message: "undecodable delta at \(node.offset)")
            }
            if !hasChildren, size > sizeLimit {
                _ = visit(DeltaVisit(id: node.wanted, bytes: nil, base: nil))
                return
            }
            if hasChildren, held + size > Self.walkBudget {
                // Too much to hold: what is built on this object is read one by one.
                leftOver += forest.wantedBelow(n)
                if node.wanted == nil { return }
            }
            copies.removeAll(keepingCapacity: true)
            guard let content = Delta.apply(UnsafeRawBufferPointer(deltaBytes), to: base.content.bytes, type: base.content.type,
                                            recording: true, copies: &copies) else {
                throw Damage(message: "undecodable delta at \(node.offset)")
            }
            let kept = hasChildren && held + size <= Self.walkBudget
            let state = visit(DeltaVisit(id: node.wanted, bytes: content.bytes,
                                         base: (base.state, base.content.bytes, copies), isBase: kept))
            if kept {
                stack.append(Frame(node: n, content: content, state: state, next: 0))
                held += content.size
            }
        }

        guard tree >= 0, tree < forest.roots.count else { return [] }
        try enter(Int(forest.roots[tree]))
        while let top = stack.last {
            let range = forest.childRange(top.node)
            if top.next < range.count {
                stack[stack.count - 1].next += 1
                try enter(Int(forest.children[range.lowerBound + top.next]))
            } else {
                held -= top.content.size
                stack.removeLast()
            }
        }
        return leftOver
    }
}
