import Base
import Git
import Policy
import Signatures

/// Senior sign-off (SPEC §1.2): which core rules a commit touches, which approvals it carries
/// (trailers, signed notes), which of them count and why the others do not. Also the
/// `require_signed_commits` check of commit signatures.
public struct SignOff: Sendable {
    public let policy: Policy
    /// Every person's key, with its owner.
    let owners: [SSHPublicKey: String]
    let allowedSigners: AllowedSigners?
    /// All core rules' patterns compiled together, once; each review works on a copy (its
    /// directory cache is per use).
    let matcher: CoreRuleMatcher
    /// The server's clock (seconds since the epoch) for key validity windows; never a
    /// commit's date.
    public let now: Int64

    /// Parses the people's keys; a key that does not parse, or one claimed by two people, is
    /// a configuration error at its place in the policy file.
    public init(policy: Policy, allowedSigners: AllowedSigners? = nil, now: Int64) throws(ConfigurationError) {
        var owners: [SSHPublicKey: String] = [:]
        for person in policy.people {
            for key in person.keys {
                let parsed: SSHPublicKey
                do {
                    parsed = try SSHPublicKey(authorizedKey: key.text)
                } catch {
                    throw ConfigurationError(file: policy.file, position: key.position,
                                             message: "key of person '\(person.id)' is not an OpenSSH public key: \(error)")
                }
                if let other = owners[parsed], other != person.id {
                    throw ConfigurationError(file: policy.file, position: key.position,
                                             message: "key \(parsed.fingerprint) is listed for both '\(other)' and '\(person.id)'")
                }
                owners[parsed] = person.id
            }
        }
        self.policy = policy
        self.owners = owners
        self.allowedSigners = allowedSigners
        matcher = CoreRuleMatcher(policy: policy)
        self.now = now
    }

    public var hasCoreRules: Bool { !policy.core.isEmpty }

    /// One core rule as it applies to one commit.
    public struct RuleReview: Sendable {
        public var rule: String
        public var paths: [[UInt8]]
        public var required: Int
        public var valid: Int
        public var approvals: [ApprovalOutcome]
        public var satisfied: Bool { valid >= required }
    }

    public struct SignatureStatus: Sendable {
        public var present: Bool
        /// `ssh`, `gpg`, `x509` or `unknown`.
        public var format: String?
        public var verified: Bool
        /// The person whose key made it, when verified.
        public var by: String?
        public var reason: String
    }

    /// Everything the gate sees about sign-off in one commit (what `inspect` shows).
    public struct CommitReview: Sendable {
        public var commit: ObjectID
        public var author: String?
        public var trailers: [Trailer]
        public var rules: [RuleReview]
        public var signature: SignatureStatus
    }

    /// How a commit's changes are judged: by its own changes, or (a merge under `merge`
    /// mode, on the first-parent line) by all it brings in against its first parent.
    public enum Scope: Sendable { case firstParentLine, broughtIn }

    /// Reviews one commit. `notesCommit` is the tip of the approvals notes ref to read
    /// (nil: no approvals). `scope` says whether the commit is on the first-parent line of
    /// what is being judged (`merge`-mode rules judge only that line).
    /// `pusher` is the person pushing it, when the hook knows one: like the author and the
    /// committer, they count zero as an approver of it (four eyes).
    public func review(_ commit: Commit, in repo: Repository, notesCommit: ObjectID?,
                       scope: Scope = .firstParentLine, coreRules: Bool = true, pusher: String? = nil) throws(GitError) -> CommitReview {
        let authorPerson = policy.person(email: commit.author.email)?.id
        // Who may not approve this commit, and why: its author, its committer, its pusher.
        var excluded: [(person: String, reason: ApprovalReason)] = []
        if let authorPerson { excluded.append((authorPerson, .author)) }
        if let committer = policy.person(email: commit.committer.email)?.id { excluded.append((committer, .committer)) }
        if let pusher { excluded.append((pusher, .pusher)) }
        let trailers = policy.trailerParser.parse(commit.message)
        var rules: [RuleReview] = []
        if hasCoreRules, coreRules {
            let touched = try touchedRules(commit, in: repo, scope: scope)
            if !touched.isEmpty {
                let signed = try signedApprovals(commit, in: repo, notesCommit: notesCommit,
                                                 patchID: touched.contains { policy.core[$0.key].bind == .patchID })
                for (index, paths) in touched.sorted(by: { $0.key < $1.key }) {
                    rules.append(judge(policy.core[index], paths: paths, excluded: excluded, trailers: trailers, signed: signed))
                }
            }
        }
        return CommitReview(commit: commit.id, author: authorPerson, trailers: trailers, rules: rules,
                            signature: signatureStatus(commit))
    }

