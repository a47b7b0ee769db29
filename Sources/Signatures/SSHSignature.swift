import Base
import Crypto
import _CryptoExtras

/// An SSHSIG signature (OpenSSH PROTOCOL.sshsig): who signed (the embedded public key), in
/// which namespace, over which hash of the message. Parsing checks the structure; `verify`
/// checks the cryptography, agreeing with `ssh-keygen -Y verify`.
public struct SSHSignature: Sendable, Equatable {
    public static let beginMarker = "-----BEGIN SSH SIGNATURE-----"
    public static let endMarker = "-----END SSH SIGNATURE-----"

    public enum HashAlgorithm: String, Sendable, CaseIterable {
        case sha256, sha512
    }

    /// The key the signature claims; only `verify` proves it signed.
    public let publicKey: SSHPublicKey
    public let namespace: String
    /// As written in the signature; `verify` refuses any but sha256 and sha512.
    public let hashAlgorithmName: String
    /// The signature algorithm inside the signature (`ssh-ed25519`, `rsa-sha2-512`, …).
    public let signatureAlgorithm: String
    /// The signature value proper: for ECDSA the wire-encoded `r` and `s`.
    let signatureValue: [UInt8]
    /// The whole binary SSHSIG blob (what the armor encodes).
    public let blob: [UInt8]

    public var hashAlgorithm: HashAlgorithm? { HashAlgorithm(rawValue: hashAlgorithmName) }

