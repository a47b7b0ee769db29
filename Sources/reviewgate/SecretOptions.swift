import ArgumentParser
import Gate
import GateRun
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

    /// The values of these flags, for the run.
    var overrides: SecretOverrides {
        SecretOverrides(ruleFiles: ruleFiles, baseline: baseline, maxFileBytes: maxFileBytes,
                        fingerprintKeyFile: fingerprintKeyFile, noInlineAllow: noInlineAllow)
    }

    /// Writes `--write-baseline`, when given: the distinct fingerprints, sorted.
    func writeBaselineIfAsked(_ findings: [Finding]) throws(Failure) {
        if let path = writeBaseline { try Baseline.write(findings, to: path) }
    }
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
        let body = document.rendered(as: format)
        if let output {
            if let problem = ReportFile.write(body, to: output) {
                throw Failure(.runtime, "cannot write the report to \(output): \(problem)")
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

extension ReportFormat: ExpressibleByArgument {}
