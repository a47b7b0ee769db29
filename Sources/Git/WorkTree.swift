import CLibGit2
#if canImport(Glibc)
import Glibc
#endif

/// One path staged in the index, against HEAD.
public struct StagedChange: Sendable, Equatable {
    public var path: [UInt8]
    /// The staged blob (nil when the path is being deleted).
    public var newBlob: ObjectID?
    /// The blob in HEAD (nil when the path is new).
    public var oldBlob: ObjectID?
    public var newMode: FileMode
}

extension Repository {
    /// Whether git ignores `path` (relative to the work tree), per .gitignore and info/exclude.
    public func isIgnored(_ path: String) throws(GitError) -> Bool {
        var ignored: Int32 = 0
        try check(git_ignore_path_is_ignored(&ignored, pointer, path), "cannot check ignore rules for \(path)")
        return ignored != 0
    }

    /// The paths the index tracks (relative to the work tree, as git stores them).
    public func trackedPaths() throws(GitError) -> [[UInt8]] {
        var index: OpaquePointer?
        try check(git_repository_index(&index, pointer), "cannot read the index")
        defer { git_index_free(index) }
        let count = git_index_entrycount(index)
        var paths: [[UInt8]] = []
        paths.reserveCapacity(count)
        for i in 0..<count {
            guard let entry = git_index_get_byindex(index, i), let path = entry.pointee.path else { continue }
            paths.append(Array(UnsafeRawBufferPointer(start: path, count: strlen(path))))
        }
        return paths
    }

    /// What the index holds that HEAD does not: the content a commit made now would add
    /// (`git diff --cached`). Before the first commit everything staged is new.
    public func stagedChanges() throws(GitError) -> [StagedChange] {
        var index: OpaquePointer?
        try check(git_repository_index(&index, pointer), "cannot read the index")
        defer { git_index_free(index) }
        var headTree: OpaquePointer?
        if let head = try reference(named: "HEAD") {
            let tree = try commitLinks(head).tree
            var oid = tree.gitOID
            try check(git_tree_lookup(&headTree, pointer, &oid), "cannot read HEAD's tree")
        }
        defer { if let headTree { git_tree_free(headTree) } }
        var diff: OpaquePointer?
        try check(git_diff_tree_to_index(&diff, pointer, headTree, index, nil), "cannot compare the index with HEAD")
        defer { git_diff_free(diff) }
        var result: [StagedChange] = []
        for i in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, i)?.pointee else { continue }
            // The exact bytes: a path need not be UTF-8.
            guard let cPath = delta.new_file.path ?? delta.old_file.path else { continue }
            let path = Array(UnsafeRawBufferPointer(start: cPath, count: strlen(cPath)))
            let newID = ObjectID(delta.new_file.id)
            let oldID = ObjectID(delta.old_file.id)
            result.append(StagedChange(path: path, newBlob: newID.isZero ? nil : newID, oldBlob: oldID.isZero ? nil : oldID,
                                       newMode: FileMode(canonicalizing: UInt32(delta.new_file.mode))))
        }
        return result
    }
}
