import GateRun
import ArgumentParser
import Base
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import Reports

struct Hook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Git server hooks.",
        subcommands: [PreReceive.self, PostReceive.self]
    )
}

struct PostReceive: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "post-receive", abstract: "Records what landed: reads the '<old> <new> <ref>' lines git applied (as git's post-receive hook does) and appends one landed record.")

    func run() throws {
        let status = Landing.postReceive(input: FileHandle.standardInput.readDataToEndOfFile(), environment: ProcessInfo.processInfo.environment, started: Int(WallClock.milliseconds()))
        if status != 0 { throw ExitCode(status) }
    }
}

struct PreReceive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-receive",
        abstract: "Judges a push: reads '<old> <new> <ref>' lines on stdin, as git's pre-receive hook does.",
        discussion: """
        The repository is opened from the environment, so the pushed objects are seen in the push \
        quarantine. The policy comes from the server only: git config reviewgate.policy, else \
        $GIT_DIR/reviewgate/policy.toml. Problems go to stderr (the pusher sees them as 'remote:' \
        lines); one audit record is appended for the whole push. Exit 0 accepts the push; any \
        other status rejects it (1: the gate says no; 2: broken policy; 3: runtime error or time \
        budget exceeded).
        """
    )

    func run() throws { try Self.runHook() }

    static func runHook() throws {
        let started = Int(WallClock.milliseconds())
        let env = ProcessInfo.processInfo.environment
        let run = HookRun(started: started, pusher: AuditTrail.actor(environment: env, ci: false),
                          remote: AuditTrail.remoteAddress(environment: env))
        let status: Int32
        do {
            status = try run.judge(input: FileHandle.standardInput.readDataToEndOfFile(), environment: env)
        } catch {
            // Fail closed: whatever went wrong rejects the push, and the log still says so.
            run.finish(failing: Failure(describing: error))
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// One pre-receive run. The time budget is kept by a watchdog: when it fires first, the push
/// is rejected (exit 3) and the log says so, even if a worker is still busy.
final class HookRun: @unchecked Sendable {
    let started: Int
    let pusher: (name: String, source: String)
    let remote: String?
    /// Where the record goes; known once the repository is open.
    private var logDirectory: String?
    private var gitDirectory = ""
    private let lock = NSLock()
    private var finished = false
    private var updates: [RefUpdate] = []
    private var settings: GateSettings?

    init(started: Int, pusher: (name: String, source: String), remote: String?) {
        self.started = started
        self.pusher = pusher
        self.remote = remote
    }

    /// Whoever calls this first (the run or the watchdog) writes the outcome; the other stops.
    private func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if finished { return false }
        finished = true
        return true
    }

    /// Judges the push and returns the exit status: 0 accept, 1 reject, 3 when the decision
    /// could not be recorded.
    func judge(input: Data, environment env: [String: String]) throws -> Int32 {
        // Policy and repository first: a broken policy rejects with its file, line and column.
        let repo = try Repository.fromEnvironment()
        gitDirectory = repo.gitDirectory
        logDirectory = AuditTrail.defaultDirectory(gitDirectory: repo.gitDirectory)
        let settings = try GateSettings.forServer(repo)
        logDirectory = settings.auditDirectory ?? logDirectory
        self.settings = settings
        // A log this account cannot append to refuses the push now, before any verdict.
        do throws(Failure) {
            try PushJudgement.checkLog(logDirectory ?? "")
        } catch {
            logDirectory = nil
            throw error
        }
        updates = try PushJudgement.updates(from: input)
        // The budget counts from the process start; the watchdog gets what is left of it.
        startWatchdog(seconds: settings.budgetSeconds, elapsed: Double(Int(WallClock.milliseconds()) - started) / 1000)
        let judged = try PushJudgement.judge(updates, in: repo, settings: settings, pusher: pusher, options: PushOptions(env))
        let outcome = judged.outcome, decision = judged.decision, overrideBy = judged.override
        guard claim() else { parkForever() }
        let duration = Int(WallClock.milliseconds()) - started
        // The record first: the pusher reads one verdict, and only one that was recorded.
        do {
            let recorded = try AuditTrail.recordPush(gate: settings, directory: logDirectory ?? "", repository: repo.gitDirectory, actor: pusher,
                                      remote: remote, updates: updates, verdict: outcome, decision: decision,
                                      override: overrideBy.map { ($0.reason, $0.who) }, durationMs: duration)
            if decision != .reject { Landing.leaveTicket(seq: recorded.seq, updates: updates, shownRefs: recorded.refs, logDirectory: logDirectory ?? "") }
        } catch {
            StandardError.write("reviewgate: REJECTED: cannot append to the audit log: \(DisplayText.line(Failure(describing: error).message))\n")
            StandardError.write("reviewgate: the push was refused because its decision could not be recorded (the gate fails closed); tell the server's administrators.\n")
            return Failure.Code.runtime.rawValue
        }
        StandardError.write(PushMessages(verdict: outcome, decision: decision, durationMs: duration, notesRef: settings.notesRef).text)
        if let overrideBy {
            StandardError.write("reviewgate: override by \(DisplayText.line(overrideBy.who)): \(overrideBy.reason) (recorded in the audit log)\n")
        }
        return decision == .reject ? Failure.Code.rejected.rawValue : 0
    }

    /// A failure before a decision: reject, tell the pusher why, and log it when possible.
    func finish(failing failure: Failure) -> Never {
        guard claim() else { parkForever() }
        var failure = failure
        failure.message = AuditTrail.shown(failure.message, gate: settings)
        StandardError.write("reviewgate: REJECTED: \(DisplayText.line(failure.message))\n")
        StandardError.write("reviewgate: the push was refused because the gate could not judge it (it fails closed); tell the server's administrators.\n")
        let finding = Finding(kind: .log, severity: .error, rule: "internal-error", message: DisplayText.line(failure.message))
        if let logDirectory {
            do {
                try AuditTrail.recordPush(gate: settings, directory: logDirectory, repository: gitDirectory, actor: pusher,
                                          remote: remote, updates: updates,
                                          verdict: Verdict(findings: [finding], commitsExamined: 0, blobsScanned: 0),
                                          decision: .reject, override: nil, durationMs: Int(WallClock.milliseconds()) - started)
            } catch {
                StandardError.write("reviewgate: and the audit log could not record it: \(DisplayText.line(error.message))\n")
            }
        }
        // _exit: the watchdog may get here while workers still run; nothing is buffered.
        _exit(failure.code.rawValue)
    }

    private func startWatchdog(seconds: Double, elapsed: Double) {
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: max(0, seconds - elapsed))
            finish(failing: Failure(.runtime, "time budget of \(seconds) s exceeded; push rejected rather than let the server wait"))
        }
        thread.start()
    }

    private func parkForever() -> Never {
        while true { sleep(60) }
    }
}
