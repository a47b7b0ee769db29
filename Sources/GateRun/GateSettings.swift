import Base
import Crypto
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import Policy
import Secrets
import Signatures
import TOML

/// A policy file and where it came from: the server's disk, or a trusted revision's tree.
/// Files the policy names (rule files, baseline, keys, allowed_signers) are read from the
/// same place, relative to the policy file.
public struct PolicySource {
    public var policy: Policy
    public var bytes: [UInt8]
    /// The policy's path (on disk, or `<rev>:.reviewgate/policy.toml`), for messages.
    public var location: String
    public var directory: String
    /// Read from a revision's tree rather than from the server's disk.
    public var isCommitted = false
    public var read: (String) throws(Failure) -> [UInt8]

    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
    }

    /// A file's bytes. Absent: a usage error (a path given wrongly). Present but out of
    /// reach: a runtime error naming the account, so a server whose files belong to the wrong
    /// account says so instead of behaving as if they were not there.
    public static func readDisk(_ path: String) throws(Failure) -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) { return Array(data) }
        if isAbsent(path) { throw Failure(.usage, "cannot read \(path): it does not exist") }
        let reason = access(path, R_OK) == 0 ? "it cannot be read" : String(cString: strerror(errno))
        throw Failure(.runtime, "cannot read \(path) as \(ServerAccount.current.description): \(reason)")
    }

    /// Whether `path` is certainly not there (not merely out of this account's reach).
    public static func isAbsent(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) != 0 && (errno == ENOENT || errno == ENOTDIR)
    }

    /// A policy file on disk. Missing or invalid: a configuration error (2).
    public static func file(_ path: String) throws(Failure) -> PolicySource {
        let bytes = try readDisk(path)
        return try PolicySource(bytes: bytes, location: path, directory: (path as NSString).deletingLastPathComponent,
                                read: readDisk)
    }

    /// `.reviewgate/policy.toml` as committed in `revision`, with the files it names read
    /// from that revision too (never from the side being judged). Nil when there is none.
    public static func committed(in repo: Repository, revision: ObjectID) throws -> PolicySource? {
        let tree = try repo.commitLinks(revision).tree
        let short = String(revision.description.prefix(12))
        func readTree(_ path: String) throws(Failure) -> [UInt8] {
            do {
                guard let entry = try repo.entry(at: Array(path.utf8), in: tree), entry.mode.holdsContent else {
                    throw Failure(.usage, "\(short):\(path) does not exist")
                }
                return try repo.blob(entry.id).bytes
            } catch let error as GitError {
                throw Failure(error)
            } catch {
                throw error as! Failure
            }
        }
        guard let entry = try repo.entry(at: Array(".reviewgate/policy.toml".utf8), in: tree), entry.mode.holdsContent else {
            return nil
        }
        let bytes = try repo.blob(entry.id).bytes
        var source = try PolicySource(bytes: bytes, location: "\(short):.reviewgate/policy.toml", directory: ".reviewgate", read: readTree)
        source.isCommitted = true
        return source
    }

    public init(bytes: [UInt8], location: String, directory: String, read: @escaping (String) throws(Failure) -> [UInt8]) throws(Failure) {
        do {
            policy = try Policy.load(bytes, file: location)
        } catch {
            throw Failure(.usage, error.description)
        }
        self.bytes = bytes
        self.location = location
        self.directory = directory
        self.read = read
    }
}

/// What the policy in force (or its absence) decides for one run: secret settings, sign-off,
/// ref rules, the budget, who may override, and where the log goes.
public struct GateSettings {
    public var policy: Policy
    /// Hex SHA-256 of the policy bytes in force; nil without a policy.
    public var policyHash: String?
    public var secrets: SecretSettings
    public var signOff: SignOff
    public var auditDirectory: String?
    public var checkpointKey: String?

    public var refRules: RefRules { policy.refs }
    public var budgetSeconds: Double { policy.budgetSeconds }
    public var notesRef: String { policy.approvals.notesRef }

