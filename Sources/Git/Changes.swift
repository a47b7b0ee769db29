#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CScan

/// A tree entry's mode, canonicalised as git does when it reads a tree (`canon_mode`).
public struct FileMode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let absent = FileMode(rawValue: 0)
    public static let tree = FileMode(rawValue: 0o040000)
    public static let blob = FileMode(rawValue: 0o100644)
    public static let executable = FileMode(rawValue: 0o100755)
    public static let symlink = FileMode(rawValue: 0o120000)
    public static let gitlink = FileMode(rawValue: 0o160000)

    /// git's `canon_mode`: any regular file is 644 or 755, anything unknown is a gitlink.
    public init(canonicalizing raw: UInt32) {
        switch raw & 0o170000 {
        case 0o100000: rawValue = raw & 0o100 != 0 ? 0o100755 : 0o100644
        case 0o120000: rawValue = 0o120000
        case 0o040000: rawValue = 0o040000
        default: rawValue = 0o160000
        }
    }

    /// The object kind part (`S_IFMT`): a change of it is a type change (`T`).
    public var kind: UInt32 { rawValue & 0o170000 }
    public var isTree: Bool { rawValue == 0o040000 }
    /// A blob whose bytes can hold a secret: a regular file, or a symlink (its target is
    /// text that `git show` prints).
    public var holdsContent: Bool { kind == 0o100000 || rawValue == 0o120000 }

    /// Six octal digits, as `git diff-tree --raw` prints.
    public var description: String {
        let octal = String(rawValue, radix: 8)
        return String(repeating: "0", count: max(0, 6 - octal.count)) + octal
    }
}

/// How a path changed: added, modified, deleted, type changed (file, symlink, submodule), or
/// renamed with an identical blob.
public enum ChangeStatus: String, Sendable {
    case added = "A", modified = "M", deleted = "D", typeChanged = "T", renamed = "R"
}

/// One changed path, as a line of `git diff-tree -r --raw` describes it. Paths are raw bytes:
/// git allows any byte but NUL and `/` in a name.
public struct Change: Sendable, Equatable {
    public var status: ChangeStatus
    public var path: [UInt8]
    /// The source path of a rename; nil otherwise.
    public var oldPath: [UInt8]?
    public var oldMode: FileMode
    public var newMode: FileMode
    public var oldID: ObjectID
    public var newID: ObjectID

    public init(status: ChangeStatus, path: [UInt8], oldPath: [UInt8]? = nil, oldMode: FileMode,
                newMode: FileMode, oldID: ObjectID, newID: ObjectID) {
        self.status = status
        self.path = path
        self.oldPath = oldPath
        self.oldMode = oldMode
        self.newMode = newMode
        self.oldID = oldID
        self.newID = newID
    }
}

extension Repository {
    /// The changes of a commit against its parents (a root commit against the empty tree; a
    /// merge: the paths whose result differs from every parent, shown against the first).
    public func changes(of commit: Commit, detectRenames: Bool = true) throws(GitError) -> [Change] {
        var parentTrees: [ObjectID] = []
        if !shallowCommits.contains(commit.id) {
            for parent in commit.parents { parentTrees.append(try commitLinks(parent).tree) }
        }
        return try changes(tree: commit.tree, parentTrees: parentTrees, detectRenames: detectRenames)
    }

    /// Compares `tree` with each of `parentTrees` by object id, never opening a subtree that
    /// is equal on both sides. With no parent trees, everything in `tree` is added.
    public func changes(tree: ObjectID, parentTrees: [ObjectID], detectRenames: Bool = true) throws(GitError) -> [Change] {
        var problems: [TreeProblem] = []
        return try changes(tree: tree, parentTrees: parentTrees, detectRenames: detectRenames, problems: &problems)
    }

    /// `changes(tree:parentTrees:)`, also telling which of the new trees it opened break git's
    /// entry order (`git fsck`'s `duplicateEntries` and `treeNotSorted`): such a tree does not
    /// say which of two same-named entries a checkout gets, so it is reported, not guessed at.
    public func changes(tree: ObjectID, parentTrees: [ObjectID], detectRenames: Bool = true,
                        problems: inout [TreeProblem]) throws(GitError) -> [Change] {
        var walker = TreeWalker(repository: self)
        let sides: [ObjectID?] = [tree] + (parentTrees.isEmpty ? [nil] : parentTrees.map { $0 })
        try walker.walk(sides)
        problems += walker.problems
        return detectRenames ? pairExactRenames(walker.changes) : walker.changes
    }

