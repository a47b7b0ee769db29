#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Git
import Synchronization

/// A directory kept open while its files are scanned (they are opened relative to it); closed
/// when the last batch of them is done.
final class OpenDirectory: @unchecked Sendable {
    let fd: Int32
    /// Its path, ending in `/`.
    let path: [UInt8]
    /// How many are open in the process: a parent stays open while its subdirectories wait,
    /// and a very deep tree must not run the process out of descriptors.
    static let open = Atomic<Int>(0)
    /// 256, or a quarter of the process's descriptor limit when that is lower.
    static let maximumKeptOpen: Int = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 64 }
        return max(8, min(256, Int(clamping: limit.rlim_cur) / 4))
    }()

    init(fd: Int32, path: [UInt8]) {
        self.fd = fd
        self.path = path
        Self.open.add(1, ordering: .relaxed)
    }

    deinit {
        close(fd)
        Self.open.subtract(1, ordering: .relaxed)
    }
}

/// The work of a directory scan, shared by the workers: batches of files to scan and
/// directories to read. A worker takes a batch of files before it reads another directory,
/// so only a few directories are open at once however wide the tree. Batches shrink as the
/// files waiting run low (guided scheduling): a batch of 32 large files taken last would
/// leave the other workers idle while one scans them (git.git's `po/`, 20 MB in 25 files,
/// kept one core busy alone for the last tenth of a tree scan).
final class TreeWalk: @unchecked Sendable {
    enum Item {
        /// File names in a directory (nil: each name is a whole path).
        case files([[UInt8]], OpenDirectory?)
        case directory(Directory)
    }

    /// A directory to read: a root by its path, a subdirectory by its name in its parent,
    /// which stays open until it is (so no name above it is looked up again).
    struct Directory {
        /// As reported: the root's path, or the parent's path and the name.
        let path: [UInt8]
        let name: [UInt8]
        let parent: OpenDirectory?
    }

    /// A directory's files not yet handed out: `names[next...]`.
    private struct Waiting {
        var names: [[UInt8]]
        var next: Int
        let directory: OpenDirectory?
    }

    private struct State {
        var waiting: [Waiting] = []
        /// Files in `waiting`, all directories together.
        var files = 0
        var directories: [Directory] = []
        /// Workers reading a directory: while one is, more work may come (a batch of files
        /// brings none, so a worker that finds nothing left does not wait for it).
        var busy = 0
        var stopped = false
    }

    private let state = Mutex(State())
    static let batchSize = 32
    /// How many workers share the walk: a batch is at most an eighth of the files waiting
    /// for each (so the last files go out one at a time).
    let workers: Int

    init(workers: Int = 2) {
        self.workers = max(1, workers)
    }

    func add(directory path: [UInt8]) {
        state.withLock { $0.directories.append(Directory(path: path, name: path, parent: nil)) }
    }

    func add(files names: [[UInt8]], in directory: OpenDirectory?) {
        guard !names.isEmpty else { return }
        state.withLock { state in
            state.waiting.append(Waiting(names: names, next: 0, directory: directory))
            state.files += names.count
        }
    }

