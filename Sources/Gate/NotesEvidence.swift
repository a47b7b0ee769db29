import Git

/// The approvals notes ref is evidence (SPEC §1.2), append-only without any policy line: a
/// push may add notes or append to existing ones, but may not delete the ref, move it to a
/// commit that does not descend from its tip, or bring a notes commit that drops or shortens
/// (or otherwise rewrites) a note its parent holds. Break-glass applies as to any ref rule.
public enum NotesEvidence {
    public static let rule = "evidence"

    /// `ref` findings (rule `evidence`) for the plan's updates of `notesRef`.
    public static func findings(_ plan: PushPlan, notesRef: String, in repo: Repository) throws(GitError) -> [Finding] {
        var findings: [Finding] = []
        for update in plan.updates where update.ref == notesRef && !update.isCreate {
            if update.isDelete {
                findings.append(finding(notesRef, commit: nil,
                                        "deleting \(notesRef) would erase every approval it holds; approvals are evidence and only grow"))
            } else if plan.forced.contains(update.ref) {
                findings.append(finding(notesRef, commit: update.new,
                                        "\(notesRef) only moves forward: \(update.old.description.prefix(12)) is not an ancestor of the new tip, so approvals would be lost"))
            } else if let old = try repo.peelToCommit(update.old), let new = try repo.peelToCommit(update.new) {
                findings += try losses(from: old, to: new, notesRef: notesRef, in: repo)
            }
        }
        return findings
    }

    /// Each new notes commit against its first parent; then the new tip against the old one,
    /// which also covers what a notes merge brings in from its other parents.
    private static func losses(from old: ObjectID, to new: ObjectID, notesRef: String, in repo: Repository) throws(GitError) -> [Finding] {
        var findings: [Finding] = []
        var reported = Set<String>()
        for commit in try repo.newCommits(tips: [new], excluding: [old]) {
            guard let parent = try repo.commitLinks(commit).parents.first else { continue }
            let lost = try repo.notesNotKept(from: parent, to: commit).filter { reported.insert($0.object).inserted }
            if !lost.isEmpty { findings.append(finding(notesRef, commit: commit, describe(lost, in: commit))) }
        }
        let lost = try repo.notesNotKept(from: old, to: new).filter { reported.insert($0.object).inserted }
        if !lost.isEmpty { findings.append(finding(notesRef, commit: new, describe(lost, in: new))) }
        return findings
    }

    private static func describe(_ lost: [LostNote], in commit: ObjectID) -> String {
        let removed = lost.filter(\.removed).count
        let rewritten = lost.count - removed
        var parts: [String] = []
        if removed > 0 { parts.append("removes \(removed) note\(removed == 1 ? "" : "s")") }
        if rewritten > 0 { parts.append("shortens or rewrites \(rewritten) note\(rewritten == 1 ? "" : "s")") }
        let named = lost.prefix(3).map { String($0.object.prefix(12)) }.joined(separator: ", ") + (lost.count > 3 ? ", …" : "")
        return "notes commit \(commit.description.prefix(12)) \(parts.joined(separator: " and ")) (on \(named)); approvals may only be added or appended to"
    }

    private static func finding(_ notesRef: String, commit: ObjectID?, _ message: String) -> Finding {
        var f = Finding(kind: .ref, severity: .error, rule: rule, commit: commit?.description, message: message)
        f.ref = notesRef
        return f
    }
}
