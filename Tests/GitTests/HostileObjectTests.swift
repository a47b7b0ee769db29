import Foundation
import Git
import ReviewGateTestSupport
import Testing

/// Objects a pusher can craft by hand: each is read as git reads it, or refused with a clear
/// error, never a crash.
@Suite struct HostileObjectTests {
    func write(_ repo: ScratchRepository, type: String, _ body: Data, literally: Bool = false) throws -> String {
        try repo.git(["hash-object", "-t", type, "-w", "--stdin"] + (literally ? ["--literally"] : []), input: body)
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A `parent` line after `author` is not a parent to git: the commit is not a merge, and its
    /// changes are against its real parent.
    @Test func lateParentLinesAreNotParents() throws {
        let repo = try Histories.random(seed: 21, commits: 2)
        let head = try repo.gitOutput(["rev-parse", "HEAD"])
        let older = try repo.gitOutput(["rev-parse", "HEAD~1"])
        let tree = try repo.gitOutput(["rev-parse", "HEAD~1^{tree}"])
        let body = "tree \(tree)\nparent \(head)\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\nparent \(older)\n\nsneaky\n"
        let id = try write(repo, type: "commit", Data(body.utf8), literally: true)
        let gitParents = try repo.gitOutput(["show", "-s", "--format=%P", id])
        let commit = try Repository(path: repo.path).commit(#require(ObjectID(hex: id)))
        #expect(commit.parents.map(\.hex).joined(separator: " ") == gitParents)
        #expect(!commit.isMerge)
        #expect(rawStrings(try Repository(path: repo.path).changes(of: commit, detectRenames: false)) == (try repo.gitRawChanges(id)))
    }

    /// In a tag the first `object` line counts, as git peels it.
    @Test func firstTagObjectLineWins() throws {
        let repo = try Histories.random(seed: 22, commits: 2)
        let first = try repo.gitOutput(["rev-parse", "HEAD"])
        let second = try repo.gitOutput(["rev-parse", "HEAD~1"])
        let body = "object \(first)\ntype commit\ntag t\ntagger T <t@x> 1 +0000\nobject \(second)\n\nmsg\n"
        let id = try write(repo, type: "tag", Data(body.utf8), literally: true)
        let repository = try Repository(path: repo.path)
        let peeled = try repository.peelToCommit(#require(ObjectID(hex: id)))
        #expect(peeled?.hex == (try repo.gitOutput(["rev-parse", "\(id)^{commit}"])))
    }

    /// Dates and zones at the edges of Int64 read as git reads them, without trapping.
    @Test(arguments: ["9223372036854775807 +0100", "1 -9223372036854775808", "1 +999999999999999999", "+5 +0100", "x y"])
    func extremeDatesDoNotCrash(date: String) throws {
        let repo = try Histories.random(seed: 23, commits: 1)
        let tree = try repo.gitOutput(["rev-parse", "HEAD^{tree}"])
        let body = "tree \(tree)\nauthor A <a@x> \(date)\ncommitter C <c@x> \(date)\n\nm\n"
        let id = try write(repo, type: "commit", Data(body.utf8), literally: true)
        let result = try reviewgate(["inspect", id, "--format", "json", "--repo", repo.path])
        #expect(result.status == 0, "\(result.err)")
    }

    /// Trees nested deeper than git's own limit are refused with an error, not a stack overflow.
    @Test func absurdlyDeepTreesAreRefused() throws {
        let repo = try Histories.random(seed: 24, commits: 1)
        var tree = try repo.gitOutput(["rev-parse", "HEAD^{tree}"])
        var raw = Data()
        for _ in 0..<600 {
            raw = Data("40000 d\u{0}".utf8) + Data(hexBytes(tree))
            tree = try write(repo, type: "tree", raw, literally: true)
        }
        let body = "tree \(tree)\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\n\ndeep\n"
        let id = try write(repo, type: "commit", Data(body.utf8), literally: true)
        let result = try reviewgate(["inspect", id, "--repo", repo.path])
        #expect(result.status == 3)
        #expect(result.err.contains("deeper than 512"))
    }

    @Test func malformedTreesAreCleanErrors() throws {
        let repo = try Histories.random(seed: 25, commits: 1)
        for raw in [Data("100644 a".utf8), Data("100644 \u{0}".utf8) + Data(count: 20), Data("9x9 a\u{0}".utf8) + Data(count: 20),
                    Data("100644 a\u{0}short".utf8)] {
            let tree = try write(repo, type: "tree", raw, literally: true)
            let body = "tree \(tree)\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1 +0000\n\nbad tree\n"
            let id = try write(repo, type: "commit", Data(body.utf8), literally: true)
            let result = try reviewgate(["inspect", id, "--repo", repo.path])
            #expect(result.status == 3, "\(result.err)")
            #expect(result.err.contains("malformed tree"), "\(result.err)")
        }
    }

    /// git's signed payload leaves out every signature header (gpgsig-sha256 too): ours must
    /// be exactly what `ssh-keygen -Y verify` accepts for a commit git verifies.
    @Test func payloadDropsEverySignatureHeader() throws {
        let repo = try Histories.random(seed: 26, commits: 1)
        let key = try SSHKey()
        try repo.git(["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key.privateKeyPath)", "commit", "-q", "-S", "--allow-empty", "-m", "signed"])
        var raw = try repo.git(["cat-file", "commit", "HEAD"]).out
        raw = raw.replacingOccurrences(of: "\ngpgsig ", with: "\ngpgsig-sha256 junk\n more\ngpgsig ")
        let id = try write(repo, type: "commit", Data(raw.utf8))
        let commit = try Repository(path: repo.path).commit(#require(ObjectID(hex: id)))
        let signature = try #require(commit.signature)
        #expect(!String(decoding: signature.signedPayload, as: UTF8.self).contains("junk"))
        let verify = try key.verify(signature: signature.signature, payload: signature.signedPayload, namespace: "git")
        #expect(verify.status == 0, "\(verify.err)")
        // The check can fail: one more byte in the payload and ssh-keygen refuses it.
        let tampered = try key.verify(signature: signature.signature, payload: signature.signedPayload + [10], namespace: "git")
        #expect(tampered.status != 0)
    }

    /// A shallow clone's boundary commits are roots, as `git diff-tree` shows them.
    @Test func shallowBoundaryIsARoot() throws {
        let origin = try Histories.random(seed: 27, commits: 4)
        let dir = try Scratch.directory("shallow")
        defer { try? FileManager.default.removeItem(at: dir) }
        try run(["git", "clone", "-q", "--depth", "2", "file://\(origin.path)", dir.appendingPathComponent("c").path])
        let clone = try ScratchRepository(wrapping: dir.appendingPathComponent("c"))
        let boundary = try clone.gitOutput(["rev-parse", "HEAD~1"])
        let repo = try Repository(path: clone.path)
        let changes = try repo.changes(of: repo.commit(#require(ObjectID(hex: boundary))), detectRenames: false)
        #expect(rawStrings(changes) == (try clone.gitRawChanges(boundary)))
        #expect(changes.allSatisfy { $0.status == .added })
    }

    @Test func notesFoundInEveryPlaceAndAnyCase() throws {
        let repo = try Histories.random(seed: 28, commits: 1)
        let target = try repo.gitOutput(["rev-parse", "HEAD"])
        let flat = try write(repo, type: "blob", Data("flat\n".utf8))
        let fanned = try write(repo, type: "blob", Data("fanned\n".utf8))
        let inner = try repo.git(["mktree"], input: Data("100644 blob \(fanned)\t\(target.dropFirst(2).uppercased())\n".utf8)).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let top = try repo.git(["mktree"], input: Data("100644 blob \(flat)\t\(target)\n040000 tree \(inner)\t\(target.prefix(2))\n".utf8)).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let notes = try repo.gitOutput(["commit-tree", top, "-m", "notes"])
        let repository = try Repository(path: repo.path)
        let text = try repository.note(for: #require(ObjectID(hex: target)), notesCommit: #require(ObjectID(hex: notes)))
        #expect(text.map { String(decoding: $0, as: UTF8.self) } == "flat\n\nfanned\n")
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(hex.utf8)[...]
    while chars.count >= 2 {
        out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
        chars = chars.dropFirst(2)
    }
    return out
}
