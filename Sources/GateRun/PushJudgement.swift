import AuditLog
import Foundation
import Gate
import Git

/// A pre-receive run's steps that decide something, for the hook to call in order (the hook
/// keeps the watchdog and what the pusher reads).
public enum PushJudgement {
    /// Refuses, naming the directory and the account, when this process could not append the
    /// push's record: checked before judging, so no verdict is printed for a push that fails.
    public static func checkLog(_ directory: String) throws(Failure) {
        do {
            try AuditLog(directory: directory).checkWritable()
        } catch {
            throw Failure(.runtime, "cannot append to the audit log \(directory) as \(ServerAccount.current.description): \(error.message)")
        }
    }

    /// The `<old> <new> <ref>` lines git gives pre-receive on stdin.
    public static func updates(from input: Data) throws(Failure) -> [RefUpdate] {
        guard input.count <= 64 << 20 else { throw Failure(.runtime, "pre-receive input larger than 64 MiB") }
        var updates: [RefUpdate] = []
        for line in input.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            switch RefUpdate.parse(Array(line)) {
            case let .success(update): updates.append(update)
            case let .failure(error): throw Failure(.runtime, "bad pre-receive input line: \(error)")
            }
        }
        return updates
    }

    public struct Judged {
        public var outcome: Verdict
        public var decision: Verdict.Decision
        public var override: (reason: String, who: String)?
    }

    /// The gate's verdict on the push, then break-glass.
    public static func judge(_ updates: [RefUpdate], in repo: Repository, settings: GateSettings, pusher: (name: String, source: String),
                             options: PushOptions) throws -> Judged {
        let verdict = try settings.judgePush(updates, in: repo, open: { () throws(GitError) in try Repository.fromEnvironment() })
        let glass = BreakGlass.decide(verdict, request: options.overrideReason, pusher: pusher, settings: settings)
        return Judged(outcome: Verdict(findings: glass.findings, commitsExamined: verdict.commitsExamined, blobsScanned: verdict.blobsScanned),
                      decision: glass.decision, override: glass.override)
    }
}
