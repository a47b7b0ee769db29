import Foundation
import ReviewGateTestSupport
import Testing

/// What a push brings (issue 12): the commits new in its quarantine, whether git kept the
/// pushed pack or unpacked it into loose objects; sign-off on commits that enter a protected
/// ref without being new; and the walk without a quarantine (a hook run by an older git).
@Suite("what a push brings")
struct PushObjectsTests {
    /// The `commits` count of the server's last audit record.
    static func lastCommitCount(_ server: GateServer) throws -> Int? {
        try server.auditRecords().last?["commits"] as? Int
    }

    @Test("new commits come from the quarantine, packed (over git's unpack limit) or loose, and nothing already there counts")
    func packedAndLoose() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        // 60 commits of a file each: about 180 objects, more than receive.unpackLimit (100),
        // so git keeps the pack in the quarantine.
        for i in 0..<60 {
            try server.clone.write("f\(i).txt", "line \(i)\n")
            try server.clone.commit("c\(i)")
        }
        let packed = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(packed.status == 0, "\(packed.err)")
        #expect(try Self.lastCommitCount(server) == 60)
        // Two commits: loose objects in the quarantine.
        try server.clone.write("a.txt", "a\n")
        try server.clone.commit("a")
        try server.clone.write("b.txt", "b\n")
        try server.clone.commit("b")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        #expect(try Self.lastCommitCount(server) == 2)
        // The same commits under another name bring nothing new.
        #expect(try server.push(["origin", "HEAD:refs/heads/copy"]).status == 0)
        #expect(try Self.lastCommitCount(server) == 0)

        // A secret deep in a packed push is still found.
        var secrets = SecretFactory(seed: 12)
        let token = secrets.githubToken()
        for i in 0..<60 {
            try server.clone.write("g\(i).txt", i == 17 ? "TOKEN = \"\(token)\"\n" : "g \(i)\n")
            try server.clone.commit("g\(i)")
        }
        let refused = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(!refused.err.contains(token))
        #expect(GateServer.remoteLines(refused).contains { $0.hasPrefix("error: github-pat: ") && $0.contains("g17.txt") })
        #expect(try Self.lastCommitCount(server) == 60)
    }

    @Test("commits entering a protected ref without being new still need sign-off; a new protected ref is walked back to the protected refs only")
    func entering() throws {
        let policy = TestPolicy.aliceAndBob().replacingOccurrences(of: "protected = [\"refs/heads/main\"]",
                                                                   with: "protected = [\"refs/heads/main\", \"refs/heads/release/*\"]")
        let server = try GateServer(policy: policy)
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        try server.clone.write("src/payments/fee.swift", "let fee = 1\n")
        let reviewed = try server.clone.commit("fee\n\nReviewed-by: Bob <bob@example.com>")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        try server.clone.write("src/payments/fee.swift", "let fee = 2\n")
        let unreviewed = try server.clone.commit("fee two")
        #expect(try server.push(["origin", "HEAD:refs/heads/topic"]).status == 0, "unprotected: anything but secrets")
        // Packed refs and loose ones: the protected refs are found either way.
        try server.bare.git(["pack-refs", "--all"])
        for i in 0..<50 { try server.bare.git(["update-ref", "refs/merge-requests/\(i)/head", reviewed]) }

        let onMain = try server.push(["origin", "\(unreviewed):refs/heads/main"])
        #expect(onMain.status != 0)
        #expect(GateServer.remoteLines(onMain).contains { $0.hasPrefix("error: payments: refs/heads/main \(unreviewed.prefix(12))") })
        #expect(try Self.lastCommitCount(server) == 0, "no new commit: sign-off found it by walking back to main")

        // A new protected ref at a commit main already has: nothing enters it.
        #expect(try server.push(["origin", "\(reviewed):refs/heads/release/1"]).status == 0)
        // One at the unreviewed commit: it enters, though the server has it.
        let release = try server.push(["origin", "\(unreviewed):refs/heads/release/2"])
        #expect(release.status != 0)
        #expect(GateServer.remoteLines(release).contains { $0.hasPrefix("error: payments: refs/heads/release/2 \(unreviewed.prefix(12))") })
        // Through a symbolic alias too.
        try server.bare.git(["symbolic-ref", "refs/heads/alias", "refs/heads/main"])
        let alias = try server.push(["origin", "\(unreviewed):refs/heads/alias"])
        #expect(alias.status != 0)
        #expect(server.ref("refs/heads/main") == reviewed)
    }

    @Test("without a quarantine (older git), what no ref reaches is new: a dangling commit with a secret is still found")
    func withoutQuarantine() throws {
        let bare = try ScratchRepository(bare: true, label: "oldgit")
        let clone = try ScratchRepository(label: "oldclient")
        try clone.write("README", "hello\n")
        let base = try clone.commit("first")
        var secrets = SecretFactory(seed: 21)
        let token = secrets.githubToken()
        try clone.write("app.py", "TOKEN = \"\(token)\"\n")
        let bad = try clone.commit("app")
        // Objects on the server, reached by no ref (as a push before quarantines left them).
        try clone.git(["push", "-q", bare.path, "HEAD:refs/heads/tmp", "\(base):refs/heads/main"])
        try bare.git(["update-ref", "-d", "refs/heads/tmp"])
        let zero = String(repeating: "0", count: 40)
        let hook = try reviewgate(["hook", "pre-receive"], in: bare.url, environment: ["GIT_DIR": bare.path],
                                  input: Data("\(zero) \(bad) refs/heads/topic\n".utf8))
        #expect(hook.status == 1, "\(hook.err)")
        #expect(!hook.err.contains(token))
        #expect(hook.err.contains("error: github-pat: \(bad.prefix(12)) app.py:1:"), "\(hook.err)")
        let clean = try reviewgate(["hook", "pre-receive"], in: bare.url, environment: ["GIT_DIR": bare.path],
                                   input: Data("\(zero) \(base) refs/heads/other\n".utf8))
        #expect(clean.status == 0, "\(clean.err)")
    }
}
