import CLibGit2

/// A person and moment from an `author`, `committer` or `tagger` line.
public struct Identity: Sendable, Equatable {
    public var name: String
    public var email: String
    /// Seconds since the epoch.
    public var time: Int64
    /// Offset from UTC in minutes, as written in the object.
    public var offsetMinutes: Int

    public init(name: String, email: String, time: Int64, offsetMinutes: Int) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// Parses `Name <email> 1700000000 +0100` the way git's `split_ident_line` does: the name
    /// ends at the first `<`, the email at the next `>`, the date follows the last `>`.
    init(line: ArraySlice<UInt8>) {
        let lt = line.firstIndex(of: UInt8(ascii: "<"))
        let nameBytes = lt.map { line[line.startIndex..<$0] } ?? line
        name = String(decoding: nameBytes.trimmingSpaces(), as: UTF8.self)
        var email = ""
        var tail = line[line.endIndex...]
        if let lt {
            let afterLT = line.index(after: lt)
            let gt = line[afterLT...].firstIndex(of: UInt8(ascii: ">")) ?? line.endIndex
            email = String(decoding: line[afterLT..<gt], as: UTF8.self)
            if let lastGT = line.lastIndex(of: UInt8(ascii: ">")) { tail = line[line.index(after: lastGT)...] }
        }
        self.email = email
        let fields = tail.split(separator: UInt8(ascii: " "))
        time = fields.first.flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
        offsetMinutes = 0
        if fields.count > 1, let tz = Int(String(decoding: fields[1], as: UTF8.self)) {
            let sign = tz < 0 ? -1 : 1
            offsetMinutes = sign * ((abs(tz) / 100) * 60 + abs(tz) % 100)
        }
    }
}

/// A commit's signature header (`gpgsig`) and the bytes it signs: the commit object without
/// that header, as git computes it.
public struct CommitSignature: Sendable, Equatable {
    public enum Format: String, Sendable { case ssh, openpgp = "gpg", x509, unknown }
    public var signature: [UInt8]
    public var signedPayload: [UInt8]

    public var format: Format {
        let text = String(decoding: signature.prefix(40), as: UTF8.self)
        if text.hasPrefix("-----BEGIN SSH SIGNATURE-----") { return .ssh }
        if text.hasPrefix("-----BEGIN PGP SIGNATURE-----") || text.hasPrefix("-----BEGIN PGP MESSAGE-----") { return .openpgp }
        if text.hasPrefix("-----BEGIN SIGNED MESSAGE-----") { return .x509 }
        return .unknown
    }
}

/// Everything a commit object says, read from its raw bytes (so a message holding NUL bytes
/// or invalid UTF-8 is kept whole).
public struct Commit: Sendable, Equatable {
    public var id: ObjectID
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var author: Identity
    public var committer: Identity
    /// The header lines, each with its LF, up to the blank line that ends the header.
    public var rawHeader: [UInt8]
    /// The message bytes after the blank line, exactly as stored.
    public var message: [UInt8]
    public var signature: CommitSignature?

    public var isMerge: Bool { parents.count > 1 }

    /// Parses a raw commit object. Throws on a malformed header (no tree, bad ids).
    public init(id: ObjectID, raw: UnsafeRawBufferPointer) throws(GitError) {
        let bytes = Array(raw)
        self.id = id
        var tree: ObjectID?
        var parents: [ObjectID] = []
        var author: Identity?
        var committer: Identity?
        var signatureLines: [ArraySlice<UInt8>] = []
        var signatureRange: Range<Int>?
        var inSignature = false

        var pos = 0
        var headerEnd = bytes.count
        var messageStart = bytes.count
        while pos < bytes.count {
            let eol = bytes[pos...].firstIndex(of: 10) ?? bytes.count
            let line = bytes[pos..<eol]
            let next = min(eol + 1, bytes.count)
            if line.isEmpty {
                headerEnd = pos
                messageStart = next
                break
            }
            if line.first == UInt8(ascii: " ") {
                if inSignature {
                    signatureLines.append(line.dropFirst())
                    signatureRange = signatureRange!.lowerBound..<next
                }
            } else {
                inSignature = false
                let space = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
                let key = line[line.startIndex..<space]
                let value = space < line.endIndex ? line[(space + 1)...] : line[line.endIndex...]
                switch String(decoding: key, as: UTF8.self) {
                case "tree" where tree == nil:
                    guard let oid = ObjectID(hex: String(decoding: value, as: UTF8.self)) else {
                        throw GitError(kind: .other, message: "malformed commit \(id): bad tree line")
                    }
                    tree = oid
                case "parent":
                    guard let oid = ObjectID(hex: String(decoding: value, as: UTF8.self)) else {
                        throw GitError(kind: .other, message: "malformed commit \(id): bad parent line")
                    }
                    parents.append(oid)
                case "author" where author == nil: author = Identity(line: value)
                case "committer" where committer == nil: committer = Identity(line: value)
                case "gpgsig" where signatureRange == nil:
                    inSignature = true
                    signatureLines = [value]
                    signatureRange = pos..<next
                default: break
                }
            }
            pos = next
        }
        guard let tree else { throw GitError(kind: .other, message: "malformed commit \(id): no tree") }
        self.tree = tree
        self.parents = parents
        let nobody = Identity(name: "", email: "", time: 0, offsetMinutes: 0)
        self.author = author ?? nobody
        self.committer = committer ?? nobody
        rawHeader = Array(bytes[0..<headerEnd])
        message = Array(bytes[messageStart...])
        if let signatureRange {
            var text: [UInt8] = []
            for (i, line) in signatureLines.enumerated() {
                if i > 0 { text.append(10) }
                text.append(contentsOf: line)
            }
            text.append(10)
            var payload = Array(bytes[0..<signatureRange.lowerBound])
            payload.append(contentsOf: bytes[signatureRange.upperBound...])
            signature = CommitSignature(signature: text, signedPayload: payload)
        } else {
            signature = nil
        }
    }
}

extension Repository {
    /// Reads and parses one commit.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        let raw = try readRaw(id, expecting: .commit)
        return try Commit(id: id, raw: raw.bytes)
    }

    /// Just the tree and parents of a commit: the cheap read a history walk needs.
    public func commitLinks(_ id: ObjectID) throws(GitError) -> (tree: ObjectID, parents: [ObjectID]) {
        let raw = try readRaw(id, expecting: .commit)
        let bytes = raw.bytes
        // "tree <40 hex>\n" then "parent <40 hex>\n"*, always first in a commit object.
        func hexAt(_ offset: Int, prefix: String) -> ObjectID? {
            let plen = prefix.utf8.count
            guard offset + plen + 41 <= bytes.count else { return nil }
            for (i, byte) in prefix.utf8.enumerated() where bytes[offset + i] != byte { return nil }
            guard bytes[offset + plen + 40] == 10 else { return nil }
            let hex = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(offset + plen)..<(offset + plen + 40)]), as: UTF8.self)
            return ObjectID(hex: hex)
        }
        guard let tree = hexAt(0, prefix: "tree ") else {
            throw GitError(kind: .other, message: "malformed commit \(id): no tree")
        }
        var parents: [ObjectID] = []
        var offset = 46
        while let parent = hexAt(offset, prefix: "parent ") {
            parents.append(parent)
            offset += 48
        }
        return (tree, parents)
    }
}

extension ArraySlice where Element == UInt8 {
    func trimmingSpaces() -> ArraySlice<UInt8> {
        var s = self
        while let f = s.first, f == 32 || f == 9 { s = s.dropFirst() }
        while let l = s.last, l == 32 || l == 9 { s = s.dropLast() }
        return s
    }
}
