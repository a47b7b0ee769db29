import CLibGit2
import GitPack
#if canImport(Glibc)
import Glibc
#endif

/// An open repository. Not for sharing across threads: open one per worker.
public final class Repository {
    let pointer: OpaquePointer
    let odb: OpaquePointer
    /// Where the objects libgit2 reads first are (with a trailing slash): the pack reader reads
    /// the packs there, so both see one object store. Decided once, when the repository is
    /// opened; alternates are read through libgit2.
    public let objectsDirectory: String
    /// The push quarantine (with a trailing slash): in a pre-receive hook of git 2.11 or later,
    /// the directory holding exactly the objects the push brings, which is also the one
    /// libgit2 reads first. Nil anywhere else (and in a hook of an older git).
    public let quarantineDirectory: String?

    /// Alternates named by the environment (`GIT_ALTERNATE_OBJECT_DIRECTORIES`, read only by
    /// `fromEnvironment`), each with a trailing slash.
    private let environmentAlternates: [String]

    /// `objectsDirectory` nil: the repository's own (`$GIT_DIR/objects`, in the common
    /// directory for a linked work tree), as libgit2 finds it.
    private init(pointer: OpaquePointer, objectsDirectory: String? = nil, quarantineDirectory: String? = nil,
                 environmentAlternates: [String] = []) throws(GitError) {
        self.pointer = pointer
        self.objectsDirectory = objectsDirectory ?? Self.ownObjectsDirectory(pointer)
        self.quarantineDirectory = quarantineDirectory
        self.environmentAlternates = environmentAlternates
        var odb: OpaquePointer?
        let code = git_repository_odb(&odb, pointer)
        guard code >= 0, let odb else {
            git_repository_free(pointer)
            throw GitError.last(code, "cannot open the object database")
        }
        self.odb = odb
    }

    deinit {
        git_odb_free(odb)
        git_repository_free(pointer)
    }

