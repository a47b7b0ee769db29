import GateRun
import ArgumentParser
import Foundation
import Git
import Secrets
import TOML

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Works with secret rule files.",
        subcommands: [RulesCheck.self, RulesCompile.self]
    )
}

struct RulesCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validates rule files (the built-in rules when none is named) and runs every rule's examples.",
        discussion: "Exit 0: all valid; 2: a file does not load, or a rule misses a true example or flags a false one."
    )

    @Argument(help: "Rule files to check.")
    var files: [String] = []

    func run() throws {
        let (problems, total) = try RuleExamples.check(files)
        for problem in problems { StandardError.write(problem + "\n") }
        StandardError.write("\(total) rule\(total == 1 ? "" : "s") checked, \(problems.count) problem\(problems.count == 1 ? "" : "s")\n")
        if !problems.isEmpty { throw ExitCode(Failure.Code.usage.rawValue) }
    }
}

struct RulesCompile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compiles the scanner's databases for the rules scan uses (the built-in rules, or the files named as with scan --rules; a server repository's policy with --repo) and keeps them for later runs.",
        discussion: """
            Run as the account that scans (the git server's, a developer's, a CI cache's) after \
            installing or upgrading: scans, checks and hooks then load the fastest database in \
            milliseconds instead of compiling. Kept in $REVIEWGATE_CACHE_DIR, else \
            $XDG_CACHE_HOME/reviewgate, else ~/.cache/reviewgate (REVIEWGATE_CACHE_DIR=off: none). \
            Exit 0: kept; 2: a file or the policy does not load; 3: the databases could not be \
            kept (no usable cache directory, or Hyperscan cannot run here).
            """
    )

    @Argument(help: "Rule files, as one set (as scan --rules FILE... reads them).")
    var files: [String] = []

    @Option(help: "A server repository: compile the rules its installed policy gives the hook.")
    var repo: String?

    func run() throws {
        if repo != nil, !files.isEmpty { throw ValidationError("--repo takes no rule files: the repository's policy names them") }
        // Started by a scan in the background (`BackgroundCompile`): out of the way of the work
        // in the foreground.
        if getenv(BackgroundCompile.marker) != nil { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10) }
        // The scanner the hook builds from the server's policy, or the one `scan --rules` builds.
        let scanner = try repo.map { try GateSettings.forServer(try Repository(path: $0)).secrets.scanner }
            ?? SecretOverrides(ruleFiles: files).settings().scanner
        guard scanner.prepareKeptDatabases() else {
            StandardError.write("reviewgate: the compiled databases could not be kept (no usable cache directory, or Hyperscan cannot run here)\n")
            throw ExitCode(Failure.Code.runtime.rawValue)
        }
        let what = repo.map { "the hook's rules for \($0)" } ?? (files.isEmpty ? "the built-in rules" : "the rules of " + files.joined(separator: ", "))
        StandardError.write(what + " compiled and kept\n")
    }
}
