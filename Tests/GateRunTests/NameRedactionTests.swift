import Foundation
import Gate
import GateRun
import Reports
import ReviewGateTestSupport
import Secrets
import Testing

/// Names that carry secrets or control characters, in-process: one redaction for every field a
/// finding shows, and control characters never raw.
@Suite struct NameRedactionTests {
    @Test func everyNameOfAFindingIsRedactedOnce() throws {
        let gate = try GateSettings.make(nil)
        var factory = SecretFactory(seed: 1210)
        let token = factory.githubToken()
        var finding = Finding(kind: .ref, severity: .error, rule: "deny_delete", path: Array("cfg/token=\(token)".utf8),
                              message: "deleting refs/heads/\(token) is not allowed")
        finding.ref = "refs/heads/\(token)"
        finding.paths = [Array("src/\(token)/a".utf8)]
        let verdict = Verdict(findings: [finding], commitsExamined: 0, blobsScanned: 0).redactingNames(gate.secrets.scanner)
        let shown = try #require(verdict.findings.first)
        let redacted = Redaction.redact(Array(token.utf8))
        #expect(shown.path == Array("cfg/token=\(redacted)".utf8))
        #expect(shown.ref == "refs/heads/\(redacted)")
        #expect(shown.paths == [Array("src/\(redacted)/a".utf8)])
        #expect(shown.message == "deleting refs/heads/\(redacted) is not allowed")
        let report = VerdictReport(version: "t", command: "hook", repository: nil, verdict: verdict, durationMs: 0)
        #expect(!report.text.contains(token) && !report.json.serialized().contains(token))
        #expect(!PushMessages(verdict: verdict, decision: .reject, durationMs: 0).text.contains(token))
    }

    @Test func controlCharactersInRefNamesAreNeverRaw() throws {
        let zero = String(repeating: "0", count: 40), one = String(repeating: "1", count: 40)
        let line = Data("\(zero) \(one) refs/heads/a\u{1b}[31mred\n".utf8)
        #expect(throws: Failure.self) { try PushJudgement.updates(from: line) }
        do {
            _ = try PushJudgement.updates(from: line)
        } catch {
            #expect(!error.message.contains("\u{1b}"))
        }
        var finding = Finding(kind: .ref, severity: .error, rule: "deny_delete", message: "x")
        finding.ref = "refs/heads/a\u{1b}[31mred"
        let row = VerdictReport.row(finding)
        #expect(!row.contains("\u{1b}") && row.contains("\\033"), "\(row)")
    }
}
