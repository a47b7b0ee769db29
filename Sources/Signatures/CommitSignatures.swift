/// A commit's `gpgsig` signature, classified as git's gpg-interface does by its first line,
/// and checked when it is an SSH one (namespace `git`, as `git verify-commit` asks
/// ssh-keygen). OpenPGP and X.509 signatures are reported as not verifiable: never trusted.
public enum CommitSignatures {
    public static let namespace = "git"

    public enum Kind: String, Sendable, Equatable {
        case ssh, gpg, x509, unknown
    }

    public static func kind(of signature: some Collection<UInt8>) -> Kind {
        let head = Array(signature.prefix(40))
        func starts(_ marker: String) -> Bool { head.starts(with: Array(marker.utf8)) }
        if starts(SSHSignature.beginMarker) { return .ssh }
        if starts("-----BEGIN PGP SIGNATURE-----") || starts("-----BEGIN PGP MESSAGE-----") { return .gpg }
        if starts("-----BEGIN SIGNED MESSAGE-----") { return .x509 }
        return .unknown
    }

    /// Checks the signature over `payload` (the commit object without its signature headers)
    /// against `keys`.
    public static func verify(signature: some Collection<UInt8>, payload: some Collection<UInt8>,
                              trusting keys: some Collection<SSHPublicKey>) -> Verdict {
        let kind = kind(of: signature)
        guard kind == .ssh else { return .notVerifiable(kind) }
        let parsed: SSHSignature
        do {
            parsed = try SSHSignature(armored: signature)
        } catch {
            return .invalid(error)
        }
        switch parsed.verify(message: payload, namespace: namespace, trusting: keys) {
        case .valid(let key): return .valid(signer: key)
        case .untrustedKey(let key): return .untrustedKey(key)
        case .invalid(let failure): return .invalid(failure)
        }
    }

    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case valid(signer: SSHPublicKey)
        /// A good SSH signature by a key nobody in the policy holds.
        case untrustedKey(SSHPublicKey)
        case invalid(SignatureFailure)
        /// OpenPGP, X.509 or an unknown format: reported, never trusted.
        case notVerifiable(Kind)

        public var description: String {
            switch self {
            case .valid(let key): "good SSH signature by \(key.fingerprint)"
            case .untrustedKey(let key): "good SSH signature by an unknown key \(key.fingerprint)"
            case .invalid(let failure): "bad SSH signature: \(failure)"
            case .notVerifiable(let kind):
                kind == .unknown ? "a signature in an unknown format cannot be verified"
                                 : "a \(kind == .gpg ? "GPG" : "X.509") signature cannot be verified here (only SSH signatures are)"
            }
        }
    }
}
