import HeapModule

extension Repository {
    /// The commits reachable from `tips` and from none of `excluding`, as
    /// `git rev-list TIPS --not EXCLUDING` lists them, each once, parents before children.
    /// Ids that do not peel to a commit (a tag of a blob, the zero id of a deletion) are
    /// passed over on either side, as rev-list does for `--all`.
    ///
    /// This is git's own walk (`limit_list`): newest commit first, parents inheriting
    /// "uninteresting" from excluded commits and passing it on to what was already seen,
    /// stopping once only uninteresting commits are left (with git's slop of five). It reads
    /// commits through the pack store, treats shallow boundaries as roots, and tolerates
    /// missing ancestors on the excluded side, where a shallow clone cuts history off.
    /// `visiting`, when given, is told each commit as the walk takes it (newest first), before
    /// the walk ends: a caller may start on it early. A commit it was told of can still be
    /// left out of the result (a mark that arrives late), never the other way.
    public func newCommits(tips: [ObjectID], excluding: [ObjectID],
                           visiting: (ObjectID) -> Void = { _ in }) throws(GitError) -> [ObjectID] {
        var walk = HistoryWalk(repository: self)
        // Sorted, so the walk (and its order) is the same in every process; tips before
        // excluded commits, as rev-list's arguments.
        var starts: [(ObjectID, Bool)] = []
        for tip in Set(tips).sorted() {
            if let commit = try peelToCommit(tip) { starts.append((commit, false)) }
        }
        guard !starts.isEmpty else { return [] }
        for tip in Set(excluding).sorted() {
            if let commit = try peelToCommit(tip) { starts.append((commit, true)) }
        }
        for (commit, uninteresting) in starts where uninteresting {
            try walk.markUninteresting(commit)
        }
        for (commit, _) in starts {
            try walk.load(commit)
            walk.push(commit)
        }
        return try walk.run(visiting: visiting)
    }

    /// `commits` (a push quarantine's, say) each once, parents before children, in the order
    /// `newCommits` lists a walk: newest first, then each commit after its parents in the set.
    /// Only these commits are read: their parents outside the set are not.
    public func parentsFirst(_ commits: [ObjectID]) throws(GitError) -> [ObjectID] {
        var walk = HistoryWalk(repository: self)
        let unique = Array(Set(commits))
        for id in unique { try walk.load(id) }
        let newestFirst = unique.sorted { a, b in
            let (ta, tb) = (walk.nodes[a]!.time, walk.nodes[b]!.time)
            return ta != tb ? ta > tb : a < b
        }
        return walk.parentsFirst(newestFirst)
    }

    /// Whether `ancestor` is reachable from `descendant` (or is it). Ids that are not
    /// commits (a tag of a tree) count as unrelated unless equal.
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws(GitError) -> Bool {
        if ancestor == descendant { return true }
        guard let a = try peelToCommit(ancestor), let d = try peelToCommit(descendant) else { return false }
        return try newCommits(tips: [a], excluding: [d]).isEmpty
    }

    /// The commits of `commits` on the first-parent line from `tip` (as far as it stays in
    /// the set): the ones `merge`-mode rules judge.
    public func firstParentLine(from tip: ObjectID, within commits: Set<ObjectID>) throws(GitError) -> Set<ObjectID> {
        var line: Set<ObjectID> = []
        var current: ObjectID? = try peelToCommit(tip)
        while let id = current, commits.contains(id), line.insert(id).inserted {
            current = shallowCommits.contains(id) ? nil : try commitLinks(id).parents.first
        }
        return line
    }

    /// The commit an id names, following annotated tags; nil for the zero id and for tags of
    /// trees or blobs. A missing object is an error.
    public func peelToCommit(_ id: ObjectID) throws(GitError) -> ObjectID? {
        var current = id
        for _ in 0..<32 {
            if current.isZero { return nil }
            switch try header(current).type {
            case .commit: return current
            case .tag: current = try annotatedTag(current).target
            default: return nil
            }
        }
        throw GitError(kind: .other, message: "tag chain too long at \(id)")
    }
}

/// State of one history walk; see `Repository.newCommits`.
struct HistoryWalk {
    struct Node {
        var parents: [ObjectID] = []
        var time: UInt64 = 0
        var loaded = false
        var seen = false
        var uninteresting = false
    }

    let repository: Repository
    var nodes: [ObjectID: Node] = [:]
    /// Commits to visit, newest first: among equal dates, the one queued first.
    var queue = Heap<Queued>()
    var sequence = 0

    /// A queued commit; the greater one is visited first.
    struct Queued: Comparable {
        var time: UInt64
        var sequence: Int
        var id: ObjectID

        static func < (a: Queued, b: Queued) -> Bool {
            a.time != b.time ? a.time < b.time : a.sequence > b.sequence
        }

        static func == (a: Queued, b: Queued) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    init(repository: Repository) {
        self.repository = repository
    }

    /// Reads a commit's parents and date once. A missing commit on the excluded side is a
    /// shallow clone's edge: known as uninteresting, with no parents.
    mutating func load(_ id: ObjectID) throws(GitError) {
        if nodes[id]?.loaded == true { return }
        var node = nodes[id] ?? Node()
        node.loaded = true
        do {
            if let (parents, time) = linksFromStart(id) {
                node.parents = repository.shallowCommits.contains(id) ? [] : parents
                node.time = time
            } else {
                let raw = try repository.readRaw(id, expecting: .commit)
                try withExtendedLifetime(raw) { () throws(GitError) in
                    let links = try CommitLinks(id: id, raw: raw.bytes)
                    node.parents = repository.shallowCommits.contains(id) ? [] : links.parents
                    node.time = CommitLinks.walkDate(raw.bytes, from: links.headerOffset)
                }
            }
        } catch where error.kind == .missingObject && node.uninteresting {
            node.parents = []
        }
        nodes[id] = node
    }

