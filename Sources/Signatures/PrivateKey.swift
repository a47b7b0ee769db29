import Base
import Crypto

/// An unencrypted OpenSSH ed25519 private key (`-----BEGIN OPENSSH PRIVATE KEY-----`, the
/// format of PROTOCOL.key), able to make SSHSIG signatures. Other key types and encrypted
/// keys are recognised and refused with a reason, so a caller can hand them to ssh-keygen.
public struct SSHPrivateKey: Sendable {
    public let publicKey: SSHPublicKey
    public let comment: String
    /// The 32-byte ed25519 seed (swift-crypto's key type is not Sendable).
    private let seed: [UInt8]

    static let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    static let end = "-----END OPENSSH PRIVATE KEY-----"

    public init(openSSH text: some Collection<UInt8>) throws(PrivateKeyError) {
        let bytes = Array(text)
        let asText = String(decoding: bytes.prefix(64), as: UTF8.self)
        guard let beginRange = bytes.firstRange(of: Array(Self.begin.utf8)) else {
            if asText.contains("-----BEGIN ") && asText.contains("PRIVATE KEY-----") { throw .unsupportedFormat }
            throw .notAPrivateKey
        }
        guard let endRange = bytes[beginRange.upperBound...].firstRange(of: Array(Self.end.utf8)),
              let blob = Base64.decode(bytes[beginRange.upperBound..<endRange.lowerBound], skippingWhitespace: true) else {
            throw .malformed("bad armor or base64")
        }
        var reader = WireReader(blob)
        do {
            guard try reader.fixed(15) == Array("openssh-key-v1\0".utf8) else { throw PrivateKeyError.malformed("no openssh-key-v1 magic") }
            let cipher = try reader.text()
            let kdf = try reader.text()
            _ = try reader.string()
            guard cipher == "none", kdf == "none" else { throw PrivateKeyError.encrypted }
            guard try reader.uint32() == 1 else { throw PrivateKeyError.malformed("expected exactly one key") }
            let publicBlob = try reader.string()
            let publicKey: SSHPublicKey
            do {
                publicKey = try SSHPublicKey(blob: publicBlob)
            } catch {
                if case .unknownType(let t) = error.kind { throw PrivateKeyError.unsupportedKeyType(t) }
                if case .unsupportedType(let t) = error.kind { throw PrivateKeyError.unsupportedKeyType(t) }
                throw PrivateKeyError.malformed("bad public key: \(error)")
            }
            guard publicKey.algorithm == .ed25519 else { throw PrivateKeyError.unsupportedKeyType(publicKey.algorithm.rawValue) }
            var secret = WireReader(try reader.string())
            guard try secret.uint32() == secret.uint32() else { throw PrivateKeyError.malformed("check integers differ") }
            guard try secret.text() == "ssh-ed25519" else { throw PrivateKeyError.malformed("key type differs from the public key") }
            let pub = try secret.string()
            let priv = try secret.string()
            comment = try secret.text()
            guard pub.count == 32, priv.count == 64, Array(priv[32...]) == pub,
                  let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: priv[0..<32]),
                  Array(key.publicKey.rawRepresentation) == pub else {
                throw PrivateKeyError.malformed("the private and public halves do not match")
            }
            var check = WireWriter()
            check.string("ssh-ed25519")
            check.string(pub)
            guard check.bytes == publicKey.blob else { throw PrivateKeyError.malformed("the private key does not match its public key") }
            self.seed = Array(priv[0..<32])
            _ = key
            self.publicKey = try SSHPublicKey(blob: publicKey.blob, comment: comment)
        } catch let error as PrivateKeyError {
            throw error
        } catch let error as WireError {
            throw .malformed(error.message)
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// An SSHSIG over `message` in `namespace`; ed25519 is deterministic, so this is byte for
    /// byte what `ssh-keygen -Y sign` writes for the same key and input (sha512 by default,
    /// as there).
    public func sign(message: some Collection<UInt8>, namespace: String,
                     hashAlgorithm: SSHSignature.HashAlgorithm = .sha512) throws(SignatureFailure) -> SSHSignature {
        let data = SSHSignature.signedData(message: message, namespace: namespace, hashAlgorithm: hashAlgorithm)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed),
              let value = try? key.signature(for: data) else { throw .badSignature }
        var inner = WireWriter()
        inner.string("ssh-ed25519")
        inner.string(Array(value))
        var w = WireWriter()
        w.raw("SSHSIG".utf8)
        w.uint32(1)
        w.string(publicKey.blob)
        w.string(namespace)
        w.string([UInt8]())
        w.string(hashAlgorithm.rawValue)
        w.string(inner.bytes)
        return try SSHSignature(blob: w.bytes)
    }
}

public enum PrivateKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a private key file at all.
    case notAPrivateKey
    /// A PEM/PKCS#8 private key, not the OpenSSH format.
    case unsupportedFormat
    /// Protected by a passphrase.
    case encrypted
    /// An OpenSSH key of a type signed only through ssh-keygen.
    case unsupportedKeyType(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .notAPrivateKey: "not an OpenSSH private key"
        case .unsupportedFormat: "a PEM private key, not the OpenSSH format"
        case .encrypted: "the private key is encrypted"
        case .unsupportedKeyType(let t): "a \(t) private key (only ed25519 keys are signed natively)"
        case .malformed(let why): "malformed OpenSSH private key: \(why)"
        }
    }
}
