// Histories that exercise every kind of change git knows, and git's own view of them.
import Foundation

extension ScratchRepository {
    /// Makes a file a symlink to `target`.
    public func symlink(_ path: String, to target: String) throws {
        let full = url.appendingPathComponent(path)
        try? FileManager.default.removeItem(at: full)
        try FileManager.default.createDirectory(at: full.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: full.path, withDestinationPath: target)
    }

    public func chmod(_ path: String, executable: Bool) throws {
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644],
                                              ofItemAtPath: url.appendingPathComponent(path).path)
    }

    public func delete(_ path: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(path))
    }

    /// Records a submodule (gitlink) entry without a submodule checkout, then commits only
    /// the index, so `add -A` cannot drop it.
    public func commitGitlink(_ path: String, to oid: String?, message: String) throws -> String {
        if let oid {
            try git(["update-index", "--add", "--cacheinfo", "160000,\(oid),\(path)"])
        } else {
            try git(["update-index", "--force-remove", path])
        }
        try git(["commit", "-q", "--no-verify", "-m", message])
        return try gitOutput(["rev-parse", "HEAD"])
    }

    /// Every commit reachable from any ref, as git lists them.
    public func allCommits() throws -> [String] {
        try gitOutput(["rev-list", "--all"]).split(separator: "\n").map(String.init)
    }

    /// `git diff-tree -r --no-renames --raw` of a non-merge commit, one string per entry
    /// ("M 100644 100644 <old> <new> <path in hex>"); a root commit against the empty tree.
    public func gitRawChanges(_ commit: String) throws -> Set<String> {
        let out = try git(["diff-tree", "-r", "--no-renames", "--raw", "--no-abbrev", "-z", "--no-commit-id",
                           "--root", commit]).stdout
        var result = Set<String>()
        let fields = out.split(separator: 0, omittingEmptySubsequences: false)
        var i = 0
        while i + 1 < fields.count {
            let meta = String(decoding: fields[i], as: UTF8.self).dropFirst().split(separator: " ")
            guard meta.count == 5 else { i += 1; continue }
            result.insert("\(meta[4]) \(meta[0]) \(meta[1]) \(meta[2]) \(meta[3]) \(hexString(fields[i + 1]))")
            i += 2
        }
        return result
    }

    /// `git diff-tree -c -r --raw` of a merge: the paths that differ from every parent, each
    /// as "<first parent mode> <result mode> <first parent oid> <result oid> <path in hex>".
    public func gitCombinedChanges(_ commit: String) throws -> Set<String> {
        let out = try git(["diff-tree", "-c", "-r", "--raw", "--no-abbrev", "-z", "--no-commit-id", commit]).stdout
        var result = Set<String>()
        let fields = out.split(separator: 0, omittingEmptySubsequences: false)
        var i = 0
        while i + 1 < fields.count {
            let text = String(decoding: fields[i], as: UTF8.self)
            let colons = text.prefix { $0 == ":" }.count
            let meta = text.dropFirst(colons).split(separator: " ")
            guard colons >= 2, meta.count == 2 * (colons + 1) + 1 else { i += 1; continue }
            let parents = colons
            result.insert("\(meta[0]) \(meta[parents]) \(meta[parents + 1]) \(meta[2 * parents + 1]) \(hexString(fields[i + 1]))")
            i += 2
        }
        return result
    }
}

public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

