import Crypto
import Foundation
import ReviewGateTestSupport
@testable import Signatures
import _CryptoExtras

/// Keys made once per test process (key generation is slow) and shared by every test.
enum KeyPool {
    /// Two keys of each kind ssh-keygen makes, in a fixed order.
    static let keys: [SSHKey] = {
        var made: [SSHKey] = []
        for (type, bits) in [("ed25519", nil), ("ed25519", nil), ("ecdsa", 256), ("ecdsa", 256), ("ecdsa", 384),
                             ("ecdsa", 521), ("rsa", 2048), ("rsa", 3072)] as [(String, Int?)] {
            made.append(try! SSHKey(type: type, bits: bits))
        }
        return made
    }()

    static func publicKey(_ key: SSHKey) -> SSHPublicKey {
        try! SSHPublicKey(authorizedKey: key.publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// An RSA key held in swift-crypto, to make the signatures ssh-keygen never makes:
    /// rsa-sha2-256 and ssh-rsa (SHA-1).
    static let rsa: (key: _RSA.Signing.PrivateKey, publicKey: SSHPublicKey) = {
        let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try! key.publicKey.getKeyPrimitives()
        var w = WireWriter()
        w.string("ssh-rsa")
        w.positiveInteger(Array(primitives.publicExponent))
        w.positiveInteger(Array(primitives.modulus))
        return (key, try! SSHPublicKey(blob: w.bytes))
    }()

    /// An SSHSIG by `rsa` with the given RSA signature algorithm and SSHSIG hash.
    static func rsaSignature(_ message: [UInt8], namespace: String, algorithm: String,
                             hash: SSHSignature.HashAlgorithm = .sha512) throws -> SSHSignature {
        let data = SSHSignature.signedData(message: message, namespace: namespace, hashAlgorithm: hash)
        let value: _RSA.Signing.RSASignature
        switch algorithm {
        case "rsa-sha2-256": value = try rsa.key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case "rsa-sha2-512": value = try rsa.key.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
        default: value = try rsa.key.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
        }
        var inner = WireWriter()
        inner.string(algorithm)
        inner.string(Array(value.rawRepresentation))
        var w = WireWriter()
        w.raw("SSHSIG".utf8)
        w.uint32(1)
        w.string(rsa.publicKey.blob)
        w.string(namespace)
        w.string([UInt8]())
        w.string(hash.rawValue)
        w.string(inner.bytes)
        return try SSHSignature(blob: w.bytes)
    }
}

/// What ssh-keygen decides, compared with what we decide, for one case.
struct Agreement: CustomStringConvertible {
    var label: String
    var reference: Bool
    var ours: Bool
    var detail: String
    var description: String { "\(label): ssh-keygen \(reference ? "accepts" : "refuses"), we \(ours ? "accept" : "refuse") (\(detail))" }
}
