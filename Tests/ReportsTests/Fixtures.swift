import Foundation
import Gate
import Reports
import ReviewGateTestSupport

/// Verdicts built directly, with every kind of finding the gate will produce (approvals, refs,
/// signatures and the log before the gate itself makes them), and hostile text in the places
/// reports must escape. Fixed values only, so golden files stay byte-stable.
enum Fixtures {
    static let commits = [
        "3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
        "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9",
        "0123456789abcdef0123456789abcdef01234567",
        "fedcba9876543210fedcba9876543210fedcba98",
    ]
    /// Stand-ins for fingerprints: hex of the right length, not of any secret.
    static let prints = ["5e" + String(repeating: "0a1b", count: 15) + "c3", "77" + String(repeating: "9f8e", count: 15) + "d2"]

    static let examined = [
        ExaminedCommit(id: commits[0], subject: "add the app"),
        ExaminedCommit(id: commits[1], subject: "payments: a new ledger <fast> & \"safe\""),
        ExaminedCommit(id: commits[2], subject: "release\u{1b}[31m 1.0"),
        ExaminedCommit(id: commits[3], subject: "docs only"),
    ]

    static var findings: [Finding] {
        var approval = Finding(kind: .approval, severity: .error, rule: "payments", commit: commits[1],
                               message: "core rule 'payments' needs 2 approvals")
        approval.paths = [Array("src/payments/api.swift".utf8), Array("src/payments/ledger.swift".utf8)]
        approval.required = 2
        approval.valid = 1
        approval.approvals = [ApprovalOutcome(by: "bob", evidence: .signed, reason: .author),
                              ApprovalOutcome(by: "carol", evidence: .trailer, reason: nil)]
        var ref = Finding(kind: .ref, severity: .error, rule: "deny_force_push", message: "force push to a protected ref")
        ref.ref = "refs/heads/main"
        return [
            .skipped(.binary, commit: commits[0], path: Array("assets/logo.png".utf8)),
            Finding(kind: .secret, severity: .error, rule: "github-pat", commit: commits[0], path: Array("src/app.py".utf8),
                    line: 12, column: 9, location: .content, redacted: "ghp_…Ab", fingerprint: prints[0],
                    message: "GitHub personal access token"),
            approval,
            Finding(kind: .secret, severity: .error, rule: "slack-webhook", commit: commits[1], line: 3, column: 7,
                    location: .message, redacted: "https://hooks.slack.com/…xY", fingerprint: prints[1],
                    message: "Slack incoming webhook URL"),
            Finding(kind: .signature, severity: .error, rule: "require_signed_commits", commit: commits[2],
                    message: "commit is not signed"),
            .skipped(.tooLarge, commit: commits[2], path: Array("docs/a,b:c%d #1\n<script>.txt".utf8)),
            Finding(kind: .secret, severity: .error, rule: "generic-secret-assignment", commit: commits[2],
                    path: [0x63, 0x66, 0x67, 0x2f, 0xff, 0x2e, 0x65, 0x6e, 0x76], line: 1, column: 1, location: .content,
                    redacted: "pa…z9", fingerprint: prints[0], message: "A secret assigned in configuration"),
            ref,
            Finding(kind: .log, severity: .error, message: "seq 7: record edited (prev does not match the hash of seq 6)"),
        ]
    }

    static let secretRules = [
        RuleDescription.secret(id: "github-pat", description: "GitHub personal access token", tags: ["github", "token"]),
        RuleDescription.secret(id: "slack-webhook", description: "Slack incoming webhook URL", tags: ["slack"]),
    ]

    static func report(_ findings: [Finding] = findings, command: String = "check", examined: [ExaminedCommit]? = examined,
                       durationMs: Int = 42, startedAt: Int64? = 1_700_000_000_123, logChecked: Bool = false) -> VerdictReport {
        var verdict = Verdict(findings: findings, commitsExamined: 4, blobsScanned: 9)
        verdict.examined = examined
        return VerdictReport(version: "0.1.0", command: command, repository: "/srv/git/app.git", verdict: verdict,
                             durationMs: durationMs, startedAt: startedAt, secretRules: secretRules, logChecked: logChecked)
    }

    static var sarifSchema: JSONSchemaValidator {
        get throws {
            let url = Scratch.packageRoot.appendingPathComponent("Tests/ReportsTests/Resources/sarif-schema-2.1.0.json")
            return try JSONSchemaValidator(schema: JSONNode.parse(try Data(contentsOf: url)))
        }
    }

    /// Whether Python's `jsonschema` is importable here (a second, independent validator).
    static let pythonJSONSchema: Bool = (try? run(["python3", "-c", "import jsonschema"]).status) == 0
}
