import GateRun
import ArgumentParser
import Foundation
import Secrets
import TOML

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Works with secret rule files.",
        subcommands: [RulesCheck.self]
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
