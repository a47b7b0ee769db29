import Gate
import Git
import Secrets

/// `check` over `from..to`, as CI runs it for a pull request: secrets the range introduces,
/// and sign-off on every commit of it (it is on its way to a protected branch).
public enum RangeCheck {
    /// `target` is the ref the range is headed for, when known (for `require_signed_commits`);
    /// `subjects` names every examined commit by its subject, secrets redacted (JUnit's need).
    public static func run(_ repo: Repository, gate: GateSettings, from: ObjectID, to: ObjectID, target: String?, subjects: Bool,
                           open opener: @escaping @Sendable () throws(GitError) -> Repository) throws -> Verdict {
        let settings = gate.secrets
        let commits = try repo.newCommits(tips: [to], excluding: [from])
        let result = try CommitSecrets(settings: settings).examine(commits, threads: Workers.count, open: opener)
        let notes = try repo.reference(named: gate.notesRef)
        let signOff = try gate.signOffFindings(commits, tip: to, ref: nil, target: target, in: repo, notesCommit: notes, open: opener)
        var verdict = Verdict(findings: result.findings + signOff, commitsExamined: commits.count, blobsScanned: result.blobsScanned)
            .redactingNames(settings.scanner)
        if subjects {
            let scratch = MatchScratch()
            verdict.examined = try commits.map { (id: ObjectID) throws(GitError) in
                ExaminedCommit(id: id.hex, subject: shownSubject(of: try repo.commit(id), scanner: settings.scanner, scratch: scratch))
            }
        }
        return verdict
    }
}
