import Base
import Foundation
import Gate
import Secrets
import TOML

/// What a command line may set over the policy's `[secrets]`: rule files instead of the
/// policy's, a baseline, the size limit, the fingerprint key, inline markers off.
public struct SecretOverrides: Sendable {
    public var ruleFiles: [String]
    public var baseline: String?
    public var maxFileBytes: Int?
    public var fingerprintKeyFile: String?
    public var noInlineAllow: Bool

    public init(ruleFiles: [String] = [], baseline: String? = nil, maxFileBytes: Int? = nil, fingerprintKeyFile: String? = nil,
                noInlineAllow: Bool = false) {
        self.ruleFiles = ruleFiles
        self.baseline = baseline
        self.maxFileBytes = maxFileBytes
        self.fingerprintKeyFile = fingerprintKeyFile
        self.noInlineAllow = noInlineAllow
    }

    /// The settings these values describe, over the policy's `[secrets]` where one is not
    /// given. Unreadable or invalid files are usage errors (2).
    public func settings(policy: PolicySource? = nil) throws(Failure) -> SecretSettings {
        var rules = RuleSet(rules: [])
        do {
            if !ruleFiles.isEmpty {
                for file in ruleFiles { try rules.append(Self.loadRuleFile(file, read: PolicySource.readDisk)) }
            } else if let policy {
                for entry in policy.policy.secrets.rules {
                    if entry == "builtin" {
                        rules.append(try RuleSet.builtin(threads: Workers.count))
                    } else {
                        try rules.append(Self.loadRuleFile(policy.resolve(entry), read: policy.read))
                    }
                }
            } else {
                rules = try RuleSet.builtin(threads: Workers.count)
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
                              baseline: accepted,
                              unscannable: policy?.policy.secrets.unscannable == "warning" ? .warning : .error,
                              block: policy.flatMap { Confidence(rawValue: $0.policy.secrets.block) } ?? .medium)
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
        // A scan never reads examples (`rules check` does, on its own path).
        return try RuleFile.parse(try text(file), file: file, loadFile: { (path: String) throws(ConfigurationError) in
            let full = path.hasPrefix("/") ? path : (file as NSString).deletingLastPathComponent + "/" + path
            return (try text(full), full)
        }, reading: RuleFile.Reading(examples: false, threads: Workers.count))
    }

}

/// Baseline files: one fingerprint per line, `#` starts a comment.
public enum Baseline {
    /// Writes the distinct fingerprints of `findings`, sorted: those reported as problems and
    /// those the baseline already accepts, not the notes an inline marker or an allowlist
    /// suppressed (removing the marker must bring the finding back).
    public static func write(_ findings: [Finding], to path: String) throws(Failure) {
        let prints = Set(findings.filter { $0.suppressed == nil || $0.suppressed == .baseline }.compactMap(\.fingerprint)).sorted()
        let text = "# reviewgate baseline: fingerprints of accepted findings\n" + prints.map { $0 + "\n" }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw Failure(.runtime, "cannot write the baseline file \(path)")
        }
    }
}

public func readText(_ path: String) throws(ConfigurationError) -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ConfigurationError(file: path, position: TOMLPosition(line: 1, column: 1), message: "cannot read the file")
    }
    return String(decoding: data, as: UTF8.self)
}

