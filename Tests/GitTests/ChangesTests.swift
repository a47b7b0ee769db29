import Foundation
import Git
import ReviewGateTestSupport
import Testing

/// Our changes of every commit, in the string form `ScratchRepository.gitRawChanges` uses.
func rawStrings(_ changes: [Change]) -> Set<String> {
    var result = Set<String>()
    for c in changes {
        if c.status == .renamed {
            // A rename is a deletion plus an addition to git --no-renames.
            result.insert("D \(c.oldMode) 000000 \(c.oldID.hex) \(ObjectID.zero.hex) \(hexString(c.oldPath!))")
            result.insert("A 000000 \(c.newMode) \(ObjectID.zero.hex) \(c.newID.hex) \(hexString(c.path))")
        } else {
            result.insert("\(c.status.rawValue) \(c.oldMode) \(c.newMode) \(c.oldID.hex) \(c.newID.hex) \(hexString(c.path))")
        }
    }
    return result
}

func combinedStrings(_ changes: [Change]) -> Set<String> {
    Set(changes.map { "\($0.oldMode) \($0.newMode) \($0.oldID.hex) \($0.newID.hex) \(hexString($0.path))" })
}

/// Checks every commit of a repository against git: non-merges against `diff-tree -r
/// --no-renames`, merges against `diff-tree -c` (the paths that differ from every parent).
func expectAgreesWithGit(_ scratch: ScratchRepository, path: String? = nil) throws -> (commits: Int, merges: Int) {
    let repo = try Repository(path: path ?? scratch.path)
    var merges = 0
    let all = try scratch.allCommits()
    for hex in all {
        let commit = try repo.commit(#require(ObjectID(hex: hex)))
        let withRenames = try repo.changes(of: commit)
        let plain = try repo.changes(of: commit, detectRenames: false)
        if commit.isMerge {
            merges += 1
            #expect(combinedStrings(plain) == (try scratch.gitCombinedChanges(hex)), "merge \(hex)")
        } else {
            let expected = try scratch.gitRawChanges(hex)
            #expect(rawStrings(plain) == expected, "commit \(hex)")
            #expect(rawStrings(withRenames) == expected, "commit \(hex) with renames split back")
        }
    }
    return (all.count, merges)
}

@Suite struct ChangesTests {
    @Test func everyKindOfChangeAgreesWithGit() throws {
        let scratch = try Histories.everyKindOfChange()
        let counts = try expectAgreesWithGit(scratch)
        #expect(counts.merges == 3)
        #expect(counts.commits == 19)
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomHistoriesAgreeWithGit(seed: UInt64) throws {
        let scratch = try Histories.random(seed: seed, commits: 40)
        let counts = try expectAgreesWithGit(scratch)
        #expect(counts.commits == 41)
    }

    /// This project's own history, when the tests run from a clone of it.
    @Test func ownHistoryAgreesWithGit() throws {
        let root = Scratch.packageRoot
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) else { return }
        let scratch = try ScratchRepository.existing(root)
        let counts = try expectAgreesWithGit(scratch)
        #expect(counts.commits >= 1)
    }

    @Test func renamesKeepTheOldPath() throws {
        let scratch = try Histories.everyKindOfChange()
        let repo = try Repository(path: scratch.path)
        let id = try #require(ObjectID(hex: scratch.gitOutput(["rev-parse", ":/renames and a delete"])))
        let changes = try repo.changes(of: repo.commit(id))
        let renames = changes.filter { $0.status == .renamed }.map {
            (String(decoding: $0.oldPath!, as: UTF8.self), String(decoding: $0.path, as: UTF8.self))
        }
        #expect(renames.contains { $0 == ("dir/b.txt", "moved/b.txt") })
        #expect(renames.contains { $0 == ("ünïcödé/ç.txt", "ünïcödé/é.txt") })
        #expect(renames.contains { $0 == ("same1.txt", "copy/same1.txt") })
        #expect(changes.contains { $0.status == .deleted && $0.path == Array("with space.txt".utf8) })
        // Git agrees on exact renames.
        let gitRenames = try scratch.gitOutput(["diff-tree", "-r", "-M100%", "--name-status", "--no-commit-id", id.hex])
        #expect(gitRenames.contains("R100\tdir/b.txt\tmoved/b.txt"))
    }

    @Test func typeChangesAndSubmodules() throws {
        let scratch = try Histories.everyKindOfChange()
        let repo = try Repository(path: scratch.path)
        func changes(_ message: String) throws -> [Change] {
            let id = try #require(ObjectID(hex: scratch.gitOutput(["rev-parse", ":/\(message)"])))
            return try repo.changes(of: repo.commit(id))
        }
        let toLink = try changes("file to symlink")
        #expect(toLink.map(\.status) == [.typeChanged])
        #expect(toLink.first?.newMode == .symlink)
        let added = try changes("add submodule")
        #expect(added.first?.status == .added && added.first?.newMode == .gitlink)
        #expect(try changes("bump submodule").first?.status == .modified)
        #expect(try changes("drop submodule").first?.status == .deleted)
        #expect(try changes("empty").isEmpty)
        let chmod = try changes("edit and chmod")
        #expect(chmod.contains { $0.oldMode == .blob && $0.newMode == .executable && $0.status == .modified })
    }

    /// Merges of two to four parents over random trees, written with git's plumbing so that
    /// anything goes: a name that is a file on one side and a directory on another, a name
    /// only some parents have, modes and symlinks, nested directories, the merge keeping one
    /// parent's entry, another's, a new one, or dropping it.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func randomMergesAgreeWithGit(seed: UInt64) throws {
        let scratch = try ScratchRepository(label: "merges")
        var rng = SplitMix(seed: seed)
        let blobs = try (0..<4).map { n in
            try scratch.git(["hash-object", "-w", "--stdin"], input: Data("blob \(n)\n".utf8)).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let paths = ["a", "a/b", "a/c/d", "a-b", "a.txt", "a0", "b", "d/e", "d/e/f", "d/g", "d/g/h/i", "z"]
        let modes = ["100644", "100755", "120000"]
        typealias Tree = [String: String]  // path -> "mode blob"
        func randomEntry() -> String { "\(modes[Int(rng.next() % 3)]) \(blobs[Int(rng.next() % 4)])" }
        // A tree git accepts: no path both a file and a directory of another kept path.
        func consistent(_ tree: Tree) -> Tree {
            var kept: Tree = [:]
            for path in tree.keys.sorted() where !kept.keys.contains(where: { path.hasPrefix($0 + "/") || $0.hasPrefix(path + "/") }) {
                kept[path] = tree[path]
            }
            return kept
        }
        func write(_ tree: Tree, parents: [String]) throws -> String {
            let index = scratch.url.appendingPathComponent("index.tmp").path
            try? FileManager.default.removeItem(atPath: index)
            var info = ""
            for (path, entry) in tree.sorted(by: { $0.key < $1.key }) {
                let parts = entry.split(separator: " ")
                info += "\(parts[0]) \(parts[1])\t\(path)\n"
            }
            try scratch.git(["update-index", "--add", "--index-info"], environment: ["GIT_INDEX_FILE": index], input: Data(info.utf8))
            let treeID = try scratch.git(["write-tree"], environment: ["GIT_INDEX_FILE": index]).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return try scratch.git(["commit-tree", treeID, "-m", "m"] + parents.flatMap { ["-p", $0] }).out
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let repo = try Repository(path: scratch.path)
        var checked = 0
        for _ in 0..<30 {
            let count = 2 + Int(rng.next() % 3)
            var trees: [Tree] = []
            var parents: [String] = []
            for _ in 0..<count {
                var tree: Tree = [:]
                for path in paths where rng.next() % 2 == 0 { tree[path] = randomEntry() }
                tree = consistent(tree)
                trees.append(tree)
                parents.append(try write(tree, parents: []))
            }
            // The merge: each name as one parent has it (or lacks it), or new.
            var merged: Tree = [:]
            for path in paths {
                switch rng.next() % 6 {
                case 0: merged[path] = randomEntry()
                case 1: break
                default: merged[path] = trees[Int(rng.next() % UInt64(count))][path]
                }
            }
            let merge = try write(consistent(merged), parents: parents)
            let commit = try repo.commit(#require(ObjectID(hex: merge)))
            let ours = combinedStrings(try repo.changes(of: commit, detectRenames: false))
            #expect(ours == (try scratch.gitCombinedChanges(merge)), "merge \(merge) of \(count) parents")
            checked += 1
        }
        #expect(checked == 30)
    }

    @Test func mergeOwnChangesAreResolutionsAndEvilEdits() throws {
        let scratch = try Histories.everyKindOfChange()
        let repo = try Repository(path: scratch.path)
        func paths(_ message: String) throws -> [String] {
            let id = try #require(ObjectID(hex: scratch.gitOutput(["rev-parse", ":/\(message)"])))
            return try repo.changes(of: repo.commit(id)).map { String(decoding: $0.path, as: UTF8.self) }
        }
        #expect(try paths("merge side with a resolution") == ["conflict.txt"])
        #expect(try paths("evil merge") == ["dir/deep/c.txt"])
        // The octopus merge brings only what its parents had: no own changes.
        let octopus = try #require(ObjectID(hex: scratch.gitOutput(["rev-parse", "main"])))
        #expect(try repo.commit(octopus).parents.count == 3)
        #expect(try repo.changes(of: repo.commit(octopus)).isEmpty)
    }
}

extension ScratchRepository {
    /// Wraps an existing repository without owning (or deleting) it.
    static func existing(_ url: URL) throws -> ScratchRepository {
        try ScratchRepository(wrapping: url)
    }
}
