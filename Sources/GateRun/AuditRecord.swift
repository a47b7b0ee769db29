import AuditLog
import Base
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import JSON
import Reports
import Secrets

/// A verdict turned into an audit record (SPEC §1.4), and the log read back for `audit`.
public enum AuditTrail {
    /// Findings listed in one record at most (about 2 MB); the rest are counted.
    public static let maxRecordedFindings = 10_000

    public static func defaultDirectory(gitDirectory: String) -> String {
        (gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/") + "reviewgate/audit"
    }

    /// Who ran the command and which variable said so (SPEC §2 "Pusher identity"): the first
    /// that is set; CI user variables only for `check`; else the OS user.
    public static func actor(environment: [String: String] = ProcessInfo.processInfo.environment,
                      ci: Bool) -> (name: String, source: String) {
        // GitLab sets GL_USERNAME and GL_ID (`user-N`, for deploy keys and older versions the
        // only one); gitolite sets GL_USER; Forgejo keeps Gitea's names.
        var sources = ["REVIEWGATE_USER", "GL_USERNAME", "GL_USER", "GL_ID", "GITEA_PUSHER_NAME", "FORGEJO_PUSHER_NAME",
                       "GITHUB_USER_LOGIN", "REMOTE_USER"]
        if ci { sources += ["GITHUB_ACTOR", "GITLAB_USER_LOGIN"] }
        for source in sources {
            if let name = environment[source], !name.isEmpty { return (name, source) }
        }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return (String(cString: name), "os")
        }
        return (environment["USER"] ?? "uid \(geteuid())", "os")
    }

    /// The client address of a push, when the transport tells (ssh, or a web server's CGI).
    public static func remoteAddress(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let ssh = environment["SSH_CONNECTION"] ?? environment["SSH_CLIENT"], let address = ssh.split(separator: " ").first {
            return String(address)
        }
        return environment["REMOTE_ADDR"]
    }

    public struct RefUpdate {
        var ref: String
        var old: String?
        var new: String?
        /// Whether the policy in force protects the ref (push records), so `log analyze` can
        /// judge a record without the policy of its time; nil leaves the field out.
        var protected: Bool? = nil
    }

    /// Ref names as a record holds them: any secret in one replaced by its redacted form, by
    /// the one redaction function; without settings (a policy that did not load), with the
    /// built-in rules.
    static func shown(_ refs: [RefUpdate], gate: GateSettings?) -> [RefUpdate] {
        guard let scanner = gate?.secrets.scanner ?? (try? SecretOverrides().settings())?.scanner else {
            return refs.map { var r = $0; r.ref = "(ref name not recorded: no secret rules to redact it with)"; return r }
        }
        let scratch = MatchScratch()
        return refs.map { var r = $0; r.ref = Redaction.redactSecrets(in: r.ref, scanner: scanner, scratch: scratch); return r }
    }

    /// Free text that may quote a name (an error naming a path or ref), made fit to show and
    /// record the same way.
    public static func shown(_ text: String, gate: GateSettings?) -> String {
        guard let scanner = gate?.secrets.scanner ?? (try? SecretOverrides().settings())?.scanner else { return text }
        return Redaction.redactSecrets(in: text, scanner: scanner, scratch: MatchScratch())
    }

