import GateRun
import ArgumentParser
import AuditLog
import Base
import Foundation
import Git
import JSON
import Reports

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Reads, verifies and signs the audit log.",
        subcommands: [LogVerify.self, LogShow.self, LogCheckpoint.self, LogAnalyze.self, LogKeygen.self]
    )
}

/// `--dir DIR`, else the log of `--repo DIR` (or of the repository containing the current directory).
struct LogDirectoryOptions: ParsableArguments {
    @Option(help: "The audit log directory (default: $GIT_DIR/reviewgate/audit of the repository).")
    var dir: String?

    @OptionGroup var repository: RepositoryOptions

    func log(mustExist: Bool = true) throws -> AuditLog {
        let directory: String
        if let dir {
            directory = dir
        } else {
            directory = AuditTrail.defaultDirectory(gitDirectory: try openRepository(repository).gitDirectory)
        }
        var isDirectory: ObjCBool = false
        if mustExist, !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw Failure(.usage, "no audit log at \(directory)")
        }
        return AuditLog(directory: directory)
    }
}

func parseDate(_ text: String?, _ flag: String) throws -> Int64? {
    guard let text else { return nil }
    guard let time = RFC3339.parse(text) else {
        throw ValidationError("\(flag) '\(text)' is not a date: use YYYY-MM-DD or RFC 3339 (2024-05-01T09:30:00Z).")
    }
    return time
}

struct LogVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks every frame, the seq order and the hash chain, and that the log extends its checkpoints.",
        discussion: """
        The log's own checkpoint is checked when there is one; --checkpoint adds a copy kept \
        elsewhere, which catches truncation and rewriting the chain alone cannot. With --key \
        their signatures are checked too. Exit 0: intact; 1: the first bad seq and why \
        (edited, missing, reordered, duplicated, truncated, torn, checkpoint mismatch).
        """
    )

    @OptionGroup var location: LogDirectoryOptions

    @Option(help: "A checkpoint (signed note) taken earlier, e.g. copied off the host.")
    var checkpoint: String?

    @Option(help: "The checkpoint verifier key (<name>+<id>+<base64 key>, as written by 'log keygen').")
    var key: String?

    func run() throws {
        let log = try location.log()
        let outcome = try LogReview.verify(log, checkpointFile: checkpoint, keyFile: key)
        let report = outcome.report
        if let problem = report.problem {
            StandardError.write("reviewgate: log \(log.directory) does not verify: \(DisplayText.line(problem.description))\n")
            throw ExitCode(Failure.Code.rejected.rawValue)
        }
        var out = StandardOutput()
        let line = LogVerifyText.summary(report, notes: outcome.notes)
        try out.write(line + "\n")
        try out.flush()
    }
}

struct LogShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Shows the log's records, filtered: text for people, JSON Lines for machines."
    )

    @OptionGroup var location: LogDirectoryOptions

    @Option(help: "Only records at or after this time (YYYY-MM-DD or RFC 3339).")
    var since: String?

    @Option(help: "Only records before this time.")
    var until: String?

    @Option(help: "Only records with this decision: accept, reject or override.")
    var decision: String?

    @Option(help: "Only records of this kind: push, landed, install, check, audit or recovery.")
    var kind: String?

    @Option(help: "Only records by this actor name.")
    var actor: String?

    @Option(help: "Output format: text or json (one record per line, as stored).")
    var format: OutputFormat = .text

    func validate() throws {
        _ = try parseDate(since, "--since")
        _ = try parseDate(until, "--until")
    }

    func run() throws {
        let log = try location.log()
        let filter = LogFilter(since: try parseDate(since, "--since"), until: try parseDate(until, "--until"),
                               decision: decision, kind: kind, actor: actor)
        var out = StandardOutput()
        let damaged = try LogReview.show(log, filter: filter, json: format == .json) { (text: String) throws(Failure) in try out.write(text) }
        try out.flush()
        if damaged > 0 {
            StandardError.write("reviewgate: warning: \(damaged) damaged frame\(damaged == 1 ? "" : "s") skipped; run reviewgate log verify\n")
        }
    }
}

struct LogCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Prints the latest signed checkpoint, for copying off the host.",
        discussion: "With --key, signs a new checkpoint over the whole log first (after verifying it)."
    )

    @OptionGroup var location: LogDirectoryOptions

    @Option(help: "Sign a fresh checkpoint with this key (PRIVATE+KEY+…, as written by 'log keygen').")
    var key: String?

    func run() throws {
        let note = try CheckpointKeys.checkpoint(directory: try location.log(mustExist: key == nil).directory, key: key)
        var out = StandardOutput()
        try out.write(note)
        try out.flush()
    }
}

struct LogAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Reads the log for irregularities a security team would want to see.",
        discussion: """
        Red flags: break-glass overrides, bursts of rejections by one actor, the same secret \
        pushed again, force-push or delete attempts on protected refs, actors unknown to the \
        policy, changes of the policy, recoveries and gaps, accepted pushes that never landed \
        and landed updates that no push record accepted. Exit 1 when there are any.
        """
    )

    @OptionGroup var location: LogDirectoryOptions

    @Option(help: "Only records at or after this time (YYYY-MM-DD or RFC 3339).")
    var since: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Rejections by one actor that make a burst.")
    var burst = 5

    @Option(help: "The burst window in seconds.")
    var window: Int64 = 600

    func validate() throws {
        _ = try parseDate(since, "--since")
        guard burst >= 1, window >= 0 else { throw ValidationError("--burst must be at least 1 and --window not negative.") }
    }

    func run() throws {
        let log = try location.log()
        var analysis = LogAnalysis(options: LogAnalysis.Options(since: try parseDate(since, "--since"), burst: burst, window: window))
        try LogReview.read(log) { analysis.add($0) }
        let flags = analysis.finish()
        var out = StandardOutput()
        switch format {
        case .json:
            try out.write(analysis.json.serialized() + "\n")
        case .text:
            try out.write(LogAnalysisText.text(analysis, flags: flags))
        }
        try out.flush()
        if !flags.isEmpty { throw ExitCode(Failure.Code.rejected.rawValue) }
    }
}

struct LogKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Makes an Ed25519 checkpoint key pair in the Go sumdb/note text form.",
        discussion: "Writes the signing key to FILE (mode 0600) and the verifier key to FILE.pub."
    )

    @Option(help: "The key name, also the checkpoints' origin line (e.g. git.example.com/reviewgate).")
    var name: String

    @Option(help: "The signing key file to write; the verifier key goes to FILE.pub.")
    var out: String

    func run() throws {
        try CheckpointKeys.generate(name: name, out: out)
        StandardError.write("reviewgate: wrote \(out) (keep it secret) and \(out).pub (give it to verifiers)\n")
    }
}
