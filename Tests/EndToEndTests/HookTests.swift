import Foundation
import ReviewGateTestSupport
import Testing

/// `git push` into bare repositories set up by `reviewgate install`: the pusher's `remote:`
/// lines, the refs afterwards.
@Suite("pre-receive hook")
struct HookTests {
    @Test("a clean new branch is accepted; a secret is refused with where, what and how to fix it")
    func secretRefused() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        let first = try server.clone.commit("first")
        let ok = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(server.ref("refs/heads/main") == first)
        #expect(GateServer.remoteLines(ok).last?.hasPrefix("reviewgate: accepted: 0 problems") == true)

        var secrets = SecretFactory(seed: 7)
        let token = secrets.githubToken()
        try server.clone.write("src/app.py", "import os\nTOKEN = \"\(token)\"\n")
        let bad = try server.clone.commit("add app")
        let refused = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(server.ref("refs/heads/main") == first, "the ref must not move")
        let lines = GateServer.remoteLines(refused)
        #expect(!refused.err.contains(token), "the secret itself must never be shown")
        #expect(lines.contains { $0.hasPrefix("error: github-pat: \(bad.prefix(12)) src/app.py:2:") })
        #expect(lines.contains { $0.hasPrefix("hint: remove the secret") })
        #expect(lines.last?.hasPrefix("reviewgate: REJECTED: 1 problem") == true)
    }

    @Test("fast-forward, force push, deletion and a lightweight tag pass without a policy")
    func refKindsWithoutPolicy() throws {
        let server = try GateServer()
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        try server.clone.write("a", "2\n")
        let two = try server.clone.commit("two")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        try server.clone.git(["reset", "-q", "--hard", "HEAD~1"])
        try server.clone.write("b", "3\n")
        let rewritten = try server.clone.commit("rewritten")
        let forced = try server.push(["--force", "origin", "HEAD:refs/heads/main"])
        #expect(forced.status == 0, "\(forced.err)")
        #expect(server.ref("refs/heads/main") == rewritten)
        try server.clone.git(["tag", "v1", two])
        #expect(try server.push(["origin", "refs/tags/v1"]).status == 0)
        #expect(server.ref("refs/tags/v1") == two)
        #expect(try server.push(["origin", ":refs/tags/v1"]).status == 0)
        #expect(server.ref("refs/tags/v1") == nil)
    }

    @Test("several refs in one push: one bad ref refuses the whole push")
    func severalRefs() throws {
        let server = try GateServer()
        try server.clone.write("a", "1\n")
        let clean = try server.clone.commit("clean")
        try server.clone.git(["branch", "clean"])
        var secrets = SecretFactory(seed: 8)
        try server.clone.write("conf/.env", "AWS_ACCESS_KEY_ID=\(secrets.awsAccessKey())\n")
        try server.clone.commit("env")
        let result = try server.push(["origin", "clean:refs/heads/clean", "HEAD:refs/heads/dirty"])
        #expect(result.status != 0)
        #expect(server.ref("refs/heads/clean") == nil && server.ref("refs/heads/dirty") == nil)
        #expect(GateServer.remoteLines(result).contains { $0.contains("conf/.env:1") })
        // The clean ref alone passes.
        #expect(try server.push(["origin", "clean:refs/heads/clean"]).status == 0)
        #expect(server.ref("refs/heads/clean") == clean)
    }

    @Test("commits the server already has on another branch are not examined again")
    func knownCommits() throws {
        let server = try GateServer()
        for i in 0..<3 {
            try server.clone.write("f\(i)", "\(i)\n")
            try server.clone.commit("c\(i)")
        }
        let first = try server.push(["origin", "HEAD:refs/heads/feature"])
        #expect(GateServer.remoteLines(first).last?.contains("3 new commits examined") == true)
        let second = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(second.status == 0)
        #expect(GateServer.remoteLines(second).last?.contains("0 new commits examined") == true)
    }

    @Test("an annotated tag whose message holds a secret is refused")
    func tagMessage() throws {
        let server = try GateServer()
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var secrets = SecretFactory(seed: 9)
        try server.clone.git(["tag", "-a", "v2", "-m", "release\n\ndeploy key \(secrets.githubToken())\n"])
        let result = try server.push(["origin", "refs/tags/v2"])
        #expect(result.status != 0)
        #expect(server.ref("refs/tags/v2") == nil)
    }

    @Test("an override request from someone not in [breakglass] is itself refused")
    func overrideRefused() throws {
        let server = try GateServer()
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        let result = try server.push(["-o", "reviewgate.override=hotfix", "origin", "HEAD:refs/heads/main"],
                                     environment: ["REVIEWGATE_USER": "mallory"])
        #expect(result.status != 0)
        #expect(GateServer.remoteLines(result).contains { $0.contains("mallory asked for an override but is not in the policy's [breakglass] list") })
        #expect(server.ref("refs/heads/main") == nil)
    }

    @Test("control characters in pushed paths never reach the pusher's terminal")
    func controlCharacters() throws {
        let server = try GateServer()
        var secrets = SecretFactory(seed: 10)
        try server.clone.write(Array("evil\u{1b}[2Jname.txt".utf8), Data("key = \(secrets.stripeKey())\n".utf8))
        try server.clone.commit("evil")
        let result = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(result.status != 0)
        let remote = GateServer.remoteLines(result).joined(separator: "\n")
        #expect(!remote.unicodeScalars.contains { $0.value == 0x1b })
        #expect(remote.contains("stripe"))
    }

    @Test("a missing binary rejects the push")
    func missingBinary() throws {
        let dir = try Scratch.directory("bin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("reviewgate").path
        try FileManager.default.copyItem(atPath: Scratch.binary, toPath: copy)
        let server = try GateServer(binary: copy)
        try FileManager.default.removeItem(atPath: copy)
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        let result = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(GateServer.remoteLines(result).contains { $0.contains("the reviewgate binary is missing") })
        #expect(server.ref("refs/heads/main") == nil)
    }

    @Test("hostile hook input is a clear runtime error, never a crash", arguments: [
        "not a line\n",
        "\(String(repeating: "0", count: 40)) \(String(repeating: "0", count: 40)) refs/heads/x\n",
        "\(String(repeating: "a", count: 40)) \(String(repeating: "b", count: 40)) refs/heads/x\n",
        "\(String(repeating: "1", count: 40)) \(String(repeating: "2", count: 40)) HEAD\n",
        "\(String(repeating: "1", count: 64)) \(String(repeating: "2", count: 64)) refs/heads/x\n",
    ])
    func hostileInput(line: String) throws {
        let repo = try ScratchRepository(bare: true)
        let result = try reviewgate(["hook", "pre-receive"], in: repo.url, environment: ["GIT_DIR": repo.path],
                                    input: Data(line.utf8))
        #expect(result.status == 3 || result.status == 1, "\(result.status) \(result.err)")
        #expect(result.err.contains("reviewgate: REJECTED:"))
    }
}
