import Foundation
import Gate
import GateRun
import Git
import JSON
import Reports
import ReviewGateTestSupport
import Testing

/// What the three entry points decide, in-process: break-glass, sign-off as the hook, `check`
/// and `audit` build it, the audit state's round trip.
@Suite struct GateRunTests {
    static let policyText = TestPolicy.aliceAndBob()

    static func settings() throws -> GateSettings {
        try GateSettings.make(try PolicySource(bytes: Array(policyText.utf8), location: "policy.toml", directory: "",
                                               read: PolicySource.readDisk))
    }

    static let violation = Verdict(findings: [Finding(kind: .approval, severity: .error, rule: "payments", message: "needs 1 approval")],
                                   commitsExamined: 1, blobsScanned: 0)

    @Test func breakGlassByTheRightPersonOnly() throws {
        let gate = try Self.settings()
        // No request: the verdict stands.
        let plain = BreakGlass.decide(Self.violation, request: nil, pusher: ("alice", "GL_USER"), settings: gate)
        #expect(plain.decision == .reject && plain.override == nil && plain.findings.count == 1)
        // A breakglass person with a reason: override, violations kept as warnings.
        let alice = BreakGlass.decide(Self.violation, request: "prod is down", pusher: ("alice", "GL_USER"), settings: gate)
        #expect(alice.decision == .override)
        #expect(alice.override?.who == "alice" && alice.override?.reason == "prod is down")
        #expect(alice.findings.map(\.severity) == [.warning])
        // Someone else: the request itself is a violation.
        let bob = BreakGlass.decide(Self.violation, request: "me too", pusher: ("bob", "GL_USER"), settings: gate)
        #expect(bob.decision == .reject && bob.override == nil)
        #expect(bob.findings.contains { $0.rule == "breakglass" && $0.reason == "me too" })
        // The right login, but only the OS account vouches for it: refused.
        let os = BreakGlass.decide(Self.violation, request: "x", pusher: ("alice", "os"), settings: gate)
        #expect(os.decision == .reject)
        // No reason: refused.
        let empty = BreakGlass.decide(Self.violation, request: "", pusher: ("alice", "GL_USER"), settings: gate)
        #expect(empty.decision == .reject && empty.findings.contains { $0.message.contains("needs a reason") })
        // Nothing to override: accepted as it was, no override recorded.
        let clean = BreakGlass.decide(Verdict(findings: [], commitsExamined: 1, blobsScanned: 0), request: "why not",
                                      pusher: ("alice", "GL_USER"), settings: gate)
        #expect(clean.decision == .accept && clean.override == nil)
    }

    @Test func pushOptionsGiveTheLastOverride() {
        let options = PushOptions(["GIT_PUSH_OPTION_COUNT": "3", "GIT_PUSH_OPTION_0": "reviewgate.override=first",
                                   "GIT_PUSH_OPTION_1": "ci.skip", "GIT_PUSH_OPTION_2": "reviewgate.override= second \u{1b}[31m"])
        #expect(options.overrideReason == "second ?[31m")
        #expect(PushOptions(["GIT_PUSH_OPTION_COUNT": "1", "GIT_PUSH_OPTION_0": "other"]).overrideReason == nil)
    }

