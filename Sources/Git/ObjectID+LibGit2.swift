import CLibGit2
import GitPack

// Ids and object types are GitPack's (the pack reader names objects too); Git hands them on,
// with their conversions to and from libgit2's.
@_exported import struct GitPack.ObjectID
@_exported import enum GitPack.ObjectType

extension ObjectID {
    init(_ oid: git_oid) {
        var copy = oid
        self = withUnsafeBytes(of: &copy.id) { ObjectID(bytes: $0.baseAddress!) }
    }

    init(_ oid: UnsafePointer<git_oid>) {
        self.init(oid.pointee)
    }

    var gitOID: git_oid {
        var oid = git_oid()
        let raw = bytes
        withUnsafeMutableBytes(of: &oid.id) { $0.copyBytes(from: raw) }
        return oid
    }
}

extension ObjectType {
    init(_ type: git_object_t) {
        switch type {
        case GIT_OBJECT_COMMIT: self = .commit
        case GIT_OBJECT_TREE: self = .tree
        case GIT_OBJECT_BLOB: self = .blob
        case GIT_OBJECT_TAG: self = .tag
        default: self = .other
        }
    }
}
