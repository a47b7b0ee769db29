import Base
import Gate
import Git
import Reports
import Secrets
import Signatures

/// What `inspect` shows: for each commit of a revision or range, its changes, trailers, the
/// core rules it touches with every approval and why it counts, its signature and secrets —
/// with any secret in the message redacted (SPEC §1.3).
public enum Inspection {
    public static func reports(_ repo: Repository, gate: GateSettings, revision: String,
                               open: @escaping @Sendable () throws(GitError) -> Repository) throws -> [CommitReport] {
        let notes = try repo.reference(named: gate.notesRef)
        let commits: [ObjectID]
        if revision.contains("..") {
            let range = try repo.resolveRange(revision)
            commits = try repo.newCommits(tips: [range.to], excluding: [range.from])
        } else {
            commits = [try repo.resolveCommit(revision)]
        }
        let scanner = gate.secrets.scanner
        let scratch = MatchScratch()
        let engine = CommitSecrets(settings: gate.secrets)
        return try commits.map { id in
            let commit = try repo.commit(id)
            let shown = Redaction.redactSecrets(in: commit.message, scanner: scanner, scratch: scratch)
            let review = try gate.signOff.review(commit, in: repo, notesCommit: notes)
            let found = try engine.examine([id], threads: 1, open: open).findings
            let trailers = gate.policy.trailerParser.parse(shown).map { (key: $0.key, value: $0.value) }
            return CommitReport(commit: commit, changes: try repo.changes(of: commit), shownMessage: shown, review: review,
                                trailers: trailers, findings: found + gate.signOff.findings(review))
        }
    }
}

/// `reviewgate approve`: the statement for a commit, signed, appended to the commit's note on
/// the approvals notes ref (SPEC §1.2).
public enum ApprovalSigning {
    public struct Outcome {
        public var commit: ObjectID
        public var statement: ApprovalStatement
        public var signature: SSHSignature
        public var notesRef: String
    }

    public static func approve(_ repo: Repository, revision: String, bind: Binding, key: SigningKey,
                               notesRef: String) throws -> Outcome {
        let id = try repo.resolveCommit(revision)
        let commit = try repo.commit(id)
        let statement: ApprovalStatement
        switch bind {
        case .commit:
            statement = ApprovalStatement(commit: id.hex, tree: commit.tree.hex)
        case .patchID:
            guard let patchID = try repo.patchID(of: id) else {
                throw Failure(.usage, "\(revision) has no patch id (\(commit.isMerge ? "a merge" : "it changes nothing")); approve it with --bind commit")
            }
            statement = ApprovalStatement(patchID: patchID.hex, tree: commit.tree.hex)
        }
        let signature = try key.sign(statement)
        let ref = expandNotesRef(notesRef)
        // The statement goes in the note in clear above its signature: readers see what was
        // approved, and a patch-id approval can still be checked after a rebase changed the tree.
        try repo.appendNote(Array((statement.text + signature.armored).utf8), to: id, notesRef: ref)
        return Outcome(commit: id, statement: statement, signature: signature, notesRef: ref)
    }

    /// git's `expand_notes_ref`: `refs/notes/X` stays, `notes/X` gains `refs/`, anything else
    /// goes under `refs/notes/`.
    public static func expandNotesRef(_ name: String) -> String {
        if name.hasPrefix("refs/notes/") { return name }
        if name.hasPrefix("notes/") { return "refs/" + name }
        return "refs/notes/" + name
    }
}
