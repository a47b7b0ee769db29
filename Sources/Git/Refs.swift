import CLibGit2
#if canImport(Glibc)
import Glibc
#endif

/// A reference and what it points at.
public struct Reference: Sendable, Equatable {
    public var name: String
    /// The object a direct reference points at, or a symbolic reference resolves to (nil when
    /// it dangles).
    public var target: ObjectID?
    /// For a symbolic reference, the name it points at.
    public var symbolicTarget: String?
}

private final class ReferenceIterator {
    let pointer: OpaquePointer
    init(_ repository: Repository, glob: String?) throws(GitError) {
        var it: OpaquePointer?
        if let glob {
            try check(git_reference_iterator_glob_new(&it, repository.pointer, glob), "cannot list references \(glob)")
        } else {
            try check(git_reference_iterator_new(&it, repository.pointer), "cannot list references")
        }
        pointer = it!
    }
    deinit { git_reference_iterator_free(pointer) }
}

extension Repository {
    /// References whose full name matches `glob` (fnmatch, as `git for-each-ref` patterns:
    /// `refs/heads/*`), or all of them, sorted by name.
    public func references(matching glob: String? = nil) throws(GitError) -> [Reference] {
        let iterator = try ReferenceIterator(self, glob: glob)
        var result: [Reference] = []
        while true {
            var ref: OpaquePointer?
            let code = git_reference_next(&ref, iterator.pointer)
            if code == GIT_ITEROVER.rawValue { break }
            try check(code, "cannot list references")
            guard let ref else { continue }
            defer { git_reference_free(ref) }
            let name = String(cString: git_reference_name(ref))
            if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC {
                let symbolic = String(cString: git_reference_symbolic_target(ref))
                var resolved: OpaquePointer?
                var target: ObjectID?
                if git_reference_resolve(&resolved, ref) >= 0, let resolved {
                    target = git_reference_target(resolved).map { ObjectID($0) }
                    git_reference_free(resolved)
                }
                result.append(Reference(name: name, target: target, symbolicTarget: symbolic))
            } else {
                result.append(Reference(name: name, target: git_reference_target(ref).map { ObjectID($0) },
                                        symbolicTarget: nil))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The id a full reference name points at, or nil when there is no such reference.
    public func reference(named name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, pointer, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "cannot read reference \(name)")
        return ObjectID(oid)
    }
}

// Looking refs up one name or one prefix at a time, for the hook: a forge keeps one ref per
// merge request, and listing them all (libgit2 parses the whole packed-refs into a map, 250 ms
// for 100,000 refs) would make every push cost what the server holds.
extension Repository {
    /// The reference `name`, looked up alone (libgit2 finds it in a sorted packed-refs by binary
    /// search); nil when there is none. A symbolic reference is returned as one, with the name
    /// it points at.
    public func lookUpReference(_ name: String) throws(GitError) -> Reference? {
        var ref: OpaquePointer?
        let code = git_reference_lookup(&ref, pointer, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue { return nil }
        try check(code, "cannot read reference \(name)")
        defer { git_reference_free(ref) }
        if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC {
            let symbolic = String(cString: git_reference_symbolic_target(ref))
            return Reference(name: name, target: try reference(named: name), symbolicTarget: symbolic)
        }
        return Reference(name: name, target: git_reference_target(ref).map { ObjectID($0) }, symbolicTarget: nil)
    }

    /// The direct (not symbolic) references whose names start with one of `prefixes`, sorted by
    /// name. The work grows with the refs under those prefixes, not with all the server's: loose
    /// refs are listed from the prefixes' directories only, packed ones found by binary search
    /// in packed-refs when its header says it is `sorted` (git writes that trait);
    /// each name found is then read through libgit2, which decides loose against packed.
    public func references(startingWith prefixes: [String]) throws(GitError) -> [Reference] {
        var names = Set<String>()
        let common = String(cString: git_repository_commondir(pointer))
        let root = common.hasSuffix("/") ? common : common + "/"
        let packed = PackedRefsFile(path: root + "packed-refs")
        for prefix in Set(prefixes) {
            let directory = String(prefix[..<(prefix.lastIndex(of: "/").map { prefix.index(after: $0) } ?? prefix.startIndex)])
            Self.looseRefNames(root: root, directory: directory) { if $0.hasPrefix(prefix) { names.insert($0) } }
            packed?.names(startingWith: Array(prefix.utf8)) { names.insert($0) }
        }
        var result: [Reference] = []
        for name in names.sorted() {
            if let ref = try lookUpReference(name), ref.symbolicTarget == nil { result.append(ref) }
        }
        return result
    }

    /// Loose ref files under `root + directory` (a directory name ending in "/"), recursively.
    private static func looseRefNames(root: String, directory: String, depth: Int = 0, _ found: (String) -> Void) {
        guard depth < 64, let dir = opendir(root + directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name == "." || name == ".." || name.hasSuffix(".lock") { continue }
            var info = stat()
            guard stat(root + directory + name, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                looseRefNames(root: root, directory: directory + name + "/", depth: depth + 1, found)
            } else if info.st_mode & S_IFMT == S_IFREG {
                found(directory + name)
            }
        }
    }
}

/// `packed-refs`, mapped read-only: `<hex> <name>` lines, `^<hex>` peel lines after tags, a
/// `# pack-refs with:` header whose `sorted` trait promises lines in byte order of name.
private final class PackedRefsFile {
    private let base: UnsafeRawPointer
    private let length: Int
    private let sorted: Bool
    private let start: Int

    init?(path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0,
              let map = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return nil }
        base = UnsafeRawPointer(map)
        length = Int(info.st_size)
        let bytes = UnsafeRawBufferPointer(start: base, count: length)
        var first = 0
        var traits = false
        if bytes.starts(with: "# pack-refs with:".utf8) {
            first = (bytes.firstIndex(of: 10) ?? (length - 1)) + 1
            traits = bytes[..<first].split(separator: 32).contains { $0.elementsEqual("sorted".utf8) || $0.elementsEqual("sorted\n".utf8) }
        }
        start = first
        sorted = traits
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    private var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }

    /// The line starting at `at`: its end (the index after its LF, or the file's end) and, for a
    /// ref line, the name's range.
    private func line(at at: Int) -> (end: Int, name: Range<Int>?) {
        let bytes = self.bytes
        var end = at
        while end < length, bytes[end] != 10 { end += 1 }
        let next = min(end + 1, length)
        guard end - at > 41, bytes[at] != UInt8(ascii: "^"), bytes[at] != UInt8(ascii: "#"), bytes[at + 40] == 32 else {
            return (next, nil)
        }
        return (next, (at + 41)..<end)
    }

    /// Calls `found` with every ref name starting with `prefix`.
    func names(startingWith prefix: [UInt8], _ found: (String) -> Void) {
        let bytes = self.bytes
        var at = start
        if sorted {
            // The first line whose name is not below the prefix, by bisection over byte offsets
            // (each probe moves to the start of the line it falls in, as git's packed-refs does).
            var lo = start, hi = length
            while lo < hi {
                var mid = (lo + hi) / 2
                while mid > lo, bytes[mid - 1] != 10 { mid -= 1 }
                // Peel lines belong to the line before: step over them.
                var probe = mid
                var parsed = line(at: probe)
                while parsed.name == nil, parsed.end < hi {
                    probe = parsed.end
                    parsed = line(at: probe)
                }
                guard let name = parsed.name else {
                    hi = mid
                    continue
                }
                if bytes[name].lexicographicallyPrecedes(prefix) { lo = parsed.end } else { hi = mid }
            }
            at = lo
        }
        while at < length {
            let parsed = line(at: at)
            if let name = parsed.name {
                if bytes[name].starts(with: prefix) {
                    found(String(decoding: bytes[name], as: UTF8.self))
                } else if sorted, !bytes[name].lexicographicallyPrecedes(prefix) {
                    break
                }
            }
            at = parsed.end
        }
    }
}
