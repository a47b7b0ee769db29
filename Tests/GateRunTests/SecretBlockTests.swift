import Foundation
import Gate
import GateRun
import Git
import Policy
import ReviewGateTestSupport
import Secrets
import Testing

/// `[secrets] block`: a finding of a rule below it is a warning, at or above it an error, and
/// every secret finding carries its rule's confidence.
@Suite struct SecretBlockTests {
    static func settings(block: String?) throws -> GateSettings {
        var text = TestPolicy.aliceAndBob()
        if let block { text += "\n[secrets]\nblock = \"\(block)\"\n" }
        return try GateSettings.make(try PolicySource(bytes: Array(text.utf8), location: "policy.toml", directory: "",
                                                      read: PolicySource.readDisk))
    }

    @Test func severityFollowsConfidenceAndBlock() throws {
        var secrets = SecretFactory(seed: 41)
        let repo = try ScratchRepository()
        // A generic assignment (low) and a GitHub token (high) in one commit.
        try repo.write("config/app.yml", "db_password: \"\(secrets.alnum(10))Q7\(secrets.alnum(10))\"\n")
        try repo.write("src/app.py", "TOKEN = \"\(secrets.githubToken())\"\n")
        let commit = try #require(ObjectID(hex: try repo.commit("config")))
        let open: @Sendable () throws(GitError) -> Repository = { () throws(GitError) in try Repository(path: repo.path) }

        func findings(block: String?) throws -> [String: Finding] {
            let gate = try Self.settings(block: block)
            let result = try CommitSecrets(settings: gate.secrets).examine([commit], open: open)
            return Dictionary(uniqueKeysWithValues: result.findings.map { ($0.rule ?? "", $0) })
        }
        let byDefault = try findings(block: nil)
        #expect(byDefault["generic-secret-assignment"]?.severity == .warning)
        #expect(byDefault["generic-secret-assignment"]?.confidence == "low")
        #expect(byDefault["github-pat"]?.severity == .error)
        #expect(byDefault["github-pat"]?.confidence == "high")
        #expect(Verdict(findings: Array(byDefault.values), commitsExamined: 1, blobsScanned: 2).decision == .reject)

        let low = try findings(block: "low")
        #expect(low["generic-secret-assignment"]?.severity == .error)
        #expect(low["github-pat"]?.severity == .error)

        let high = try findings(block: "high")
        #expect(high["generic-secret-assignment"]?.severity == .warning)
        #expect(high["github-pat"]?.severity == .error)

        // A generic finding alone does not refuse under the default.
        let warningsOnly = byDefault.values.filter { $0.rule != "github-pat" }
        #expect(Verdict(findings: Array(warningsOnly), commitsExamined: 1, blobsScanned: 2).decision == .accept)
    }

    @Test func blockMustBeALevel() {
        #expect(throws: (any Error).self) { try Self.settings(block: "critical") }
        // The policy's levels (its module does not depend on the secret rules) are the rules'.
        #expect(SecretPolicy.confidenceLevels == Confidence.allCases.map(\.rawValue))
    }
}
