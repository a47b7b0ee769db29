import CLibGit2

/// A blob's bytes and whether git would call it binary.
public struct Blob: Sendable, Equatable {
    public var id: ObjectID
    public var bytes: [UInt8]

    /// git's rule: a NUL byte in the first 8000 bytes.
    public var isBinary: Bool { Blob.isBinary(bytes.withUnsafeBytes { $0 }) }

    public static func isBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.prefix(8000).contains(0)
    }
}

/// An annotated tag object.
public struct AnnotatedTag: Sendable, Equatable {
    public var id: ObjectID
    public var target: ObjectID
    public var targetType: ObjectType
    public var name: String
    public var tagger: Identity?
    /// The message bytes after the header, exactly as stored (any signature included).
    public var message: [UInt8]
}

extension Repository {
    public func blob(_ id: ObjectID) throws(GitError) -> Blob {
        let raw = try readRaw(id, expecting: .blob)
        return Blob(id: id, bytes: Array(raw.bytes))
    }

    /// Lends a blob's bytes without copying them; they are valid only inside `body`.
    public func withBlobBytes<R>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let raw = try readRaw(id, expecting: .blob)
        return try withExtendedLifetime(raw) { try body(raw.bytes) }
    }

    /// Reads an annotated tag from its raw bytes.
    public func annotatedTag(_ id: ObjectID) throws(GitError) -> AnnotatedTag {
        let raw = try readRaw(id, expecting: .tag)
        let bytes = Array(raw.bytes)
        var target: ObjectID?
        var targetType = ObjectType.other
        var name = ""
        var tagger: Identity?
        var pos = 0
        var messageStart = bytes.count
        while pos < bytes.count {
            let eol = bytes[pos...].firstIndex(of: 10) ?? bytes.count
            let line = bytes[pos..<eol]
            if line.isEmpty {
                messageStart = min(eol + 1, bytes.count)
                break
            }
            let space = line.firstIndex(of: 32) ?? line.endIndex
            let key = String(decoding: line[line.startIndex..<space], as: UTF8.self)
            let value = space < line.endIndex ? line[(space + 1)...] : line[line.endIndex...]
            switch key {
            case "object": target = ObjectID(hex: String(decoding: value, as: UTF8.self))
            case "type":
                switch String(decoding: value, as: UTF8.self) {
                case "commit": targetType = .commit
                case "tree": targetType = .tree
                case "blob": targetType = .blob
                case "tag": targetType = .tag
                default: targetType = .other
                }
            case "tag": name = String(decoding: value, as: UTF8.self)
            case "tagger": tagger = Identity(line: value)
            default: break
            }
            pos = eol + 1
        }
        guard let target else { throw GitError(kind: .other, message: "malformed tag \(id): no object line") }
        return AnnotatedTag(id: id, target: target, targetType: targetType, name: name, tagger: tagger,
                            message: Array(bytes[messageStart...]))
    }

    /// The note attached to `object` on `notesRef` (e.g. `refs/notes/reviewgate`), as raw bytes;
    /// nil when there is none.
    public func note(for object: ObjectID, notesRef: String) throws(GitError) -> [UInt8]? {
        guard let notesCommit = try reference(named: notesRef) else { return nil }
        return try note(for: object, notesCommit: notesCommit)
    }

    /// The note attached to `object` in the notes tree of `notesCommit`. Notes trees may fan
    /// out (`ab/cdef…`), as git writes them for large note sets.
    public func note(for object: ObjectID, notesCommit: ObjectID) throws(GitError) -> [UInt8]? {
        var tree = try commitLinks(notesCommit).tree
        var remaining = Substring(object.hex)
        while true {
            let raw = try readRaw(tree, expecting: .tree)
            var cursor = TreeCursor(bytes: raw.bytes, treeID: tree)
            var nextTree: ObjectID?
            while let entry = try cursor.next() {
                let name = String(decoding: entry.name, as: UTF8.self)
                if name == remaining, !entry.mode.isTree {
                    return try blob(entry.id).bytes
                }
                if entry.mode.isTree, name.count == 2, remaining.hasPrefix(name) {
                    nextTree = entry.id
                }
            }
            guard let nextTree else { return nil }
            tree = nextTree
            remaining = remaining.dropFirst(2)
        }
    }
}
