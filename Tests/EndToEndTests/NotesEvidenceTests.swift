import Foundation
import ReviewGateTestSupport
import Testing

/// The approvals notes ref is evidence (SPEC §1.2, issue 12): append-only without any policy
/// line. Real pushes into an installed server.
@Suite("approvals notes ref is evidence")
struct NotesEvidenceTests {
    static let notes = "refs/notes/reviewgate"

    /// A server whose main holds a payments change signed off by alice (one signed approval
    /// needed), its approval pushed with it. The policy has no line about the notes ref; alice
    /// (security) may break glass.
    static func approvedServer() throws -> (SignOffTests.Team, GateServer, String) {
        let team = try SignOffTests.Team()
        let server = try GateServer(policy: team.policy(evidence: "signed", approvals: 1, extra: "\n[breakglass]\nfrom = [\"security\"]\n"))
        try server.clone.write("src/payments/api.swift", "let fee = 1\n")
        let change = try server.clone.commit("payments")
        let approved = try reviewgate(["approve", change, "--repo", server.clone.path, "--key", team.alice.privateKeyPath])
        #expect(approved.status == 0, "\(approved.err)")
        let pushed = try server.push(["origin", "HEAD:refs/heads/main", notes])
        #expect(pushed.status == 0, "\(pushed.err)")
        return (team, server, change)
    }

    /// `audit` of the server: whether every commit of main still counts as signed off.
    static func auditApproves(_ server: GateServer) throws -> Bool {
        let audit = try reviewgate(["audit", "--repo", server.bare.path, "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: audit.stdout) as? [String: Any]
        let findings = document?["findings"] as? [[String: Any]] ?? []
        return audit.status == 0 && !findings.contains { $0["kind"] as? String == "approval" }
    }

    /// The `evidence` error lines the pusher saw, and whether the hint came with them.
    static func evidenceRefusal(_ result: CommandResult) -> (errors: [String], hinted: Bool) {
        let lines = GateServer.remoteLines(result)
        return (lines.filter { $0.hasPrefix("error: evidence: \(notes)") },
                lines.contains { $0.hasPrefix("hint: approvals are evidence: \(notes) only grows") })
    }

    @Test("deleting the notes ref is refused, recorded, and audit still counts the approvals; break-glass overrides it")
    func deletion() throws {
        let (_, server, change) = try Self.approvedServer()
        let tip = server.ref(Self.notes)
        #expect(try Self.auditApproves(server))

        let deleted = try server.push(["origin", ":" + Self.notes], environment: ["GL_USERNAME": "bob"])
        #expect(deleted.status != 0)
        #expect(server.ref(Self.notes) == tip)
        let refusal = Self.evidenceRefusal(deleted)
        #expect(refusal.errors.count == 1 && refusal.hinted, "\(deleted.err)")
        let record = try #require(try server.auditRecords().last)
        #expect(record["decision"] as? String == "reject")
        let findings = record["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["kind"] as? String == "ref" && $0["rule"] as? String == "evidence" })
        #expect(try Self.auditApproves(server), "the approval of \(change) is still there")

        // Break-glass applies as to any ref rule: alice may, with a reason.
        let overridden = try server.push(["-o", "reviewgate.override=rotating the notes ref", "origin", ":" + Self.notes],
                                         environment: ["GL_USERNAME": "alice"])
        #expect(overridden.status == 0, "\(overridden.err)")
        #expect(server.ref(Self.notes) == nil)
        #expect(try server.auditRecords().last?["decision"] as? String == "override")
    }

    @Test("a force push of the notes ref that drops a note is refused")
    func forcePush() throws {
        let (team, server, change) = try Self.approvedServer()
        // A second change, approved on a notes history started afresh: the first approval is gone.
        try server.clone.write("src/payments/api.swift", "let fee = 2\n")
        let second = try server.clone.commit("payments again")
        try server.clone.git(["update-ref", "-d", Self.notes])
        #expect(try reviewgate(["approve", second, "--repo", server.clone.path, "--key", team.alice.privateKeyPath]).status == 0)
        let forced = try server.push(["--force", "origin", "HEAD:refs/heads/main", "+" + Self.notes])
        #expect(forced.status != 0)
        #expect(server.ref("refs/heads/main") == change)
        let refusal = Self.evidenceRefusal(forced)
        #expect(refusal.errors.count == 1 && refusal.errors[0].contains("only moves forward") && refusal.hinted, "\(forced.err)")
        #expect(try Self.auditApproves(server))
    }

    @Test("notes commits that remove or shorten a note are refused, even as fast-forwards",
          arguments: ["remove", "shorten", "rewrite"])
    func shrinkingNotes(how: String) throws {
        let (_, server, change) = try Self.approvedServer()
        let tip = server.ref(Self.notes)
        switch how {
        case "remove": try server.clone.git(["notes", "--ref", "reviewgate", "remove", change])
        case "shorten": try server.clone.git(["notes", "--ref", "reviewgate", "add", "-f", "-m", "reviewgate approval v1", change])
        default:
            // As long as before, or longer, but not beginning with what was there: not an append.
            let old = try server.clone.gitOutput(["notes", "--ref", "reviewgate", "show", change])
            try server.clone.git(["notes", "--ref", "reviewgate", "add", "-f", "-m", "forged\n" + old, change])
        }
        #expect(try server.clone.gitOutput(["merge-base", "--is-ancestor", tip ?? "", Self.notes]).isEmpty,
                "a fast-forward of the server's notes ref")
        let pushed = try server.push(["origin", Self.notes])
        #expect(pushed.status != 0)
        #expect(server.ref(Self.notes) == tip)
        let refusal = Self.evidenceRefusal(pushed)
        let word = how == "remove" ? "removes 1 note" : "shortens or rewrites 1 note"
        #expect(refusal.errors.count == 1 && refusal.errors[0].contains(word) && refusal.errors[0].contains(String(change.prefix(12))),
                "\(pushed.err)")
        #expect(try Self.auditApproves(server))
    }

    @Test("an appended approval and a note on another commit are accepted; audit counts them")
    func appending() throws {
        let (team, server, change) = try Self.approvedServer()
        let before = try #require(server.ref(Self.notes))
        // Bob appends his approval to the same note (`reviewgate approve` appends, as git notes append does).
        #expect(try reviewgate(["approve", change, "--repo", server.clone.path, "--key", team.bob.privateKeyPath]).status == 0)
        // And a second change is approved on top, pushed with its branch.
        try server.clone.write("src/payments/api.swift", "let fee = 3\n")
        let second = try server.clone.commit("payments three")
        try server.clone.git(["notes", "--ref", "reviewgate", "append", "-m", "looked at it too", second])
        #expect(try reviewgate(["approve", second, "--repo", server.clone.path, "--key", team.alice.privateKeyPath]).status == 0)
        let pushed = try server.push(["origin", "HEAD:refs/heads/main", Self.notes])
        #expect(pushed.status == 0, "\(pushed.err)")
        #expect(server.ref("refs/heads/main") == second)
        #expect(server.ref(Self.notes) != before)
        let note = try server.bare.gitOutput(["notes", "--ref", "reviewgate", "show", change])
        #expect(note.components(separatedBy: "-----BEGIN SSH SIGNATURE-----").count == 3, "both approvals kept")
        #expect(try Self.auditApproves(server))
    }
}
