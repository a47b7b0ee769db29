import ArgumentParser
import Foundation
import Gate
import Reports
import Secrets
import TOML

/// Flags that shape secret scanning, shared by `scan`, `check` and `audit`.
struct SecretOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: "A rule file used instead of the built-in rules (gitleaks format; '[extend] useDefault = true' keeps them). Repeatable.")
    var ruleFiles: [String] = []

    @Option(help: "A file of accepted fingerprints, one per line; their findings are not reported.")
    var baseline: String?

    @Option(name: .customLong("write-baseline"), help: "Write the fingerprints of this run's findings to this file.")
    var writeBaseline: String?

    @Option(name: .customLong("max-file-bytes"), help: "Files larger than this are reported as skipped, not scanned (default: the policy's, else 52428800).")
    var maxFileBytes: Int?

    @Option(name: .customLong("fingerprint-key-file"), help: "Key for HMAC-SHA-256 fingerprints, so low-entropy secrets cannot be guessed back.")
    var fingerprintKeyFile: String?

    @Flag(name: .customLong("no-inline-allow"), help: "Ignore reviewgate:allow markers in files.")
    var noInlineAllow = false

    func validate() throws {
        if let maxFileBytes, maxFileBytes <= 0 { throw ValidationError("--max-file-bytes must be positive.") }
    }

    /// The settings these flags describe, over the policy's `[secrets]` where a flag is not
    /// given. Unreadable or invalid files are usage errors (2).
    func settings(policy: PolicySource? = nil) throws(Failure) -> SecretSettings {
        try Self.settings(ruleFiles: ruleFiles, baseline: baseline, maxFileBytes: maxFileBytes, fingerprintKeyFile: fingerprintKeyFile,
                          noInlineAllow: noInlineAllow, policy: policy)
    }

    /// The settings a policy alone describes (no command-line flags).
    static func defaultSettings(policy: PolicySource?) throws(Failure) -> SecretSettings {
        try settings(ruleFiles: [], baseline: nil, maxFileBytes: nil, fingerprintKeyFile: nil, noInlineAllow: false, policy: policy)
    }

    static func settings(ruleFiles: [String], baseline: String?, maxFileBytes: Int?, fingerprintKeyFile: String?,
                         noInlineAllow: Bool, policy: PolicySource?) throws(Failure) -> SecretSettings {
        var rules = RuleSet(rules: [])
        do {
            if !ruleFiles.isEmpty {
                for file in ruleFiles { try rules.append(loadRuleFile(file, read: PolicySource.readDisk)) }
            } else if let policy {
                for entry in policy.policy.secrets.rules {
                    if entry == "builtin" {
                        rules.append(try RuleSet.builtin())
                    } else {
                        try rules.append(loadRuleFile(policy.resolve(entry), read: policy.read))
                    }
                }
            } else {
                rules = try RuleSet.builtin()
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(.usage, "\(error)")
        }
        var key: [UInt8]?
        if let keyFile = fingerprintKeyFile {
            key = try PolicySource.readDisk(keyFile)
        } else if let policy, !policy.policy.secrets.fingerprintKeyFile.isEmpty {
            key = try policy.read(policy.resolve(policy.policy.secrets.fingerprintKeyFile))
        }
        if let key, key.isEmpty { throw Failure(.usage, "the fingerprint key file is empty") }
        var accepted = Set<String>()
        var baselineText: [UInt8]?
        if let baseline {
            baselineText = try PolicySource.readDisk(baseline)
        } else if let policy, !policy.policy.secrets.baseline.isEmpty {
            baselineText = try policy.read(policy.resolve(policy.policy.secrets.baseline))
        }
        if let baselineText {
            for line in String(decoding: baselineText, as: UTF8.self).split(whereSeparator: \.isNewline) {
                let entry = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                    .trimmingCharacters(in: .whitespaces)
                if !entry.isEmpty { accepted.insert(entry.lowercased()) }
            }
        }
        let inline = !noInlineAllow && (policy?.policy.secrets.inlineAllow ?? true)
        var allowPath: (@Sendable (String) -> Bool)?
        if let allow = policy?.policy.secrets.allowPaths, !allow.isEmpty {
            allowPath = { allow.matches($0) }
        }
        return SecretSettings(scanner: Scanner(ruleSet: rules, inlineAllow: inline, allowPath: allowPath),
                              fingerprinter: Fingerprinter(key: key),
                              maxFileBytes: maxFileBytes ?? policy?.policy.secrets.maxFileBytes ?? 52_428_800,
                              baseline: accepted)
    }

    /// A gitleaks-format rule file, with the files its `[extend] path` names read the same way.
    private static func loadRuleFile(_ file: String, read: @escaping (String) throws(Failure) -> [UInt8]) throws -> RuleSet {
        func text(_ path: String) throws(ConfigurationError) -> String {
            do {
                return String(decoding: try read(path), as: UTF8.self)
            } catch {
                throw ConfigurationError(file: path, position: TOMLPosition(line: 1, column: 1), message: error.message)
            }
        }
        return try RuleFile.parse(try text(file), file: file, loadFile: { (path: String) throws(ConfigurationError) in
            let full = path.hasPrefix("/") ? path : (file as NSString).deletingLastPathComponent + "/" + path
            return (try text(full), full)
        })
    }

    /// Writes `--write-baseline`, when given: the distinct fingerprints, sorted.
    func writeBaselineIfAsked(_ findings: [Finding]) throws(Failure) {
        guard let path = writeBaseline else { return }
        let prints = Set(findings.compactMap(\.fingerprint)).sorted()
        let text = "# reviewgate baseline: fingerprints of accepted findings\n" + prints.map { $0 + "\n" }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw Failure(.runtime, "cannot write the baseline file \(path)")
        }
    }
}

func readText(_ path: String) throws(ConfigurationError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ConfigurationError(file: path, position: TOMLPosition(line: 1, column: 1), message: "cannot read the file")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Where a report goes: `--output FILE`, else stdout for machine formats and stderr for text.
struct ReportOptions: ParsableArguments {
    @Option(help: "Output format: text or json; check also takes sarif, junit or github, and audit sarif or html.")
    var format: ReportFormat = .text

    @Option(help: "Write the report to this file instead of the terminal.")
    var output: String?

    /// Refuses a format the command does not write (a usage error, exit 2).
    func require(_ formats: [ReportFormat], command: String) throws {
        guard formats.contains(format) else {
            let names = formats.map(\.rawValue)
            throw ValidationError("\(command) cannot write --format \(format.rawValue); use \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "text").")
        }
    }

    func emit(_ document: VerdictReport) throws(Failure) {
        let body = switch format {
        case .text: document.text
        case .json: document.json.serialized() + "\n"
        case .sarif: document.sarif
        case .junit: document.junit
        case .github: document.githubAnnotations
        case .html: document.html
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(body.utf8)) else {
                throw Failure(.runtime, "cannot write the report to \(output)")
            }
        } else if format != .text {
            var out = StandardOutput()
            try out.write(body)
            try out.flush()
        } else {
            StandardError.write(body)
        }
    }
}

extension SecretSettings {
    /// The secret rules as reports describe them (SARIF rule metadata, the HTML page).
    var ruleDescriptions: [RuleDescription] {
        scanner.ruleSet.rules.map { RuleDescription.secret(id: $0.id, description: $0.description, tags: $0.tags) }
    }
}
