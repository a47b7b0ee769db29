import GateRun
import ArgumentParser
import Base
import Foundation
import Gate
import Git
import Reports

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scans files on disk, or the staged change, for secrets.",
        discussion: "Directories are walked without following symlinks; .git and untracked git-ignored paths are left out. Exit 1 when a secret is found."
    )

    @Argument(help: "Files or directories to scan (default: the current directory).")
    var paths: [String] = []

    @Flag(help: "Scan what the index would add to the next commit (for a pre-commit hook).")
    var staged = false

    @OptionGroup var report: ReportOptions
    @OptionGroup var secrets: SecretOptions

    func validate() throws {
        if staged, !paths.isEmpty { throw ValidationError("--staged scans the index; give no paths with it.") }
        try report.require([.text, .json], command: "scan")
    }

    func run() throws {
        let started = Int(WallClock.milliseconds())
        let settings = try secrets.overrides.settings()
        let findings: [Finding]
        let scanned: Int
        var repositoryPath: String?
        if staged {
            let repo = try Repository.fromEnvironment()
            repositoryPath = repo.gitDirectory
            let result = try CommitSecrets(settings: settings).examineStaged(repo)
            (findings, scanned) = (result.findings, result.blobsScanned)
        } else {
            (findings, scanned) = try FileScan.run(paths, settings: settings)
        }
        try secrets.writeBaselineIfAsked(findings)
        // Paths are shown with any secret in them redacted, as every other command shows them.
        let verdict = Verdict(findings: findings, commitsExamined: 0, blobsScanned: scanned).redactingNames(settings.scanner)
        let document = VerdictReport(version: ReviewGate.version, command: "scan", repository: repositoryPath,
                                     verdict: verdict, durationMs: Int(WallClock.milliseconds()) - started)
        try report.emit(document)
        // A scan long enough to want the merged database, which no one kept: compiled in the
        // background for the next run (as git detaches its auto gc), never waited for.
        if settings.scanner.missedKeptDatabases { BackgroundCompile.start(ruleFiles: secrets.ruleFiles) }
        if verdict.decision == .reject { throw ExitCode(Failure.Code.rejected.rawValue) }
    }
}