    /// `changes(of:)` with the problems of the new trees, as above.
    public func changes(of commit: Commit, detectRenames: Bool = true, problems: inout [TreeProblem]) throws(GitError) -> [Change] {
        var parentTrees: [ObjectID] = []
        if !shallowCommits.contains(commit.id) {
            for parent in commit.parents { parentTrees.append(try commitLinks(parent).tree) }
        }
        return try changes(tree: commit.tree, parentTrees: parentTrees, detectRenames: detectRenames, problems: &problems)
    }
}

/// A new tree whose entries are not in git's strict order: two entries with one name
/// (`duplicateEntries`, a file and a directory included) or entries out of order (`treeNotSorted`).
public struct TreeProblem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case duplicateEntries, treeNotSorted
    }
    public var kind: Kind
    public var tree: ObjectID
    /// The directory the tree stands at (empty for the root, else ending in `/`), plus the
    /// offending entry's name.
    public var path: [UInt8]
}

/// One parsed entry of a raw tree; `name` points into the tree object's bytes.
struct TreeEntry {
    var mode: FileMode
    var name: UnsafeRawBufferPointer
    var id: ObjectID
    /// Where the entry's bytes start and end in its tree, for byte-equality checks.
    var raw: UnsafeRawBufferPointer
}

/// Reads `mode SP name NUL oid20` records from a raw tree object.
struct TreeCursor {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    let treeID: ObjectID

    mutating func next() throws(GitError) -> TreeEntry? {
        guard offset < bytes.count, let base = bytes.baseAddress else { return nil }
        let start = offset
        var mode: UInt32 = 0
        var i = offset
        while i < bytes.count, bytes[i] != 32 {
            let digit = bytes[i] &- 48
            guard digit < 8, mode < 0o1000000 else { throw malformed() }
            mode = mode << 3 | UInt32(digit)
            i += 1
        }
        guard i > start, i < bytes.count else { throw malformed() }
        let nameStart = i + 1
        guard nameStart < bytes.count,
              let nul = memchr(base + nameStart, 0, bytes.count - nameStart) else { throw malformed() }
        let nameEnd = base.distance(to: UnsafeRawPointer(nul))
        guard nameEnd > nameStart, nameEnd + 21 <= bytes.count else { throw malformed() }
        offset = nameEnd + 21
        return TreeEntry(mode: FileMode(canonicalizing: mode),
                         name: UnsafeRawBufferPointer(start: base + nameStart, count: nameEnd - nameStart),
                         id: ObjectID(bytes: base + nameEnd + 1),
                         raw: UnsafeRawBufferPointer(start: base + start, count: offset - start))
    }

    /// The entries from `offset` that `other` holds byte for byte (same modes, names and ids)
    /// from its offset, as one length, and where the last of them starts (nil: none): the
    /// bytes both share measured at once, then the entries' ends found inside them
    /// (`reviewgate_identical_entries`). An entry cut short is not counted (`next()` reports it).
    func identicalRun(_ other: TreeCursor) -> (length: Int, last: Int?) {
        guard offset < bytes.count, other.offset < other.bytes.count,
              let base = bytes.baseAddress, let otherBase = other.bytes.baseAddress else { return (0, nil) }
        var last = -1
        let length = reviewgate_identical_entries((base + offset).assumingMemoryBound(to: UInt8.self),
                                                  (otherBase + other.offset).assumingMemoryBound(to: UInt8.self),
                                                  min(bytes.count - offset, other.bytes.count - other.offset), &last)
        return (length, last < 0 ? nil : offset + last)
    }

    func malformed() -> GitError {
        GitError(kind: .other, message: "malformed tree \(treeID) at byte \(offset)")
    }
}

