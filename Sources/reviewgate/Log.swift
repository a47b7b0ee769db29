import GateRun
import ArgumentParser
import AuditLog
import Foundation
import Git
import JSON
import Reports

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
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
    guard let time = LogTime.parse(text) else {
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
        var line = "ok: \(report.records) record\(report.records == 1 ? "" : "s") in \(report.segments) segment\(report.segments == 1 ? "" : "s"), "
            + "root \(Base64.encode(report.root))"
        if report.checkpointsMatched > 0 { line += "; \(report.checkpointsMatched) checkpoint\(report.checkpointsMatched == 1 ? "" : "s") matched" }
        for note in outcome.notes { line += "; \(note)" }
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

    @Option(help: "Only records of this kind: push, check, audit or recovery.")
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
        var failure: Failure?
        var damaged = 0
        try LogReview.read(log) { entry in
            guard failure == nil else { return }
            guard let record = entry.record else {
                damaged += 1
                return
            }
            guard filter.matches(record) else { return }
            do throws(Failure) {
                switch format {
                case .json: try out.write(record.serialized(sortedKeys: true) + "\n")
                case .text: try out.write(LogRecordText.text(record))
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
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
        var note: String
        if let key {
            let signer = try AuditTrail.loadSigner(key)
            let log = AuditLog(directory: try location.log(mustExist: false).directory, signer: signer)
            do { note = try log.checkpoint(signer: signer) } catch { throw Failure(error.kind == .damaged ? .rejected : .runtime, error.message) }
        } else {
            let log = try location.log()
            guard let stored = try? log.storedCheckpoint() else {
                throw Failure(.usage, "no checkpoint in \(log.directory): configure [audit] checkpoint_key, or pass --key")
            }
            note = stored
        }
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
        policy, changes of the policy, recoveries and gaps. Exit 1 when there are any.
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
            let counts = { (table: [String: Int]) in table.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
            try out.write("\(analysis.records) records from \(analysis.firstTime ?? "-") to \(analysis.lastTime ?? "-"); "
                          + "\(analysis.actorCount) actors\n")
            if !analysis.kinds.isEmpty { try out.write("kinds: \(counts(analysis.kinds))\n") }
            if !analysis.decisions.isEmpty { try out.write("decisions: \(counts(analysis.decisions))\n") }
            for flag in flags {
                let seqs = flag.seqs.count > 8 ? flag.seqs.prefix(8).map(String.init).joined(separator: ",") + ",…"
                    : flag.seqs.map(String.init).joined(separator: ",")
                try out.write("red flag: \(flag.kind.rawValue): \(DisplayText.line(flag.message)) [seq \(seqs)]\n")
            }
            try out.write(flags.isEmpty ? "no red flags\n" : "\(flags.count) red flag\(flags.count == 1 ? "" : "s")\n")
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
        let pair: (signer: String, verifier: String)
        do { pair = try NoteKey.generate(name: name) } catch { throw Failure(.usage, error.message) }
        for (path, text, mode) in [(out, pair.signer, 0o600), (out + ".pub", pair.verifier, 0o644)] {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
            guard fd >= 0 else { throw Failure(.runtime, "cannot create \(path): \(String(cString: strerror(errno)))") }
            let bytes = Array((text + "\n").utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == bytes.count, synced else { throw Failure(.runtime, "cannot write \(path)") }
        }
        StandardError.write("reviewgate: wrote \(out) (keep it secret) and \(out).pub (give it to verifiers)\n")
    }
}
