import GateRun
import ArgumentParser
import AuditLog
import Foundation
import Gate
import Git
import JSON
import Reports

/// Where a command's audit record goes. The policy's `[audit] dir` and `checkpoint_key` will
/// take over from these flags; `AuditTrail.append` already takes both as plain values.
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-dir"), help: "The audit log directory (default: $GIT_DIR/reviewgate/audit).")
    var logDirectory: String?

    func directory(gitDirectory: String) -> String { logDirectory ?? AuditTrail.defaultDirectory(gitDirectory: gitDirectory) }

    /// `--log-dir`, else the policy's `[audit] dir`, else `$GIT_DIR/reviewgate/audit`.
    func directory(gitDirectory: String, gate: GateSettings) -> String {
        logDirectory ?? gate.auditDirectory ?? AuditTrail.defaultDirectory(gitDirectory: gitDirectory)
    }
}