public enum Histories {
    /// A history with every kind of change: adds, edits, deletes, exact renames, mode flips,
    /// file↔symlink, file↔directory, submodules, odd names (spaces, unicode, bytes that are not
    /// UTF-8), an empty commit, clean and conflicted merges, an evil merge, an octopus merge.
    public static func everyKindOfChange() throws -> ScratchRepository {
        let repo = try ScratchRepository(label: "kinds")
        try repo.write("a.txt", "alpha\n")
        try repo.write("dir/b.txt", "bravo\n")
        try repo.write("dir/deep/c.txt", "charlie\n")
        try repo.write("with space.txt", "space\n")
        try repo.write("ünïcödé/ç.txt", "unicode\n")
        try repo.write(Array("bad".utf8) + [0xff, 0xfe] + Array(".txt".utf8), Data("latin\n".utf8))
        try repo.write("script.sh", "#!/bin/sh\necho hi\n")
        try repo.write("empty", "")
        try repo.write("x", "file that becomes a directory\n")
        try repo.write("y/z.txt", "directory that becomes a file\n")
        try repo.write("same1.txt", "twin\n")
        try repo.write("same2.txt", "twin\n")
        try repo.commit("root")

        try repo.write("a.txt", "alpha 2\n")
        try repo.chmod("script.sh", executable: true)
        try repo.commit("edit and chmod")

        for dir in ["moved", "copy"] {
            try FileManager.default.createDirectory(at: repo.url.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try repo.git(["mv", "dir/b.txt", "moved/b.txt"])
        try repo.git(["mv", "ünïcödé/ç.txt", "ünïcödé/é.txt"])
        try repo.remove("with space.txt")
        try repo.git(["mv", "same1.txt", "copy/same1.txt"])
        try repo.commit("renames and a delete")

        try repo.delete("a.txt")
        try repo.symlink("a.txt", to: "moved/b.txt")
        try repo.commit("file to symlink")
        try repo.delete("a.txt")
        try repo.write("a.txt", "alpha 3\n")
        try repo.commit("symlink to file")

        try repo.delete("x")
        try repo.write("x/inner.txt", "now a directory\n")
        try repo.delete("y")
        try repo.write("y", "now a file\n")
        try repo.commit("file and directory swap")

        let target = try repo.gitOutput(["rev-parse", "HEAD"])
        _ = try repo.commitGitlink("vendor/lib", to: target, message: "add submodule")
        _ = try repo.commitGitlink("vendor/lib", to: try repo.gitOutput(["rev-parse", "HEAD~2"]), message: "bump submodule")
        _ = try repo.commitGitlink("vendor/lib", to: nil, message: "drop submodule")
        try repo.commit("empty", allowEmpty: true)

        // A conflicted merge resolved by hand, and an evil merge that edits an untouched file.
        try repo.write("conflict.txt", "base\n")
        try repo.commit("conflict base")
        try repo.git(["checkout", "-q", "-b", "side"])
        try repo.write("conflict.txt", "side\n")
        try repo.write("side-only.txt", "side\n")
        try repo.commit("side change")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("conflict.txt", "main\n")
        try repo.write("main-only.txt", "main\n")
        try repo.commit("main change")
        _ = try? repo.git(["merge", "-q", "--no-edit", "side"])
        try repo.write("conflict.txt", "resolved\n")
        try repo.commit("merge side with a resolution")

        try repo.git(["checkout", "-q", "-b", "evil", "HEAD~1"])
        try repo.write("evil-side.txt", "e\n")
        try repo.commit("evil side")
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-commit", "--no-ff", "evil"])
        try repo.write("dir/deep/c.txt", "changed only in the merge\n")
        try repo.commit("evil merge")

        // An octopus merge: three parents, each bringing one file.
        for name in ["o1", "o2"] {
            try repo.git(["checkout", "-q", "-b", name, "main"])
            try repo.write("\(name).txt", "\(name)\n")
            try repo.commit(name)
        }
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-ff", "--no-edit", "o1", "o2"])
        return repo
    }

    /// A linear history of `commits` random operations, the same for the same seed.
    public static func random(seed: UInt64, commits: Int) throws -> ScratchRepository {
        let repo = try ScratchRepository(label: "random")
        var rng = SplitMix(seed: seed)
        let dirs = ["", "src/", "src/core/", "docs/", "a b/", "ü/", "deep/er/est/"]
        let names = ["main.swift", "x", "README", "conf.toml", "é.txt", "run.sh", "z z"]
        var tracked: [String] = []
        try repo.write("seed.txt", "\(seed)\n")
        try repo.commit("root")
        tracked.append("seed.txt")
        for n in 0..<commits {
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                switch rng.next() % 7 {
                case 0, 1:
                    let path = dirs[Int(rng.next() % UInt64(dirs.count))] + names[Int(rng.next() % UInt64(names.count))]
                    // Skip paths that collide with an existing file or directory of the other kind.
                    if tracked.contains(where: { $0.hasPrefix(path + "/") || path.hasPrefix($0 + "/") }) { continue }
                    try repo.write(path, "content \(rng.next() % 5)\n")
                    if !tracked.contains(path) { tracked.append(path) }
                case 2 where !tracked.isEmpty:
                    let path = tracked.remove(at: Int(rng.next() % UInt64(tracked.count)))
                    try repo.delete(path)
                case 3 where !tracked.isEmpty:
                    let path = tracked[Int(rng.next() % UInt64(tracked.count))]
                    var isLink = false
                    if let type = try? FileManager.default.attributesOfItem(atPath: repo.url.appendingPathComponent(path).path)[.type] as? FileAttributeType {
                        isLink = type == .typeSymbolicLink
                    }
                    if !isLink { try repo.chmod(path, executable: rng.next() % 2 == 0) }
                case 4 where !tracked.isEmpty:
                    let path = tracked[Int(rng.next() % UInt64(tracked.count))]
                    try repo.symlink(path, to: "target-\(rng.next() % 3)")
                case 5 where !tracked.isEmpty:
                    let from = tracked[Int(rng.next() % UInt64(tracked.count))]
                    let to = dirs[Int(rng.next() % UInt64(dirs.count))] + "moved-\(n)"
                    if tracked.contains(where: { $0.hasPrefix(to + "/") || to.hasPrefix($0 + "/") || $0 == to }) { continue }
                    try FileManager.default.createDirectory(at: repo.url.appendingPathComponent(to).deletingLastPathComponent(),
                                                            withIntermediateDirectories: true)
                    try FileManager.default.moveItem(at: repo.url.appendingPathComponent(from), to: repo.url.appendingPathComponent(to))
                    tracked.removeAll { $0 == from }
                    tracked.append(to)
                default:
                    let path = tracked.randomElement(using: &rng) ?? "seed.txt"
                    if FileManager.default.fileExists(atPath: repo.url.appendingPathComponent(path).path) {
                        try? repo.delete(path)
                        try repo.write(path, "rewritten \(rng.next() % 3)\n")
                    }
                }
            }
            try repo.commit("random \(n)", allowEmpty: true)
        }
        return repo
    }
}

/// A small, seedable generator so random histories repeat exactly.
public struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
