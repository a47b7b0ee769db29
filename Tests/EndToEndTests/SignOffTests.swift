import Foundation
import ReviewGateTestSupport
import Testing

/// Senior sign-off scenarios of issue 4 in real repositories: `reviewgate check` over a range
/// whose base commits the policy, and real pushes into an installed server.
@Suite("sign-off")
struct SignOffTests {
    /// Alice and Bob are senior, Carol is not; Ada (the scratch author) is senior too, so her
    /// own approval is the self-approval case. Bob has two keys.
    final class Team: @unchecked Sendable {
        let alice: SSHKey
        let bob: SSHKey
        let bob2: SSHKey
        let carol: SSHKey
        let ada: SSHKey

        init() throws {
            alice = try SSHKey()
            bob = try SSHKey()
            bob2 = try SSHKey()
            carol = try SSHKey()
            ada = try SSHKey()
        }

        func policy(evidence: String = "trailer", approvals: Int = 2, bind: String = "commit", mode: String = "commit",
                    extra: String = "") -> String {
            func key(_ k: SSHKey) -> String { "\"" + k.publicKey.trimmingCharacters(in: .whitespacesAndNewlines) + "\"" }
            return """
            version = 1

            [[people]]
            id = "alice"
            emails = ["alice@example.com"]
            logins = ["alice"]
            keys = [\(key(alice))]
            groups = ["senior", "security"]

            [[people]]
            id = "bob"
            emails = ["bob@example.com", "robert@example.org"]
            logins = ["bob"]
            keys = [\(key(bob)), \(key(bob2))]
            groups = ["senior"]

            [[people]]
            id = "carol"
            emails = ["carol@example.com"]
            logins = ["carol"]
            keys = [\(key(carol))]

            [[people]]
            id = "ada"
            emails = ["ada@example.com"]
            logins = ["ada"]
            keys = [\(key(ada))]
            groups = ["senior"]

            [[core]]
            name = "payments"
            paths = ["src/payments/", "db/migrations/**/*.sql"]
            approvals = \(approvals)
            from = ["senior"]
            evidence = "\(evidence)"
            bind = "\(bind)"
            mode = "\(mode)"

            [[core]]
            name = "gate"
            paths = ["/.reviewgate/", "/hooks/"]
            approvals = 1
            from = ["senior"]
            evidence = "trailer"
            \(extra)
            """
        }
    }

    /// A repository whose first commit holds the policy; returns it and the base commit.
    static func repository(policy: String) throws -> (ScratchRepository, String) {
        let repo = try ScratchRepository(label: "signoff")
        try repo.write(".reviewgate/policy.toml", policy)
        try repo.write("src/payments/api.swift", "let fee = 1\n")
        try repo.write("README", "hello\n")
        let base = try repo.commit("base")
        return (repo, base)
    }