    /// Reads a binary SSHSIG blob as `sshsig_wrap_verify` does: magic, version at most 1, the
    /// key, namespace, reserved, hash algorithm, the signature, and nothing after it.
    public init(blob: [UInt8]) throws(SignatureFailure) {
        var reader = WireReader(blob)
        let keyBlob: [UInt8]
        let signature: [UInt8]
        do {
            guard try reader.fixed(6) == Array("SSHSIG".utf8) else { throw SignatureFailure.malformed("no SSHSIG magic") }
            let version = try reader.uint32()
            guard version <= 1 else { throw SignatureFailure.unsupportedVersion(version) }
            keyBlob = try reader.string()
            namespace = try reader.text()
            _ = try reader.string()
            hashAlgorithmName = try reader.text()
            signature = try reader.string()
        } catch let error as WireError {
            throw .malformed(error.message)
        } catch let error as SignatureFailure {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
        guard reader.isAtEnd else { throw .malformed("trailing data after the signature") }
        do {
            publicKey = try SSHPublicKey(blob: keyBlob)
        } catch {
            switch error.kind {
            case .unknownType(let t), .unsupportedType(let t): throw .unsupportedKey(t)
            default: throw .malformed("bad public key: \(error)")
            }
        }
        var inner = WireReader(signature)
        do {
            signatureAlgorithm = try inner.text()
            signatureValue = try inner.string()
        } catch {
            throw .malformed("bad signature field: \(error.message)")
        }
        guard inner.isAtEnd else { throw .malformed("trailing data after the signature value") }
        self.blob = blob
    }

    /// Reads one armored signature, as `sshsig_dearmor` does: the text starts with the BEGIN
    /// line, the base64 body (whitespace skipped) runs to the first `\n-----END SSH
    /// SIGNATURE-----`; anything after that line is ignored.
    public init(armored: some Collection<UInt8>) throws(SignatureFailure) {
        let bytes = Array(armored)
        let begin = Array((Self.beginMarker + "\n").utf8)
        guard bytes.starts(with: begin) else { throw .badArmor("missing \(Self.beginMarker) line") }
        let body = bytes[begin.count...]
        guard let end = body.firstRange(of: Array(("\n" + Self.endMarker).utf8)) else {
            throw .badArmor("missing \(Self.endMarker) line")
        }
        guard let decoded = Base64.decode(bytes[body.startIndex..<end.lowerBound], skippingWhitespace: true) else {
            throw .badArmor("the signature is not valid base64")
        }
        try self.init(blob: decoded)
    }

    /// The armored form, byte for byte as `ssh-keygen -Y sign` writes it (base64 lines of 70).
    public var armored: String {
        let encoded = Array(Base64.encode(blob).utf8)
        var text = Self.beginMarker + "\n"
        var i = 0
        while i < encoded.count {
            let j = min(i + 70, encoded.count)
            text += String(decoding: encoded[i..<j], as: UTF8.self) + "\n"
            i = j
        }
        return text + Self.endMarker + "\n"
    }

    /// The bytes the key actually signs: magic, namespace, reserved, hash algorithm and the
    /// message's hash (PROTOCOL.sshsig).
    static func signedData(message: some Collection<UInt8>, namespace: String,
                           hashAlgorithm: HashAlgorithm) -> [UInt8] {
        let digest: [UInt8]
        switch hashAlgorithm {
        case .sha256: digest = Array(SHA256.hash(data: Array(message)))
        case .sha512: digest = Array(SHA512.hash(data: Array(message)))
        }
        var w = WireWriter()
        w.raw("SSHSIG".utf8)
        w.string(namespace)
        w.string([UInt8]())
        w.string(hashAlgorithm.rawValue)
        w.string(digest)
        return w.bytes
    }

    /// Checks that this signature is `publicKey`'s over `message` in `namespace`. Throws why
    /// not: an unsupported hash or signature algorithm (`ssh-rsa` SHA-1 signatures are refused,
    /// as ssh-keygen refuses them), a namespace mismatch, or a signature that does not verify.
    public func verify(message: some Collection<UInt8>, namespace expected: String) throws(SignatureFailure) {
        guard let hash = hashAlgorithm else { throw .unsupportedHashAlgorithm(hashAlgorithmName) }
        guard namespace == expected else { throw .namespaceMismatch(expected: expected, found: namespace) }
        let data = Self.signedData(message: message, namespace: expected, hashAlgorithm: hash)
        guard publicKey.algorithm == .rsa || signatureAlgorithm == publicKey.algorithm.rawValue else {
            throw .unsupportedSignatureAlgorithm(signatureAlgorithm)
        }
        let valid: Bool
        switch (publicKey.material, publicKey.algorithm) {
        case (.ed25519(let raw), _):
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw .badSignature }
            valid = signatureValue.count == 64 && key.isValidSignature(signatureValue, for: data)
        case (.ecdsa(let point), .ecdsaP256):
            guard let key = try? P256.Signing.PublicKey(x963Representation: point),
                  let raw = Self.ecdsaRaw(signatureValue, size: 32),
                  let sig = try? P256.Signing.ECDSASignature(rawRepresentation: raw) else { throw .badSignature }
            valid = key.isValidSignature(sig, for: SHA256.hash(data: data))
        case (.ecdsa(let point), .ecdsaP384):
            guard let key = try? P384.Signing.PublicKey(x963Representation: point),
                  let raw = Self.ecdsaRaw(signatureValue, size: 48),
                  let sig = try? P384.Signing.ECDSASignature(rawRepresentation: raw) else { throw .badSignature }
            valid = key.isValidSignature(sig, for: SHA384.hash(data: data))
        case (.ecdsa(let point), _):
            guard let key = try? P521.Signing.PublicKey(x963Representation: point),
                  let raw = Self.ecdsaRaw(signatureValue, size: 66),
                  let sig = try? P521.Signing.ECDSASignature(rawRepresentation: raw) else { throw .badSignature }
            valid = key.isValidSignature(sig, for: SHA512.hash(data: data))
        case (.rsa(let n, let e), _):
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { throw .badSignature }
            // A shorter signature is left-padded with zeros, a longer one refused (ssh-rsa.c).
            guard signatureValue.count <= n.count else { throw .badSignature }
            let padded = [UInt8](repeating: 0, count: n.count - signatureValue.count) + signatureValue
            let sig = _RSA.Signing.RSASignature(rawRepresentation: padded)
            switch signatureAlgorithm {
            case "rsa-sha2-256": valid = key.isValidSignature(sig, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
            case "rsa-sha2-512": valid = key.isValidSignature(sig, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
            default: throw .unsupportedSignatureAlgorithm(signatureAlgorithm)
            }
        }
        guard valid else { throw .badSignature }
    }

    /// Verifies, then says whether the signer is one of `keys`.
    public func verify(message: some Collection<UInt8>, namespace: String,
                       trusting keys: some Collection<SSHPublicKey>) -> SignatureVerdict {
        do {
            try verify(message: message, namespace: namespace)
        } catch {
            return .invalid(error)
        }
        return keys.contains(publicKey) ? .valid(signer: publicKey) : .untrustedKey(publicKey)
    }

    /// ECDSA's wire `mpint r, mpint s` as the fixed-size `r || s` swift-crypto reads.
    private static func ecdsaRaw(_ value: [UInt8], size: Int) -> [UInt8]? {
        var reader = WireReader(value)
        guard let r = try? reader.positiveInteger(maxBytes: size),
              let s = try? reader.positiveInteger(maxBytes: size), reader.isAtEnd else { return nil }
        return [UInt8](repeating: 0, count: size - r.count) + r + [UInt8](repeating: 0, count: size - s.count) + s
    }

    /// Every armored signature in a text (a git note may hold several, separated by blank
    /// lines), each with the byte range of its block, in order. A block that cannot be read
    /// is returned with the reason, so callers can report it.
    public static func armoredBlocks(in text: some Collection<UInt8>) -> [ArmoredBlock] {
        let bytes = Array(text)
        let begin = Array(beginMarker.utf8)
        let end = Array(("\n" + endMarker).utf8)
        var blocks: [ArmoredBlock] = []
        var pos = 0
        while pos < bytes.count, let found = bytes[pos...].firstRange(of: begin) {
            // Only a BEGIN line counts: at the start of the text or of a line.
            guard found.lowerBound == 0 || bytes[found.lowerBound - 1] == 10 else {
                pos = found.upperBound
                continue
            }
            let blockEnd: Int
            if let close = bytes[found.upperBound...].firstRange(of: end) {
                var stop = close.upperBound
                if stop < bytes.count, bytes[stop] == 10 { stop += 1 }
                blockEnd = stop
            } else {
                blockEnd = bytes.count
            }
            let range = found.lowerBound..<blockEnd
            let result: Result<SSHSignature, SignatureFailure>
            do {
                result = .success(try SSHSignature(armored: bytes[range]))
            } catch {
                result = .failure(error)
            }
            blocks.append(ArmoredBlock(range: range, text: Array(bytes[range]), signature: result))
            pos = blockEnd
        }
        return blocks
    }
}

/// One `-----BEGIN SSH SIGNATURE-----` block found in a text.
public struct ArmoredBlock: Sendable, Equatable {
    /// Byte offsets within the text searched.
    public var range: Range<Int>
    public var text: [UInt8]
    public var signature: Result<SSHSignature, SignatureFailure>
}

/// What checking a signature against a set of trusted keys found.
public enum SignatureVerdict: Sendable, Equatable {
    /// The signature is good and made by a trusted key.
    case valid(signer: SSHPublicKey)
    /// The signature is good, but its key is not among those trusted.
    case untrustedKey(SSHPublicKey)
    /// The signature does not hold (or cannot be checked), and why.
    case invalid(SignatureFailure)
}

/// Why a signature cannot be accepted.
public enum SignatureFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case badArmor(String)
    case malformed(String)
    case unsupportedVersion(UInt32)
    case unsupportedKey(String)
    case unsupportedHashAlgorithm(String)
    case unsupportedSignatureAlgorithm(String)
    case namespaceMismatch(expected: String, found: String)
    case badSignature

    public var description: String {
        switch self {
        case .badArmor(let why): "bad signature armor: \(why)"
        case .malformed(let why): "malformed signature: \(why)"
        case .unsupportedVersion(let v): "unsupported SSHSIG version \(v)"
        case .unsupportedKey(let t): "unsupported key type \(t)"
        case .unsupportedHashAlgorithm(let h): "unsupported hash algorithm \"\(h)\" (sha256 or sha512 expected)"
        case .unsupportedSignatureAlgorithm(let a):
            a == "ssh-rsa" ? "ssh-rsa (SHA-1) signatures are not accepted; sign with rsa-sha2-256 or rsa-sha2-512"
                           : "unsupported signature algorithm \(a)"
        case .namespaceMismatch(let expected, let found): "signature namespace is \"\(found)\", expected \"\(expected)\""
        case .badSignature: "the signature does not verify"
        }
    }
}
