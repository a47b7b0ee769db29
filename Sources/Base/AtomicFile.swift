#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file replaced whole: written to a temporary name beside it, synced, then renamed over
/// the old one, so a reader (or a crash) sees the old bytes or the new ones, never half.
public enum AtomicFile {
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        public var path: String
        /// The step that failed and why (`open: Permission denied`, or `prepare`'s message).
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Replaces `path` with `bytes` (mode `mode`). `durable` syncs the data before the rename;
    /// `prepare` runs on the temporary file before it takes the name (to hand it to another
    /// account, say) and returns a message to give up with.
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, durable: Bool = true,
                             prepare: (String) -> String? = { _ in nil }) throws(WriteError) {
        let temporary = path + ".tmp-\(getpid())"
        func fail(_ step: String) -> WriteError {
            let reason = "\(step): \(String(cString: strerror(errno)))"
            unlink(temporary)
            return WriteError(path: path, reason: reason)
        }
        unlink(temporary)
        var fd: Int32
        repeat { fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw fail("open") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(fd); throw fail("write") }
            offset += n
        }
        if durable, fsync(fd) != 0 { close(fd); throw fail("fsync") }
        close(fd)
        if let problem = prepare(temporary) {
            unlink(temporary)
            throw WriteError(path: path, reason: problem)
        }
        guard chmod(temporary, mode) == 0 else { throw fail("chmod") }
        guard rename(temporary, path) == 0 else { throw fail("rename") }
    }
}