/// The last entry read from one tree (decoded or skipped whole), to check that the next one
/// follows it in git's strict order; and the files that a directory of the same name could
/// still follow (only names like `a-b`, below `/`, sort between `a` and `a/`).
struct EntryOrder {
    private var last: TreeEntry?
    /// The innermost such file, and the ones it extends (`a`, then `a-b`): kept apart so the
    /// common tree, with no such chain, allocates nothing.
    private var file: TreeEntry?
    private var outerFiles: [TreeEntry] = []

    /// The entries up to the one that starts at `offset` of `cursor`'s tree were skipped
    /// without being decoded. The files before them that a directory of the same name could
    /// still follow are those the last skipped entry extends (every name between extends them
    /// too, in git's order), kept with it; a file inside the skipped run is not known, so a
    /// directory of its name after the run is not seen as its duplicate.
    mutating func skipped(_ cursor: TreeCursor, at offset: Int) {
        var at = cursor
        at.offset = offset
        guard let entry = try? at.next() else {
            last = nil
            file = nil
            outerFiles.removeAll(keepingCapacity: true)
            return
        }
        while let candidate = file, !Self.extends(entry, candidate) { file = outerFiles.popLast() }
        if !entry.mode.isTree {
            if let file { outerFiles.append(file) }
            file = entry
        }
        last = entry
    }

    /// Whether `entry`'s name is `candidate`'s, or it followed by a byte below `/` (names a
    /// directory named as `candidate` sorts after).
    static func extends(_ entry: TreeEntry, _ candidate: TreeEntry) -> Bool {
        let n = candidate.name.count
        return entry.name.count >= n && memcmp(entry.name.baseAddress!, candidate.name.baseAddress!, n) == 0
            && (entry.name.count == n || entry.name[n] < 47)
    }

    /// Takes the next entry; the problem when it does not strictly follow the last one.
    mutating func next(_ entry: TreeEntry) -> TreeProblem.Kind? {
        defer {
            last = entry
            if !entry.mode.isTree {
                if let file { outerFiles.append(file) }
                file = entry
            }
        }
        while let candidate = file, !Self.extends(entry, candidate) { file = outerFiles.popLast() }
        if entry.mode.isTree, let file, file.name.count == entry.name.count { return .duplicateEntries }
        guard let last else { return nil }
        if last.name.elementsEqual(entry.name) { return .duplicateEntries }
        return compareEntries(last, entry) > 0 ? .treeNotSorted : nil
    }
}

/// git's tree order: names compared bytewise, a tree's name as if it ended in `/`.
@inline(__always)
func compareEntries(_ a: TreeEntry, _ b: TreeEntry) -> Int {
    let n = min(a.name.count, b.name.count)
    let c = memcmp(a.name.baseAddress!, b.name.baseAddress!, n)
    if c != 0 { return Int(c) }
    let ca: UInt8 = a.name.count > n ? a.name[n] : (a.mode.isTree ? 47 : 0)
    let cb: UInt8 = b.name.count > n ? b.name[n] : (b.mode.isTree ? 47 : 0)
    return Int(ca) - Int(cb)
}

/// A merge's parents after the first, each read forward as the walk against the first parent
/// reaches a name it must judge (names come in git's order, so each tree is read once at most).
struct LaterParents {
    private var cursors: [TreeCursor?]
    /// Each tree's next entry not yet passed, once read.
    private var heads: [TreeEntry?]
    private var ahead: [Bool]
    private var olds: [TreeEntry?] = []

    init(cursors: [TreeCursor?]) {
        self.cursors = cursors
        heads = Array(repeating: nil, count: cursors.count)
        ahead = Array(repeating: false, count: cursors.count)
    }

    /// `first`, then each later parent's entry with `key`'s name and kind (nil where it has none).
    mutating func entries(named key: TreeEntry, first: TreeEntry?) throws(GitError) -> [TreeEntry?] {
        olds.removeAll(keepingCapacity: true)
        olds.append(first)
        for i in cursors.indices {
            var found: TreeEntry?
            while true {
                if !ahead[i] {
                    heads[i] = try cursors[i]?.next()
                    ahead[i] = true
                }
                guard let head = heads[i] else { break }
                let order = compareEntries(head, key)
                if order < 0 {
                    ahead[i] = false
                    continue
                }
                if order == 0 {
                    found = head
                    ahead[i] = false
                }
                break
            }
            olds.append(found)
        }
        return olds
    }
}