    /// Whether `init(path:)` could find a repository at or above `path`: some directory on
    /// the way up holds a `.git` (a directory, or a file naming one), or is itself a bare
    /// repository (`HEAD` and `objects`). A superset of what libgit2's search accepts, from
    /// a few `lstat` calls and without setting libgit2 up (which loads the system's TLS
    /// certificates, a tenth of a small scan's start). False: no repository contains `path`.
    public static func mayContain(_ path: String) -> Bool {
        // libgit2 searches from the resolved path (symbolic links and `..` taken out).
        guard let resolved = realpath(path, nil) else { return true }
        var directory = String(cString: resolved)
        free(resolved)
        var st = stat()
        if lstat(directory, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        while true {
            let prefix = directory.hasSuffix("/") ? directory : directory + "/"
            if lstat(prefix + ".git", &st) == 0 { return true }
            if lstat(prefix + "HEAD", &st) == 0, lstat(prefix + "objects", &st) == 0 { return true }
            guard let slash = directory.dropLast().lastIndex(of: "/") else { return false }
            let parent = String(directory[..<slash])
            if parent.isEmpty {
                if directory == "/" { return false }
                directory = "/"
            } else {
                directory = parent
            }
        }
    }

    /// Opens the repository at `path`, or the one containing it, as `git -C path` would.
    public convenience init(path: String) throws(GitError) {
        _ = LibGit2.initialized
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, path, 0, nil)
        guard code >= 0, let repo else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError(kind: .notARepository, code: code, message: "not a git repository: \(path)")
            }
            throw GitError.last(code, "cannot open repository \(path)")
        }
        try self.init(pointer: repo)
    }

    /// Opens the repository the environment names, as git itself does: `GIT_DIR`,
    /// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES` (so a pre-receive hook
    /// sees the objects of the push quarantine), else the one containing the current directory.
    /// The only place the environment is read for objects: `init(path:)` never does.
    public static func fromEnvironment() throws(GitError) -> Repository {
        _ = LibGit2.initialized
        var repo: OpaquePointer?
        let code = git_repository_open_ext(&repo, nil, GIT_REPOSITORY_OPEN_FROM_ENV.rawValue, nil)
        guard code >= 0, let repo else {
            if code == GIT_ENOTFOUND.rawValue {
                throw GitError(kind: .notARepository, code: code,
                               message: "not a git repository (nor any parent directory, nor GIT_DIR)")
            }
            throw GitError.last(code, "cannot open repository from the environment")
        }
        // libgit2 takes its object database from the same variable (the quarantine's objects,
        // in a pre-receive hook).
        let objects = getenv("GIT_OBJECT_DIRECTORY").map { String(cString: $0) + "/" }
        // git names its quarantine twice (GIT_QUARANTINE_PATH, and as the objects directory);
        // anything else is not a quarantine we can enumerate, and the caller falls back.
        let quarantine = getenv("GIT_QUARANTINE_PATH").map { String(cString: $0) + "/" }
        let alternates = getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES").map { AlternateDirectories.parse(String(cString: $0), separator: 58) } ?? []
        return try Repository(pointer: repo, objectsDirectory: objects,
                              quarantineDirectory: quarantine != nil && quarantine == objects ? quarantine : nil,
                              environmentAlternates: alternates.map { $0.hasSuffix("/") ? $0 : $0 + "/" })
    }

    /// The objects directories besides `objectsDirectory` that git reads objects from, as it
    /// finds them: the environment's, then each `info/alternates` (its relative paths taken from
    /// the directory holding it), followed to git's depth of five; the repository's own store
    /// too when the objects directory is another (a quarantine).
    public private(set) lazy var alternateObjectDirectories: [String] = {
        var result: [String] = []
        var seen: Set<String> = [Self.normalized(objectsDirectory)]
        func add(_ directory: String, depth: Int) {
            let path = directory.hasSuffix("/") ? directory : directory + "/"
            guard depth <= 5, seen.insert(Self.normalized(path)).inserted else { return }
            result.append(path)
            follow(path, depth: depth)
        }
        func follow(_ directory: String, depth: Int) {
            guard let text = Self.smallFile(directory + "info/alternates") else { return }
            for entry in AlternateDirectories.parse(text, separator: 10) {
                add(entry.hasPrefix("/") ? entry : directory + entry, depth: depth + 1)
            }
        }
        for directory in environmentAlternates { add(directory, depth: 0) }
        // The objects directory's own alternates are git's depth 0.
        follow(objectsDirectory, depth: -1)
        add(Self.ownObjectsDirectory(pointer), depth: 0)
        return result
    }()

    /// A text file's contents (up to 1 MiB), or nil when it cannot be read.
    static func smallFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count < 1 << 20 {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The packs of `alternateObjectDirectories`, opened on first need.
    private(set) lazy var alternatePackStore = PackStore(objectsDirectories: alternateObjectDirectories)

    /// A directory path with `.`, `..` and repeated slashes resolved (the file system is not
    /// asked), to tell two spellings of one directory apart.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", !parts.isEmpty { parts.removeLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `$GIT_DIR/objects/` as libgit2 resolves it, never from the environment.
    private static func ownObjectsDirectory(_ pointer: OpaquePointer) -> String {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_repository_item_path(&buffer, pointer, GIT_REPOSITORY_ITEM_OBJECTS) == 0, let path = buffer.ptr else {
            return String(cString: git_repository_path(pointer)) + "objects/"
        }
        let directory = String(cString: path)
        return directory.hasSuffix("/") ? directory : directory + "/"
    }

    /// The git directory (`.git/`, or the bare repository itself), with a trailing slash.
    public var gitDirectory: String { String(cString: git_repository_path(pointer)) }

    /// The work tree, or nil for a bare repository.
    public var workDirectory: String? { git_repository_workdir(pointer).map { String(cString: $0) } }

    public var isBare: Bool { git_repository_is_bare(pointer) != 0 }

    /// The commits a shallow clone was cut at (`$GIT_DIR/shallow`): their parents are not in
    /// the repository, so git treats them as roots, and so do we. CI checkouts are often
    /// shallow.
    public private(set) lazy var shallowCommits: Set<ObjectID> = {
        guard let file = fopen(gitDirectory + "shallow", "r") else { return [] }
        defer { fclose(file) }
        var result = Set<ObjectID>()
        var line = [CChar](repeating: 0, count: 128)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 && $0 != 10 && $0 != 13 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let id = ObjectID(hex: text) { result.insert(id) }
        }
        return result
    }()

    // MARK: Objects

    /// Direct pack reading for this handle (GitPack's `PackStore`), over `objectsDirectory`.
    private(set) lazy var packStore = PackStore(objectsDirectory: objectsDirectory)

    /// Type and size of an object, without inflating it.
    public func header(_ id: ObjectID) throws(GitError) -> (type: ObjectType, size: Int) {
        do {
            if let (type, size) = try packStore.header(id) { return (type, size) }
        } catch {
            throw GitError(kind: .other, message: "object \(id) is damaged in its pack: \(error.message)")
        }
        var oid = id.gitOID
        var size = 0
        var type = GIT_OBJECT_INVALID
        let code = git_odb_read_header(&size, &type, odb, &oid)
        guard code >= 0 else { throw readError(code, id) }
        return (ObjectType(type), size)
    }

    /// Any object's type and exact bytes (as `git cat-file TYPE ID` prints them).
    public func object(_ id: ObjectID) throws(GitError) -> (type: ObjectType, bytes: [UInt8]) {
        let raw = try readRaw(id)
        return (raw.type, raw.copied())
    }

    public func contains(_ id: ObjectID) -> Bool {
        var oid = id.gitOID
        return git_odb_exists(odb, &oid) != 0
    }

    /// Reads an object's raw bytes; the object stays alive as long as the returned value.
    /// Packed objects come from the pack store; the rest (and anything it cannot read) from
    /// libgit2.
    func readRaw(_ id: ObjectID) throws(GitError) -> RawObject {
        do {
            if let (_, content) = try packStore.read(id) { return RawObject(content) }
        } catch {
            throw GitError(kind: .other, message: "object \(id) is damaged in its pack: \(error.message)")
        }
        var oid = id.gitOID
        var object: OpaquePointer?
        let code = git_odb_read(&object, odb, &oid)
        guard code >= 0, let object else { throw readError(code, id) }
        return RawObject(object)
    }

    /// A failed object read: an absent object means a broken or incomplete repository.
    private func readError(_ code: Int32, _ id: ObjectID) -> GitError {
        code == GIT_ENOTFOUND.rawValue
            ? GitError(kind: .missingObject, code: code, message: "object \(id) is missing from the repository")
            : GitError.last(code, "cannot read object \(id)")
    }

    func readRaw(_ id: ObjectID, expecting type: ObjectType) throws(GitError) -> RawObject {
        let raw = try readRaw(id)
        guard raw.type == type else {
            // A commit naming a blob as its tree: the repository is corrupt, not the request.
            throw GitError(kind: .other, message: "object \(id) is a \(raw.type), not a \(type)")
        }
        return raw
    }
}

