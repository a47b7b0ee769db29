import GateRun
import ArgumentParser
import Gate
import Git
import Reports
import Secrets

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shows what the gate sees in a commit, or in each commit of a range A..B.",
        discussion: "JSON output is one document per commit, one per line."
    )

    @Argument(help: "The commit (any revision git understands), or a range A..B.")
    var revision: String

    @OptionGroup var repository: RepositoryOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "The policy file (default: the server's, else .reviewgate/policy.toml at HEAD).")
    var policy: String?

    func run() throws {
        let repo = try openRepository(repository)
        let gate = try GateSettings.forRepository(repo, policyFile: policy)
        let notes = try repo.reference(named: gate.notesRef)
        let commits: [ObjectID]
        if revision.contains("..") {
            let range = try repo.resolveRange(revision)
            commits = try repo.newCommits(tips: [range.to], excluding: [range.from])
        } else {
            commits = [try repo.resolveCommit(revision)]
        }
        // Messages are shown with any secret in them redacted (SPEC §1.3).
        let scanner = gate.secrets.scanner
        let scratch = MatchScratch()
        let engine = CommitSecrets(settings: gate.secrets)
        let opener = repositoryOpener(byPath: repository.repo != nil, gitDirectory: repo.gitDirectory)
        var out = StandardOutput()
        for id in commits {
            let commit = try repo.commit(id)
            let shown = Redaction.redactSecrets(in: commit.message, scanner: scanner, scratch: scratch)
            let review = try gate.signOff.review(commit, in: repo, notesCommit: notes)
            let found = try engine.examine([id], threads: 1, open: opener).findings
            let trailers = gate.policy.trailerParser.parse(shown).map { (key: $0.key, value: $0.value) }
            let report = CommitReport(commit: commit, changes: try repo.changes(of: commit), shownMessage: shown, review: review,
                                      trailers: trailers, findings: found + gate.signOff.findings(review))
            switch format {
            case .json: try out.write(report.json.serialized() + "\n")
            case .text: try out.write(report.text)
            }
        }
        try out.flush()
    }
}

/// Opens `--repo DIR`, or else the repository the environment names (GIT_DIR and the object
/// directories git sets for hooks, so the push quarantine is visible), or the one containing
/// the current directory.
func openRepository(_ options: RepositoryOptions) throws(GitError) -> Repository {
    if let path = options.repo { return try Repository(path: path) }
    return try Repository.fromEnvironment()
}
