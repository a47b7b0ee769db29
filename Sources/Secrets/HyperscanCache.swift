#if canImport(Glibc)
import Glibc
#endif
import Base
import CHyperscan
import Crypto
import Synchronization

/// Compiled Hyperscan databases kept between runs, as rspamd keeps its own: the built-in
/// rules' keywords and triggers take 40 ms to compile apart and some 400 ms together, and load
/// in a few; without them a tree scan or hook pays the compile on every start, and only a long
/// search pays for the single pass of the merged database.
///
/// Where: `$REVIEWGATE_CACHE_DIR` (empty or `off`: no cache), else `$XDG_CACHE_HOME/reviewgate`,
/// else `$HOME/.cache/reviewgate`. A file is named by the SHA-256 of everything the database
/// is compiled from (Hyperscan's version, this machine's CPU features, each expression with its
/// flags and id), so a changed rule set or a new CPU never meets an old database. It holds the
/// SHA-256 of that name and of its bytes, checked before Hyperscan reads them: a torn or
/// damaged file, or one moved under another database's name, is compiled again, never loaded.
/// The directory (0700) and its files (0600) must belong to this user and be writable by no one
/// else, or the cache is not used; whoever can write there already runs as the hook's account.
/// Nothing kept decides a verdict: a database that cannot be loaded or kept is compiled as before.
enum HyperscanCache {
    static let magic = Array("RGHS1\n\0\0".utf8)
    private static let storing = Mutex<Void>(())
    /// At most this many databases are kept; the least recently used go first.
    static let mostFiles = 24

    static let directory: String? = {
        func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        if let chosen = env("REVIEWGATE_CACHE_DIR") {
            return chosen.isEmpty || chosen == "off" || !chosen.hasPrefix("/") ? nil : chosen
        }
        if let xdg = env("XDG_CACHE_HOME"), xdg.hasPrefix("/") { return xdg + "/reviewgate" }
        if let home = env("HOME"), home.hasPrefix("/") { return home + "/.cache/reviewgate" }
        return nil
    }()

    /// Whether databases can be kept here (the directory is made on this first ask).
    static let isUsable: Bool = usableDirectory(create: true) != nil

    /// The name a database compiled from `inputs` is kept under.
    static func key(_ inputs: HyperscanKeywords.Inputs) -> String {
        var hash = SHA256()
        func add(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { hash.update(bufferPointer: $0) } }
        hash.update(data: Array("reviewgate hyperscan database 1\n".utf8))
        hash.update(data: Array(String(cString: hs_version()).utf8))
        var platform = hs_platform_info_t()
        if hs_populate_platform(&platform) == HS_SUCCESS {
            add(UInt64(platform.tune))
            add(UInt64(platform.cpu_features))
        }
        add(inputs.literal ? 1 : 0)
        add(UInt64(inputs.expressions.count))
        for i in inputs.expressions.indices {
            add(UInt64(inputs.ids[i]))
            add(UInt64(inputs.flags[i]))
            add(UInt64(inputs.expressions[i].count))
            hash.update(data: inputs.expressions[i])
        }
        return Hex.encode(Array(hash.finalize()))
    }

