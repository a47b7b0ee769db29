import CLibGit2

/// A reference and what it points at.
public struct Reference: Sendable, Equatable {
    public var name: String
    /// The object a direct reference points at, or a symbolic reference resolves to (nil when
    /// it dangles).
    public var target: ObjectID?
    /// For a symbolic reference, the name it points at.
    public var symbolicTarget: String?
}

private final class ReferenceIterator {
    let pointer: OpaquePointer
    init(_ repository: Repository, glob: String?) throws(GitError) {
        var it: OpaquePointer?
        if let glob {
            try check(git_reference_iterator_glob_new(&it, repository.pointer, glob), "cannot list references \(glob)")
        } else {
            try check(git_reference_iterator_new(&it, repository.pointer), "cannot list references")
        }
        pointer = it!
    }
    deinit { git_reference_iterator_free(pointer) }
}

extension Repository {
    /// References whose full name matches `glob` (fnmatch, as `git for-each-ref` patterns:
    /// `refs/heads/*`), or all of them, sorted by name.
    public func references(matching glob: String? = nil) throws(GitError) -> [Reference] {
        let iterator = try ReferenceIterator(self, glob: glob)
        var result: [Reference] = []
        while true {
            var ref: OpaquePointer?
            let code = git_reference_next(&ref, iterator.pointer)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "cannot list references")
            guard let ref else { continue }
            defer { git_reference_free(ref) }
            let name = String(cString: git_reference_name(ref))
            if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC {
                let symbolic = String(cString: git_reference_symbolic_target(ref))
                var resolved: OpaquePointer?
                var target: ObjectID?
                if git_reference_resolve(&resolved, ref) >= 0, let resolved {
                    target = git_reference_target(resolved).map { ObjectID($0) }
                    git_reference_free(resolved)
                }
                result.append(Reference(name: name, target: target, symbolicTarget: symbolic))
            } else {
                result.append(Reference(name: name, target: git_reference_target(ref).map { ObjectID($0) },
                                        symbolicTarget: nil))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The id a full reference name points at, or nil when there is no such reference.
    public func reference(named name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "cannot read reference \(name)")
        return ObjectID(oid)
    }
}
