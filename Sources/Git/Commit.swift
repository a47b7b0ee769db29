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
        // Date: digits only; zone: exactly [+-]hhmm. Anything else reads as 0, as in git.
        let fields = tail.split(separator: UInt8(ascii: " "))
        time = 0
        if let digits = fields.first, digits.count <= 18, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            time = Int64(String(decoding: digits, as: UTF8.self)) ?? 0
        }
        offsetMinutes = 0
        if fields.count > 1, fields[1].count == 5, let sign = fields[1].first, sign == 43 || sign == 45,
           fields[1].dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }),
           let hhmm = Int(String(decoding: fields[1].dropFirst(), as: UTF8.self)) {
            offsetMinutes = (sign == 45 ? -1 : 1) * ((hhmm / 100) * 60 + hhmm % 100)
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

    /// Parses a raw commit object as git's `parse_commit_buffer` does: `tree` first, the
    /// parents are the `parent` lines right after it (a `parent` line further down is just an
    /// unknown header to git, and so here), then the first `author` and `committer`.
    /// Throws on a malformed header (no tree, bad ids).
    public init(id: ObjectID, raw: UnsafeRawBufferPointer) throws(GitError) {
        let bytes = Array(raw)
        self.id = id
        var tree: ObjectID?
        var parents: [ObjectID] = []
        var parentsOpen = true
        var author: Identity?
        var committer: Identity?
        var signatureText: [UInt8] = []
        var hasSignature = false
        var payload: [UInt8] = []
        payload.reserveCapacity(bytes.count)
        // The header the current line continues (a line starting with a space continues it).
        var currentKey: [UInt8] = []
        var dropping = false

        var pos = 0
        var headerEnd = bytes.count
        var messageStart = bytes.count
        var lineNumber = 0
        while pos < bytes.count {
            let eol = bytes[pos...].firstIndex(of: 10) ?? bytes.count
            let line = bytes[pos..<eol]
            let next = min(eol + 1, bytes.count)
            if line.isEmpty {
                headerEnd = pos
                messageStart = next
                payload.append(contentsOf: bytes[pos...])
                break
            }
            defer { pos = next; lineNumber += 1 }
            if line.first == UInt8(ascii: " ") {
                // A continuation line belongs to the header above it.
                if currentKey == Array("gpgsig".utf8) {
                    signatureText.append(10)
                    signatureText.append(contentsOf: line.dropFirst())
                }
                if !dropping { payload.append(contentsOf: bytes[pos..<next]) }
                continue
            }
            let space = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
            currentKey = Array(line[line.startIndex..<space])
            let value = space < line.endIndex ? line[(space + 1)...] : line[line.endIndex...]
            let key = String(decoding: currentKey, as: UTF8.self)
            // git's signed payload leaves out every signature header, of either hash.
            dropping = key == "gpgsig" || key == "gpgsig-sha256"
            if !dropping { payload.append(contentsOf: bytes[pos..<next]) }
            if key != "parent" { parentsOpen = false }
            switch key {
            case "tree" where lineNumber == 0:
                guard let oid = ObjectID(hex: String(decoding: value, as: UTF8.self)) else {
                    throw GitError(kind: .other, message: "malformed commit \(id): bad tree line")
                }
                tree = oid
                parentsOpen = true
            case "parent" where parentsOpen:
                guard let oid = ObjectID(hex: String(decoding: value, as: UTF8.self)) else {
                    throw GitError(kind: .other, message: "malformed commit \(id): bad parent line")
                }
                parents.append(oid)
            case "author" where author == nil: author = Identity(line: value)
            case "committer" where committer == nil: committer = Identity(line: value)
            case "gpgsig":
                // Several gpgsig headers are joined into one signature, as git does.
                if hasSignature { signatureText.append(10) }
                signatureText.append(contentsOf: value)
                hasSignature = true
            default: break
            }
        }
        guard let tree else { throw GitError(kind: .other, message: "malformed commit \(id): tree is not the first line") }
        self.tree = tree
        self.parents = parents
        let nobody = Identity(name: "", email: "", time: 0, offsetMinutes: 0)
        self.author = author ?? nobody
        self.committer = committer ?? nobody
        rawHeader = Array(bytes[0..<headerEnd])
        message = Array(bytes[messageStart...])
        if hasSignature {
            signatureText.append(10)
            signature = CommitSignature(signature: signatureText, signedPayload: payload)
        } else {
            signature = nil
        }
    }
}

extension Repository {
    /// Reads and parses one commit.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        let raw = try readRaw(id, expecting: .commit)
        return try withExtendedLifetime(raw) { () throws(GitError) in try Commit(id: id, raw: raw.bytes) }
    }

    /// Just the tree and parents of a commit: the cheap read a history walk needs.
    public func commitLinks(_ id: ObjectID) throws(GitError) -> (tree: ObjectID, parents: [ObjectID]) {
        let bytes = try readRaw(id, expecting: .commit).copied()
        // "tree <40 hex>\n" then "parent <40 hex>\n"*, always first in a commit object.
        func hexAt(_ offset: Int, prefix: String) -> ObjectID? {
            let plen = prefix.utf8.count
            guard offset + plen + 41 <= bytes.count else { return nil }
            for (i, byte) in prefix.utf8.enumerated() where bytes[offset + i] != byte { return nil }
            guard bytes[offset + plen + 40] == 10 else { return nil }
            let hex = String(decoding: bytes[(offset + plen)..<(offset + plen + 40)], as: UTF8.self)
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