    /// The record body; the log adds `v`, `seq`, `prev` and `time`. Findings keep rule,
    /// place, fingerprint and redacted form only — never a secret. A path that is not UTF-8
    /// is written decoded with replacement characters, plus `path_hex` with its exact bytes.
    public static func record(kind: String, repository: String, actor: (name: String, source: String), person: String? = nil,
                       remote: String? = nil, refs: [RefUpdate], commits: Int, verdict: Verdict,
                       decision: Verdict.Decision? = nil, override: (reason: String, by: String)? = nil,
                       policy: String? = nil, durationMs: Int) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        // A frame holds at most 16 MiB: a run with a huge number of findings (a first audit of
        // a long history) records the first ones, errors first, and how many it left out.
        let ordered = verdict.findings.filter { $0.severity == .error } + verdict.findings.filter { $0.severity != .error }
        let kept = ordered.prefix(maxRecordedFindings)
        let findings: [JSONValue] = kept.map { f in
            var fields: [(String, JSONValue)] = [
                ("kind", .string(f.kind.rawValue)), ("rule", text(f.rule)), ("commit", text(f.commit)),
                ("path", f.path.map { .string(DisplayText.decoded($0).text) } ?? .null),
                ("line", f.line.map { .int(Int64($0)) } ?? .null),
                ("fingerprint", text(f.fingerprint)), ("redacted", text(f.redacted)),
                ("severity", .string(f.severity.rawValue)),
            ]
            if let location = f.location, location != .content, location != .message { fields.append(("location", .string(location.rawValue))) }
            if let suppressed = f.suppressed { fields.append(("suppressed", .string(suppressed.rawValue))) }
            if let path = f.path, !DisplayText.decoded(path).isExact { fields.append(("path_hex", .string(Hex.encode(path)))) }
            if let reason = f.reason { fields.append(("reason", .string(reason))) }
            if let ref = f.ref { fields.append(("ref", .string(ref))) }
            return .object(fields)
        }
        return .object([
            ("kind", .string(kind)),
            ("repo", .string(repository)),
            ("actor", .object([("name", .string(actor.name)), ("source", .string(actor.source)), ("person", text(person))])),
            ("remote", text(remote)),
            ("refs", .array(refs.map { r in
                .object([("ref", .string(r.ref)), ("old", text(r.old)), ("new", text(r.new))] + (r.protected.map { [("protected", .bool($0))] } ?? []))
            })),
            ("commits", .int(Int64(commits))),
            ("decision", .string((decision ?? verdict.decision).rawValue)),
            ("findings", .array(findings)),
            ("findings_omitted", .int(Int64(ordered.count - kept.count))),
            ("override", override.map { .object([("reason", .string($0.reason)), ("by", .string($0.by))]) } ?? .null),
            ("policy", text(policy)),
            ("tool", .string("reviewgate \(Tool.version)")),
            ("duration_ms", .int(Int64(durationMs))),
        ])
    }

    /// Appends one record, durably. Any failure is a runtime error (exit 3): a decision that
    /// cannot be logged does not pass. A key that cannot be read is a configuration error.
    @discardableResult
    public static func append(_ record: JSONValue, directory: String, checkpointKey: String? = nil) throws(Failure) -> AuditLog.Appended {
        let signer = try checkpointKey.map { path throws(Failure) in try loadSigner(path) }
        let log = AuditLog(directory: directory, signer: signer, tool: "reviewgate \(Tool.version)")
        let appended: AuditLog.Appended
        do {
            appended = try log.append(record)
        } catch {
            throw Failure(.runtime, "cannot append to the audit log \(directory): \(error.message)")
        }
        if let recovery = appended.recovery {
            Notices.write("reviewgate: warning: the audit log's last frame was \(recovery.reason); \(recovery.bytes) bytes moved to \(directory)/\(recovery.tornFile) (recovery record seq \(recovery.seq))\n")
        }
        if let failure = appended.checkpointFailure {
            Notices.write("reviewgate: warning: no checkpoint written: \(failure)\n")
        }
        return appended
    }

    /// The record of a `check` over base..head.
    public static func recordCheck(directory: String, gate: GateSettings, repository: Repository, headName: String, base: ObjectID,
                            head: ObjectID, verdict: Verdict, durationMs: Int) throws(Failure) {
        let who = actor(ci: true)
        let body = record(kind: "check", repository: repository.gitDirectory, actor: who, person: who.source == "os" ? nil : gate.policy.person(login: who.name)?.id,
                          refs: shown([RefUpdate(ref: headName, old: base.hex, new: head.hex)], gate: gate), commits: verdict.commitsExamined,
                          verdict: verdict, policy: gate.policyHash, durationMs: durationMs)
        try append(body, directory: directory, checkpointKey: gate.checkpointKey)
    }

    /// The record of an `audit`: every ref walked, with its tip.
    public static func recordAudit(directory: String, gate: GateSettings, repository: Repository, refs: [Reference], verdict: Verdict,
                            durationMs: Int) throws(Failure) {
        let updates = shown(refs.map { RefUpdate(ref: $0.name, old: nil, new: $0.target?.hex) }, gate: gate)
        let who = actor(ci: true)
        let body = record(kind: "audit", repository: repository.gitDirectory, actor: who, person: who.source == "os" ? nil : gate.policy.person(login: who.name)?.id,
                          refs: updates, commits: verdict.commitsExamined, verdict: verdict, policy: gate.policyHash,
                          durationMs: durationMs)
        try append(body, directory: directory, checkpointKey: gate.checkpointKey)
    }

    /// The record of a push: one per push, whatever the outcome. Returns its seq and the ref
    /// names as it shows them (one per update, redacted), for the landed ticket.
    @discardableResult
    public static func recordPush(gate: GateSettings?, directory: String, repository: String, actor: (name: String, source: String),
                           remote: String?, updates: [Gate.RefUpdate], verdict: Verdict, decision: Verdict.Decision,
                           override: (reason: String, by: String)?, durationMs: Int) throws(Failure) -> (seq: Int64, refs: [String]) {
        let refs = shown(updates.map { update in
            RefUpdate(ref: update.ref, old: update.old.isZero ? nil : update.old.hex, new: update.new.isZero ? nil : update.new.hex,
                      protected: gate.map { $0.refRules.protected.matches(update.ref) })
        }, gate: gate)
        let body = record(kind: "push", repository: repository, actor: actor, person: actor.source == "os" ? nil : gate?.policy.person(login: actor.name)?.id,
                          remote: remote, refs: refs, commits: verdict.commitsExamined, verdict: verdict, decision: decision,
                          override: override, policy: gate?.policyHash, durationMs: durationMs)
        return (try append(body, directory: directory, checkpointKey: gate?.checkpointKey).seqs.last ?? 0, refs.map(\.ref))
    }

    /// What `audit` adds about the log itself: an error when it does not verify, a warning per
    /// red flag of `log analyze`.
    public static func review(directory: String) throws(Failure) -> [Finding] {
        let log = AuditLog(directory: directory)
        var findings: [Finding] = []
        let outcome = try LogReview.verify(log, checkpointFile: nil, keyFile: nil)
        if let problem = outcome.report.problem {
            findings.append(Finding(kind: .log, severity: .error, rule: "log-verify", path: Array(directory.utf8),
                                    message: "the audit log does not verify: \(problem)"))
        }
        for flag in try LogReview.analyze(log, options: LogAnalysis.Options()) {
            findings.append(Finding(kind: .log, severity: .warning, rule: "log-\(flag.kind.rawValue)", path: Array(directory.utf8),
                                    message: "\(flag.message) (seq \(flag.seqs.map(String.init).joined(separator: ", ")))"))
        }
        return findings
    }

    public static func loadSigner(_ path: String) throws(Failure) -> NoteSigner {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(.usage, "\(path): cannot read the checkpoint key") }
        do {
            return try NoteSigner(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            throw Failure(.usage, "\(path): \(error.message)")
        }
    }

    public static func loadVerifier(_ path: String) throws(Failure) -> NoteVerifier {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(.usage, "\(path): cannot read the public key") }
        do {
            return try NoteVerifier(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            throw Failure(.usage, "\(path): \(error.message)")
        }
    }
}

