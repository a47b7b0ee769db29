#if canImport(Glibc)
import Glibc
#endif
import Git
import Synchronization

/// A directory kept open while its files are scanned (they are opened relative to it); closed
/// when the last batch of them is done.
final class OpenDirectory: @unchecked Sendable {
    let fd: Int32
    /// Its path, ending in `/`.
    let path: [UInt8]

    init(fd: Int32, path: [UInt8]) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }
}

/// The work of a directory scan, shared by the workers: batches of files to scan and
/// directories to read. A worker takes a batch of files before it reads another directory,
/// so only a few directories are open at once however wide the tree.
final class TreeWalk: @unchecked Sendable {
    enum Item {
        /// File names in a directory (nil: each name is a whole path).
        case files([[UInt8]], OpenDirectory?)
        case directory([UInt8])
    }

    private struct State {
        var batches: [Item] = []
        var directories: [[UInt8]] = []
        /// Workers reading a directory: while one is, more work may come (a batch of files
        /// brings none, so a worker that finds nothing left does not wait for it).
        var busy = 0
        var stopped = false
    }

    private let state = Mutex(State())
    static let batchSize = 32

    func add(directory path: [UInt8]) {
        state.withLock { $0.directories.append(path) }
    }

    func add(files names: [[UInt8]], in directory: OpenDirectory?) {
        guard !names.isEmpty else { return }
        state.withLock { state in
            var start = 0
            while start < names.count {
                let end = min(names.count, start + Self.batchSize)
                state.batches.append(.files(Array(names[start..<end]), directory))
                start = end
            }
        }
    }

    /// The next item, or nil once nothing is left and no worker can add more. Each directory
    /// taken is followed by `finished()`.
    func next() -> Item? {
        while true {
            let (item, done) = state.withLock { state -> (Item?, Bool) in
                if state.stopped { return (nil, true) }
                if let batch = state.batches.popLast() {
                    return (batch, false)
                }
                if let directory = state.directories.popLast() {
                    state.busy += 1
                    return (.directory(directory), false)
                }
                return (nil, state.busy == 0)
            }
            if let item { return item }
            if done { return nil }
            // Another worker is reading a directory, which may bring more.
            usleep(50)
        }
    }

    func finished() {
        state.withLock { $0.busy -= 1 }
    }

    /// Ends the walk early (an error): `next()` gives nothing more.
    func stop() {
        state.withLock { $0.stopped = true }
    }

    /// Reads a directory: its files become batches, its subdirectories items. Symlinks are
    /// not followed (a subdirectory is opened by its path with `O_NOFOLLOW`, which guards its
    /// own name, not the names above it: a tree changed while it is scanned is not a tree
    /// this defends), `.git` is left out, and so is what `ignores` ignores. False when the
    /// directory could not be opened or listed in full: the caller reports it.
    func read(_ directory: [UInt8], ignores: IgnoreRules?) throws(GitError) -> Bool {
        let fd = (directory + [0]).withUnsafeBufferPointer {
            open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        guard fd >= 0 else { return false }
        let opened = OpenDirectory(fd: fd, path: directory.last == 47 ? directory : directory + [47])
        // The stream gets its own descriptor (closedir closes it); `opened` keeps the other.
        let streamFD = dup(fd)
        guard streamFD >= 0 else { return false }
        guard let stream = fdopendir(streamFD) else {
            close(streamFD)
            return false
        }
        // Names with their type as the directory gives it (most file systems do), so a tree
        // of ten thousand files costs no lstat per entry; DT_UNKNOWN asks fstatat.
        var entries: [(name: [UInt8], type: UInt8)] = []
        errno = 0
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [46] || name == [46, 46] || name == Array(".git".utf8) { continue }
            entries.append((name, entry.pointee.d_type))
        }
        // readdir ends with NULL either way; errno tells an error from the end.
        let listed = errno == 0
        closedir(stream)
        var files: [[UInt8]] = []
        var subdirectories: [[UInt8]] = []
        for (name, type) in entries {
            var isDir = type == UInt8(DT_DIR)
            if type == UInt8(DT_UNKNOWN) {
                var info = stat()
                let ok = (name + [0]).withUnsafeBufferPointer {
                    fstatat(fd, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), &info, AT_SYMLINK_NOFOLLOW)
                }
                guard ok == 0 else { continue }
                isDir = info.st_mode & S_IFMT == S_IFDIR
                guard isDir || info.st_mode & S_IFMT == S_IFREG else { continue }
            } else {
                guard isDir || type == UInt8(DT_REG) else { continue }
            }
            let path = opened.path + name
            if let ignores, try ignores.isIgnored(path, isDir: isDir) { continue }
            if isDir { subdirectories.append(path) } else { files.append(name) }
        }
        add(files: files, in: opened)
        state.withLock { $0.directories += subdirectories }
        return listed
    }
}

/// A work tree's ignore rules, asked from any worker (one libgit2 handle, one at a time).
final class IgnoreRules: @unchecked Sendable {
    let repository: Repository
    let workTree: String
    private let lock = Mutex(())

    init(repository: Repository, workTree: String) {
        self.repository = repository
        self.workTree = workTree
    }

    func isIgnored(_ path: [UInt8], isDir: Bool) throws(GitError) -> Bool {
        let absolute = String(decoding: path, as: UTF8.self)
        guard !workTree.isEmpty, absolute.hasPrefix(workTree) else { return false }
        let relative = String(absolute.dropFirst(workTree.count)) + (isDir ? "/" : "")
        return try lock.withLock { (_: inout ()) throws(GitError) -> Bool in try repository.isIgnored(relative) }
    }
}
