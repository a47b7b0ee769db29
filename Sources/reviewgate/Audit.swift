import GateRun
import ArgumentParser
import Base
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import JSON
import Reports

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Examines the whole history of all refs (or those named) for secrets ever introduced.",
        discussion: """
        Each secret is reported once, at the first commit that introduced it; annotated-tag \
        messages are scanned too. With --state, what was examined is remembered, and the next \
        run looks only at new commits (earlier findings are reported again from the state). \
        Exit 1 when anything is found.
        """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(name: .customLong("refs"), help: "Only refs matching this glob, e.g. 'refs/heads/*'. Repeatable.")
    var refPatterns: [String] = []

    @Option(help: "A file that keeps what was examined, so the next run only looks at what is new.")
    var state: String?

    @OptionGroup var report: ReportOptions
    @OptionGroup var secrets: SecretOptions
    @OptionGroup var log: LogOptions

    func validate() throws {
        try report.require([.text, .json, .sarif, .html], command: "audit")
    }

    @Option(help: "The policy file (default: the server's, else .reviewgate/policy.toml at HEAD).")
    var policy: String?

    func run() throws {
        let started = Int(WallClock.milliseconds())
        let repo = try openRepository(repository)
        let gate = try GateSettings.forRepository(repo, policyFile: policy, options: secrets.overrides)
        let settings = gate.secrets
        var previous = AuditState()
        if let state { previous = try AuditState.load(state) }
        // Progress lines only on a terminal: logs and pipes get the report alone.
        var progress: (@Sendable (String) -> Void)?
        if isatty(2) != 0 {
            progress = { (step: String) in StandardError.write("reviewgate: \(step)…\n") }
        }
        let audit = try HistoryAudit.run(repo, gate: gate, refPatterns: refPatterns, previous: previous, progress: progress,
                                         open: repositoryOpener(byPath: repository.repo != nil, gitDirectory: repo.gitDirectory))
        let findings = audit.findings, refs = audit.refs, commits = audit.commits, result = audit
        try secrets.writeBaselineIfAsked(findings)
        if let state { try audit.state.save(to: state) }
        let logDirectory = log.directory(gitDirectory: repo.gitDirectory, gate: gate)
        let logFindings = try AuditTrail.review(directory: logDirectory)
            + ServerReconciliation.findings(repository: repo, gate: gate, logDirectory: logDirectory)
        let verdict = Verdict(findings: findings + logFindings, commitsExamined: commits.count, blobsScanned: result.blobsScanned)
        try AuditTrail.recordAudit(directory: logDirectory, gate: gate, repository: repo, refs: refs, verdict: verdict, durationMs: Int(WallClock.milliseconds()) - started)
        let document = VerdictReport(version: ReviewGate.version, command: "audit", repository: repo.gitDirectory,
                                     verdict: verdict, durationMs: Int(WallClock.milliseconds()) - started,
                                     startedAt: Int64(started), secretRules: settings.ruleDescriptions, logChecked: true)
        try report.emit(document)
        if verdict.decision == .reject { throw ExitCode(Failure.Code.rejected.rawValue) }
    }
}