/// The N-way walk. Side 0 is the commit's tree, sides 1… its parents' trees (nil: empty).
/// An entry name is handled separately as a leaf and as a directory (git's order keeps `a`
/// and `a/` apart), so a file replaced by a directory is a deletion plus additions, as in git.
struct TreeWalker {
    /// Trees nested deeper than this are refused, not walked, so a hostile object cannot
    /// exhaust the stack. No real repository comes near it (paths 512 directories deep).
    static let maximumDepth = 512

    let repository: Repository
    var changes: [Change] = []
    var problems: [TreeProblem] = []
    private var path: [UInt8] = []
    private var depth = 0

    init(repository: Repository) {
        self.repository = repository
    }

    mutating func walk(_ trees: [ObjectID?]) throws(GitError) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw GitError(kind: .other, message: "tree nesting deeper than \(Self.maximumDepth) levels at \(String(decoding: path, as: UTF8.self))")
        }
        var objects: [RawObject?] = []
        objects.reserveCapacity(trees.count)
        var cursors: [TreeCursor?] = []
        cursors.reserveCapacity(trees.count)
        for tree in trees {
            if let tree {
                let raw = try repository.readRaw(tree, expecting: .tree)
                objects.append(raw)
                cursors.append(TreeCursor(bytes: raw.bytes, treeID: tree))
            } else {
                objects.append(nil)
                cursors.append(nil)
            }
        }
        // `objects` keeps every tree's bytes alive while entries point into them.
        try withExtendedLifetime(objects) { () throws(GitError) in
            var new = cursors[0], old = cursors[1]
            var later = trees.count > 2 ? LaterParents(cursors: Array(cursors[2...])) : nil
            try walkPair(&new, &old, later: &later)
        }
    }

    /// The commit's tree against its first parent's: a run of entries equal to the byte is
    /// skipped whole (`identicalRun`), before any entry is decoded. For a merge, `later` holds
    /// the other parents' trees, and only a name that differs from the first parent is looked
    /// up in them: a name the commit shares with its first parent is new against none, and
    /// one that neither has is no change. A merge then costs about what a one-parent commit
    /// does, where walking every side in step decoded every entry of every side.
    private mutating func walkPair(_ newCursor: inout TreeCursor?, _ oldCursor: inout TreeCursor?,
                                   later: inout LaterParents?) throws(GitError) {
        var new: TreeEntry?
        var old: TreeEntry?
        var advanceNew = true
        var advanceOld = true
        var order = EntryOrder()
        while true {
            if advanceNew, advanceOld, var n = newCursor, var o = oldCursor {
                let (length, lastSkipped) = n.identicalRun(o)
                n.offset += length
                o.offset += length
                if let lastSkipped { order.skipped(n, at: lastSkipped) }
                newCursor = n
                oldCursor = o
            }
            if advanceNew {
                new = try newCursor?.next()
                if let new, let problem = order.next(new) { report(problem, new, in: newCursor!.treeID) }
            }
            if advanceOld { old = try oldCursor?.next() }
            switch (new, old) {
            case (nil, nil):
                return
            case let (n?, o?):
                let order = compareEntries(n, o)
                if order == 0 {
                    try judge(new: n, first: o, later: &later)
                    (advanceNew, advanceOld) = (true, true)
                } else if order < 0 {
                    try judge(new: n, first: nil, later: &later)
                    (advanceNew, advanceOld) = (true, false)
                } else {
                    try judge(new: nil, first: o, later: &later)
                    (advanceNew, advanceOld) = (false, true)
                }
            case let (n?, nil):
                try judge(new: n, first: nil, later: &later)
                (advanceNew, advanceOld) = (true, false)
            case let (nil, o?):
                try judge(new: nil, first: o, later: &later)
                (advanceNew, advanceOld) = (false, true)
            }
        }
    }

    private mutating func record(new: TreeEntry?, first: TreeEntry?) {
        let status: ChangeStatus
        switch (first, new) {
        case (nil, _): status = .added
        case (_, nil): status = .deleted
        case let (o?, n?): status = o.mode.kind != n.mode.kind ? .typeChanged : .modified
        }
        changes.append(Change(status: status, path: path, oldMode: first?.mode ?? .absent,
                              newMode: new?.mode ?? .absent, oldID: first?.id ?? .zero,
                              newID: new?.id ?? .zero))
    }

    /// A name as the walk against the first parent met it (`new` and `first` not the same
    /// entry), judged against every parent.
    private mutating func judge(new: TreeEntry?, first: TreeEntry?, later: inout LaterParents?) throws(GitError) {
        guard later != nil else { return try visit(new: new, old: CollectionOfOne(first)) }
        let olds = try later!.entries(named: new ?? first!, first: first)
        try visit(new: new, old: olds)
    }

    private mutating func report(_ kind: TreeProblem.Kind, _ entry: TreeEntry, in tree: ObjectID) {
        problems.append(TreeProblem(kind: kind, tree: tree, path: path + Array(entry.name)))
    }

    /// One name (as leaf or as directory) seen from every side: the commit's entry and each
    /// parent's (nil where a side has no such name).
    private mutating func visit(new: TreeEntry?, old: some Collection<TreeEntry?>) throws(GitError) {
        // Unchanged against some parent: nothing under this name differs from every parent.
        for o in old {
            switch (new, o) {
            case (nil, nil): return
            case let (n?, o?) where n.mode == o.mode && n.id == o.id: return
            default: continue
            }
        }
        // Some side has the name, or the loop above would have returned.
        guard let entry = new ?? old.lazy.compactMap({ $0 }).first else { return }
        let mark = path.count
        path.append(contentsOf: entry.name)
        defer { path.removeSubrange(mark...) }
        if entry.mode.isTree {
            path.append(47)
            try walk([new?.id] + old.map { $0?.id })
        } else {
            record(new: new, first: old.first!)
        }
    }
}