    /// One commit to judge: its scope, whether core rules apply to it, whether it must be
    /// signed, and the ref named in its findings.
    public struct Item: Sendable {
        public var commit: ObjectID
        public var scope: Scope
        public var coreRules: Bool
        public var mustBeSigned: Bool
        public var ref: String?
        /// The person pushing it (the hook), who may not approve it.
        public var pusher: String?

        public init(commit: ObjectID, scope: Scope, coreRules: Bool, mustBeSigned: Bool, ref: String?, pusher: String? = nil) {
            self.commit = commit
            self.pusher = pusher
            self.scope = scope
            self.coreRules = coreRules
            self.mustBeSigned = mustBeSigned
            self.ref = ref
        }
    }

    /// The approval and signature findings of many commits (a history audit), on `threads`
    /// workers with one repository handle each, in the order of `items`.
    public func examine(_ items: [Item], notesCommit: ObjectID?, threads: Int = 2,
                        open: @escaping @Sendable () throws(GitError) -> Repository) throws(GitError) -> [Finding] {
        let work = items.filter { ($0.coreRules && hasCoreRules) || $0.mustBeSigned }
        guard !work.isEmpty else { return [] }
        let handles = try Handles(count: min(threads, work.count), open: open)
        return try parallel(count: work.count, handles: handles) { repo, range in
            var out: [Finding] = []
            for i in range {
                let item = work[i]
                let review = try self.review(try repo.commit(item.commit), in: repo, notesCommit: notesCommit,
                                             scope: item.scope, coreRules: item.coreRules, pusher: item.pusher)
                out += self.findings(review).map { var f = $0; f.ref = item.ref; return f }
                if item.mustBeSigned, let f = self.signatureFinding(review, ref: item.ref) { out.append(f) }
            }
            return out
        }
    }

    /// The `approval` findings of a review: one per core rule left without enough sign-off.
    public func findings(_ review: CommitReview) -> [Finding] {
        review.rules.filter { !$0.satisfied }.map { r in
            let rule = policy.core.first { $0.name == r.rule }
            let from = rule.map { $0.from.joined(separator: ", ") } ?? ""
            let notCounted = r.approvals.filter { !$0.counted }.map { "\($0.by): \($0.reason?.rawValue ?? "")" }
            var f = Finding(kind: .approval, severity: .error, rule: r.rule, commit: review.commit.description,
                            message: "changes core paths without sign-off: needs \(r.required) approval\(r.required == 1 ? "" : "s") "
                                + "(\(rule?.evidence.rawValue ?? "") evidence) from \(from), has \(r.valid)"
                                + (notCounted.isEmpty ? "" : "; not counted: " + notCounted.joined(separator: ", ")))
            // The evidence the rule asks for, so the pusher's hint names the right remedy.
            f.reason = rule?.evidence.rawValue
            f.paths = r.paths
            f.required = r.required
            f.valid = r.valid
            f.approvals = r.approvals
            return f
        }
    }

    /// The `signature` finding for a commit that must be signed and is not (validly).
    public func signatureFinding(_ review: CommitReview, ref: String?) -> Finding? {
        guard !review.signature.verified else { return nil }
        var f = Finding(kind: .signature, severity: .error, rule: "require_signed_commits", commit: review.commit.description,
                        reason: review.signature.reason,
                        message: "commit must carry an SSH signature by a key of a person in the policy: \(review.signature.reason)")
        f.ref = ref
        return f
    }

    // MARK: Paths