    /// Bytes inflated from the start of a commit for its parents and date: enough for the
    /// header lines of nearly every commit, a third of the average commit.
    static let startBytes = 512

    /// Parents and walk date from the first bytes of a commit stored whole in a pack, when
    /// they hold every line both come from (up to the end of the committer line: nothing
    /// after it changes them); nil otherwise, and the caller reads the whole commit, which
    /// also reports anything malformed or damaged.
    func linksFromStart(_ id: ObjectID) -> (parents: [ObjectID], time: UInt64)? {
        withUnsafeTemporaryAllocation(byteCount: Self.startBytes, alignment: 8) { buffer in
            guard let (type, count) = repository.packStore.prefix(id, into: buffer), type == .commit else { return nil }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            guard let links = try? CommitLinks(id: id, raw: bytes),
                  let authorEnd = bytes[links.headerOffset...].firstIndex(of: 10),
                  bytes[(authorEnd + 1)...].contains(10) else { return nil }
            return (links.parents, CommitLinks.walkDate(bytes, from: links.headerOffset))
        }
    }

    /// An excluded commit: it and (as far as they are known) its ancestors.
    mutating func markUninteresting(_ id: ObjectID) throws(GitError) {
        nodes[id, default: Node()].uninteresting = true
        try load(id)
        markParentsUninteresting(id)
    }

    mutating func push(_ id: ObjectID) {
        guard nodes[id]?.seen != true else { return }
        nodes[id, default: Node()].seen = true
        sequence += 1
        queue.insert(Queued(time: nodes[id]!.time, sequence: sequence, id: id))
    }

    mutating func pop() -> ObjectID? {
        queue.popMax()?.id
    }

    /// Passes "uninteresting" down to every ancestor already loaded (git's
    /// `mark_parents_uninteresting`); ancestors not yet loaded carry the mark when they are.
    mutating func markParentsUninteresting(_ id: ObjectID) {
        var stack = nodes[id]?.parents ?? []
        while let parent = stack.popLast() {
            if nodes[parent]?.uninteresting == true { continue }
            nodes[parent, default: Node()].uninteresting = true
            if nodes[parent]?.loaded == true { stack += nodes[parent]!.parents }
        }
    }

    /// git's `still_interesting`: keep going while the queue holds something newer than the
    /// last interesting commit, or anything interesting; otherwise spend one unit of slop.
    func stillInteresting(lastInteresting date: UInt64, slop: Int) -> Int {
        guard let head = queue.max else { return 0 }
        if date <= head.time { return 5 }
        if !queue.unordered.allSatisfy({ nodes[$0.id]?.uninteresting == true }) { return 5 }
        return slop - 1
    }

    mutating func run(visiting: (ObjectID) -> Void = { _ in }) throws(GitError) -> [ObjectID] {
        var interesting: [ObjectID] = []
        var slop = 5
        var date = UInt64.max
        while let id = pop() {
            try load(id)
            let node = nodes[id]!
            // git's process_parents.
            if node.uninteresting {
                for parent in node.parents {
                    nodes[parent, default: Node()].uninteresting = true
                    try load(parent)
                    markParentsUninteresting(parent)
                    push(parent)
                }
            } else {
                for parent in node.parents {
                    try load(parent)
                    push(parent)
                }
            }
            if nodes[id]!.uninteresting {
                markParentsUninteresting(id)
                slop = stillInteresting(lastInteresting: date, slop: slop)
                if slop == 0 { break }
                continue
            }
            date = node.time
            interesting.append(id)
            visiting(id)
        }
        // Marks can arrive late: keep what is still interesting, then order parents first.
        let result = interesting.filter { nodes[$0]?.uninteresting != true }
        return parentsFirst(result)
    }

    /// A stable topological order: each commit after all of its parents in the set, ties
    /// broken by the walk's own order (oldest of the newest-first list first): of the commits
    /// whose parents are all out, the one latest in the walk's list goes next.
    func parentsFirst(_ commits: [ObjectID]) -> [ObjectID] {
        var position: [ObjectID: Int] = [:]
        position.reserveCapacity(commits.count)
        for (i, id) in commits.enumerated() { position[id] = i }
        // Parents in the set not yet out, and children in the set, by position.
        var parentsLeft = [Int](repeating: 0, count: commits.count)
        var children = [[Int]](repeating: [], count: commits.count)
        for (i, id) in commits.enumerated() {
            let parents = nodes[id]?.parents ?? []
            for (k, parent) in parents.enumerated() where !parents[..<k].contains(parent) {
                guard let p = position[parent] else { continue }
                parentsLeft[i] += 1
                children[p].append(i)
            }
        }
        // Positions ready to go out, latest first.
        var ready = Heap<Int>()
        for i in commits.indices where parentsLeft[i] == 0 { ready.insert(i) }
        var out: [ObjectID] = []
        out.reserveCapacity(commits.count)
        while let i = ready.popMax() {
            out.append(commits[i])
            for child in children[i] {
                parentsLeft[child] -= 1
                if parentsLeft[child] == 0 { ready.insert(child) }
            }
        }
        return out
    }
}
