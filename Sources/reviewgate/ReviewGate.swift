import GateRun
import ArgumentParser

struct ReviewGate: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "reviewgate",
        abstract: "Guards a git repository: core-path sign-off, secret scanning and a tamper-evident audit log.",
        version: version,
        subcommands: [Scan.self, Check.self, Audit.self, Inspect.self, Approve.self, Rules.self, Hook.self, Install.self, Log.self]
    )
}

/// Flags shared by every command that works on a repository.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customLong("repo"), help: "The repository to work on (default: the one containing the current directory).")
    var repo: String?
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