    /// Core rule index → the paths of the commit it covers (old and new paths of renames).
    func touchedRules(_ commit: Commit, in repo: Repository, scope: Scope) throws(GitError) -> [Int: [[UInt8]]] {
        let applicable = policy.core.indices.filter { i in
            switch scope {
            case .firstParentLine: true
            // Brought in by a merge: only `commit`-mode rules still look at it.
            case .broughtIn: policy.core[i].mode == .commit
            }
        }
        guard !applicable.isEmpty else { return [:] }
        let own = try repo.changes(of: commit, detectRenames: true)
        var lists: [(rules: [Int], changes: [Change])] = []
        if commit.isMerge, scope == .firstParentLine, !repo.shallowCommits.contains(commit.id) {
            // Under `merge` mode a merge answers for everything it brings in.
            let merged = applicable.filter { policy.core[$0].mode == .merge }
            let others = applicable.filter { policy.core[$0].mode != .merge }
            if !merged.isEmpty {
                let firstParentTree = try repo.commitLinks(commit.parents[0]).tree
                lists.append((merged, try repo.changes(tree: commit.tree, parentTrees: [firstParentTree], detectRenames: true)))
            }
            if !others.isEmpty { lists.append((others, own)) }
        } else {
            lists.append((applicable, own))
        }
        var matcher = self.matcher
        var touched: [Int: [[UInt8]]] = [:]
        for (rules, changes) in lists {
            let wanted = Set(rules)
            for change in changes {
                for path in [change.oldPath, change.path].compactMap({ $0 }) {
                    for rule in matcher.rules(touching: path) where wanted.contains(rule) {
                        if touched[rule, default: []].last != path { touched[rule, default: []].append(path) }
                    }
                }
            }
        }
        return touched
    }

    // MARK: Approvals

    /// A signed approval found in the commit's note, already checked.
    struct Signed {
        var by: String
        var person: String?
        var binding: Binding?
        /// Nil when it is a valid approval by a known person (the rule may still not count it).
        var reason: ApprovalReason?
    }

    func signedApprovals(_ commit: Commit, in repo: Repository, notesCommit: ObjectID?, patchID: Bool) throws(GitError) -> [Signed] {
        guard let notesCommit, let note = try repo.note(for: commit.id, notesCommit: notesCommit) else { return [] }
        var statements = [ApprovalStatement(commit: commit.id.description, tree: commit.tree.description)]
        var patch: String?
        if patchID, let id = try repo.patchID(of: commit.id) {
            patch = id.description
            statements.append(ApprovalStatement(patchID: id.description, tree: commit.tree.description))
        }
        // Statements written out in the note (as `reviewgate approve` does) are tried too:
        // after a rebase the tree differs from the one the reviewer signed, and a patch-id
        // statement still binds the same content change; any other statement that verifies
        // shows an approval copied from another commit.
        for statement in Self.statements(in: note) where !statements.contains(statement) { statements.append(statement) }
        let trusted = Set(owners.keys).union(allowedSigners?.entries.map(\.key) ?? [])
        return ApprovalNote.approvals(in: note, statements: statements, trusting: trusted).map { approval in
            let shown = approval.claimedKey?.fingerprint ?? "unreadable signature"
            switch approval.verdict {
            case .invalid(.badSignature):
                return Signed(by: shown, reason: .badSignature)
            case .invalid(.namespaceMismatch):
                return Signed(by: shown, reason: .wrongNamespace)
            case .invalid:
                return Signed(by: shown, reason: .unreadableSignature)
            case .untrustedKey:
                return Signed(by: shown, reason: .unknownKey)
            case let .valid(key):
                // A key the allowed_signers file lists is bound by that file's namespaces and
                // validity window, even when a person in the policy holds it too.
                if let signers = allowedSigners, signers.entries.contains(where: { $0.key == key }),
                   signers.entries(for: key, namespace: ApprovalStatement.namespace, now: now).isEmpty {
                    return Signed(by: owners[key] ?? shown, reason: .keyNotValidNow)
                }
                if let statement = approval.statement {
                    let mine = statement.binding == .commit ? statement.subject == commit.id.description
                                                            : statement.subject == patch
                    if !mine { return Signed(by: owners[key] ?? shown, reason: .otherCommit) }
                }
                if let person = owners[key] {
                    return Signed(by: person, person: person, binding: approval.statement?.binding, reason: nil)
                }
                // A key known only from allowed_signers: its principal names the person, and
                // the file's own namespace and validity limits apply.
                let entries = allowedSigners?.entries(for: key, namespace: ApprovalStatement.namespace, now: now) ?? []
                for entry in entries {
                    for principal in entry.principals.split(separator: ",") {
                        if let person = policy.person(email: String(principal)) {
                            return Signed(by: person.id, person: person.id, binding: approval.statement?.binding, reason: nil)
                        }
                    }
                }
                let listed = allowedSigners?.entries.contains { $0.key == key } == true
                return Signed(by: shown, reason: listed ? .keyNotValidNow : .unknownKey)
            }
        }
    }