    /// Settings from a policy (nil: none — built-in secret rules, no core rules), with the
    /// secret flags of a command over the policy's `[secrets]`.
    public static func make(_ source: PolicySource?, options: SecretOverrides? = nil) throws -> GateSettings {
        let policy = source?.policy ?? Policy.builtin()
        let secrets = try (options ?? SecretOverrides()).settings(policy: source)
        guard !secrets.scanner.ruleSet.rules.isEmpty || source != nil else {
            throw Failure(.runtime, "the built-in secret rules do not load")
        }
        var signers: AllowedSigners?
        if let source, !policy.approvals.allowedSigners.isEmpty {
            let path = source.resolve(policy.approvals.allowedSigners)
            do {
                signers = try AllowedSigners(text: try source.read(path))
            } catch let error as AllowedSignersError {
                throw Failure(.usage, "\(path):\(error.line):\(error.column): \(error.message)")
            }
        }
        let signOff: SignOff
        do {
            signOff = try SignOff(policy: policy, allowedSigners: signers, now: WallClock.seconds())
        } catch {
            throw Failure(.usage, error.description)
        }
        var settings = GateSettings(policy: policy, policyHash: source.map { sha256Hex($0.bytes) }, secrets: secrets,
                                    signOff: signOff)
        (settings.auditDirectory, settings.checkpointKey) = logLocation(source)
        return settings
    }

    /// The policy's `[audit] dir` and `checkpoint_key`, resolved. A policy read from a commit
    /// names no files on this disk: in CI the working tree is the side being judged, so its log
    /// location and signing key are not taken from there.
    public static func logLocation(_ source: PolicySource?) -> (directory: String?, checkpointKey: String?) {
        guard let source, !source.isCommitted else { return (nil, nil) }
        let audit = source.policy.audit
        return (audit.dir.isEmpty ? nil : source.resolve(audit.dir), audit.checkpointKey.isEmpty ? nil : source.resolve(audit.checkpointKey))
    }

    /// The server's policy, as the hook must read it: `git config reviewgate.policy`, else
    /// `$GIT_DIR/reviewgate/policy.toml`; never anything from pushed content. Nil when the
    /// server has none.
    public static func serverPolicy(_ repo: Repository) throws -> PolicySource? {
        if let configured = try repo.configString("reviewgate.policy") {
            return try PolicySource.file(configured)
        }
        // Only a policy that is certainly absent means "no policy": one that exists but cannot
        // be reached (a `reviewgate/` the hook's account cannot enter) refuses the push.
        let path = repo.gitDirectory + "reviewgate/policy.toml"
        if PolicySource.isAbsent(path) { return nil }
        guard access(path, R_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw Failure(.runtime, "cannot read the policy \(path) as \(ServerAccount.current.description): \(reason)")
        }
        return try PolicySource.file(path)
    }

    public static func forServer(_ repo: Repository) throws -> GateSettings {
        var settings = try make(try serverPolicy(repo))
        settings.auditDirectory = settings.auditDirectory ?? repo.gitDirectory + "reviewgate/audit"
        return settings
    }

    /// The policy for `audit` and `inspect`: `--policy FILE`, else the server's, else
    /// `.reviewgate/policy.toml` at the tip of the default branch (HEAD).
    public static func forRepository(_ repo: Repository, policyFile: String?, options: SecretOverrides? = nil) throws -> GateSettings {
        var source: PolicySource?
        if let policyFile {
            source = try PolicySource.file(policyFile)
        } else if let server = try serverPolicy(repo) {
            source = server
        } else if let head = try? repo.resolveCommit("HEAD") {
            source = try PolicySource.committed(in: repo, revision: head)
        }
        var settings = try make(source, options: options)
        settings.auditDirectory = settings.auditDirectory ?? repo.gitDirectory + "reviewgate/audit"
        return settings
    }

    /// The logins of the people allowed to break glass.
    public func mayOverride(_ login: String) -> Bool {
        guard let person = policy.person(login: login) else { return false }
        return policy.breakglass.contains(person.id)
    }

