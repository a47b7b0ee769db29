import Foundation
import Git
import ReviewGateTestSupport
import Testing

/// `git patch-id --stable` of every non-merge commit in `revisions`, read from one
/// `git log -p` stream (the patch of `git diff-tree -p --full-index`, no rename detection).
func gitPatchIDs(_ repo: ScratchRepository, _ revisions: [String], fullIndex: Bool = true) throws -> [String: String] {
    let log = try repo.git(["log", "-p", "--no-renames", "--no-merges", "--no-color", "--format=commit %H"]
                           + (fullIndex ? ["--full-index"] : []) + revisions)
    let ids = try repo.git(["patch-id", "--stable"], input: log.stdout)
    var result: [String: String] = [:]
    for line in ids.out.split(separator: "\n") {
        let fields = line.split(separator: " ")
        if fields.count == 2 { result[String(fields[1])] = String(fields[0]) }
    }
    return result
}

func expectPatchIDsAgree(_ repo: ScratchRepository, _ revisions: [String], minimum: Int,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
    let expected = try gitPatchIDs(repo, revisions)
    let commits = try repo.gitOutput(["rev-list"] + revisions).split(separator: "\n").map(String.init)
    let repository = try Repository(path: repo.path)
    var mismatches: [String] = []
    var compared = 0
    for hex in commits {
        let id = try #require(ObjectID(hex: hex))
        let ours = try repository.patchID(of: id)?.hex
        if ours != expected[hex] { mismatches.append("\(hex): git \(expected[hex] ?? "none"), ours \(ours ?? "none")") }
        if ours != nil { compared += 1 }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count) of \(commits.count) differ: \(mismatches.prefix(5))", sourceLocation: sourceLocation)
    #expect(compared >= minimum, "only \(compared) commits had a patch", sourceLocation: sourceLocation)
}

@Suite("Patch ids against git patch-id --stable", .serialized)
struct PatchIDTests {
    @Test func everyKindOfChange() throws {
        let repo = try Histories.everyKindOfChange()
        try expectPatchIDsAgree(repo, ["--all"], minimum: 15)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomHistories(seed: UInt64) throws {
        let repo = try Histories.random(seed: seed, commits: 60)
        try expectPatchIDsAgree(repo, ["HEAD"], minimum: 40)
    }

    /// Multi-hunk text edits, binary files, empty files, files without a final newline,
    /// mode changes, renames (a deletion and an addition without -M) and many files per commit.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func generatedContent(seed: UInt64) throws {
        let repo = try ScratchRepository(label: "patchid")
        var rng = SplitMix(seed: seed)
        let words = ["alpha", "beta", "  gamma", "\tdelta", "}", "{", "", "return x", "if (a) {", "// note", "x = 1;"]
        func text(lines: Int) -> String {
            (0..<lines).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: "\n")
                + (rng.next() % 4 == 0 ? "" : "\n")
        }
        var files: [String: [String]] = [:]
        for n in 0..<40 {
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let name = "f\(rng.next() % 12)" + (rng.next() % 3 == 0 ? ".bin" : ".txt")
                let path = (rng.next() % 2 == 0 ? "dir/" : "") + name
                switch rng.next() % 8 {
                case 0:
                    try repo.write(path, "")
                case 1:
                    var bytes = Data((0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                    bytes.append(0)
                    try repo.write(Array(path.utf8), bytes)
                case 2:
                    if FileManager.default.fileExists(atPath: repo.url.appendingPathComponent(path).path) {
                        try repo.chmod(path, executable: rng.next() % 2 == 0)
                    }
                case 3:
                    if FileManager.default.fileExists(atPath: repo.url.appendingPathComponent(path).path) {
                        try repo.delete(path)
                        files[path] = nil
                    }
                case 4:
                    let target = "moved/\(name)-\(n)"
                    if FileManager.default.fileExists(atPath: repo.url.appendingPathComponent(path).path) {
                        try FileManager.default.createDirectory(at: repo.url.appendingPathComponent("moved"), withIntermediateDirectories: true)
                        try FileManager.default.moveItem(at: repo.url.appendingPathComponent(path), to: repo.url.appendingPathComponent(target))
                    }
                default:
                    // Edit a few lines of a longer text, so diffs have several hunks.
                    var lines = files[path] ?? text(lines: 40).components(separatedBy: "\n")
                    for _ in 0..<(1 + Int(rng.next() % 5)) {
                        let at = Int(rng.next() % UInt64(lines.count + 1))
                        switch rng.next() % 3 {
                        case 0: lines.insert(words[Int(rng.next() % UInt64(words.count))], at: at)
                        case 1 where at < lines.count: lines.remove(at: at)
                        default: if at < lines.count { lines[at] = words[Int(rng.next() % UInt64(words.count))] + " \(n)" }
                        }
                    }
                    files[path] = lines
                    try repo.write(path, lines.joined(separator: "\n"))
                }
            }
            try repo.commit("generated \(n)", allowEmpty: true)
        }
        try expectPatchIDsAgree(repo, ["HEAD"], minimum: 30)
    }

