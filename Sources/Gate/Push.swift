import Git
import Policy

/// One line of a pre-receive hook's input: a ref moving from `old` to `new`. A zero `old`
/// creates the ref, a zero `new` deletes it.
public struct RefUpdate: Sendable, Equatable {
    public var old: ObjectID
    public var new: ObjectID
    public var ref: String

    public init(old: ObjectID, new: ObjectID, ref: String) {
        self.old = old
        self.new = new
        self.ref = ref
    }

    public var isCreate: Bool { old.isZero && !new.isZero }
    public var isDelete: Bool { new.isZero && !old.isZero }

    /// Parses `<old> <new> <ref>` as git feeds it to pre-receive. The bytes come from the
    /// server, but a ref name is still pusher-chosen: anything odd is refused, not guessed at.
    public static func parse(_ line: [UInt8]) -> Result<RefUpdate, PushInputError> {
        let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return .failure(PushInputError("expected '<old> <new> <ref>'")) }
        guard let old = ObjectID(hex: String(decoding: fields[0], as: UTF8.self)),
              let new = ObjectID(hex: String(decoding: fields[1], as: UTF8.self)) else {
            if fields[0].count == 64 || fields[1].count == 64 {
                return .failure(PushInputError("SHA-256 repositories are not supported"))
            }
            return .failure(PushInputError("bad object id"))
        }
        let name = Array(fields[2])
        guard name.starts(with: Array("refs/".utf8)), name.count <= 4096,
              name.allSatisfy({ $0 > 0x20 && $0 != 0x7F }),
              let ref = String(validating: name, as: UTF8.self) else {
            return .failure(PushInputError("bad ref name"))
        }
        if old.isZero && new.isZero { return .failure(PushInputError("both ids are zero")) }
        return .success(RefUpdate(old: old, new: new, ref: ref))
    }
}

public struct PushInputError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The commits a push brings, worked out once for the whole push.
public struct PushPlan: Sendable {
    public var updates: [RefUpdate]
    /// New to the repository, each commit once, parents first; secrets are looked for here.
    /// With a quarantine: its commits. Without one: reachable from a pushed tip and from no
    /// ref that existed before the push.
    public var newCommits: [ObjectID]
    /// Everything the push's quarantine holds, by type (see `NewObjects`); nil for a hook run
    /// without a quarantine (git before 2.11), where only `newCommits` is known.
    public var newObjects: NewObjects?
    /// Per protected ref update: the commits entering that ref (reachable from its new tip,
    /// not from its old one — or, for a new ref, from no protected ref that already exists).
    /// These may include commits the server already had on an unprotected branch: sign-off
    /// is required wherever a commit enters a protected ref.
    public var entering: [(update: RefUpdate, commits: [ObjectID])]
    /// Ref updates that rewrite history (the old tip is not an ancestor of the new one).
    public var forced: Set<String>

    /// Works out the plan in `repo`, whose refs are still those before the push (pre-receive
    /// runs before any ref moves; the pushed objects are visible through the quarantine).
    /// With a quarantine, the work grows with the push and the protected refs, never with the
    /// server's other refs: nothing lists them all.
    public static func make(_ updates: [RefUpdate], in repo: Repository, rules: RefRules) throws(GitError) -> PushPlan {
        // git moves a symbolic ref's target when the symbolic name is pushed: each update is
        // judged under the name it really moves, so an alias cannot dodge the ref rules.
        var updates = updates
        for i in updates.indices {
            var hops = 0
            while hops < 5, let target = try repo.lookUpReference(updates[i].ref)?.symbolicTarget {
                updates[i].ref = target
                hops += 1
            }
        }
        let tips = updates.map(\.new).filter { !$0.isZero }
        let newObjects = try repo.quarantineObjects()
        let newCommits: [ObjectID]
        if let newObjects {
            newCommits = try repo.parentsFirst(newObjects.commits)
        } else if tips.isEmpty {
            newCommits = []
        } else {
            let existingTips = try repo.references().filter { $0.symbolicTarget == nil }.compactMap(\.target)
            newCommits = try repo.newCommits(tips: tips, excluding: existingTips)
        }

        var entering: [(RefUpdate, [ObjectID])] = []
        var forced: Set<String> = []
        var protectedTips: [ObjectID]?
        for update in updates where !update.isDelete {
            // A tag that moves at all is rewritten history; a branch only when its old tip is
            // not an ancestor of the new one.
            if !update.isCreate {
                let rewritten = update.ref.hasPrefix("refs/tags/") ? true : !(try repo.isAncestor(update.old, of: update.new))
                if rewritten { forced.insert(update.ref) }
            }
            guard rules.protected.matches(update.ref) || rules.requireSignedCommits.matches(update.ref) else { continue }
            if update.isCreate, protectedTips == nil {
                protectedTips = try repo.references(startingWith: rules.protected.map(\.literalPrefix))
                    .filter { rules.protected.matches($0.name) }.compactMap(\.target)
            }
            let base = update.isCreate ? protectedTips ?? [] : [update.old]
            entering.append((update, try repo.newCommits(tips: [update.new], excluding: base)))
        }
        return PushPlan(updates: updates, newCommits: newCommits, newObjects: newObjects, entering: entering, forced: forced)
    }

    /// `ref` findings for the ref rules: forced updates and deletions where they are denied.
    public func refFindings(rules: RefRules) -> [Finding] {
        var findings: [Finding] = []
        for update in updates {
            if update.isDelete, rules.denyDelete.matches(update.ref) {
                var f = Finding(kind: .ref, severity: .error, rule: "deny_delete",
                                message: "deleting \(update.ref) is not allowed")
                f.ref = update.ref
                findings.append(f)
            } else if forced.contains(update.ref), rules.denyForcePush.matches(update.ref) {
                var f = Finding(kind: .ref, severity: .error, rule: "deny_force_push", commit: update.new.description,
                                message: "force-pushing \(update.ref) is not allowed (\(update.old.description.prefix(12)) is not an ancestor of the new tip)")
                f.ref = update.ref
                findings.append(f)
            }
        }
        return findings
    }
}
