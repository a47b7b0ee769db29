import Crypto
import Foundation
import Gate
import Git
import Secrets

/// What the policy in force (or its absence) decides for one run: secret settings, ref
/// rules, the budget, who may override, and where the log goes.
struct GateSettings {
    var secrets: SecretSettings
    var refRules = RefRules()
    var budgetSeconds = 4.0
    /// Hex SHA-256 of the policy bytes in force; nil without a policy.
    var policyHash: String?
    var notesRef = "refs/notes/reviewgate"
    /// Logins of the people allowed to break glass.
    var breakglassLogins: Set<String> = []
    var auditDirectory: String?
    var checkpointKey: String?

    /// No policy: the built-in secret rules with the defaults of SPEC §3, no core rules.
    static var defaults: GateSettings {
        // The built-in rules are compiled into the binary and tested; failing to load them is
        // a broken build, reported as a runtime failure by the callers that need them.
        let rules = (try? RuleSet.builtin()) ?? RuleSet(rules: [])
        return GateSettings(secrets: SecretSettings(scanner: Scanner(ruleSet: rules)))
    }

    /// The server's policy, as the hook must read it: `git config reviewgate.policy`, else
    /// `$GIT_DIR/reviewgate/policy.toml`; never anything from pushed content.
    static func forServer(_ repo: Repository) throws -> GateSettings {
        var settings = defaults
        guard !settings.secrets.scanner.ruleSet.rules.isEmpty else {
            throw Failure(.runtime, "the built-in secret rules do not load")
        }
        let configured = try repo.configString("reviewgate.policy")
        let path = configured ?? repo.gitDirectory + "reviewgate/policy.toml"
        if configured != nil || FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(.usage, "cannot read the policy file \(path)")
            }
            try settings.apply(policy: Array(data), file: path)
        }
        settings.auditDirectory = settings.auditDirectory ?? repo.gitDirectory + "reviewgate/audit"
        return settings
    }

    mutating func apply(policy bytes: [UInt8], file: String) throws {
        policyHash = sha256Hex(bytes)
        throw Failure(.usage, "\(file): policy files are not read yet")
    }

    func mayOverride(_ login: String) -> Bool { breakglassLogins.contains(login) }

    /// Everything the gate finds in a push: secrets in the new commits (and in the messages of
    /// pushed annotated tags), ref rules, and sign-off on the commits entering protected refs.
    func judgePush(_ updates: [RefUpdate], in repo: Repository,
                   open: @escaping @Sendable () throws(GitError) -> Repository) throws -> Verdict {
        let plan = try PushPlan.make(updates, in: repo, rules: refRules)
        let engine = CommitSecrets(settings: secrets)
        let scanned = try engine.examine(plan.newCommits, threads: 2, open: open)
        var findings = scanned.findings
        for update in updates where !update.isDelete && update.ref.hasPrefix("refs/tags/") {
            guard try repo.header(update.new).type == .tag else { continue }
            findings += engine.examineMessage(try repo.annotatedTag(update.new).message, object: update.new)
        }
        findings += plan.refFindings(rules: refRules)
        return Verdict(findings: findings, commitsExamined: plan.newCommits.count, blobsScanned: scanned.blobsScanned)
    }

    /// Appends the run's record to the audit log.
    func record(kind: String, decision: Verdict.Decision, verdict: Verdict, updates: [RefUpdate], pusher: Pusher,
                remote: String?, override: (reason: String, who: String)?, repo: String, durationMs: Int) throws(Failure) {
        // Wired to the AuditLog module once it lands.
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
