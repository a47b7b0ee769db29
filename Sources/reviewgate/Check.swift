import GateRun
import ArgumentParser
import Base
import Foundation
import Gate
import Git
import Reports
import Secrets

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Examines the commits of base..head, as CI does for a pull request.",
        discussion: """
        Without a range, the CI context is detected: GitHub Actions (GITHUB_BASE_REF, GITHUB_SHA) \
        or GitLab (CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_COMMIT_SHA). Exit 0: pass; 1: secrets \
        introduced; 2: usage or configuration error; 3: runtime error.
        """
    )

    @Argument(help: "The commits to examine, as A..B.")
    var range: String?

    @Option(help: "The base revision (the trusted side).")
    var base: String?

    @Option(help: "The head revision.")
    var head: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var secrets: SecretOptions

    @Option(help: "The policy file (default: .reviewgate/policy.toml as committed in the base revision).")
    var policy: String?

    @Option(name: .customLong("target-ref"), help: "The ref the range is headed for, for require_signed_commits (default: from GITHUB_BASE_REF or CI_MERGE_REQUEST_TARGET_BRANCH_NAME).")
    var targetRef: String?

    @Flag(name: .customLong("no-log"), help: "Do not append to the audit log.")
    var noLog = false

    @OptionGroup var log: LogOptions

    func validate() throws {
        if range != nil, base != nil || head != nil { throw ValidationError("Give a range or --base/--head, not both.") }
        if (base == nil) != (head == nil) { throw ValidationError("--base and --head go together.") }
        try report.require([.text, .json, .sarif, .junit, .github], command: "check")
    }

    func run() throws {
        let started = Int(WallClock.milliseconds())
        let repo = try openRepository(repository)
        let (baseRev, headRev) = try endpoints()
        let from = try repo.resolveCommit(baseRev)
        let to = try repo.resolveCommit(headRev)
        // The policy of the trusted side: --policy, else the base revision's own file, so a
        // change cannot weaken the policy it is judged by.
        let source = try policy.map { (path: String) throws(Failure) in try PolicySource.file(path) }
            ?? PolicySource.committed(in: repo, revision: from)
        let gate = try GateSettings.make(source, options: secrets.overrides)
        let settings = gate.secrets
        let verdict = try RangeCheck.run(repo, gate: gate, from: from, to: to, target: target(), subjects: report.format == .junit,
                                         open: repositoryOpener(byPath: repository.repo != nil, gitDirectory: repo.gitDirectory))
        try secrets.writeBaselineIfAsked(verdict.findings)
        if !noLog {
            try AuditTrail.recordCheck(directory: log.directory(gitDirectory: repo.gitDirectory, gate: gate), gate: gate, repository: repo, headName: headRev, base: from, head: to, verdict: verdict,
                                       durationMs: Int(WallClock.milliseconds()) - started)
        }
        let document = VerdictReport(version: ReviewGate.version, command: "check", repository: repo.gitDirectory,
                                     verdict: verdict, durationMs: Int(WallClock.milliseconds()) - started,
                                     startedAt: Int64(started), secretRules: settings.ruleDescriptions)
        try report.emit(document)
        if verdict.decision == .reject { throw ExitCode(Failure.Code.rejected.rawValue) }
    }

    /// The ref the range is headed for: `--target-ref`, else the CI's target branch.
    func target() -> String? { CIContext.target(flag: targetRef, environment: ProcessInfo.processInfo.environment) }

    /// The range from the arguments, else from the CI environment.
    func endpoints() throws(Failure) -> (String, String) {
        try CIContext.endpoints(range: range, base: base, head: head, environment: ProcessInfo.processInfo.environment)
    }
}

