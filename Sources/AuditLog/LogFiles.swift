#if canImport(Glibc)
import Base
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the log could not be read or written. One line, naming the file.
public struct AuditLogError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The file system refused (permissions, full disk, missing directory).
        case io
        /// The log is damaged in a way an append must not paper over (run `log verify`).
        case damaged
        /// A record that cannot be written (not an object, too large).
        case badRecord
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func io(_ what: String, _ path: String, _ code: Int32 = errno) -> AuditLogError {
        AuditLogError(.io, "cannot \(what) \(path): \(String(cString: strerror(code)))")
    }

    public var description: String { message }
}

/// One open file descriptor with exactly one owner, closed on deinit.
final class Descriptor {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o640) throws(AuditLogError) -> Descriptor {
        var fd: Int32
        repeat { fd = Glibc.open(path, flags | O_CLOEXEC, mode) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw .io("open", path) }
        return Descriptor(fd: fd, path: path)
    }

    /// Opens, creating the file when absent with exactly mode 0640 (whatever the umask), and
    /// says whether it was created (so the caller syncs the directory).
    static func openCreating(_ path: String, _ flags: Int32) throws(AuditLogError) -> (Descriptor, created: Bool) {
        var fd: Int32
        repeat { fd = Glibc.open(path, flags | O_CREAT | O_EXCL | O_CLOEXEC, 0o640) } while fd < 0 && errno == EINTR
        if fd >= 0 {
            let file = Descriptor(fd: fd, path: path)
            guard fchmod(fd, 0o640) == 0 else { throw .io("set the mode of", path) }
            return (file, true)
        }
        guard errno == EEXIST else { throw .io("create", path) }
        return (try open(path, flags), false)
    }

    var size: Int {
        get throws(AuditLogError) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw .io("stat", path) }
            return Int(info.st_size)
        }
    }

    /// Reads `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws(AuditLogError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        let failed: Int32? = out.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return errno }
                if n == 0 { break }
                done += n
            }
            return nil
        }
        if let failed { throw .io("read", path, failed) }
        if done < count { out.removeLast(count - done) }
        return out
    }

    func readAll() throws(AuditLogError) -> [UInt8] { try read(at: 0, count: try size) }

    /// Writes all of `bytes` with one `write` call; a short write is undone (the file cut back
    /// to `restoring`) and reported, so no partial frame is ever left behind by a live process.
    func writeOnce(_ bytes: [UInt8], restoring size: Int) throws(AuditLogError) {
        var n: Int
        repeat {
            n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        } while n < 0 && errno == EINTR
        if n == bytes.count { return }
        let code = n < 0 ? errno : ENOSPC
        _ = ftruncate(fd, off_t(size))
        throw .io("append to", path, code)
    }

    func syncData() throws(AuditLogError) {
        guard fdatasync(fd) == 0 else { throw .io("sync", path) }
    }

    func sync() throws(AuditLogError) {
        guard fsync(fd) == 0 else { throw .io("sync", path) }
    }
}

enum LogFiles {
    /// Creates `path` and missing parents with mode 0750, syncing each parent that gained an
    /// entry so the new directory survives a crash.
    static func makeDirectory(_ path: String) throws(AuditLogError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw AuditLogError(.io, "\(path) is not a directory") }
            return
        }
        let parent = parentOf(path)
        if parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o750) != 0 {
            guard errno == EEXIST else { throw .io("create the directory", path) }
            return
        }
        guard chmod(path, 0o750) == 0 else { throw .io("set the mode of", path) }
        try syncDirectory(parent)
    }

    static func parentOf(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    static func syncDirectory(_ path: String) throws(AuditLogError) {
        let dir = try Descriptor.open(path, O_RDONLY | O_DIRECTORY)
        // Some file systems refuse fsync on directories (EINVAL); their entries are durable anyway.
        if fsync(dir.fd) != 0, errno != EINVAL { throw .io("sync the directory", path) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Names in a directory (nil when the directory does not exist).
    static func names(in path: String) throws(AuditLogError) -> [String]? {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return nil }
            throw .io("list", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            names.append(name)
        }
        return names
    }

    /// Replaces `path` with `bytes` atomically (temporary file, optional fsync, rename).
    static func replace(_ path: String, with bytes: [UInt8], durable: Bool) throws(AuditLogError) {
        do { try AtomicFile.write(path, bytes, mode: 0o640, durable: durable) } catch { throw .io("replace", path) }
    }

    static func readFile(_ path: String) throws(AuditLogError) -> [UInt8]? {
        var fd: Int32
        repeat { fd = Glibc.open(path, O_RDONLY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io("open", path)
        }
        return try Descriptor(fd: fd, path: path).readAll()
    }
}

/// An exclusive lock on the log's `lock` file, held until released or the process ends (a
/// crashed holder never blocks the next append).
final class LogLock {
    private let file: Descriptor

    init(directory: String) throws(AuditLogError) {
        let path = directory + "/lock"
        let (file, created) = try Descriptor.openCreating(path, O_RDWR)
        if created { try LogFiles.syncDirectory(directory) }
        try Self.take(file, LOCK_EX)
        self.file = file
    }

    /// A shared lock for readers, when the lock file exists and can be opened (a reader with
    /// read-only access goes on without it).
    init?(sharedIn directory: String) {
        guard let file = try? Descriptor.open(directory + "/lock", O_RDONLY), (try? Self.take(file, LOCK_SH)) != nil else { return nil }
        self.file = file
    }

    private static func take(_ file: Descriptor, _ operation: Int32) throws(AuditLogError) {
        var result: Int32
        repeat { result = flock(file.fd, operation) } while result != 0 && errno == EINTR
        guard result == 0 else { throw .io("lock", file.path) }
    }

    deinit { _ = flock(file.fd, LOCK_UN) }
}

/// `withUnsafeBytes` with the closure's typed error kept (the standard one only rethrows).
func withBytes<R, E: Error>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = bytes.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
    return try result.get()
}
