import AuditLog
#if canImport(Glibc)
import Glibc
#endif

/// Checkpoint keys and checkpoints for `log keygen` and `log checkpoint`.
public enum CheckpointKeys {
    /// Writes a new Ed25519 key pair: the signing key to `out` (0600), the verifier to `out.pub`;
    /// neither may exist already.
    public static func generate(name: String, out: String) throws(Failure) {
        let pair: (signer: String, verifier: String)
        do { pair = try NoteKey.generate(name: name) } catch { throw Failure(.usage, error.message) }
        for (path, text, mode) in [(out, pair.signer, 0o600), (out + ".pub", pair.verifier, 0o644)] {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
            guard fd >= 0 else { throw Failure(.runtime, "cannot create \(path): \(String(cString: strerror(errno)))") }
            let bytes = Array((text + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == bytes.count, synced else { throw Failure(.runtime, "cannot write \(path)") }
        }
    }

    /// With `key`, a fresh checkpoint signed over the verified log; else the log's stored one.
    public static func checkpoint(directory: String, key: String?) throws(Failure) -> String {
        if let key {
            let signer = try AuditTrail.loadSigner(key)
            let log = AuditLog(directory: directory, signer: signer)
            do { return try log.checkpoint(signer: signer) } catch { throw Failure(error.kind == .damaged ? .rejected : .runtime, error.message) }
        }
        guard let stored = try? AuditLog(directory: directory).storedCheckpoint() else {
            throw Failure(.usage, "no checkpoint in \(directory): configure [audit] checkpoint_key, or pass --key")
        }
        return stored
    }
}
