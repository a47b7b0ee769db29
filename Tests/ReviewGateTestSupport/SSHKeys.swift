import Foundation

/// A key pair made with the real ssh-keygen (ed25519 unless asked otherwise), and `ssh-keygen -Y verify` against it.
public final class SSHKey: @unchecked Sendable {
    public let directory: URL
    public var privateKeyPath: String { directory.appendingPathComponent("id").path }

    /// A new key of `type` (`ed25519`, `ecdsa`, `rsa`) with ssh-keygen's `-b` bits when given,
    /// protected by `passphrase` when it is not empty.
    public init(type: String = "ed25519", bits: Int? = nil, passphrase: String = "") throws {
        directory = try Scratch.directory("key")
        let size = bits.map { ["-b", String($0)] } ?? []
        let result = try run(["ssh-keygen", "-q", "-t", type] + size + ["-N", passphrase, "-C", "\(type)@test", "-f", privateKeyPath])
        guard result.status == 0 else { throw CommandError(command: ["ssh-keygen", "-t", type], result: result) }
    }

    /// What `ssh-keygen -Y sign` makes of `payload` with this key (hash sha512 unless given).
    public func sign(_ payload: [UInt8], namespace: String, hashAlgorithm: String? = nil) throws -> [UInt8] {
        let options = hashAlgorithm.map { ["-O", "hashalg=\($0)"] } ?? []
        let result = try run(["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", privateKeyPath] + options,
                             input: Data(payload))
        guard result.status == 0 else { throw CommandError(command: ["ssh-keygen", "-Y", "sign"], result: result) }
        return Array(result.stdout)
    }

    /// `ssh-keygen -Y verify` of `signature` over `payload` against an allowed_signers text,
    /// at `time` (seconds since the epoch, UTC) when given.
    public static func verify(signature: [UInt8], payload: [UInt8], allowedSigners: String, principal: String,
                              namespace: String, time: Int64? = nil) throws -> CommandResult {
        let dir = try Scratch.directory("verify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let allowed = dir.appendingPathComponent("allowed_signers")
        try Data(allowedSigners.utf8).write(to: allowed)
        let sig = dir.appendingPathComponent("signature")
        try Data(signature).write(to: sig)
        var arguments = ["ssh-keygen", "-Y", "verify", "-f", allowed.path, "-I", principal, "-n", namespace, "-s", sig.path]
        if let time {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMddHHmmss"
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.locale = Locale(identifier: "en_US_POSIX")
            arguments += ["-O", "verify-time=\(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(time))))Z"]
        }
        return try run(arguments, input: Data(payload))
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
