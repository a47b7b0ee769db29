import Base
import Crypto

/// A key in the Go `golang.org/x/mod/sumdb/note` text form, as used by C2SP signed notes:
///
///     signer (private): PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
///     verifier (public): <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>
///
/// 0x01 is the Ed25519 algorithm byte; the key id is the first 4 bytes of
/// SHA-256(name || 0x0A || 0x01 || public key), big-endian.
public enum NoteKey {
    static let ed25519: UInt8 = 0x01

    public static func keyID(name: String, publicKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, ed25519] + publicKey)
        let digest = Array(hasher.finalize())
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// A key name: non-empty, no '+', no spaces or control characters (sumdb/note's rule).
    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0 != "+" && !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7f }
    }

    /// A fresh key pair in text form: (signer, verifier).
    public static func generate(name: String) throws(CheckpointError) -> (signer: String, verifier: String) {
        guard validName(name) else { throw CheckpointError("bad key name '\(name)': it must be non-empty, without '+' or spaces") }
        let key = Curve25519.Signing.PrivateKey()
        let publicKey = Array(key.publicKey.rawRepresentation)
        let id = hex8(keyID(name: name, publicKey: publicKey))
        return ("PRIVATE+KEY+\(name)+\(id)+\(Base64.encode([ed25519] + Array(key.rawRepresentation)))",
                "\(name)+\(id)+\(Base64.encode([ed25519] + publicKey))")
    }

    static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Splits `name+id+key` and checks the id against the key.
    static func fields(_ text: String, what: String) throws(CheckpointError) -> (name: String, id: UInt32, key: [UInt8]) {
        // The base64 key may itself hold '+': only the first two separate fields.
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, validName(parts[0]), parts[1].utf8.count == 8, let id = UInt32(parts[1], radix: 16),
              let decoded = Base64.decode(parts[2]), decoded.count == 33, decoded[0] == ed25519 else {
            throw CheckpointError("not an Ed25519 \(what) key in the sumdb/note text form")
        }
        return (parts[0], id, Array(decoded.dropFirst()))
    }
}

/// Signs notes with an Ed25519 key.
public struct NoteSigner: Sendable {
    public let name: String
    public let keyID: UInt32
    /// The 32-byte seed (CryptoKit key types are not Sendable; the key is rebuilt to sign).
    let seed: [UInt8]

    public init(parsing text: String) throws(CheckpointError) {
        let trimmed = text.trimmingSpace
        guard trimmed.hasPrefix("PRIVATE+KEY+") else {
            throw CheckpointError("not a signing key: expected PRIVATE+KEY+<name>+<id>+<key>")
        }
        let (name, id, seed) = try NoteKey.fields(String(trimmed.dropFirst("PRIVATE+KEY+".count)), what: "signing")
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { throw CheckpointError("bad Ed25519 seed") }
        guard NoteKey.keyID(name: name, publicKey: Array(key.publicKey.rawRepresentation)) == id else {
            throw CheckpointError("the key id does not match the key")
        }
        self.name = name
        keyID = id
        self.seed = seed
    }

    var key: Curve25519.Signing.PrivateKey? { try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) }

    public var verifier: NoteVerifier? {
        key.map { NoteVerifier(name: name, keyID: keyID, publicKey: Array($0.publicKey.rawRepresentation)) }
    }

    /// The note: `text` (which must end with a newline), a blank line, one signature line.
    public func sign(_ text: String) throws(CheckpointError) -> String {
        guard let signature = try? key?.signature(for: Array(text.utf8)) else { throw CheckpointError("signing failed") }
        let id: [UInt8] = [UInt8(keyID >> 24), UInt8((keyID >> 16) & 0xFF), UInt8((keyID >> 8) & 0xFF), UInt8(keyID & 0xFF)]
        return text + "\n— \(name) \(Base64.encode(id + Array(signature)))\n"
    }
}

/// Checks signed notes against one Ed25519 public key.
public struct NoteVerifier: Sendable {
    public let name: String
    public let keyID: UInt32
    let publicKey: [UInt8]

    init(name: String, keyID: UInt32, publicKey: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.publicKey = publicKey
    }

    public init(parsing text: String) throws(CheckpointError) {
        let (name, id, raw) = try NoteKey.fields(text.trimmingSpace, what: "verifier")
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { throw CheckpointError("bad Ed25519 public key") }
        guard NoteKey.keyID(name: name, publicKey: raw) == id else { throw CheckpointError("the key id does not match the key") }
        self.name = name
        keyID = id
        publicKey = raw
    }

    /// The note's text when a signature line by this key verifies over it (signature lines by
    /// other keys are allowed and ignored, as C2SP signed-note says).
    public func verify(note: String) throws(CheckpointError) -> String {
        let (text, signatures) = try SignedNote.split(note)
        for line in signatures {
            guard line.hasPrefix("— ") else { throw CheckpointError("malformed signature line") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let blob = Base64.decode(String(fields[1])), blob.count >= 5 else {
                throw CheckpointError("malformed signature line")
            }
            let id = UInt32(blob[0]) << 24 | UInt32(blob[1]) << 16 | UInt32(blob[2]) << 8 | UInt32(blob[3])
            guard String(fields[0]) == name, id == keyID else { continue }
            if blob.count == 68, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey),
               key.isValidSignature(Array(blob[4...]), for: Array(text.utf8)) { return text }
            throw CheckpointError("the signature by \(name) does not verify")
        }
        throw CheckpointError("no signature by \(name) (key id \(NoteKey.hex8(keyID)))")
    }
}

enum SignedNote {
    /// Text (ending in a newline) and the signature lines after the blank line.
    static func split(_ note: String) throws(CheckpointError) -> (String, [String]) {
        let bytes = Array(note.utf8)
        var split: Int?
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A, bytes[i + 1] == 0x0A { split = i; break }
            i -= 1
        }
        guard let split, bytes.last == 0x0A else { throw CheckpointError("not a signed note: no blank line before the signatures") }
        let text = String(decoding: bytes[...split], as: UTF8.self)
        let lines = String(decoding: bytes[(split + 2)...].dropLast(), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty, !lines.contains(where: \.isEmpty) else { throw CheckpointError("not a signed note: no signature lines") }
        return (text, lines)
    }
}

/// The body of a C2SP tlog-checkpoint: origin, tree size, root hash (extension lines kept).
public struct Checkpoint: Equatable, Sendable {
    public var origin: String
    public var size: Int64
    public var root: [UInt8]
    public var extensions: [String] = []

    public init(origin: String, size: Int64, root: [UInt8]) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    public var text: String {
        ([origin, String(size), Base64.encode(root)] + extensions).joined(separator: "\n") + "\n"
    }

    public init(parsing text: String) throws(CheckpointError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.last == "" else { throw CheckpointError("checkpoint body does not end with a newline") }
        lines.removeLast()
        guard lines.count >= 3, !lines[0].isEmpty else { throw CheckpointError("checkpoint body needs origin, size and root lines") }
        guard let size = Int64(lines[1]), size >= 0, String(size) == lines[1] else {
            throw CheckpointError("checkpoint tree size '\(lines[1])' is not a decimal number")
        }
        guard let root = Base64.decode(lines[2]), root.count == 32 else { throw CheckpointError("checkpoint root is not a base64 SHA-256 hash") }
        origin = lines[0]
        self.size = size
        self.root = root
        extensions = Array(lines[3...])
    }

    /// The body of an unverified note (signatures not checked).
    public static func body(ofNote note: String) throws(CheckpointError) -> Checkpoint {
        try Checkpoint(parsing: SignedNote.split(note).0)
    }
}

public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    var trimmingSpace: String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
