import Foundation
import Synchronization
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

    static func policy(budget: String = "4.0") -> String { TestPolicy.aliceAndBob(budget: budget) }

    /// Two commits pushed to main; returns the second.
    static func twoCommitsOnMain(_ server: GateServer) throws -> String {
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        try server.clone.write("a", "2\n")
        let two = try server.clone.commit("two")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        return two
    }

    /// Replaces the clone's last commit with another: pushing it is a force push.
    static func rewriteLastCommit(_ server: GateServer) throws {
        try server.clone.git(["reset", "-q", "--hard", "HEAD~1"])
        try server.clone.write("b", "x\n")
        try server.clone.commit("rewrite")
    }

    @Test("force pushes and deletions of guarded refs are refused, and every push leaves one record")
    func refRules() throws {
        let server = try GateServer(policy: Self.policy())
        let two = try Self.twoCommitsOnMain(server)
        try server.clone.git(["tag", "v1"])
        #expect(try server.push(["origin", "refs/tags/v1"]).status == 0)

        try Self.rewriteLastCommit(server)
        let forced = try server.push(["--force", "origin", "HEAD:refs/heads/main"], environment: ["REVIEWGATE_USER": "bob"])
        #expect(forced.status != 0)
        #expect(server.ref("refs/heads/main") == two)
        #expect(GateServer.remoteLines(forced).contains { $0.hasPrefix("error: deny_force_push: refs/heads/main") })
        #expect(GateServer.remoteLines(forced).contains { $0.hasPrefix("hint: this ref only moves forward") })

        let deleted = try server.push(["origin", ":refs/tags/v1"])
        #expect(deleted.status != 0)
        #expect(server.ref("refs/tags/v1") == two)
        // A force push elsewhere is fine.
        #expect(try server.push(["origin", "HEAD:refs/heads/topic"]).status == 0)
        #expect(try server.push(["--force", "origin", "HEAD~1:refs/heads/topic"]).status == 0)

        let records = try server.auditRecords()
        #expect(records.map { $0["decision"] as? String } == ["accept", "accept", "reject", "reject", "accept", "accept"])
        #expect(records.allSatisfy { $0["kind"] as? String == "push" && ($0["policy"] as? String)?.count == 64 })
        let forcedRecord = records[2]
        #expect((forcedRecord["actor"] as? [String: Any])?["name"] as? String == "bob")
        #expect((forcedRecord["actor"] as? [String: Any])?["source"] as? String == "REVIEWGATE_USER")
        #expect((forcedRecord["actor"] as? [String: Any])?["person"] as? String == "bob")
        #expect((forcedRecord["findings"] as? [[String: Any]])?.first?["rule"] as? String == "deny_force_push")
        #expect(try server.logVerifies())
    }

    @Test("break-glass: an allowed pusher's override lands with warnings and is recorded; anyone else's is refused")
    func breakGlass() throws {
        let server = try GateServer(policy: Self.policy())
        try server.clone.write("src/payments/fee.swift", "let fee = 1\n")
        let change = try server.clone.commit("unreviewed payments change")
        let bob = try server.push(["-o", "reviewgate.override=incident 42", "origin", "HEAD:refs/heads/main"],
                                  environment: ["GL_USERNAME": "bob"])
        #expect(bob.status != 0)
        #expect(GateServer.remoteLines(bob).contains { $0.contains("bob asked for an override but is not in the policy's [breakglass] list") })
        #expect(server.ref("refs/heads/main") == nil)

        let alice = try server.push(["-o", "reviewgate.override=incident 42", "origin", "HEAD:refs/heads/main"],
                                    environment: ["GL_USERNAME": "alice"])
        #expect(alice.status == 0, "\(alice.err)")
        #expect(server.ref("refs/heads/main") == change)
        let lines = GateServer.remoteLines(alice)
        #expect(lines.contains { $0.hasPrefix("warning: payments: ") })
        #expect(lines.contains { $0.hasPrefix("hint: core paths need sign-off: the owners' 'Reviewed-by: Name <email>' trailers") })
        #expect(lines.contains { $0 == "reviewgate: override by alice: incident 42 (recorded in the audit log)" })
        #expect(lines.contains { $0.hasPrefix("reviewgate: ACCEPTED BY OVERRIDE") })

        let records = try server.auditRecords()
        #expect(records.map { $0["decision"] as? String } == ["reject", "override"])
        let override = records[1]["override"] as? [String: Any]
        #expect(override?["reason"] as? String == "incident 42" && override?["by"] as? String == "alice")
        let analyze = try run([Scratch.binary, "log", "analyze", "--dir", server.bare.path + "/reviewgate/audit"])
        #expect(analyze.status == 1, "an override is a red flag for the security team")
    }

    @Test("a push past the time budget is refused with exit 3, and recorded")
    func budget() throws {
        let server = try GateServer(policy: Self.policy(budget: "0.001"))
        for i in 0..<30 {
            try server.clone.write("f\(i)", String(repeating: "line \(i)\n", count: 2000))
            try server.clone.commit("c\(i)")
        }
        let result = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(GateServer.remoteLines(result).contains { $0.contains("time budget of 0.001 s exceeded") })
        #expect(server.ref("refs/heads/main") == nil)
        let records = try server.auditRecords()
        #expect(records.count == 1 && records.first?["decision"] as? String == "reject")
    }

    @Test("a broken policy file rejects every push with its file, line and column")
    func brokenPolicy() throws {
        let server = try GateServer(policy: Self.policy())
        try Data("version = 1\n[refs]\nprotectd = []\n".utf8).write(to: URL(fileURLWithPath: server.bare.path + "/reviewgate/policy.toml"))
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        let result = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(GateServer.remoteLines(result).contains { $0.contains("reviewgate/policy.toml:3:1: unknown key 'protectd'") })
        #expect(server.ref("refs/heads/main") == nil)
        #expect(try server.auditRecords().first?["decision"] as? String == "reject")
    }

    @Test("20 pushes at once to different branches each get the right decision; the log holds a push record for each and a landed record confirming each accepted one, in a valid chain")
    func concurrentPushes() throws {
        let server = try GateServer(policy: Self.policy())
        try server.clone.write("README", "base\n")
        try server.clone.commit("base")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var secrets = SecretFactory(seed: 20)
        var clones: [ScratchRepository] = []
        for i in 0..<20 {
            let clone = try ScratchRepository(label: "pusher")
            try clone.git(["fetch", "-q", server.bare.path, "main"])
            try clone.git(["checkout", "-q", "-B", "work", "FETCH_HEAD"])
            // Odd branches carry a secret and must be refused.
            try clone.write("f\(i).txt", i % 2 == 1 ? "token = \(secrets.githubToken())\n" : "clean \(i)\n")
            try clone.commit("change \(i)")
            clones.append(clone)
        }
        let statuses = Mutex<[Int: Int32]>([:])
        let urls = clones.map(\.url)
        DispatchQueue.concurrentPerform(iterations: 20) { i in
            let result = try? run(["git", "push", "-q", server.bare.path, "HEAD:refs/heads/b\(i)"], in: urls[i])
            statuses.withLock { $0[i] = result?.status ?? -1 }
        }
        for i in 0..<20 {
            let status = statuses.withLock { $0[i] }
            #expect(i % 2 == 1 ? status != 0 : status == 0, "push \(i)")
            #expect((server.ref("refs/heads/b\(i)") != nil) == (i % 2 == 0))
        }
        let all = try server.auditRecords(kind: nil)
        #expect(all.map { $0["seq"] as? Int } == Array(1...all.count))
        let records = all.filter { $0["kind"] as? String == "push" }
        #expect(records.count == 21)
        #expect(records.filter { $0["decision"] as? String == "reject" }.count == 10)
        // Each accepted push is confirmed by exactly one landed record with the same updates.
        let landed = all.filter { $0["kind"] as? String == "landed" }
        #expect(landed.count == 11)
        for push in records where push["decision"] as? String == "accept" {
            let confirming = landed.filter { $0["push_seq"] as? Int == push["seq"] as? Int }
            #expect(confirming.count == 1, "push seq \(push["seq"] ?? "?")")
            #expect(confirming.first.map(GateServer.updates) == GateServer.updates(push) && !GateServer.updates(push).isEmpty)
        }
        #expect(try server.logVerifies())
    }

    @Test("install: a starter policy that protects itself, idempotent, a foreign hook kept unless --force (then backed up)")
    func install() throws {
        let bare = try ScratchRepository(bare: true, label: "install")
        let first = try reviewgate(["install", "--repo", bare.path], environment: ["REVIEWGATE_USER": "root-admin"])
        #expect(first.status == 0, "\(first.err)")
        let policy = try String(contentsOfFile: bare.path + "/reviewgate/policy.toml", encoding: .utf8)
        #expect(policy.contains("paths = [\"/.reviewgate/\", \"/hooks/\"]"))
        #expect(policy.contains("logins = [\"root-admin\"]"))
        #expect(try bare.gitOutput(["config", "receive.advertisePushOptions"]) == "true")
        let attributes = try FileManager.default.attributesOfItem(atPath: bare.path + "/reviewgate/audit")
        #expect((attributes[.posixPermissions] as? Int) == 0o750)
        let hook = try String(contentsOfFile: bare.path + "/hooks/pre-receive", encoding: .utf8)
        #expect(hook.contains(Scratch.binary) && hook.contains("hook pre-receive"))

        // Again: nothing changes, nothing fails.
        let again = try reviewgate(["install", "--repo", bare.path])
        #expect(again.status == 0 && again.err.contains("already installed"))
        #expect(try String(contentsOfFile: bare.path + "/reviewgate/policy.toml", encoding: .utf8) == policy)

        // The starter policy works: a change to the gate's own files on main needs sign-off.
        let clone = try ScratchRepository(label: "install-client")
        try clone.write(".reviewgate/policy.toml", "version = 1\n")
        try clone.commit("policy copy")
        let refused = try run(["git", "push", "-q", bare.path, "HEAD:refs/heads/main"], in: clone.url)
        #expect(refused.status != 0)
        #expect(refused.err.contains("error: reviewgate: refs/heads/main"))

        // A foreign hook is left alone, or replaced with a backup under --force.
        let other = try ScratchRepository(bare: true, label: "foreign")
        try Data("#!/bin/sh\necho theirs\n".utf8).write(to: URL(fileURLWithPath: other.path + "/hooks/pre-receive"))
        let refusedInstall = try reviewgate(["install", "--repo", other.path])
        #expect(refusedInstall.status == 2 && refusedInstall.err.contains("is not ReviewGate's"))
        let forced = try reviewgate(["install", "--repo", other.path, "--force"])
        #expect(forced.status == 0)
        let backups = try FileManager.default.contentsOfDirectory(atPath: other.path + "/hooks").filter { $0.hasPrefix("pre-receive.backup-") }
        #expect(backups.count == 1)
        #expect(try String(contentsOfFile: other.path + "/hooks/" + backups[0], encoding: .utf8).contains("echo theirs"))

        // A broken policy is refused before anything is installed.
        let broken = try Scratch.directory("broken")
        defer { try? FileManager.default.removeItem(at: broken) }
        try Data("version = 2\n".utf8).write(to: broken.appendingPathComponent("p.toml"))
        let third = try ScratchRepository(bare: true, label: "broken-install")
        let bad = try reviewgate(["install", "--repo", third.path, "--policy", broken.appendingPathComponent("p.toml").path])
        #expect(bad.status == 2 && bad.err.contains("p.toml:1:"))
        #expect(!FileManager.default.fileExists(atPath: third.path + "/hooks/pre-receive"))
        #expect(!FileManager.default.fileExists(atPath: third.path + "/reviewgate"))
    }

    @Test("a push through a symbolic alias is judged as the ref it moves; a tag of a blob brings that blob")
    func aliasesAndTaggedBlobs() throws {
        let server = try GateServer(policy: Self.policy())
        let two = try Self.twoCommitsOnMain(server)
        try server.bare.git(["symbolic-ref", "refs/heads/alias", "refs/heads/main"])
        try Self.rewriteLastCommit(server)
        let forced = try server.push(["--force", "origin", "HEAD:refs/heads/alias"])
        #expect(forced.status != 0)
        #expect(GateServer.remoteLines(forced).contains { $0.hasPrefix("error: deny_force_push: refs/heads/main") })
        #expect(server.ref("refs/heads/main") == two)

        var secrets = SecretFactory(seed: 30)
        let blob = try server.clone.git(["hash-object", "-w", "--stdin"], input: Data("token = \(secrets.githubToken())\n".utf8))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        try server.clone.git(["tag", "-a", "-m", "a file", "file-tag", blob])
        let tagged = try server.push(["origin", "refs/tags/file-tag"])
        #expect(tagged.status != 0)
        #expect(GateServer.remoteLines(tagged).contains { $0.hasPrefix("error: github-pat") })
        #expect(server.ref("refs/tags/file-tag") == nil)
    }

    @Test("an override from an identity only the OS vouches for is refused, even for a breakglass login")
    func overrideNeedsAnIdentity() throws {
        let osUser = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        let server = try GateServer(policy: Self.policy().replacingOccurrences(of: "logins = [\"alice\"]", with: "logins = [\"alice\", \"\(osUser)\"]"))
        try server.clone.write("src/payments/fee.swift", "let fee = 1\n")
        try server.clone.commit("unreviewed")
        let result = try server.push(["-o", "reviewgate.override=because", "origin", "HEAD:refs/heads/main"])
        #expect(result.status != 0)
        #expect(GateServer.remoteLines(result).contains { $0.contains("asked for an override but is not in the policy's [breakglass] list") })
        #expect(server.ref("refs/heads/main") == nil)
    }
}
