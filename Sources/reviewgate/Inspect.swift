import GateRun
import ArgumentParser
import Gate
import Git
import Reports
import Secrets

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
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
        let reports = try Inspection.reports(repo, gate: gate, revision: revision,
                                             open: repositoryOpener(byPath: repository.repo != nil, gitDirectory: repo.gitDirectory))
        var out = StandardOutput()
        for report in reports {
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
