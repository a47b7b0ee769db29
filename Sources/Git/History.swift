import CLibGit2

/// The owner of one `git_revwalk`.
private final class RevWalk {
    let pointer: OpaquePointer
    init(_ repository: Repository) throws(GitError) {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, repository.pointer), "cannot start a history walk")
        pointer = walk!
    }
    deinit { git_revwalk_free(pointer) }
}

extension Repository {
    /// The commits reachable from `tips` and from none of `excluding`, as
    /// `git rev-list TIPS --not EXCLUDING` lists them, each once, parents before children.
    /// Ids that do not peel to a commit (a tag of a blob, the zero id of a deletion) are
    /// passed over on either side, as rev-list does for `--all`.
    public func newCommits(tips: [ObjectID], excluding: [ObjectID]) throws(GitError) -> [ObjectID] {
        let walk = try RevWalk(self)
        try check(git_revwalk_sorting(walk.pointer, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue),
                  "cannot sort the history walk")
        var pushed = 0
        // Sorted, so the walk (and its order) is the same in every process.
        for tip in Set(tips).sorted() {
            guard let commit = try peelToCommit(tip) else { continue }
            var oid = commit.gitOID
            try check(git_revwalk_push(walk.pointer, &oid), "cannot walk from \(commit)")
            pushed += 1
        }
        guard pushed > 0 else { return [] }
        for tip in Set(excluding).sorted() {
            guard let commit = try peelToCommit(tip) else { continue }
            var oid = commit.gitOID
            try check(git_revwalk_hide(walk.pointer, &oid), "cannot hide \(commit)")
        }
        var result: [ObjectID] = []
        var oid = git_oid()
        while true {
            let code = git_revwalk_next(&oid, walk.pointer)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "history walk failed")
            result.append(ObjectID(oid))
        }
        return result
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