    /// The approval statements written out in a note's text (three lines each).
    static func statements(in note: [UInt8]) -> [ApprovalStatement] {
        let lines = note.split(separator: 10, omittingEmptySubsequences: false)
        var found: [ApprovalStatement] = []
        for i in lines.indices.dropLast(2) where lines[i].elementsEqual("reviewgate approval v1".utf8) {
            let text = Array(lines[i]) + [10] + Array(lines[i + 1]) + [10] + Array(lines[i + 2]) + [10]
            if let statement = ApprovalStatement(bytes: text), !found.contains(statement) { found.append(statement) }
        }
        return found
    }

    func judge(_ rule: CoreRule, paths: [[UInt8]], excluded: [(person: String, reason: ApprovalReason)], trailers: [Trailer],
               signed: [Signed]) -> RuleReview {
        var seen: [(by: String, person: String?, evidence: Evidence, reason: ApprovalReason?)] = []
        for trailer in trailers where rule.isApprovalKey(trailer.key) {
            let email = trailer.email
            let person = email.flatMap { policy.person(email: $0) }?.id
            var reason: ApprovalReason? = person == nil ? .unknownIdentity : nil
            // Anyone can type a trailer: where signatures are required it proves nothing.
            if rule.evidence == .signed { reason = .trailerNotAccepted }
            // Only an email or a person id is shown: a trailer's free text could be anything.
            seen.append((person ?? email ?? "(no email)", person, .trailer, reason))
        }
        for s in signed {
            var reason = s.reason
            // A commit-bound approval names this exact commit, which is at least as strong as a
            // patch id; a patch-id approval does not satisfy a rule bound to the commit.
            if reason == nil, rule.bind == .commit, s.binding == .patchID { reason = .wrongBinding }
            seen.append((s.by, s.person, .signed, reason))
        }
        let approvers = Set(rule.approvers)
        var counted: Set<String> = []
        var outcomes: [ApprovalOutcome] = []
        for entry in seen {
            var reason = entry.reason
            if reason == nil, let person = entry.person {
                if !approvers.contains(person) {
                    reason = .notInFrom
                } else if !rule.allowSelf, let own = excluded.first(where: { $0.person == person }) {
                    reason = own.reason
                } else if counted.contains(person) {
                    reason = .duplicatePerson
                }
            }
            if reason == nil, let person = entry.person { counted.insert(person) }
            outcomes.append(ApprovalOutcome(by: entry.by, evidence: entry.evidence, reason: reason))
        }
        return RuleReview(rule: rule.name, paths: paths, required: rule.approvals, valid: counted.count, approvals: outcomes)
    }

    // MARK: Commit signatures

    func signatureStatus(_ commit: Commit) -> SignatureStatus {
        guard let signature = commit.signature else {
            return SignatureStatus(present: false, format: nil, verified: false, by: nil, reason: "not signed")
        }
        let kind = CommitSignatures.kind(of: signature.signature)
        switch CommitSignatures.verify(signature: signature.signature, payload: signature.signedPayload, trusting: Set(owners.keys)) {
        case let .valid(key):
            return SignatureStatus(present: true, format: kind.rawValue, verified: true, by: owners[key], reason: "")
        case let verdict:
            return SignatureStatus(present: true, format: kind.rawValue, verified: false, by: nil, reason: verdict.description)
        }
    }
}
