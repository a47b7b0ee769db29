// SSH keys, SSHSIG signatures, allowed_signers files, commit signatures and approval
// statements: pure functions over bytes and keys. No git, no files, no clock (callers pass
// `now`), no printing; every hostile input ends in a typed error, never a trap.
import Base
import Crypto
import _CryptoExtras

/// An OpenSSH public key: `ssh-ed25519`, `ecdsa-sha2-nistp256/384/521` or `ssh-rsa`. Two
/// keys are equal when their key material is (comments do not count), as OpenSSH's
/// `sshkey_equal` decides.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, CaseIterable {
        case ed25519 = "ssh-ed25519"
        case ecdsaP256 = "ecdsa-sha2-nistp256"
        case ecdsaP384 = "ecdsa-sha2-nistp384"
        case ecdsaP521 = "ecdsa-sha2-nistp521"
        case rsa = "ssh-rsa"

        var curveName: String? {
            switch self {
            case .ecdsaP256: "nistp256"
            case .ecdsaP384: "nistp384"
            case .ecdsaP521: "nistp521"
            case .ed25519, .rsa: nil
            }
        }
    }

    /// The key's numbers, checked at parse time; swift-crypto's key types are rebuilt from
    /// them when verifying (they are not Sendable).
    enum Material: Sendable {
        case ed25519([UInt8])
        case ecdsa(point: [UInt8])
        case rsa(n: [UInt8], e: [UInt8])
    }

    public let algorithm: Algorithm
    /// The canonical wire-format blob (`ssh-keygen` prints its base64 in a `.pub` file).
    public let blob: [UInt8]
    /// The comment after the key in an `authorized_keys` line; empty when there is none.
    public let comment: String
    let material: Material

    /// Parses a wire-format key blob.
    public init(blob: [UInt8], comment: String = "") throws(KeyError) {
        var reader = WireReader(blob)
        do {
            let typeName = try reader.text()
            guard let algorithm = Algorithm(rawValue: typeName) else {
                throw KeyError(Self.isKnownUnsupported(typeName) ? .unsupportedType(typeName) : .unknownType(typeName))
            }
            var canonical = WireWriter()
            canonical.string(typeName)
            switch algorithm {
            case .ed25519:
                let key = try reader.string()
                guard key.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil else {
                    throw KeyError(.malformedBlob("an ed25519 key must be 32 bytes"))
                }
                canonical.string(key)
                material = .ed25519(key)
            case .ecdsaP256, .ecdsaP384, .ecdsaP521:
                let curve = try reader.text()
                guard curve == algorithm.curveName else {
                    throw KeyError(.malformedBlob("curve \(curve) does not match key type \(typeName)"))
                }
                let point = try reader.string()
                let valid: Bool
                switch algorithm {
                case .ecdsaP256: valid = (try? P256.Signing.PublicKey(x963Representation: point)) != nil
                case .ecdsaP384: valid = (try? P384.Signing.PublicKey(x963Representation: point)) != nil
                default: valid = (try? P521.Signing.PublicKey(x963Representation: point)) != nil
                }
                guard valid else { throw KeyError(.malformedBlob("the ECDSA public point is not on the curve")) }
                canonical.string(curve)
                canonical.string(point)
                material = .ecdsa(point: point)
            case .rsa:
                // OpenSSH bounds: a modulus of 1024 to 16384 bits (SSH_RSA_MINIMUM_MODULUS_SIZE,
                // SSHBUF_MAX_BIGNUM).
                let e = try reader.positiveInteger(maxBytes: 2048)
                let n = try reader.positiveInteger(maxBytes: 2048)
                let bits = n.first.map { n.count * 8 - $0.leadingZeroBitCount } ?? 0
                guard bits >= 1024 else { throw KeyError(.rsaKeyTooSmall(bits: bits)) }
                guard !e.isEmpty, (try? _RSA.Signing.PublicKey(n: n, e: e)) != nil else {
                    throw KeyError(.malformedBlob("not a valid RSA public key"))
                }
                canonical.positiveInteger(e)
                canonical.positiveInteger(n)
                material = .rsa(n: n, e: e)
            }
            guard reader.isAtEnd else { throw KeyError(.malformedBlob("trailing data after the key")) }
            self.algorithm = algorithm
            self.blob = canonical.bytes
            self.comment = comment
        } catch let error as WireError {
            throw KeyError(.malformedBlob(error.message))
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(.malformedBlob("\(error)"))
        }
    }

    /// Parses `TYPE BASE64 [COMMENT]`, as in a `.pub` file or an `authorized_keys` line
    /// without options. Errors carry the offset (in UTF-8 bytes) of the offending field.
    public init(authorizedKey line: String) throws(KeyError) {
        let bytes = Array(line.utf8)
        var fields = FieldScanner(bytes)
        guard let type = fields.next() else { throw KeyError(.empty) }
        let typeName = String(decoding: type.bytes, as: UTF8.self)
        guard Algorithm(rawValue: typeName) != nil else {
            let kind: KeyError.Kind = Self.isKnownUnsupported(typeName) ? .unsupportedType(typeName) : .unknownType(typeName)
            throw KeyError(kind, offset: type.offset)
        }
        guard let encoded = fields.next() else { throw KeyError(.missingKeyData, offset: bytes.count) }
        guard let blob = Base64.decode(encoded.bytes, skippingWhitespace: false) else {
            throw KeyError(.badBase64, offset: encoded.offset)
        }
        let comment = fields.rest().map { String(decoding: $0, as: UTF8.self) } ?? ""
        do {
            try self.init(blob: blob, comment: comment)
        } catch {
            throw KeyError(error.kind, offset: encoded.offset)
        }
        guard self.algorithm.rawValue == typeName else {
            throw KeyError(.typeMismatch(line: typeName, blob: self.algorithm.rawValue), offset: type.offset)
        }
    }

    /// Key types OpenSSH knows that this verifier does not take: certificates, security keys
    /// and DSA.
    static func isKnownUnsupported(_ typeName: String) -> Bool {
        typeName.hasSuffix("-cert-v01@openssh.com") || typeName.hasPrefix("sk-") || typeName == "ssh-dss"
    }

    /// `SHA256:` and the unpadded base64 of the blob's SHA-256, as `ssh-keygen -l` prints.
    public var fingerprint: String {
        "SHA256:" + Base64.encode(Array(SHA256.hash(data: blob)), padded: false)
    }

    /// `TYPE BASE64`, without the comment.
    public var openSSHString: String { "\(algorithm.rawValue) \(Base64.encode(blob))" }

    public var description: String { "\(algorithm.rawValue) \(fingerprint)" }

    public static func == (a: SSHPublicKey, b: SSHPublicKey) -> Bool { a.blob == b.blob }
    public func hash(into hasher: inout Hasher) { hasher.combine(blob) }
}

