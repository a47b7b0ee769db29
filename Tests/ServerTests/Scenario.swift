// The checks every server suite makes with real pushes: install as root, secrets refused,
// clean pushes accepted, who pushed recorded, break-glass, four eyes, install --check.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import ReviewGateTestSupport
import Testing

/// A repository served by a real git server.
protocol PushTarget {
    /// The repository on the server's disk.
    var repository: String { get }
    /// The account the server runs as and that owns the repository.
    var owner: Account { get }
    var binary: ServerBinary { get }
    /// Where the hook learns who pushed: "GL_USER", "REMOTE_USER", or "os".
    var source: String { get }
    /// The URL `user` pushes to.
    func url(as user: String) -> String
    /// What the client needs in its environment to push as `user` (its ssh key).
    func environment(as user: String) -> [String: String]
}

extension PushTarget {
    var identified: Bool { source != "os" }
    var log: AuditLog { AuditLog(binary: binary.path, repository: repository) }
    func ref(_ name: String) -> String? { owner.ref(name, in: repository) }

    /// `git push --porcelain ARGS` from `clone` as `user`, bounded to 60 s; never throws on a refusal.
    func push(_ clone: ScratchRepository, as user: String, _ arguments: [String]) throws -> CommandResult {
        var env = environment(as: user).merging(noProxy) { _, new in new }
        env["GIT_TERMINAL_PROMPT"] = "0"
        return try run(["timeout", "-k", "5", "60", "git", "push", "--porcelain"] + arguments, in: clone.url, environment: env)
    }

    /// Fetches the server's main through the server and checks it out in `clone`.
    func fetchMain(into clone: ScratchRepository, as user: String) throws {
        var env = environment(as: user).merging(noProxy) { _, new in new }
        env["GIT_TERMINAL_PROMPT"] = "0"
        try must(["timeout", "-k", "5", "60", "git", "fetch", "-q", url(as: user), "main"], in: clone.url, environment: env)
        try clone.git(["checkout", "-q", "-B", "main", "FETCH_HEAD"])
    }

    /// `reviewgate install --check` as root (nil) or as the owner.
    func installCheck(as account: Account?) throws -> CommandResult {
        let command = [binary.path, "install", "--check", "--repo", repository]
        return try account.map { try $0.run(command) } ?? run(command)
    }
}

enum Scenario {
    /// `reviewgate install --repo R --policy P` run as root on the server's repository: it works,
    /// says which account the hooks run as, and leaves everything under the repository owned by
    /// that account, the log directory 0750 and the policy 0640.
    @discardableResult
    static func installAsRoot(_ target: some PushTarget, policy: String, teardown: Teardown) throws -> CommandResult {
        let file = try policyFile(policy, teardown: teardown)
        let result = try run([target.binary.path, "install", "--repo", target.repository, "--policy", file])
        // Nothing below means anything without the hook.
        try #require(result.status == 0, "install as root: \(result.err)")
        #expect(result.err.contains(target.owner.name), "install names the account the hooks run as: \(result.err)")
        #expect(notOwned(by: target.owner.uid, under: target.repository) == [], "everything install wrote belongs to the repository's owner")
        #expect(mode(of: target.repository + "/reviewgate/audit") == 0o750)
        #expect(mode(of: target.repository + "/reviewgate/policy.toml") == 0o640)
        return result
    }

