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
        let links = try CommitLinks(id: id, raw: raw)
        let bytes = Array(raw)
        self.id = id
        var author: Identity?
        var committer: Identity?
        var signatureText: [UInt8] = []
        var hasSignature = false
        // The tree and parent lines are never signature headers: they start the payload.
        var payload = Array(bytes[0..<links.headerOffset])
        payload.reserveCapacity(bytes.count)
        // The header the current line continues (a line starting with a space continues it).
        var currentKey: [UInt8] = []
        var dropping = false

        var pos = links.headerOffset
        var headerEnd = bytes.count
        var messageStart = bytes.count
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
            defer { pos = next }
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
            switch key {
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
        tree = links.tree
        parents = links.parents
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
        let raw = try readRaw(id, expecting: .commit)
        let links = try withExtendedLifetime(raw) { () throws(GitError) in try CommitLinks(id: id, raw: raw.bytes) }
        return (links.tree, links.parents)
    }
}

/// The start of every commit object, as git's `parse_commit_buffer` reads it: exactly
/// `tree <hex>\n` first, then `parent <hex>\n` lines; a malformed one is an error.
struct CommitLinks {
    var tree: ObjectID
    var parents: [ObjectID] = []
    /// Where the headers after the parents begin.
    var headerOffset: Int

    init(id: ObjectID, raw: UnsafeRawBufferPointer) throws(GitError) {
        /// The id in `<key> <40 hex>\n` at `offset`: nil when the line has another key,
        /// an error when it has this key and anything but a well-formed id.
        func idLine(_ key: StaticString, at offset: Int) throws(GitError) -> ObjectID? {
            let keyCount = key.utf8CodeUnitCount
            guard offset + keyCount + 1 <= raw.count,
                  raw[offset..<(offset + keyCount)].elementsEqual(UnsafeBufferPointer(start: key.utf8Start, count: keyCount)),
                  raw[offset + keyCount] == 32 else { return nil }
            let start = offset + keyCount + 1
            guard start + 41 <= raw.count, raw[start + 40] == 10,
                  let oid = ObjectID(hexDigits: UnsafeRawBufferPointer(rebasing: raw[start..<(start + 40)])) else {
                throw GitError(kind: .other, message: "malformed commit \(id): bad \(key) line")
            }
            return oid
        }
        guard let tree = try idLine("tree", at: 0) else {
            throw GitError(kind: .other, message: "malformed commit \(id): tree is not the first line")
        }
        self.tree = tree
        headerOffset = 46
        while let parent = try idLine("parent", at: headerOffset) {
            parents.append(parent)
            headerOffset += 48
        }
    }

    /// The date git's history walks order by, computed exactly as git's `parse_commit_date`:
    /// the line after the parents must be `author`, the next `committer`; the number after
    /// that line's last `>` is read like `strtoumax` (a leading `-` wraps around, overflow
    /// saturates), and anything malformed is 0. Unsigned, as git's `timestamp_t`, so hostile
    /// dates order the walk as they do in git.
    static func walkDate(_ raw: UnsafeRawBufferPointer, from offset: Int) -> UInt64 {
        func starts(_ word: String, at pos: Int) -> Bool {
            let w = Array(word.utf8)
            return pos + w.count < raw.count && raw[pos..<(pos + w.count)].elementsEqual(w)
        }
        guard starts("author", at: offset) else { return 0 }
        var pos = offset
        while pos < raw.count {
            pos += 1
            if raw[pos - 1] == 10 { break }
        }
        guard starts("committer", at: pos) else { return 0 }
        guard let eol = (pos..<raw.count).first(where: { raw[$0] == 10 }) else { return 0 }
        var date = eol
        while date > pos, raw[date - 1] != UInt8(ascii: ">") { date -= 1 }
        guard date > pos else { return 0 }
        // git's isspace: space, tab, LF, CR.
        while date < eol, [9, 10, 13, 32].contains(raw[date]) { date += 1 }
        var negative = false
        if date < raw.count, raw[date] == UInt8(ascii: "-") {
            negative = true
            date += 1
        } else if !(date < raw.count && raw[date] >= 48 && raw[date] <= 57) {
            return 0
        }
        var value: UInt64 = 0
        var digits = 0
        var overflow = false
        while date < raw.count, raw[date] >= 48, raw[date] <= 57 {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(raw[date] - 48))
            if o1 || o2 { overflow = true }
            value = sum
            digits += 1
            date += 1
        }
        if digits == 0 { return 0 }
        if overflow { return UInt64.max }
        return negative ? 0 &- value : value
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