/// Pairs each deleted path with an added path holding the identical object (git's exact rename
/// detection, as `git diff-tree -M` reports R100): same object id and the same kind (regular
/// file, symlink or submodule). Among several candidates the same base name wins, then the
/// first in path order.
func pairExactRenames(_ changes: [Change]) -> [Change] {
    var deletedByID: [ObjectID: [Int]] = [:]
    for (i, c) in changes.enumerated() where c.status == .deleted {
        deletedByID[c.oldID, default: []].append(i)
    }
    guard !deletedByID.isEmpty else { return changes }
    var result = changes
    var consumed = Set<Int>()
    func baseName(_ p: [UInt8]) -> ArraySlice<UInt8> {
        p.lastIndex(of: 47).map { p[($0 + 1)...] } ?? p[...]
    }
    for (i, c) in changes.enumerated() where c.status == .added {
        guard var candidates = deletedByID[c.newID], !candidates.isEmpty else { continue }
        candidates.removeAll { changes[$0].oldMode.kind != c.newMode.kind }
        guard !candidates.isEmpty else { continue }
        let pick = candidates.first { baseName(changes[$0].path) == baseName(c.path) } ?? candidates[0]
        deletedByID[c.newID]!.removeAll { $0 == pick }
        consumed.insert(pick)
        let source = changes[pick]
        result[i] = Change(status: .renamed, path: c.path, oldPath: source.path, oldMode: source.oldMode,
                           newMode: c.newMode, oldID: source.oldID, newID: c.newID)
    }
    return result.enumerated().filter { !consumed.contains($0.offset) }.map(\.element)
}

extension Repository {
    /// The entry at `path` (raw bytes, `/`-separated) in `tree`, or nil when there is none.
    public func entry(at path: [UInt8], in tree: ObjectID) throws(GitError) -> (mode: FileMode, id: ObjectID)? {
        var current = tree
        var components = path.split(separator: 47, omittingEmptySubsequences: false)[...]
        while let name = components.first {
            components = components.dropFirst()
            let raw = try readRaw(current, expecting: .tree)
            let found: (FileMode, ObjectID)? = try withExtendedLifetime(raw) { () throws(GitError) in
                var cursor = TreeCursor(bytes: raw.bytes, treeID: current)
                while let entry = try cursor.next() {
                    if entry.name.elementsEqual(name) { return (entry.mode, entry.id) }
                }
                return nil
            }
            guard let (mode, id) = found else { return nil }
            if components.isEmpty { return (mode, id) }
            guard mode.isTree else { return nil }
            current = id
        }
        return nil
    }
}
