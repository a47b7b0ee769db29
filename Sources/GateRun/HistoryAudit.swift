#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import Secrets

/// `audit` over a repository's history: secrets introduced anywhere (each once, where it came
/// in), sign-off on the history of every protected ref, signatures where required, annotated
/// tags' messages; only what `previous` has not examined yet.
public struct HistoryAudit {
    public var findings: [Finding]
    public var refs: [Reference]
    public var commits: [ObjectID]
    public var blobsScanned: Int
    /// What the next run starts from.
    public var state: AuditState

    public static func run(_ repo: Repository, gate: GateSettings, refPatterns: [String], previous: AuditState,
                           progress: (@Sendable (String) -> Void)?,
                           open opener: @escaping @Sendable () throws(GitError) -> Repository) throws -> HistoryAudit {
        var previous = previous
        let settings = gate.secrets
        var refs: [Reference] = []
        if refPatterns.isEmpty {
            refs = try repo.references()
        } else {
            for pattern in refPatterns { refs += try repo.references(matching: pattern) }
        }
        let tips = refs.filter { $0.symbolicTarget == nil }.compactMap(\.target)
        progress?("walking the history of \(refs.count) refs")
        // Tips remembered from an earlier run may be gone (a force-push, then gc): they are
        // dropped, and the history they led to is examined again.
        let knownTips = previous.tips.filter { repo.contains($0) }
        if knownTips.count < previous.tips.count {
            Notices.write("reviewgate: \(previous.tips.count - knownTips.count) tip(s) in the state are no longer in the repository; examining again what they covered\n")
        }
        previous.tips = Set(knownTips)
        let engine = CommitSecrets(settings: settings)
        var reported = Set(previous.findings.compactMap { f in
            f.fingerprint.map { CommitSecrets.reportedKey(fingerprint: $0, note: f.severity == .note) }
        })
        // The commits' changes are computed while the walk goes on.
        let (result, commits) = try engine.examine(walking: { visit throws(GitError) in
            try repo.newCommits(tips: tips, excluding: Array(knownTips), visiting: visit)
        }, firstOnly: true, alreadyReported: reported, threads: Workers.count, progress: progress, open: opener)
        for finding in result.findings {
            if let fingerprint = finding.fingerprint { reported.insert(CommitSecrets.reportedKey(fingerprint: fingerprint, note: finding.severity == .note)) }
        }
        var findings = previous.findings + result.findings
        // Sign-off over the history of protected refs (and signatures where required).
        var work = SignOffWork()
        for ref in refs where ref.symbolicTarget == nil {
            guard let tip = ref.target else { continue }
            let scope = gate.signOffScope(ref: ref.name)
            guard scope.coreRules || scope.mustBeSigned else { continue }
            progress?("checking sign-off on \(ref.name)")
            let history = try repo.newCommits(tips: [tip], excluding: Array(knownTips))
            try work.add(history, tip: tip, ref: ref.name, coreRules: scope.coreRules, mustBeSigned: scope.mustBeSigned, in: repo)
        }
        findings += try gate.signOff.examine(work.items, notesCommit: try repo.reference(named: gate.notesRef), threads: Workers.count, open: opener)
        // What refs bring besides commits, as the hook sees it: ref names, annotated tags (every
        // ref, not just refs/tags/), trees and blobs named by a ref or tag. `tags` remembers the
        // objects read so, for the next run.
        var tags = previous.tags
        let byRefs = try engine.examineRefs(refs.filter { $0.symbolicTarget == nil }.compactMap { ref in ref.target.map { (ref.name, $0) } },
                                            in: repo, examined: &tags, reported: &reported, firstOnly: true)
        findings += byRefs.findings
        let scratch = MatchScratch()
        findings = findings.map { $0.redactingNames(settings.scanner, scratch: scratch) }
        return HistoryAudit(findings: findings, refs: refs, commits: commits, blobsScanned: result.blobsScanned + byRefs.blobsScanned,
                            state: AuditState(tips: Set(tips).union(previous.tips), tags: tags, findings: findings))
    }
}