    /// Everything the gate finds in a push: secrets in the new commits (and in the messages of
    /// pushed annotated tags), ref rules, and sign-off on the commits entering protected refs.
    /// `pusher` is the policy person pushing, when the server names one (four eyes).
    public func judgePush(_ updates: [RefUpdate], in repo: Repository, pusher: String? = nil,
                   open: @escaping @Sendable () throws(GitError) -> Repository) throws -> Verdict {
        let plan = try PushPlan.make(updates, in: repo, rules: refRules)
        let engine = CommitSecrets(settings: secrets)
        let scanned = try engine.examine(plan.newCommits, threads: Workers.count, open: open)
        var findings = scanned.findings
        // Every pushed ref name; annotated tags, under any ref name, down their whole chain;
        // a tree or blob a ref or tag names (the server would keep it).
        var examined = Set<ObjectID>()
        var reported = Set<String>()
        let byRefs = try engine.examineRefs(updates.filter { !$0.isDelete }.map { ($0.ref, $0.new) }, in: repo,
                                            examined: &examined, reported: &reported)
        findings += byRefs.findings
        findings += plan.refFindings(rules: refRules)
        findings += try NotesEvidence.findings(plan, notesRef: notesRef, in: repo)
        // Approvals pushed with the branch count: the notes ref as it will stand after the push.
        var notes = try repo.reference(named: notesRef)
        if let pushed = updates.last(where: { $0.ref == notesRef }) { notes = pushed.isDelete ? nil : pushed.new }
        for (update, commits) in plan.entering {
            findings += try signOffFindings(commits, tip: update.new, ref: update.ref, in: repo, notesCommit: notes, pusher: pusher,
                                            open: open)
        }
        return Verdict(findings: findings, commitsExamined: plan.newCommits.count, blobsScanned: scanned.blobsScanned + byRefs.blobsScanned)
            .redactingNames(secrets.scanner)
    }

    /// What a ref asks of the commits entering it: core rules (a protected ref, or a CI range
    /// when `ref` is nil) and commit signatures (`require_signed_commits` for `ref`, or for
    /// `target`, the ref a CI range is headed for).
    public func signOffScope(ref: String?, target: String? = nil) -> (coreRules: Bool, mustBeSigned: Bool) {
        let protected = ref.map { refRules.protected.matches($0) } ?? true
        let signed = (ref ?? target).map { refRules.requireSignedCommits.matches($0) } ?? false
        return (protected && signOff.hasCoreRules, signed)
    }

    /// Sign-off and signature findings for `commits` on their way into `ref` (nil: a CI
    /// range, where core rules always apply), whose new tip is `tip`.
    public func signOffFindings(_ commits: [ObjectID], tip: ObjectID, ref: String?, target: String? = nil, in repo: Repository,
                                notesCommit: ObjectID?, pusher: String? = nil, open: @escaping @Sendable () throws(GitError) -> Repository) throws(GitError) -> [Finding] {
        let scope = signOffScope(ref: ref, target: target)
        var work = SignOffWork()
        try work.add(commits, tip: tip, ref: ref, coreRules: scope.coreRules, mustBeSigned: scope.mustBeSigned, pusher: pusher, in: repo)
        guard !work.items.isEmpty else { return [] }
        return try signOff.examine(work.items, notesCommit: notesCommit, threads: commits.count > 64 ? Workers.count : 1, open: open)
    }
}

/// The commits sign-off is judged on, built the same way for the hook, `check` and `audit`:
/// each commit once, on the first-parent line of the tip it was reached from or brought in
/// by a merge, with what the refs it enters ask of it (several refs: the union).
public struct SignOffWork {
    private var byCommit: [ObjectID: SignOff.Item] = [:]
    private var order: [ObjectID] = []

    public init() {}

    /// The items, in the order their commits were first added.
    public var items: [SignOff.Item] { order.compactMap { byCommit[$0] } }

    /// Adds `commits` entering `ref` at `tip`. Nothing is added when the ref asks nothing.
    public mutating func add(_ commits: [ObjectID], tip: ObjectID, ref: String?, coreRules: Bool, mustBeSigned: Bool,
                             pusher: String? = nil, in repo: Repository) throws(GitError) {
        guard coreRules || mustBeSigned, !commits.isEmpty else { return }
        let line = try repo.firstParentLine(from: tip, within: Set(commits))
        for id in commits {
            let scope: SignOff.Scope = line.contains(id) ? .firstParentLine : .broughtIn
            if var item = byCommit[id] {
                if scope == .firstParentLine { item.scope = .firstParentLine }
                item.coreRules = item.coreRules || coreRules
                item.mustBeSigned = item.mustBeSigned || mustBeSigned
                byCommit[id] = item
            } else {
                byCommit[id] = SignOff.Item(commit: id, scope: scope, coreRules: coreRules, mustBeSigned: mustBeSigned, ref: ref,
                                            pusher: pusher)
                order.append(id)
            }
        }
    }
}

public func sha256Hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }
