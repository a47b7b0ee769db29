import Foundation
import ReviewGateTestSupport
import Testing

/// `reviewgate approve` driven like a reviewer: the note it writes is read back with git and
/// checked with `ssh-keygen -Y verify` over the statement made by hand.
@Suite("approve", .serialized)
struct ApproveTests {
    func repository() throws -> ScratchRepository {
        let repo = try ScratchRepository(label: "approve")
        try repo.git(["config", "user.name", "Rita Reviewer"])
        try repo.git(["config", "user.email", "rita@example.com"])
        try repo.write("src/core.swift", "let core = 1\n")
        try repo.commit("base")
        try repo.write("src/core.swift", "let core = 2\n")
        try repo.commit("core change")
        return repo
    }

    func statement(_ repo: ScratchRepository, _ rev: String, patchID: Bool = false) throws -> String {
        let tree = try repo.gitOutput(["rev-parse", "\(rev)^{tree}"])
        if patchID {
            let diff = try repo.git(["diff-tree", "-p", "--full-index", "--root", rev])
            let id = try repo.git(["patch-id", "--stable"], input: diff.stdout).out.split(separator: " ")[0]
            return "reviewgate approval v1\npatch-id \(id)\ntree \(tree)\n"
        }
        return "reviewgate approval v1\ncommit \(try repo.gitOutput(["rev-parse", rev]))\ntree \(tree)\n"
    }

    /// The armored blocks of the commit's note, as git shows it. Each approval is its
    /// statement in clear, then the signature block.
    func noteBlocks(_ repo: ScratchRepository, _ rev: String = "HEAD", ref: String = "reviewgate") throws -> [String] {
        let note = try repo.git(["notes", "--ref", ref, "show", rev]).out
        let approvals = note.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(approvals.allSatisfy { $0.hasPrefix("reviewgate approval v1\n") })
        return approvals.compactMap { approval in
            approval.range(of: "-----BEGIN SSH SIGNATURE-----").map { String(approval[$0.lowerBound...]) }
        }.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }
    }

    func expectVerifies(_ block: String, by key: SSHKey, over statement: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try SSHKey.verify(signature: Array(block.utf8), payload: Array(statement.utf8),
                                       allowedSigners: "rita@example.com \(key.publicKey)", principal: "rita@example.com",
                                       namespace: "reviewgate-approval")
        #expect(result.status == 0, "ssh-keygen -Y verify: \(result.err)", sourceLocation: sourceLocation)
    }

    @Test func signsNativelyAndAppendsASecondApproval() throws {
        let repo = try repository()
        let first = try SSHKey()
        let result = try reviewgate(["approve", "HEAD", "--key", first.privateKeyPath], in: repo.url)
        #expect(result.status == 0, "\(result.err)")
        let text = try statement(repo, "HEAD")
        #expect(result.out.contains("    reviewgate approval v1\n"))
        #expect(result.out.contains("git push origin refs/notes/reviewgate"))
        var blocks = try noteBlocks(repo)
        #expect(blocks.count == 1)
        try expectVerifies(blocks[0], by: first, over: text)
        // Byte for byte what ssh-keygen writes (ed25519 is deterministic).
        #expect(Array(blocks[0].utf8) == (try first.sign(Array(text.utf8), namespace: "reviewgate-approval")))
        // Over another statement it does not verify.
        let wrong = try SSHKey.verify(signature: Array(blocks[0].utf8), payload: Array(try statement(repo, "HEAD~1").utf8),
                                      allowedSigners: "rita@example.com \(first.publicKey)", principal: "rita@example.com",
                                      namespace: "reviewgate-approval")
        #expect(wrong.status != 0)

        // A second reviewer (an ECDSA key, signed through ssh-keygen) appends.
        let second = try SSHKey(type: "ecdsa", bits: 256)
        let again = try reviewgate(["approve", "HEAD", "--repo", repo.path, "--key", second.privateKeyPath])
        #expect(again.status == 0, "\(again.err)")
        blocks = try noteBlocks(repo)
        #expect(blocks.count == 2)
        try expectVerifies(blocks[0], by: first, over: text)
        try expectVerifies(blocks[1], by: second, over: text)
        // Two notes commits by the user, one per approval.
        #expect(try repo.gitOutput(["rev-list", "--count", "refs/notes/reviewgate"]) == "2")
        // Made with the identity git would use: the environment's, over the config's.
        #expect(try repo.gitOutput(["log", "-1", "--format=%an|%cn", "refs/notes/reviewgate"]) == "Ada Author|Cy Committer")
    }

    @Test func bindsToThePatchID() throws {
        let repo = try repository()
        let key = try SSHKey()
        let result = try reviewgate(["approve", "HEAD", "--key", key.privateKeyPath, "--bind", "patch-id",
                                     "--notes-ref", "approvals"], in: repo.url)
        #expect(result.status == 0, "\(result.err)")
        let blocks = try noteBlocks(repo, ref: "approvals")
        #expect(blocks.count == 1)
        try expectVerifies(blocks[0], by: key, over: try statement(repo, "HEAD", patchID: true))
    }

    @Test func usesTheConfiguredSigningKeyAndRSA() throws {
        let repo = try repository()
        let key = try SSHKey(type: "rsa", bits: 2048)
        try repo.git(["config", "user.signingkey", key.privateKeyPath])
        let result = try reviewgate(["approve", "HEAD~1"], in: repo.url)
        #expect(result.status == 0, "\(result.err)")
        let blocks = try noteBlocks(repo, "HEAD~1")
        try expectVerifies(blocks[0], by: key, over: try statement(repo, "HEAD~1"))
        #expect(blocks[0].count > 500)
    }

    /// An agent holding the key, named by its public half (as git's user.signingkey often is).
    @Test func signsThroughAnAgent() throws {
        let repo = try repository()
        let key = try SSHKey(type: "ed25519", passphrase: "correct horse")
        let socket = key.directory.appendingPathComponent("agent.sock").path
        // A daemon keeps every descriptor it inherits, and Foundation's Process waits for one
        // of them to close: start the agent with all but stdio closed, then end it by its pid.
        let agent = try run(["bash", "-c", "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ $n -gt 2 ] && eval \"exec $n>&-\"; done; exec ssh-agent -a \"$1\"",
                             "agent", socket])
        let pid = agent.out.components(separatedBy: "SSH_AGENT_PID=").dropFirst().first?.prefix { $0.isNumber } ?? ""
        #expect(!pid.isEmpty, "\(agent.out) \(agent.err)")
        defer { _ = try? run(["kill", "-KILL", String(pid)]) }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        // ssh-add reads the passphrase through SSH_ASKPASS when it has no terminal.
        let askpass = key.directory.appendingPathComponent("askpass").path
        try Data("#!/bin/sh\necho 'correct horse'\n".utf8).write(to: URL(fileURLWithPath: askpass))
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: askpass)
        let added = try run(["ssh-add", key.privateKeyPath],
                            environment: ["SSH_AUTH_SOCK": socket, "SSH_ASKPASS": askpass, "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"])
        #expect(added.status == 0, "\(added.err)")
        let result = try reviewgate(["approve", "HEAD", "--key", key.privateKeyPath + ".pub"], in: repo.url,
                                    environment: ["SSH_AUTH_SOCK": socket])
        #expect(result.status == 0, "\(result.err)")
        try expectVerifies(try noteBlocks(repo)[0], by: key, over: try statement(repo, "HEAD"))
    }

    @Test func refusals() throws {
        let repo = try repository()
        let key = try SSHKey()
        // A merge has no patch id.
        try repo.git(["checkout", "-q", "-b", "side", "HEAD~1"])
        try repo.write("side.txt", "s\n")
        try repo.commit("side")
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-edit", "side"])
        let merge = try reviewgate(["approve", "HEAD", "--key", key.privateKeyPath, "--bind", "patch-id"], in: repo.url)
        #expect(merge.status == 2)
        #expect(merge.err.contains("--bind commit"))
        // A key file that is no key; a missing one; a bad revision.
        let bogus = key.directory.appendingPathComponent("bogus")
        try Data("hello\n".utf8).write(to: bogus)
        #expect(try reviewgate(["approve", "HEAD", "--key", bogus.path], in: repo.url).status == 2)
        #expect(try reviewgate(["approve", "HEAD", "--key", "/nonexistent/key"], in: repo.url).status == 2)
        #expect(try reviewgate(["approve", "nope", "--key", key.privateKeyPath], in: repo.url).status == 2)
        // Nothing was written by any of these.
        #expect(try repo.git(["notes", "--ref", "reviewgate", "list"]).out.isEmpty)
    }
}
