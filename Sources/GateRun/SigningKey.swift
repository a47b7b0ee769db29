import Foundation
import Git
import Signatures

/// The key an approval is signed with, and how: natively for an unencrypted ed25519 private
/// key, through `ssh-keygen -Y sign` for anything else ssh-keygen can sign with.
public struct SigningKey {
    public enum Source {
        case native(SSHPrivateKey)
        /// A file for `ssh-keygen -f` (a private key, or a public key an agent holds), and the
        /// public key it should yield when known.
        case sshKeygen(path: String, expected: SSHPublicKey?, why: String)
    }

    public var source: Source
    /// Removed after signing (a `key::` literal written out for ssh-keygen).
    public var temporaryFile: String?

    /// `--key`, else git config `user.signingkey` (a file, or a `key::` literal), else
    /// `~/.ssh/id_ed25519`, as git's SSH signing looks for it.
    public static func choose(flag: String?, repository: Repository) throws -> SigningKey {
        if let flag { return try fromFile(expandHome(flag)) }
        if let configured = try repository.configString("user.signingkey"), !configured.isEmpty {
            var literal: String?
            if configured.hasPrefix("key::") {
                literal = String(configured.dropFirst(5))
            } else if configured.hasPrefix("ssh-") || configured.hasPrefix("ecdsa-") {
                literal = configured
            }
            if let literal {
                let key: SSHPublicKey
                do {
                    key = try SSHPublicKey(authorizedKey: literal)
                } catch {
                    throw Failure(.usage, "git config user.signingkey: \(error)")
                }
                let path = FileManager.default.temporaryDirectory
                    .appendingPathComponent("reviewgate-signingkey-\(UUID().uuidString).pub").path
                guard FileManager.default.createFile(atPath: path, contents: Data((key.openSSHString + "\n").utf8)) else {
                    throw Failure(.runtime, "cannot write a temporary file for the signing key")
                }
                return SigningKey(source: .sshKeygen(path: path, expected: key, why: "a key:: literal is signed by the agent"),
                                  temporaryFile: path)
            }
            return try fromFile(expandHome(configured))
        }
        guard let home = ProcessInfo.processInfo.environment["HOME"] else {
            throw Failure(.usage, "no signing key: pass --key FILE or set git config user.signingkey")
        }
        let fallback = home + "/.ssh/id_ed25519"
        guard FileManager.default.fileExists(atPath: fallback) else {
            throw Failure(.usage, "no signing key: \(fallback) does not exist; pass --key FILE or set git config user.signingkey")
        }
        return try fromFile(fallback)
    }

    public static func fromFile(_ path: String) throws -> SigningKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(.usage, "cannot read the signing key \(path)")
        }
        let bytes = Array(data)
        do {
            return SigningKey(source: .native(try SSHPrivateKey(openSSH: bytes)))
        } catch .notAPrivateKey {
            // A public key: the agent must hold its private half.
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                let key = try SSHPublicKey(authorizedKey: text)
                return SigningKey(source: .sshKeygen(path: path, expected: key, why: "a public key is signed by the agent"))
            } catch {
                throw Failure(.usage, "\(path) is neither an OpenSSH private key nor a public key: \(error)")
            }
        } catch .malformed(let why) {
            throw Failure(.usage, "\(path): malformed OpenSSH private key: \(why)")
        } catch {
            let expected = FileManager.default.contents(atPath: path + ".pub")
                .flatMap { try? SSHPublicKey(authorizedKey: String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
            return SigningKey(source: .sshKeygen(path: path, expected: expected, why: "\(error)"))
        }
    }

    public static func expandHome(_ path: String) -> String {
        guard path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] else { return path }
        return home + path.dropFirst(1)
    }

    /// Signs, then checks the signature natively as the gate will: a signature the gate would
    /// not count is never added.
    public func sign(_ statement: ApprovalStatement) throws -> SSHSignature {
        defer { if let temporaryFile { try? FileManager.default.removeItem(atPath: temporaryFile) } }
        let signature: SSHSignature
        var expected: SSHPublicKey?
        switch source {
        case .native(let key):
            do {
                signature = try key.sign(message: statement.bytes, namespace: ApprovalStatement.namespace)
            } catch {
                throw Failure(.runtime, "cannot sign: \(error)")
            }
            expected = key.publicKey
        case .sshKeygen(let path, let key, _):
            signature = try Self.sshKeygenSign(statement.bytes, keyFile: path)
            expected = key
        }
        do {
            try signature.verify(message: statement.bytes, namespace: ApprovalStatement.namespace)
        } catch {
            throw Failure(.usage, "the signature made with this key would not count: \(error)")
        }
        if let expected, expected != signature.publicKey {
            throw Failure(.runtime, "ssh-keygen signed with \(signature.publicKey.fingerprint), not the chosen key \(expected.fingerprint)")
        }
        return signature
    }

    /// `ssh-keygen -Y sign -n reviewgate-approval -f KEY`, the statement on its standard input;
    /// its prompts (passphrase, security key touch) reach the terminal through stderr.
    public static func sshKeygenSign(_ message: [UInt8], keyFile: String) throws -> SSHSignature {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ssh-keygen", "-q", "-Y", "sign", "-n", ApprovalStatement.namespace, "-f", keyFile]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw Failure(.runtime, "cannot run ssh-keygen: \(error)")
        }
        try? input.fileHandleForWriting.write(contentsOf: message)
        try? input.fileHandleForWriting.close()
        let signed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(.runtime, "ssh-keygen -Y sign -f \(keyFile) failed (exit \(process.terminationStatus))")
        }
        do {
            return try SSHSignature(armored: Array(signed))
        } catch {
            throw Failure(.runtime, "ssh-keygen wrote no readable signature: \(error)")
        }
    }
}
