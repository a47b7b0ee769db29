import Base
import Foundation
import Gate
import Git
import Secrets
import TOML

/// `scan` of files on disk: the paths given (default "."), with ignore rules from the
/// repository around the first one; paths reported as the user named them.
public enum FileScan {
    public static func run(_ paths: [String], settings: SecretSettings) throws -> (findings: [Finding], scanned: Int) {
        let roots = paths.isEmpty ? ["."] : paths
        // Ignore rules come from the repository around the first root, when there is one.
        let repo = Repository.mayContain(roots[0]) ? try? Repository(path: roots[0]) : nil
        let workTree = repo?.workDirectory
        let engine = FileSecrets(settings: settings)
        let absolute = roots.map { root -> String in
            let url = URL(fileURLWithPath: root).standardizedFileURL.path
            return workTree != nil ? url : root
        }
        var (found, scanned) = try engine.scan(under: absolute, repository: repo, workTree: workTree, threads: Workers.count)
        // Report paths as the user named them, not made absolute.
        if workTree != nil {
            let cwd = FileManager.default.currentDirectoryPath + "/"
            for i in found.indices {
                if let path = found[i].path, String(decoding: path, as: UTF8.self).hasPrefix(cwd) {
                    found[i].path = Array(path.dropFirst(cwd.utf8.count))
                }
            }
        }
        return (found, scanned)
    }
}

/// `rules check`: rule files (the built-in rules when none is named) load, and every rule
/// finds its true examples and none of its false ones.
public enum RuleExamples {
    /// The problems found, one line each, and the number of rules checked.
    public static func check(_ files: [String]) throws(Failure) -> (problems: [String], rules: Int) {
        var sets: [(String, RuleSet)] = []
        do {
            if files.isEmpty {
                sets.append(("builtin", try RuleSet.builtin(examples: true, threads: Workers.count)))
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
                // Each rule alone (with the file's global allowlists): where several rules match
                // one secret, the scanner reports only the most confident one.
                let alone = Scanner(ruleSet: RuleSet(rules: [rule], allowlists: set.allowlists))
                func hits(_ text: String, _ scanner: Secrets.Scanner) -> Bool {
                    var copy = text
                    return copy.withUTF8 { scanner.scan(UnsafeRawBufferPointer($0), scratch: scratch) }.contains { $0.ruleID == rule.id }
                }
                for (i, example) in rule.examplesTrue.enumerated() where !hits(example, scanner) && !hits(example, alone) {
                    problems.append("\(name): rule '\(rule.id)' misses its true example #\(i + 1)")
                }
                for (i, example) in rule.examplesFalse.enumerated() where hits(example, alone) {
                    problems.append("\(name): rule '\(rule.id)' flags its false example #\(i + 1)")
                }
            }
        }
        return (problems, total)
    }
}