    static func check(_ repo: ScratchRepository, _ range: String) throws -> (Int32, [[String: Any]]) {
        let result = try reviewgate(["check", range, "--repo", repo.path, "--format", "json", "--no-log"])
        let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] ?? [:]
        return (result.status, document["findings"] as? [[String: Any]] ?? [])
    }

    static func approvals(_ findings: [[String: Any]]) -> [String] {
        findings.flatMap { ($0["approvals"] as? [[String: Any]]) ?? [] }.map {
            "\($0["by"] as? String ?? "?"):\($0["evidence"] as? String ?? "?"):\(($0["counted"] as? Bool) == true ? "yes" : ($0["reason"] as? String ?? "?"))"
        }
    }

    /// Signs the approval statement of `commit` (or of its patch id) with `key` and appends it
    /// to the commit's note, as a reviewer would by hand with ssh-keygen and git notes.
    static func approve(_ repo: ScratchRepository, _ commit: String, with key: SSHKey, patchID: Bool = false,
                        statementFor other: String? = nil) throws {
        let target = other ?? commit
        let tree = try repo.gitOutput(["rev-parse", "\(target)^{tree}"])
        var subject = "commit \(target)"
        if patchID {
            let diff = try repo.git(["diff-tree", "-p", "--full-index", target]).stdout
            let id = try repo.git(["patch-id", "--stable"], input: diff).out.split(separator: " ").first.map(String.init) ?? ""
            subject = "patch-id \(id)"
        }
        let statement = "reviewgate approval v1\n\(subject)\ntree \(tree)\n"
        let signature = try key.sign(Array(statement.utf8), namespace: "reviewgate-approval")
        let file = repo.url.appendingPathComponent(".git/approval.sig")
        // The statement written out above the signature, as `reviewgate approve` writes it.
        try Data(Array(statement.utf8) + signature).write(to: file)
        try repo.git(["notes", "--ref", "reviewgate", "append", "-F", file.path, commit])
    }

    @Test("a core change without approval is refused; two distinct senior trailers pass")
    func trailers() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy())
        try repo.write("src/payments/api.swift", "let fee = 2\n")
        try repo.commit("raise fee")
        var (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        #expect(findings.count == 1)
        #expect(findings.first?["kind"] as? String == "approval" && findings.first?["rule"] as? String == "payments")
        #expect(findings.first?["paths"] as? [String] == ["src/payments/api.swift"])
        #expect(findings.first?["required"] as? Int == 2 && findings.first?["valid"] as? Int == 0)

        try repo.git(["commit", "--amend", "-q", "-m", "raise fee\n\nReviewed-by: Alice <alice@example.com>\nApproved-by: Bob <BOB@example.com>"])
        (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 0, "\(findings)")

        // A non-core change needs nothing.
        try repo.write("README", "changed\n")
        try repo.commit("docs")
        #expect(try Self.check(repo, "\(base)..HEAD").0 == 0)
    }

    @Test("the author's own approval, a non-senior's, an unknown one and one person twice count zero, with reasons")
    func notCounted() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy())
        try repo.write("db/migrations/2024/01/add.sql", "create table t (id int);\n")
        try repo.commit("""
        add table

        Reviewed-by: Ada Author <ada@example.com>
        Reviewed-by: Carol <carol@example.com>
        Reviewed-by: Mallory <mallory@example.net>
        Reviewed-by: Bob <bob@example.com>
        Approved-by: Robert <robert@example.org>
        """)
        let (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        #expect(Self.approvals(findings) == ["ada:trailer:author", "carol:trailer:not-in-from",
                                             "mallory@example.net:trailer:unknown-identity", "bob:trailer:yes",
                                             "bob:trailer:duplicate-person"])
        #expect(findings.first?["valid"] as? Int == 1)
    }

    @Test("under evidence = signed: a forged trailer counts zero, signed notes count, a copied or second-key approval does not add")
    func signedApprovals() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy(evidence: "signed"))
        try repo.write("src/payments/api.swift", "let fee = 3\n")
        let change = try repo.commit("fee\n\nReviewed-by: Alice <alice@example.com>\nReviewed-by: Bob <bob@example.com>")
        var (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        #expect(Self.approvals(findings) == ["alice:trailer:trailer-not-accepted", "bob:trailer:trailer-not-accepted"])

        try Self.approve(repo, change, with: team.alice)
        try Self.approve(repo, change, with: team.bob)
        try Self.approve(repo, change, with: team.bob2)
        (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 0, "\(findings)")

        // Another commit carrying approvals signed for the first one: they do not verify here.
        try repo.write("src/payments/api.swift", "let fee = 4\n")
        let second = try repo.commit("fee again")
        try Self.approve(repo, second, with: team.alice, statementFor: change)
        try Self.approve(repo, second, with: team.bob, statementFor: change)
        (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        #expect(findings.count == 1 && findings.first?["commit"] as? String == second)
        #expect(Self.approvals(findings) == ["alice:signed:other-commit", "bob:signed:other-commit"])
    }

    @Test("two keys of one person count once; a key nobody holds counts zero")
    func onePersonTwoKeys() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy(evidence: "signed"))
        try repo.write("src/payments/api.swift", "let fee = 5\n")
        let change = try repo.commit("fee")
        try Self.approve(repo, change, with: team.bob)
        try Self.approve(repo, change, with: team.bob2)
        let stranger = try SSHKey()
        try Self.approve(repo, change, with: stranger)
        let (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        let reasons = Self.approvals(findings)
        #expect(reasons.count == 3)
        #expect(reasons[0] == "bob:signed:yes" && reasons[1] == "bob:signed:duplicate-person")
        #expect(reasons[2].hasSuffix(":signed:unknown-key"))
    }

    @Test("amending invalidates a commit-bound approval; a patch-id approval survives a clean rebase")
    func amendAndRebase() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy(evidence: "signed", approvals: 1, bind: "patch-id"))
        try repo.git(["checkout", "-q", "-b", "topic"])
        try repo.write("src/payments/api.swift", "let fee = 6\n")
        let change = try repo.commit("fee")
        try Self.approve(repo, change, with: team.alice, patchID: true)
        #expect(try Self.check(repo, "\(base)..HEAD").0 == 0)

        // main moves on; topic is rebased cleanly and the note follows (notes.rewriteRef).
        try repo.git(["checkout", "-q", "main"])
        try repo.write("README", "main moved\n")
        try repo.commit("unrelated")
        try repo.git(["checkout", "-q", "topic"])
        try repo.git(["-c", "notes.rewriteRef=refs/notes/reviewgate", "rebase", "-q", "main"])
        #expect(try repo.gitOutput(["rev-parse", "HEAD"]) != change)
        var (status, findings) = try Self.check(repo, "main..HEAD")
        #expect(status == 0, "\(findings)")

        // Amending the content: the copied approval no longer verifies.
        try repo.write("src/payments/api.swift", "let fee = 7\n")
        try repo.git(["add", "-A"])
        try repo.git(["-c", "notes.rewriteRef=refs/notes/reviewgate", "commit", "-q", "--amend", "--no-edit"])
        (status, findings) = try Self.check(repo, "main..HEAD")
        #expect(status == 1)
        #expect(Self.approvals(findings) == ["alice:signed:other-commit"])
    }

    @Test("under mode = merge a merge's approvals cover what it brings in, and an evil merge is caught")
    func mergeMode() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy(approvals: 1, mode: "merge"))
        try repo.git(["checkout", "-q", "-b", "feature"])
        try repo.write("src/payments/api.swift", "let fee = 8\n")
        try repo.commit("unreviewed work in progress")
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["merge", "-q", "--no-ff", "feature", "-m", "merge feature\n\nReviewed-by: Alice <alice@example.com>"])
        var (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 0, "\(findings)")

        // Without the reviewed merge, the same change is refused.
        (status, findings) = try Self.check(repo, "\(base)..feature")
        #expect(status == 1)

        // An evil merge: a core change that is in neither parent, under commit mode.
        let (evil, evilBase) = try Self.repository(policy: team.policy(approvals: 1, mode: "commit"))
        try evil.git(["checkout", "-q", "-b", "side"])
        try evil.write("README", "side\n")
        try evil.commit("side")
        try evil.git(["checkout", "-q", "main"])
        try evil.git(["merge", "-q", "--no-ff", "--no-commit", "side"])
        try evil.write("src/payments/api.swift", "let fee = 999\n")
        try evil.git(["add", "-A"])
        try evil.git(["commit", "-q", "-m", "innocent merge"])
        (status, findings) = try Self.check(evil, "\(evilBase)..HEAD")
        #expect(status == 1)
        #expect(findings.first?["paths"] as? [String] == ["src/payments/api.swift"])
    }

    @Test("a policy weakened in the head of a range does not apply to that range")
    func weakenedPolicy() throws {
        let team = try Team()
        let (repo, base) = try Self.repository(policy: team.policy())
        try repo.write(".reviewgate/policy.toml", team.policy().replacingOccurrences(of: "approvals = 2", with: "approvals = 1")
            .replacingOccurrences(of: "paths = [\"src/payments/\", \"db/migrations/**/*.sql\"]", with: "paths = [\"nothing/\"]"))
        try repo.write("src/payments/api.swift", "let fee = 10\n")
        try repo.commit("weaken the policy and change payments")
        let (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        #expect(Set(findings.compactMap { $0["rule"] as? String }) == ["payments", "gate"])
    }

    @Test("pushes: refused without sign-off, accepted with approvals pushed in the same push")
    func pushes() throws {
        let team = try Team()
        let server = try GateServer(policy: team.policy(evidence: "signed", approvals: 2))
        try server.clone.write("src/payments/api.swift", "let fee = 1\n")
        let first = try server.clone.commit("payments")
        let refused = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        let lines = GateServer.remoteLines(refused)
        #expect(lines.contains { $0.hasPrefix("error: payments: refs/heads/main \(first.prefix(12))") })
        #expect(lines.contains { $0.hasPrefix("hint: core paths need signed sign-off: each reviewer runs 'reviewgate approve <commit>'") })
        #expect(server.ref("refs/heads/main") == nil)

        // Reviewers sign with `reviewgate approve`, as they would.
        for key in [team.alice, team.bob] {
            let approved = try reviewgate(["approve", first, "--repo", server.clone.path, "--key", key.privateKeyPath])
            #expect(approved.status == 0, "\(approved.err)")
        }
        let accepted = try server.push(["origin", "HEAD:refs/heads/main", "refs/notes/reviewgate"])
        #expect(accepted.status == 0, "\(accepted.err)")
        #expect(server.ref("refs/heads/main") == first)

        // Unprotected branches take anything but secrets.
        try server.clone.write("src/payments/api.swift", "let fee = 2\n")
        try server.clone.commit("wip")
        #expect(try server.push(["origin", "HEAD:refs/heads/wip"]).status == 0)
    }

    @Test("inspect shows trailers, the core rules touched, each approval and why it counts or not")
    func inspect() throws {
        let team = try Team()
        let (repo, _) = try Self.repository(policy: team.policy(approvals: 2))
        try repo.write("src/payments/api.swift", "let fee = 11\n")
        try repo.commit("fee\n\nReviewed-by: Ada Author <ada@example.com>\nReviewed-by: Bob <bob@example.com>")
        let result = try reviewgate(["inspect", "HEAD", "--repo", repo.path, "--format", "json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let trailers = (document["trailers"] as? [[String: String]])?.map { "\($0["key"] ?? ""): \($0["value"] ?? "")" }
        #expect(trailers == ["Reviewed-by: Ada Author <ada@example.com>", "Reviewed-by: Bob <bob@example.com>"])
        let core = try #require(document["core"] as? [[String: Any]])
        #expect(core.count == 1 && core[0]["rule"] as? String == "payments" && core[0]["valid"] as? Int == 1)
        let approvals = (document["approvals"] as? [[String: Any]])?.map { "\($0["by"] ?? ""):\($0["reason"] ?? "")" }
        #expect(approvals == ["ada:author", "bob:"])
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.map { $0["kind"] as? String } == ["approval"])
        let text = try reviewgate(["inspect", "HEAD", "--repo", repo.path]).out
        #expect(text.contains("core rule payments: 1 of 2 approvals — NOT SIGNED OFF"))
        #expect(text.contains("trailer approval by ada: does not count (author)"))
    }

    @Test("audit lists every protected commit without sign-off, and unsigned or GPG-signed commits where signatures are required")
    func audit() throws {
        let team = try Team()
        let policy = team.policy(approvals: 1, extra: """

        [refs]
        protected = ["refs/heads/main"]
        require_signed_commits = ["refs/heads/main"]
        """)
        let (repo, base) = try Self.repository(policy: policy)
        let sign = ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(team.alice.privateKeyPath)"]
        try repo.write("src/payments/api.swift", "let fee = 20\n")
        try repo.git(["add", "-A"])
        try repo.git(sign + ["commit", "-q", "-S", "-m", "reviewed\n\nReviewed-by: Bob <bob@example.com>"])
        let reviewed = try repo.gitOutput(["rev-parse", "HEAD"])
        try repo.write("src/payments/api.swift", "let fee = 21\n")
        let unreviewed = try repo.commit("unreviewed")
        // Another branch is not protected: its core change is not listed.
        try repo.git(["checkout", "-q", "-b", "topic"])
        try repo.write("src/payments/api.swift", "let fee = 22\n")
        try repo.commit("topic work")
        try repo.git(["checkout", "-q", "main"])

        let result = try reviewgate(["audit", "--repo", repo.path, "--format", "json"])
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        let approval = findings.filter { $0["kind"] as? String == "approval" }
        // The base commit brought the policy and payments in without review, too.
        #expect(Set(approval.compactMap { $0["commit"] as? String }) == [base, unreviewed])
        #expect(approval.allSatisfy { $0["ref"] as? String == "refs/heads/main" })
        let unsigned = Set(findings.filter { $0["kind"] as? String == "signature" }.compactMap { $0["commit"] as? String })
        #expect(!unsigned.contains(reviewed), "an SSH signature by a person's key is verified natively")
        #expect(unsigned.contains(unreviewed))
        #expect(unsigned.count == 2, "the base commit and the unreviewed one are unsigned")
        let inspect = try reviewgate(["inspect", reviewed, "--repo", repo.path]).out
        #expect(inspect.contains("signature ssh (present), verified (alice)"))

        // check knows the target ref from --target-ref (or the CI's target branch variable).
        let range = "\(reviewed)~1..\(unreviewed)"
        let toMain = try reviewgate(["check", range, "--repo", repo.path, "--format", "json", "--no-log", "--target-ref", "main"])
        let toMainFindings = (try JSONSerialization.jsonObject(with: toMain.stdout) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
        #expect(toMainFindings.filter { $0["kind"] as? String == "signature" }.compactMap { $0["commit"] as? String } == [unreviewed])
        let viaCI = try reviewgate(["check", range, "--repo", repo.path, "--format", "json", "--no-log"],
                                   environment: ["CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "topic"])
        let viaCIFindings = (try JSONSerialization.jsonObject(with: viaCI.stdout) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
        #expect(!viaCIFindings.contains { $0["kind"] as? String == "signature" }, "topic does not require signatures")
    }

    @Test("allowed_signers from the base revision: its principal names the person; a key past valid-before counts zero")
    func allowedSigners() throws {
        let team = try Team()
        let dave = try SSHKey()
        let old = try SSHKey()
        let policy = team.policy(evidence: "signed", approvals: 2, extra: """

        [approvals]
        allowed_signers = "allowed_signers"
        """)
        let repo = try ScratchRepository(label: "signers")
        try repo.write(".reviewgate/policy.toml", policy)
        try repo.write(".reviewgate/allowed_signers", """
        bob@example.com namespaces="reviewgate-approval" \(dave.publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
        alice@example.com valid-before="20200101Z" \(old.publicKey.trimmingCharacters(in: .whitespacesAndNewlines))

        """)
        try repo.write("src/payments/api.swift", "let fee = 1\n")
        let base = try repo.commit("base")
        try repo.write("src/payments/api.swift", "let fee = 30\n")
        let change = try repo.commit("fee")
        try Self.approve(repo, change, with: dave)
        try Self.approve(repo, change, with: old)
        let (status, findings) = try Self.check(repo, "\(base)..HEAD")
        #expect(status == 1)
        let reasons = Self.approvals(findings)
        #expect(reasons.first == "bob:signed:yes")
        #expect(reasons.count == 2 && reasons[1].hasSuffix(":signed:key-not-valid-now"))
        #expect(findings.first?["valid"] as? Int == 1)

        // A broken allowed_signers file is a configuration error naming its line.
        try repo.write(".reviewgate/allowed_signers", "bob@example.com not-a-key\n")
        let broken = try repo.commit("break the signers file")
        let result = try reviewgate(["check", "\(broken)..HEAD", "--repo", repo.path, "--no-log"])
        #expect(result.status == 2)
        #expect(result.err.contains(".reviewgate/allowed_signers:1:"))
    }
}