    /// Real pushes by alice and bob (or, on a server that knows nobody, by its account):
    /// clean, secret, override requests, a core-path change reviewed by alice; then the audit
    /// log: one record per push with the pusher, where the name came from, and the person.
    static func pushes(_ target: some PushTarget, seed: UInt64) throws {
        let clone = try ScratchRepository(label: "client")
        let main = "HEAD:refs/heads/main"
        let override = ["-o", "reviewgate.override=incident 7"]
        // Who each push is, as the server sees it.
        let alice = target.identified ? "alice" : target.owner.name
        let bob = target.identified ? "bob" : target.owner.name

        // 1. A clean push is accepted.
        try clone.write("README", "hello\n")
        let first = try clone.commit("first")
        let clean = try target.push(clone, as: "alice", [target.url(as: "alice"), main])
        #expect(clean.status == 0, "clean push: \(clean.err)")
        #expect(target.ref("refs/heads/main") == first)
        #expect(GateServer.remoteLines(clean).contains { $0.hasPrefix("reviewgate: accepted") }, "\(clean.err)")

        // 2. A secret is refused: rule and path named, the secret itself never shown, the ref stays.
        var secrets = SecretFactory(seed: seed)
        let token = secrets.githubToken()
        try clone.write("src/app.py", "import os\nTOKEN = \"\(token)\"\n")
        let bad = try clone.commit("add app")
        let refused = try target.push(clone, as: "bob", [target.url(as: "bob"), main])
        #expect(refused.status != 0, "a secret must be refused: \(refused.err)")
        #expect(target.ref("refs/heads/main") == first, "the ref must not move")
        #expect(!refused.err.contains(token) && !refused.out.contains(token), "the secret itself must never be shown")
        let lines = GateServer.remoteLines(refused)
        #expect(lines.contains { $0.hasPrefix("error: github-pat: \(bad.prefix(12)) src/app.py:2:") }, "\(refused.err)")
        #expect(lines.contains { $0.hasPrefix("reviewgate: REJECTED") }, "\(refused.err)")

        // 3. bob is not in [breakglass]: his override request is itself refused.
        let bobOverride = try target.push(clone, as: "bob", override + [target.url(as: "bob"), main])
        #expect(bobOverride.status != 0, "\(bobOverride.err)")
        #expect(GateServer.remoteLines(bobOverride).contains {
            $0.contains("\(bob) asked for an override but is not in the policy's [breakglass] list")
        }, "\(bobOverride.err)")
        #expect(target.ref("refs/heads/main") == first)

        // 4. alice may break glass, but only when the server vouches for her name.
        let aliceOverride = try target.push(clone, as: "alice", override + [target.url(as: "alice"), main])
        if target.identified {
            #expect(aliceOverride.status == 0, "alice's override: \(aliceOverride.err)")
            #expect(target.ref("refs/heads/main") == bad)
            #expect(GateServer.remoteLines(aliceOverride).contains {
                $0 == "reviewgate: override by alice: incident 7 (recorded in the audit log)"
            }, "\(aliceOverride.err)")
            #expect(!aliceOverride.err.contains(token))
        } else {
            #expect(aliceOverride.status != 0, "nobody can break glass as the OS user: \(aliceOverride.err)")
            #expect(GateServer.remoteLines(aliceOverride).contains {
                $0.contains("asked for an override but is not in the policy's [breakglass] list")
            }, "\(aliceOverride.err)")
            #expect(target.ref("refs/heads/main") == first)
        }
        // Go on from what the server has (when an override that should land did not, the next
        // pushes are not judged on the secret again).
        if let tip = target.ref("refs/heads/main"), tip != bad { try clone.git(["reset", "-q", "--hard", tip]) }

        // 5. A payments change reviewed by alice: alice pushing it is her own review (four
        //    eyes: the pusher counts zero); bob pushing it is fine. Without a known pusher the
        //    trailer counts.
        try clone.write("src/payments/fee.swift", "let fee = 2\n")
        let reviewed = try clone.commit("raise the fee\n\nReviewed-by: Alice Liddell <alice@example.com>")
        let before = target.ref("refs/heads/main")
        if target.identified {
            let own = try target.push(clone, as: "alice", [target.url(as: "alice"), main])
            #expect(own.status != 0, "alice's review of her own push must not count: \(own.err)")
            #expect(GateServer.remoteLines(own).contains { $0.hasPrefix("error: payments: ") }, "\(own.err)")
            #expect(target.ref("refs/heads/main") == before)
        }
        let byBob = try target.push(clone, as: "bob", [target.url(as: "bob"), main])
        #expect(byBob.status == 0, "\(byBob.err)")
        #expect(target.ref("refs/heads/main") == reviewed)

        // The log: every push, its decision, who pushed and where the name came from.
        let records = try target.log.records()
        let expected: [(decision: String, name: String, person: String)] = target.identified
            ? [("accept", "alice", "alice"), ("reject", "bob", "bob"), ("reject", "bob", "bob"),
               ("override", "alice", "alice"), ("reject", "alice", "alice"), ("accept", "bob", "bob")]
            : [("accept", alice, ""), ("reject", bob, ""), ("reject", bob, ""), ("reject", alice, ""), ("accept", bob, "")]
        let pushRecords = records.filter { $0["kind"]?.string == "push" }
        #expect(pushRecords.map { $0["decision"]?.string ?? "?" } == expected.map(\.decision),
                "\(records.map { $0.serialized() })")
        for (record, want) in zip(pushRecords, expected) {
            let actor = record["actor"]
            #expect(actor?["name"]?.string == want.name, "\(record.serialized())")
            #expect(actor?["source"]?.string == target.source, "\(record.serialized())")
            if want.person.isEmpty {
                #expect(actor?["person"] == nil || actor?["person"]?.isNull == true, "\(record.serialized())")
            } else {
                #expect(actor?["person"]?.string == want.person, "\(record.serialized())")
            }
        }
        if pushRecords.count > 1 {
            let findings = pushRecords[1]["findings"]?.array ?? []
            #expect(findings.contains { $0["rule"]?.string == "github-pat" && $0["path"]?.string == "src/app.py" },
                    "\(pushRecords[1].serialized())")
        }
        if target.identified, pushRecords.count > 3 {
            #expect(pushRecords[3]["override"]?["by"]?.string == "alice")
            #expect(pushRecords[3]["override"]?["reason"]?.string == "incident 7")
        }
        #expect(!(try target.log.show()).out.contains(token), "the log never holds the secret")
        #expect(target.log.rawBytes().range(of: Data(token.utf8)) == nil, "the log files never hold the secret")
        let verify = try target.log.verify()
        #expect(verify.status == 0, "log verify: \(verify.out)\(verify.err)")
    }

    /// bob pushes a new secret on top of the server's main: refused, rule and path named, the
    /// secret never shown, the ref stays.
    static func secretRefused(_ target: some PushTarget, seed: UInt64,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let clone = try ScratchRepository(label: "client-secret")
        try target.fetchMain(into: clone, as: "bob")
        var secrets = SecretFactory(seed: seed)
        let token = secrets.githubToken()
        try clone.write("deploy/settings.py", "GITHUB = \"\(token)\"\n")
        let bad = try clone.commit("settings")
        let before = target.ref("refs/heads/main")
        let refused = try target.push(clone, as: "bob", [target.url(as: "bob"), "HEAD:refs/heads/main"])
        #expect(refused.status != 0, "a secret must be refused: \(refused.err)", sourceLocation: sourceLocation)
        #expect(target.ref("refs/heads/main") == before, "the ref must not move", sourceLocation: sourceLocation)
        #expect(!refused.err.contains(token), "the secret itself must never be shown", sourceLocation: sourceLocation)
        #expect(GateServer.remoteLines(refused).contains { $0.hasPrefix("error: github-pat: \(bad.prefix(12)) deploy/settings.py:1:") },
                "\(refused.err)", sourceLocation: sourceLocation)
    }

    /// `install --check`: 0 as root and as the owner on a working install; 1 with a message
    /// when `breakHook` has disabled the hook, and when the owner cannot write the log (a push
    /// is then refused: fail closed). `restoreHook` undoes `breakHook`.
    static func installCheck(_ target: some PushTarget, breakHook: () throws -> Void, restoreHook: () throws -> Void) throws {
        func expectHealthy(_ when: String) throws {
            let asRoot = try target.installCheck(as: nil)
            #expect(asRoot.status == 0, "install --check as root \(when): \(asRoot.out)\(asRoot.err)")
            let asOwner = try target.installCheck(as: target.owner)
            #expect(asOwner.status == 0, "install --check as \(target.owner.name) \(when): \(asOwner.out)\(asOwner.err)")
        }
        func expectBroken(_ what: String, mentioning word: String) throws {
            for account in [nil, target.owner] {
                let result = try target.installCheck(as: account)
                let who = account?.name ?? "root"
                #expect(result.status == 1, "install --check as \(who) with \(what): \(result.status) \(result.out)\(result.err)")
                #expect((result.out + result.err).contains(word), "install --check as \(who) with \(what) names it: \(result.out)\(result.err)")
            }
        }
        try expectHealthy("after install")

        try breakHook()
        try expectBroken("the hook disabled", mentioning: "pre-receive")
        try restoreHook()
        try expectHealthy("with the hook restored")

        // The log handed to root (readable, not writable, by the owner): the check says so, and
        // a push fails closed.
        let audit = target.repository + "/reviewgate/audit"
        let saved = entries(under: audit)
        for (path, _) in saved { lchown(path, 0, 0) }
        for (path, info) in saved where info.st_mode & S_IFMT == S_IFDIR { chmod(path, 0o755) }
        for (path, info) in saved where info.st_mode & S_IFMT == S_IFREG { chmod(path, 0o644) }
        try expectBroken("the log directory owned by root", mentioning: "audit")
        let clone = try ScratchRepository(label: "client-ro")
        try target.fetchMain(into: clone, as: "bob")
        try clone.write("NOTES", "more\n")
        try clone.commit("notes")
        let before = target.ref("refs/heads/main")
        let refused = try target.push(clone, as: "bob", [target.url(as: "bob"), "HEAD:refs/heads/main"])
        #expect(refused.status != 0, "a push whose record cannot be written is refused: \(refused.err)")
        #expect(target.ref("refs/heads/main") == before)
        for (path, info) in saved {
            lchown(path, info.st_uid, info.st_gid)
            if info.st_mode & S_IFMT != S_IFLNK { chmod(path, info.st_mode & 0o7777) }
        }
        try expectHealthy("with the log directory given back")
    }

    /// Replaces a hook file by `exit 0` (keeping owner and mode); returns how to put it back.
    static func disableHook(at path: String, owner: Account) throws -> () throws -> Void {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let fileMode = mode(of: path) ?? 0o755
        try owner.write(path, "#!/bin/sh\nexit 0\n", mode: fileMode)
        return { try owner.write(path, String(decoding: original, as: UTF8.self), mode: fileMode) }
    }
}