    @Test func signOffAsEveryEntryPointBuildsIt() throws {
        let repo = try ScratchRepository()
        try repo.write("README", "x\n")
        let base = try repo.commit("base")
        try repo.write("src/payments/fee.swift", "let fee = 1\n")
        let unreviewed = try repo.commit("fee")
        try repo.write("src/payments/fee.swift", "let fee = 2\n")
        let reviewed = try repo.commit("fee again\n\nReviewed-by: Bob <bob@example.com>")
        try repo.write("docs/x", "y\n")
        let other = try repo.commit("docs")
        let repository = try Repository(path: repo.path)
        let gate = try Self.settings()
        let ids = try [unreviewed, reviewed, other].map { try #require(ObjectID(hex: $0)) }
        let tip = ids[2]
        let open: @Sendable () throws(GitError) -> Repository = { () throws(GitError) in try Repository(path: repo.path) }
        // The hook's and check's path.
        let findings = try gate.signOffFindings(ids, tip: tip, ref: "refs/heads/main", in: repository, notesCommit: nil, open: open)
        #expect(findings.filter { $0.severity == .error }.map(\.commit) == [unreviewed])
        // Not a protected ref: nothing asked.
        #expect(try gate.signOffFindings(ids, tip: tip, ref: "refs/heads/topic", in: repository, notesCommit: nil, open: open).isEmpty)
        // The audit's path over two refs sharing history gives the same items once each.
        var work = SignOffWork()
        try work.add(ids, tip: tip, ref: "refs/heads/main", coreRules: true, mustBeSigned: false, in: repository)
        try work.add(Array(ids.prefix(2)), tip: ids[1], ref: "refs/heads/master", coreRules: true, mustBeSigned: false, in: repository)
        #expect(work.items.map(\.commit) == ids)
        let audited = try gate.signOff.examine(work.items, notesCommit: nil, threads: 1, open: open)
        #expect(audited.filter { $0.severity == .error }.map(\.commit) == findings.filter { $0.severity == .error }.map(\.commit))
        _ = base
    }

    /// Four eyes (SPEC §1.2): the author, the committer and the pusher each count zero as an
    /// approver of a commit, with that reason; `allow_self` relaxes all three.
    @Test func authorCommitterAndPusherDoNotApprove() throws {
        let repo = try ScratchRepository()
        try repo.write("README", "x\n")
        try repo.commit("base")
        try repo.write("src/payments/fee.swift", "let fee = 1\n")
        let byBob = try repo.commit("fee\n\nReviewed-by: Bob <bob@example.com>",
                                    environment: ["GIT_COMMITTER_NAME": "Bob", "GIT_COMMITTER_EMAIL": "bob@example.com"])
        try repo.write("src/payments/fee.swift", "let fee = 2\n")
        let reviewedByAlice = try repo.commit("fee again\n\nReviewed-by: Alice <alice@example.com>")
        let repository = try Repository(path: repo.path)
        func outcome(_ hex: String, pusher: String?, policy: String = Self.policyText) throws -> ApprovalOutcome? {
            let gate = try GateSettings.make(try PolicySource(bytes: Array(policy.utf8), location: "policy.toml", directory: "",
                                                              read: PolicySource.readDisk))
            let review = try gate.signOff.review(try repository.commit(try #require(ObjectID(hex: hex))), in: repository,
                                                 notesCommit: nil, pusher: pusher)
            return review.rules.first?.approvals.first
        }
        #expect(try outcome(byBob, pusher: nil)?.reason == .committer)
        #expect(try outcome(reviewedByAlice, pusher: nil)?.counted == true)
        #expect(try outcome(reviewedByAlice, pusher: "alice")?.reason == .pusher)
        let relaxed = Self.policyText.replacingOccurrences(of: "evidence = \"trailer\"", with: "evidence = \"trailer\"\nallow_self = true")
        #expect(try outcome(byBob, pusher: nil, policy: relaxed)?.counted == true)
        #expect(try outcome(reviewedByAlice, pusher: "alice", policy: relaxed)?.counted == true)
    }

    @Test func auditStateRoundTripsFindings() throws {
        var secret = Finding(kind: .secret, severity: .error, rule: "github-pat", commit: String(repeating: "a", count: 40),
                             path: [0x6e, 0xff, 0x2f, 0x78], line: 3, column: 7, location: .content, redacted: "ghp_…Ab",
                             fingerprint: String(repeating: "f", count: 64), message: "a token")
        secret.ref = "refs/heads/main"
        var approval = Finding(kind: .approval, severity: .error, rule: "payments", commit: String(repeating: "b", count: 40),
                               message: "needs 1")
        approval.paths = [Array("src/payments/fee.swift".utf8)]
        approval.required = 1
        approval.valid = 0
        approval.approvals = [ApprovalOutcome(by: "bob", evidence: .trailer, reason: .author)]
        let dir = try Scratch.directory("state")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.json").path
        let tip = try #require(ObjectID(hex: String(repeating: "c", count: 40)))
        try AuditState(tips: [tip], tags: [], findings: [secret, approval]).save(to: path)
        let loaded = try AuditState.load(path)
        #expect(loaded.tips == [tip])
        #expect(loaded.findings.map(VerdictReport.findingJSON) == [secret, approval].map(VerdictReport.findingJSON))
        // Not a state file: a usage error naming it.
        try Data("{\"version\": 2}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: Failure.self) { try AuditState.load(path) }
    }
}