/// An object's raw bytes, owned either by libgit2 (`git_odb_object`, freed here) or by the
/// pack store's cache: its bytes are valid while this lives.
final class RawObject {
    private let object: OpaquePointer?
    private let content: ObjectContent?

    init(_ object: OpaquePointer) {
        self.object = object
        content = nil
    }

    init(_ content: ObjectContent) {
        object = nil
        self.content = content
    }

    deinit { if let object { git_odb_object_free(object) } }

    var type: ObjectType {
        if let content { return content.type }
        return ObjectType(git_odb_object_type(object!))
    }

    /// A copy of the bytes; `self` is alive for the whole call, so this is always safe.
    func copied() -> [UInt8] { Array(bytes) }

    /// The bytes, valid only while this object lives: keep it alive with
    /// `withExtendedLifetime` around every use.
    var bytes: UnsafeRawBufferPointer {
        if let content { return content.bytes }
        let size = git_odb_object_size(object!)
        guard size > 0, let data = git_odb_object_data(object!) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: data, count: size)
    }
}

/// Lists of objects directories as git writes them (`info/alternates` lines,
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES` entries), read as git's `link_alt_odb_entries` reads
/// them: an entry starting with `#` is a comment; one starting with a double quote is a
/// C-style quoted path (so it may hold the separator), and when its quoting is not valid the
/// entry is taken as it stands; nothing is trimmed.
enum AlternateDirectories {
    static func parse(_ text: String, separator: UInt8) -> [String] {
        var result: [String] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == separator { i += 1; continue }
            if bytes[i] == 35 { // a comment, to the separator
                while i < bytes.count, bytes[i] != separator { i += 1 }
                continue
            }
            if bytes[i] == 34, let (value, end) = unquoted(bytes, from: i), end == bytes.count || bytes[end] == separator {
                if !value.isEmpty { result.append(String(decoding: value, as: UTF8.self)) }
                i = end
                continue
            }
            let start = i
            while i < bytes.count, bytes[i] != separator { i += 1 }
            result.append(String(decoding: bytes[start..<i], as: UTF8.self))
        }
        return result
    }

    /// The C-style quoted string at `start` (git's `unquote_c_style`): its bytes and the index
    /// after the closing quote; nil when it is not valid (no closing quote, an unknown escape,
    /// an octal escape not of three digits).
    static func unquoted(_ bytes: [UInt8], from start: Int) -> ([UInt8], Int)? {
        var value: [UInt8] = []
        var i = start + 1
        while i < bytes.count {
            let c = bytes[i]
            if c == 34 { return (value, i + 1) }
            guard c == 92 else { value.append(c); i += 1; continue }
            guard i + 1 < bytes.count else { return nil }
            let e = bytes[i + 1]
            switch e {
            case 97: value.append(7)
            case 98: value.append(8)
            case 102: value.append(12)
            case 110: value.append(10)
            case 114: value.append(13)
            case 116: value.append(9)
            case 118: value.append(11)
            case 92, 34: value.append(e)
            case 48...51:
                guard i + 3 < bytes.count, (48...55).contains(bytes[i + 2]), (48...55).contains(bytes[i + 3]) else { return nil }
                value.append((e - 48) << 6 | (bytes[i + 2] - 48) << 3 | (bytes[i + 3] - 48))
                i += 4
                continue
            default: return nil
            }
            i += 2
        }
        return nil
    }
}