    /// The next item, or nil once nothing is left and no worker can add more. Each directory
    /// taken is followed by `finished()`.
    func next() -> Item? {
        while true {
            let (item, done) = state.withLock { state -> (Item?, Bool) in
                if state.stopped { return (nil, true) }
                if let last = state.waiting.indices.last {
                    let size = max(1, min(Self.batchSize, state.files / (8 * workers)))
                    let start = state.waiting[last].next
                    let end = min(state.waiting[last].names.count, start + size)
                    let batch = Item.files(Array(state.waiting[last].names[start..<end]), state.waiting[last].directory)
                    state.files -= end - start
                    if end == state.waiting[last].names.count {
                        state.waiting.removeLast()
                    } else {
                        state.waiting[last].next = end
                    }
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
    /// not followed: a subdirectory is opened by its name relative to its open parent with
    /// `O_NOFOLLOW`, so a symlink swapped in for any directory on the way is refused rather
    /// than followed. `.git` is left out, and so is what `ignores` ignores. False when the
    /// directory could not be opened or listed in full: the caller reports it. Also returns
    /// the names of the subdirectories added (their own names are for the caller to judge).
    func read(_ directory: Directory, ignores: IgnoreRules?) throws(GitError)
        -> (listed: Bool, subdirectories: [(parent: [UInt8]?, name: [UInt8])]) {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        let fd = (directory.name + [0]).withUnsafeBufferPointer { name -> Int32 in
            let cName = UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self)
            return directory.parent.map { openat($0.fd, cName, flags) } ?? open(cName, flags)
        }
        guard fd >= 0 else { return (false, []) }
        let path = directory.path
        let opened = OpenDirectory(fd: fd, path: path.last == 47 ? path : path + [47])
        // The kernel's records straight from getdents64 (no DIR stream: opendir costs a dup,
        // two fcntl, an fstat and a close more per directory, a third of a tree's system
        // calls). Names with their type as the directory gives it (most file systems do), so
        // a tree of ten thousand files costs no lstat per entry; DT_UNKNOWN asks fstatat.
        var entries: [(name: [UInt8], type: UInt8)] = []
        var listed = true
        let size = 32 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        reading: while true {
            let filled = reviewgate_getdents64(fd, buffer.baseAddress, UInt(size))
            if filled == 0 { break }
            if filled < 0 {
                if errno == EINTR { continue }
                listed = false
                break
            }
            // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
            var offset = 0
            while offset + 19 < filled {
                let length = Int(buffer.load(fromByteOffset: offset + 16, as: UInt16.self))
                guard length > 19, offset + length <= filled else { listed = false; break reading }
                let type = buffer[offset + 18]
                let nameBytes = UnsafeRawBufferPointer(rebasing: buffer[(offset + 19)..<(offset + length)])
                let name = Array(nameBytes.prefix { $0 != 0 })
                offset += length
                if name == [46] || name == [46, 46] || name == Array(".git".utf8) || name.isEmpty { continue }
                entries.append((name, type))
            }
        }
        var files: [[UInt8]] = []
        var subdirectories: [Directory] = []
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
            let full = opened.path + name
            if let ignores, try ignores.isIgnored(full, isDir: isDir) { continue }
            if isDir {
                // Relative to this directory while few are open; past that, by the whole path
                // (which guards only the subdirectory's own name against a symlink).
                let keep = OpenDirectory.open.load(ordering: .relaxed) < OpenDirectory.maximumKeptOpen
                subdirectories.append(Directory(path: full, name: keep ? name : full, parent: keep ? opened : nil))
            } else {
                files.append(name)
            }
        }
        add(files: files, in: opened)
        state.withLock { $0.directories += subdirectories }
        return (listed, subdirectories.map { (opened.path, Array($0.path[opened.path.count...])) })
    }
}

/// A work tree's ignore rules, asked from any worker (one libgit2 handle, one at a time).
/// As in git, they apply to untracked paths only: a file the index tracks (added with
/// `git add -f`, or before the rule was written) is scanned whatever the rules say, and so is
/// every directory that holds one.
final class IgnoreRules: @unchecked Sendable {
    let repository: Repository
    let workTree: String
    private let lock = Mutex(())
    /// The index's paths, and every directory above one (with a trailing `/`).
    private let tracked: Set<[UInt8]>

    init(repository: Repository, workTree: String) throws(GitError) {
        self.repository = repository
        self.workTree = workTree
        var tracked = Set<[UInt8]>()
        for path in try repository.trackedPaths() {
            tracked.insert(path)
            for (i, c) in path.enumerated() where c == 0x2F { tracked.insert(Array(path[...i])) }
        }
        self.tracked = tracked
    }

    func isIgnored(_ path: [UInt8], isDir: Bool) throws(GitError) -> Bool {
        let absolute = String(decoding: path, as: UTF8.self)
        guard !workTree.isEmpty, absolute.hasPrefix(workTree) else { return false }
        let relative = String(absolute.dropFirst(workTree.count)) + (isDir ? "/" : "")
        guard try lock.withLock({ (_: inout ()) throws(GitError) -> Bool in try repository.isIgnored(relative) }) else { return false }
        return !tracked.contains(Array(relative.utf8))
    }
}