/// Why a key could not be read. `offset` is where in the parsed text (UTF-8 bytes from its
/// start) the problem lies, for `file:line:col` messages.
public struct KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case empty
        case unknownType(String)
        case unsupportedType(String)
        case missingKeyData
        case badBase64
        case malformedBlob(String)
        case typeMismatch(line: String, blob: String)
        case rsaKeyTooSmall(bits: Int)
    }

    public var kind: Kind
    public var offset: Int

    public init(_ kind: Kind, offset: Int = 0) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        switch kind {
        case .empty: "expected an SSH public key (\"ssh-ed25519 AAAA… comment\"), found nothing"
        case .unknownType(let t): "unknown SSH key type \"\(t)\" (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)"
        case .unsupportedType(let t): "unsupported SSH key type \"\(t)\" (certificates, security keys and DSA are not accepted)"
        case .missingKeyData: "the key type is not followed by the base64 key data"
        case .badBase64: "the key data is not valid base64"
        case .malformedBlob(let why): "malformed key data: \(why)"
        case .typeMismatch(let line, let blob): "the key data is a \(blob) key, but the line says \(line)"
        case .rsaKeyTooSmall(let bits): "RSA key of \(bits) bits is too small (OpenSSH requires at least 1024)"
        }
    }
}

/// Splits a line into fields separated by spaces and tabs, remembering where each starts.
struct FieldScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }

    mutating func skipSpace() {
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
    }

    mutating func next() -> (bytes: ArraySlice<UInt8>, offset: Int)? {
        skipSpace()
        guard position < bytes.count else { return nil }
        let start = position
        while position < bytes.count, !Self.isSpace(bytes[position]) { position += 1 }
        return (bytes[start..<position], start)
    }

    /// Everything after the next run of spaces, trailing spaces trimmed; nil when empty.
    mutating func rest() -> ArraySlice<UInt8>? {
        skipSpace()
        var end = bytes.count
        while end > position, Self.isSpace(bytes[end - 1]) { end -= 1 }
        return end > position ? bytes[position..<end] : nil
    }
}
