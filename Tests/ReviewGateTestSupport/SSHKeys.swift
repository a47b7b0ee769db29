import Foundation

/// An ed25519 key pair made with the real ssh-keygen, and `ssh-keygen -Y verify` against it.
public final class SSHKey: @unchecked Sendable {
    public let directory: URL
    public var privateKeyPath: String { directory.appendingPathComponent("id").path }

    public init() throws {
        directory = try Scratch.directory("key")
        try run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", privateKeyPath])
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    public var publicKey: String {
        (try? String(contentsOfFile: privateKeyPath + ".pub", encoding: .utf8)) ?? ""
    }

    /// What `ssh-keygen -Y verify` says of `signature` over `payload` for this key.
    public func verify(signature: [UInt8], payload: [UInt8], namespace: String) throws -> CommandResult {
        let allowed = directory.appendingPathComponent("allowed_signers")
        try Data("signer@example.com namespaces=\"\(namespace)\" \(publicKey)".utf8).write(to: allowed)
        let sig = directory.appendingPathComponent("signature")
        try Data(signature).write(to: sig)
        return try run(["ssh-keygen", "-Y", "verify", "-f", allowed.path, "-I", "signer@example.com", "-n", namespace,
                        "-s", sig.path], input: Data(payload))
    }
}
