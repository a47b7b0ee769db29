import CLibGit2
#if canImport(Glibc)
import Glibc
#endif

/// A blob's bytes and whether git would call it binary.
public struct Blob: Sendable, Equatable {
    public var id: ObjectID
    public var bytes: [UInt8]

    /// git's rule: a NUL byte in the first 8000 bytes.
    public var isBinary: Bool { bytes.withUnsafeBytes(Blob.isBinary) }

    public static func isBinary(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, 0, min(bytes.count, 8000)) != nil
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
        Blob(id: id, bytes: try readRaw(id, expecting: .blob).copied())
    }

    /// Lends a blob's bytes without copying them; they are valid only inside `body`.
    public func withBlobBytes<R>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws(GitError) -> R) throws(GitError) -> R {
        let raw = try readRaw(id, expecting: .blob)
        return try withExtendedLifetime(raw) { () throws(GitError) -> R in try body(raw.bytes) }
    }

    /// Reads an annotated tag from its raw bytes.
    public func annotatedTag(_ id: ObjectID) throws(GitError) -> AnnotatedTag {
        let bytes = try readRaw(id, expecting: .tag).copied()
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
            // The first of each header counts, as in git's parse_tag_buffer.
            switch key {
            case "object" where target == nil: target = ObjectID(hex: String(decoding: value, as: UTF8.self))
            case "type" where targetType == .other:
                switch String(decoding: value, as: UTF8.self) {
                case "commit": targetType = .commit
                case "tree": targetType = .tree
                case "blob": targetType = .blob
                case "tag": targetType = .tag
                default: targetType = .other
                }
            case "tag" where name.isEmpty: name = String(decoding: value, as: UTF8.self)
            case "tagger" where tagger == nil: tagger = Identity(line: value)
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
    /// out (`ab/cdef…`), as git writes them for large note sets; names are matched without
    /// regard to hex case. When one object has notes at several fan-out levels, their texts are
    /// joined (blank line between), so no approval stored in either place is lost.
    public func note(for object: ObjectID, notesCommit: ObjectID) throws(GitError) -> [UInt8]? {
        try note(named: object.hex, inTree: try commitLinks(notesCommit).tree)
    }

    /// The note named `name` (an object's lowercase hex, fan-out joined) in notes tree `tree`.
    private func note(named name: String, inTree tree: ObjectID) throws(GitError) -> [UInt8]? {
        var found: [[UInt8]] = []
        try collectNotes(tree: tree, remaining: Substring(name), into: &found)
        guard !found.isEmpty else { return nil }
        var joined: [UInt8] = []
        for (i, text) in found.enumerated() {
            if i > 0 { joined.append(10) }
            joined.append(contentsOf: text)
        }
        return joined
    }

    private func collectNotes(tree: ObjectID, remaining: Substring, into found: inout [[UInt8]]) throws(GitError) {
        var blobs: [ObjectID] = []
        var subtrees: [(ObjectID, Substring)] = []
        do {
            let raw = try readRaw(tree, expecting: .tree)
            try withExtendedLifetime(raw) { () throws(GitError) in
                var cursor = TreeCursor(bytes: raw.bytes, treeID: tree)
                while let entry = try cursor.next() {
                    let name = String(decoding: entry.name, as: UTF8.self).lowercased()
                    if name == remaining, entry.mode.kind == 0o100000 {
                        blobs.append(entry.id)
                    } else if entry.mode.isTree, name.count == 2, remaining.count > 2, remaining.hasPrefix(name) {
                        subtrees.append((entry.id, remaining.dropFirst(2)))
                    }
                }
            }
        }
        for id in blobs { found.append(try blob(id).bytes) }
        for (id, rest) in subtrees { try collectNotes(tree: id, remaining: rest, into: &found) }
    }

    /// The notes of notes commit `older` that notes commit `newer` does not keep: gone, or
    /// no longer beginning with the text they had (appending, as `git notes append` and
    /// `reviewgate approve` do, keeps a note). Notes are matched by the object they annotate,
    /// whatever the fan-out; subtrees equal in both are skipped, so the cost follows the change.
    public func notesNotKept(from older: ObjectID, to newer: ObjectID) throws(GitError) -> [LostNote] {
        let oldTree = try commitLinks(older).tree
        let newTree = try commitLinks(newer).tree
        var names = Set<String>()
        try changedNoteNames(old: oldTree, new: newTree, prefix: "", into: &names)
        var lost: [LostNote] = []
        for name in names.sorted() {
            guard let before = try note(named: name, inTree: oldTree) else { continue }
            if let after = try note(named: name, inTree: newTree) {
                if !after.starts(with: before) { lost.append(LostNote(object: name, removed: false)) }
            } else {
                lost.append(LostNote(object: name, removed: true))
            }
        }
        return lost
    }

    /// Names (lowercase, fan-out joined) of the entries of `old` that `new` lacks or holds
    /// otherwise. Deeper than an object name is long, nothing is a note.
    private func changedNoteNames(old: ObjectID, new: ObjectID?, prefix: String, into names: inout Set<String>) throws(GitError) {
        guard prefix.utf8.count < 40 else { return }
        func entries(_ tree: ObjectID) throws(GitError) -> [(name: String, id: ObjectID, isTree: Bool)] {
            let raw = try readRaw(tree, expecting: .tree)
            return try withExtendedLifetime(raw) { () throws(GitError) -> [(name: String, id: ObjectID, isTree: Bool)] in
                var cursor = TreeCursor(bytes: raw.bytes, treeID: tree)
                var result: [(name: String, id: ObjectID, isTree: Bool)] = []
                while let entry = try cursor.next() {
                    result.append((String(decoding: entry.name, as: UTF8.self).lowercased(), entry.id, entry.mode.isTree))
                }
                return result
            }
        }
        var newer: [String: (id: ObjectID, isTree: Bool)] = [:]
        if let new {
            for entry in try entries(new) where newer[entry.name] == nil { newer[entry.name] = (entry.id, entry.isTree) }
        }
        for entry in try entries(old) {
            let counterpart = newer[entry.name]
            if let counterpart, counterpart.id == entry.id, counterpart.isTree == entry.isTree { continue }
            if entry.isTree {
                try changedNoteNames(old: entry.id, new: counterpart?.isTree == true ? counterpart?.id : nil,
                                     prefix: prefix + entry.name, into: &names)
            } else {
                names.insert(prefix + entry.name)
            }
        }
    }
}

/// A note an older notes commit holds and a newer one does not keep (`notesNotKept`).
public struct LostNote: Sendable, Equatable {
    /// The annotated object's name, as the notes tree spells it (lowercase hex).
    public var object: String
    /// Gone altogether; otherwise its text no longer begins with the old text.
    public var removed: Bool
}
