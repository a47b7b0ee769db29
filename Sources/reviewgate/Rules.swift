import GateRun
import ArgumentParser
import Foundation
import Secrets
import TOML

struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
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
        var sets: [(String, RuleSet)] = []
        do {
            if files.isEmpty {
                sets.append(("builtin", try RuleSet.builtin()))
            }
            for file in files {
                sets.append((file, try RuleFile.parse(try readText(file), file: file, loadFile: { (path: String) throws(ConfigurationError) in
                    let full = path.hasPrefix("/") ? path : (file as NSString).deletingLastPathComponent + "/" + path
                    return (try readText(full), full)
                })))
            }
        } catch {
            throw Failure(.usage, error.description)
        }
        var problems: [String] = []
        var total = 0
        for (name, set) in sets {
            let scanner = Scanner(ruleSet: set)
            let scratch = MatchScratch()
            for rule in set.rules {
                total += 1
                func hits(_ text: String) -> Bool {
                    var copy = text
                    return copy.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: scratch) }.contains { $0.ruleID == rule.id }
                }
                for (i, example) in rule.examplesTrue.enumerated() where !hits(example) {
                    problems.append("\(name): rule '\(rule.id)' misses its true example #\(i + 1)")
                }
                for (i, example) in rule.examplesFalse.enumerated() where hits(example) {
                    problems.append("\(name): rule '\(rule.id)' flags its false example #\(i + 1)")
                }
            }
        }
        for problem in problems { StandardError.write(problem + "\n") }
        StandardError.write("\(total) rule\(total == 1 ? "" : "s") checked, \(problems.count) problem\(problems.count == 1 ? "" : "s")\n")
        if !problems.isEmpty { throw ExitCode(Failure.Code.usage.rawValue) }
    }
}