    /// Without binary files the abbreviated index lines of a plain `git show` do not matter.
    @Test func abbreviatedIndexLinesAgreeForText() throws {
        let repo = try Histories.random(seed: 5, commits: 20)
        #expect(try gitPatchIDs(repo, ["HEAD"], fullIndex: false) == gitPatchIDs(repo, ["HEAD"]))
    }

    /// A long history: a thousand commits of the repository named by `REVIEWGATE_GIT_HISTORY`
    /// (e.g. a clone of git.git, read only), else a generated history of 150 commits.
    @Test func longHistory() throws {
        if let given = ProcessInfo.processInfo.environment["REVIEWGATE_GIT_HISTORY"], !given.isEmpty {
            let repo = try ScratchRepository(wrapping: URL(fileURLWithPath: given))
            try expectPatchIDsAgree(repo, ["-n", "1000", "--no-merges", "HEAD"], minimum: 900)
        } else {
            print("PatchIDTests: REVIEWGATE_GIT_HISTORY is not set; using a generated history of 150 commits instead of a real one")
            let repo = try Histories.random(seed: 21, commits: 150)
            try expectPatchIDsAgree(repo, ["--no-merges", "HEAD"], minimum: 120)
        }
    }

    @Test func mergesAndEmptyCommitsHaveNone() throws {
        let repo = try Histories.everyKindOfChange()
        let repository = try Repository(path: repo.path)
        let merge = try #require(ObjectID(hex: try repo.gitOutput(["rev-parse", "HEAD"])))
        #expect(try repository.patchID(of: merge) == nil)
        let empty = try #require(ObjectID(hex: try repo.gitOutput(["rev-parse", ":/^empty"])))
        #expect(try repository.patchID(of: empty) == nil)
    }

    /// The point of binding to a patch id: a clean rebase keeps it, an amended change does not.
    @Test func survivesRebaseNotAmend() throws {
        let repo = try ScratchRepository()
        try repo.write("a.txt", "one\ntwo\nthree\n")
        try repo.commit("base")
        try repo.git(["checkout", "-q", "-b", "topic"])
        try repo.write("a.txt", "one\ntwo\nthree\nfour\n")
        let before = try repo.commit("topic change")
        try repo.git(["checkout", "-q", "main"])
        try repo.write("b.txt", "other\n")
        try repo.commit("main moves on")
        try repo.git(["checkout", "-q", "topic"])
        try repo.git(["rebase", "-q", "main"])
        let after = try repo.gitOutput(["rev-parse", "HEAD"])
        try repo.write("a.txt", "one\ntwo\nthree\nfour!\n")
        let amended = try repo.commit("topic change, amended", environment: [:])
        let repository = try Repository(path: repo.path)
        func id(_ hex: String) throws -> ObjectID? { try repository.patchID(of: try #require(ObjectID(hex: hex))) }
        #expect(before != after)
        #expect(try id(before) == id(after))
        #expect(try id(after) != id(amended))
    }
}

@Suite("Notes appended like git notes append")
struct NotesTests {
    @Test func appendCreatesThenExtends() throws {
        let repo = try ScratchRepository()
        try repo.git(["config", "user.name", "Nora Notes"])
        try repo.git(["config", "user.email", "nora@example.com"])
        try repo.write("a.txt", "a\n")
        let commit = try repo.commit("one")
        let id = try #require(ObjectID(hex: commit))
        let repository = try Repository(path: repo.path)
        try repository.appendNote(Array("first\nblock\n".utf8), to: id, notesRef: "refs/notes/reviewgate")
        #expect(try repo.git(["notes", "--ref", "reviewgate", "show", commit]).out == "first\nblock\n")
        try repository.appendNote(Array("second".utf8), to: id, notesRef: "refs/notes/reviewgate")
        let shown = try repo.git(["notes", "--ref", "reviewgate", "show", commit]).out
        // Exactly what git notes append makes of the same two texts.
        let reference = try ScratchRepository()
        try reference.write("a.txt", "a\n")
        let other = try reference.commit("one")
        try reference.git(["notes", "--ref", "reviewgate", "append", "-m", "first\nblock", other])
        try reference.git(["notes", "--ref", "reviewgate", "append", "-m", "second", other])
        #expect(shown == (try reference.git(["notes", "--ref", "reviewgate", "show", other]).out))
        #expect(shown == "first\nblock\n\nsecond\n")
        // The notes commit is the user's, on top of the previous one.
        let log = try repo.gitOutput(["log", "--format=%an <%ae>|%cn", "refs/notes/reviewgate"]).split(separator: "\n")
        #expect(log.count == 2)
        #expect(log.first.map(String.init) == "Nora Notes <nora@example.com>|Nora Notes")
        #expect(try repository.configString("user.name") == "Nora Notes")
        #expect(try repository.configString("reviewgate.nothing") == nil)
    }
}