    /// The directory, when it exists (or can be made) as this user's alone.
    private static func usableDirectory(create: Bool) -> String? {
        guard let directory else { return nil }
        var info = stat()
        if lstat(directory, &info) != 0 {
            guard create, errno == ENOENT else { return nil }
            // The parent (`~/.cache`) as `mkdir -p` would make it, private.
            if let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
                mkdir(String(directory[..<slash]), 0o700)
            }
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST, lstat(directory, &info) == 0 else { return nil }
        }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else { return nil }
        return directory
    }

    /// What a kept file holds before its database: the SHA-256 of its name's key and of its
    /// bytes, so a file moved to another database's name is refused like a damaged one (a
    /// database read as another would report ids its reader does not know).
    static func seal(_ key: String, _ payload: UnsafeRawBufferPointer) -> [UInt8] {
        var hash = SHA256()
        hash.update(data: Array(key.utf8))
        hash.update(bufferPointer: payload)
        return Array(hash.finalize())
    }

    /// The database kept under `key`, or nil (none, not this user's, damaged, or refused by
    /// Hyperscan).
    static func load(_ key: String) -> OpaquePointer? {
        guard let directory = usableDirectory(create: false) else { return nil }
        let path = directory + "/hs-" + key + ".db"
        // Not blocking on a FIFO left in its place; fstat below refuses anything but a file.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_mode & 0o022 == 0,
              info.st_size > magic.count + 32, info.st_size < 1 << 28 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            filled += n
        }
        guard Array(bytes[..<magic.count]) == magic else { return nil }
        let payload = magic.count + 32
        let digest = bytes.withUnsafeBytes { seal(key, UnsafeRawBufferPointer(rebasing: $0[payload...])) }
        guard digest == Array(bytes[magic.count..<payload]) else { return nil }
        var db: OpaquePointer?
        let status = bytes.withUnsafeBytes { raw in
            hs_deserialize_database(raw.baseAddress!.assumingMemoryBound(to: CChar.self) + payload, raw.count - payload, &db)
        }
        guard status == HS_SUCCESS, let db else { return nil }
        // Used: kept past newer ones when the directory is pruned (at most once a day).
        if time(nil) - info.st_mtim.tv_sec > 86_400 { futimens(fd, nil) }
        return db
    }

    /// Keeps `db` under `key`; silently nothing when the directory is not usable.
    static func store(_ key: String, _ db: OpaquePointer) {
        guard let directory = usableDirectory(create: true) else { return }
        var serialized: UnsafeMutablePointer<CChar>?
        var length = 0
        guard hs_serialize_database(db, &serialized, &length) == HS_SUCCESS, let serialized else { return }
        defer { free(serialized) }
        let payload = UnsafeRawBufferPointer(start: serialized, count: length)
        let bytes = magic + seal(key, payload) + Array(payload)
        // One store at a time in this process: the temporary file is named by the process, and
        // two threads writing one would tear it (the seal would refuse it, but for nothing).
        storing.withLock { _ in
            do throws(AtomicFile.WriteError) {
                try AtomicFile.write(directory + "/hs-" + key + ".db", bytes, mode: 0o600, durable: false)
            } catch {
                return
            }
            prune(directory)
        }
    }

    /// The least recently used databases past `mostFiles` removed.
    private static func prune(_ directory: String) {
        guard let dir = opendir(directory) else { return }
        var kept: [(name: String, used: Int)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix("hs-"), name.hasSuffix(".db") else { continue }
            var info = stat()
            if lstat(directory + "/" + name, &info) == 0 { kept.append((name, Int(info.st_mtim.tv_sec))) }
        }
        closedir(dir)
        guard kept.count > mostFiles else { return }
        for old in kept.sorted(by: { $0.used < $1.used }).prefix(kept.count - mostFiles) { unlink(directory + "/" + old.name) }
    }

    /// The database for `inputs`: loaded when kept, else compiled and kept; with `cachedOnly`,
    /// nil unless kept (for choosing, before paying for a compile, the database a kept one
    /// makes cheapest). Nil when Hyperscan cannot run here or refuses the inputs.
    static func database(_ inputs: HyperscanKeywords.Inputs, cachedOnly: Bool = false) -> OpaquePointer? {
        guard hs_valid_platform() == HS_SUCCESS else { return nil }
        guard directory != nil else { return cachedOnly ? nil : HyperscanKeywords.compile(inputs) }
        let name = key(inputs)
        if let db = load(name) { return db }
        guard !cachedOnly, let db = HyperscanKeywords.compile(inputs) else { return nil }
        store(name, db)
        return db
    }
}