/// `log verify` and `log analyze` as functions, shared by the `log` commands and `audit`.
public enum LogReview {
    public struct Outcome {
        public var report: VerificationReport
        /// What was checked beside the chain, for the summary line.
        public var notes: [String]
    }

    /// Verifies the chain and every checkpoint at hand: the log's own (its signature too when
    /// a key is given) and `checkpointFile`. A checkpoint is read before the records, so an
    /// append racing with us can only make the log longer than it.
    public static func verify(_ log: AuditLog, checkpointFile: String?, keyFile: String?) throws(Failure) -> Outcome {
        let verifier = try keyFile.map { path throws(Failure) in try AuditTrail.loadVerifier(path) }
        var checkpoints: [Checkpoint] = []
        var notes: [String] = []
        var signatureProblem: String?
        func read(_ note: String, from source: String) {
            do {
                if let verifier {
                    checkpoints.append(try Checkpoint(parsing: verifier.verify(note: note)))
                    notes.append("\(source) signature by \(verifier.name) verified")
                } else {
                    checkpoints.append(try Checkpoint.body(ofNote: note))
                    notes.append("\(source) signature not checked (no --key)")
                }
            } catch {
                signatureProblem = signatureProblem ?? "\(source): \(error.message)"
            }
        }
        if let checkpointFile {
            guard let data = FileManager.default.contents(atPath: checkpointFile) else {
                throw Failure(.usage, "\(checkpointFile): cannot read the checkpoint")
            }
            read(String(decoding: data, as: UTF8.self), from: checkpointFile)
        }
        do {
            if let stored = try log.storedCheckpoint() { read(stored, from: "the log's own checkpoint") }
        } catch {
            throw Failure(.runtime, error.message)
        }
        var report: VerificationReport
        do {
            report = try log.verify(checkpoints: checkpoints)
        } catch {
            throw Failure(.runtime, error.message)
        }
        if report.problem == nil, let signatureProblem {
            report.problem = LogProblem(reason: .checkpointMismatch, seq: checkpoints.first?.size ?? 0, detail: signatureProblem)
        }
        return Outcome(report: report, notes: notes)
    }

    public static func analyze(_ log: AuditLog, options: LogAnalysis.Options) throws(Failure) -> [LogAnalysis.RedFlag] {
        var analysis = LogAnalysis(options: options)
        try read(log) { entry in analysis.add(entry) }
        return analysis.finish()
    }

    /// Which accepted pushes landed, from one pass over the log.
    public static func landing(_ log: AuditLog) throws(Failure) -> LandingIndex {
        var index = LandingIndex()
        try read(log) { entry in
            if let record = entry.record, let seq = entry.seq { index.add(record, seq: seq) }
        }
        return index
    }

    /// `log show`: the records `filter` keeps, as stored (`json`) or as lines for people
    /// (with whether each accepted push landed), each handed to `write`. Returns how many
    /// damaged frames were skipped.
    public static func show(_ log: AuditLog, filter: LogFilter, json: Bool,
                            write: (String) throws(Failure) -> Void) throws(Failure) -> Int {
        let landing = json ? nil : try self.landing(log)
        var failure: Failure?
        var damaged = 0
        try read(log) { entry in
            guard failure == nil else { return }
            guard let record = entry.record else {
                damaged += 1
                return
            }
            guard filter.matches(record) else { return }
            do throws(Failure) {
                try write(json ? record.serialized(sortedKeys: true) + "\n" : LogRecordText.text(record, landing: landing))
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return damaged
    }

    public static func read(_ log: AuditLog, _ visit: (AuditLog.Entry) -> Void) throws(Failure) {
        do {
            try log.forEachRecord { entry in
                visit(entry)
                return true
            }
        } catch {
            throw Failure(.runtime, error.message)
        }
    }
}
