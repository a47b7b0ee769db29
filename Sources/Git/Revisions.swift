import CLibGit2

/// `A..B`: the commits reachable from `to` and not from `from`.
public struct RevisionRange: Sendable, Equatable {
    public var from: ObjectID
    public var to: ObjectID

    public init(from: ObjectID, to: ObjectID) {
        self.from = from
        self.to = to
    }
}

extension Repository {
    /// Resolves a revision (`HEAD`, a branch, a tag, `HEAD~2`, an abbreviated id, …) to the
    /// commit it names, peeling tags.
    public func resolveCommit(_ spec: String) throws(GitError) -> ObjectID {
        guard !spec.isEmpty, !spec.utf8.contains(0) else {
            throw GitError(kind: .invalidSpec, message: "bad revision '\(spec)'")
        }
        // A full object id is looked up directly: libgit2's revparse would parse the commit
        // and refuse odd-but-valid headers that git itself reads (a hook gets full ids).
        let named: ObjectID
        if let id = ObjectID(hex: spec), contains(id) {
            named = id
        } else {
            var object: OpaquePointer?
            let code = git_revparse_single(&object, pointer, spec)
            guard code >= 0, let object else {
                let detail = GitError.last(code, "bad revision '\(spec)'")
                // A reference that exists but points at a missing object: a broken repository.
                if let target = danglingReferenceTarget(spec) {
                    throw GitError(kind: .missingObject, message: "'\(spec)' points at \(target), which is missing from the repository")
                }
                let known = detail.kind == .notFound || detail.kind == .invalidSpec
                throw known ? GitError(kind: detail.kind, code: code, message: "bad revision '\(spec)': unknown or ambiguous revision")
                            : detail
            }
            named = ObjectID(git_object_id(object))
            git_object_free(object)
        }
        guard let commit = try peelToCommit(named) else {
            throw GitError(kind: .invalidSpec, message: "revision '\(spec)' does not name a commit")
        }
        return commit
    }

    /// Resolves `A..B` (either side may be omitted for `HEAD`, as in git).
    public func resolveRange(_ spec: String) throws(GitError) -> RevisionRange {
        let bytes = Array(spec.utf8)
        let dots = (0..<max(0, bytes.count - 1)).filter { bytes[$0] == 46 && bytes[$0 + 1] == 46 }
        guard dots.count == 1 else {
            throw GitError(kind: .invalidSpec, message: "bad range '\(spec)': expected A..B")
        }
        let left = String(decoding: bytes[..<dots[0]], as: UTF8.self)
        let right = String(decoding: bytes[(dots[0] + 2)...], as: UTF8.self)
        return RevisionRange(from: try resolveCommit(left.isEmpty ? "HEAD" : left),
                             to: try resolveCommit(right.isEmpty ? "HEAD" : right))
    }

    /// The target of the reference `spec` names (as git would shorten it: `main`, `v1`…) when
    /// that reference exists and its object does not.
    private func danglingReferenceTarget(_ spec: String) -> ObjectID? {
        var ref: OpaquePointer?
        guard git_reference_dwim(&ref, pointer, spec) >= 0, let ref else { return nil }
        defer { git_reference_free(ref) }
        var resolved: OpaquePointer?
        guard git_reference_resolve(&resolved, ref) >= 0, let resolved else { return nil }
        defer { git_reference_free(resolved) }
        guard let oid = git_reference_target(resolved) else { return nil }
        let target = ObjectID(oid)
        return contains(target) ? nil : target
    }
}
