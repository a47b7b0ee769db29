import Gate

/// What the pre-receive hook tells the pusher (git shows each stderr line as `remote: …`):
/// one line per problem, a hint per kind of problem saying how to fix it, and a summary line
/// last. Every line is stripped of control characters; secrets appear only redacted.
public struct PushMessages: Sendable {
    public var verdict: Verdict
    public var decision: Verdict.Decision
    public var durationMs: Int
    /// The notes ref approvals travel on, for the hint.
    public var notesRef: String

    public init(verdict: Verdict, decision: Verdict.Decision, durationMs: Int, notesRef: String = "refs/notes/reviewgate") {
        self.verdict = verdict
        self.decision = decision
        self.durationMs = durationMs
        self.notesRef = notesRef
    }

    public var lines: [String] {
        let errors = verdict.findings.filter { $0.severity == .error }
        let warnings = verdict.findings.filter { $0.severity == .warning }
        // Suppressed matches are shown too (never silent), after what counts.
        let notes = verdict.findings.filter { $0.severity == .note }
        var lines = (errors + warnings + notes).map { DisplayText.line(VerdictReport.row($0)) }
        var hinted: Set<String> = []
        for f in errors + warnings {
            guard let hint = hint(for: f), hinted.insert(hint).inserted else { continue }
            lines.append("hint: " + hint)
        }
        let problems = errors.count
        let word: String = switch decision {
        case .accept: "accepted"
        case .reject: "REJECTED"
        case .override: "ACCEPTED BY OVERRIDE"
        }
        lines.append("reviewgate: \(word): \(problems) problem\(problems == 1 ? "" : "s"), \(warnings.count) warning\(warnings.count == 1 ? "" : "s"); "
                     + "\(verdict.commitsExamined) new commit\(verdict.commitsExamined == 1 ? "" : "s") examined in \(durationMs) ms")
        return lines
    }

    public var text: String { lines.map { $0 + "\n" }.joined() }

    private func hint(for f: Finding) -> String? {
        switch f.kind {
        case .secret:
            return "remove the secret and rewrite the commits that carry it (git rebase -i, git commit --amend), then "
                + "rotate it: it has left your machine. A false positive: add 'reviewgate:allow' on its line."
        case .approval where f.reason == "trailer":
            return "core paths need sign-off: the owners' 'Reviewed-by: Name <email>' trailers in the commit message "
                + "(git commit --amend, or git rebase -i for older commits)."
        case .approval:
            return "core paths need signed sign-off: each reviewer runs 'reviewgate approve <commit>' and you push "
                + "\(notesRef) with the branch (git push origin <branch> \(notesRef))."
        case .signature:
            return "sign the commits with an SSH key listed in the policy (git config gpg.format ssh; git rebase --exec 'git commit --amend --no-edit -S')."
        case .ref:
            switch f.rule {
            case "deny_force_push": return "this ref only moves forward: merge or rebase onto its current tip, then push without --force."
            case "deny_delete": return "this ref cannot be deleted."
            case "evidence":
                return "approvals are evidence: \(notesRef) only grows. Fetch it (git fetch origin \(notesRef):\(notesRef)), "
                    + "add or append approvals (reviewgate approve, git notes append) and push it without --force."
            case "breakglass": return "only the people in the policy's [breakglass] list may push with -o reviewgate.override."
            default: return nil
            }
        case .skipped where f.severity == .error:
            return "a file that cannot be read in full could carry a secret past the gate: keep it smaller than max_file_bytes "
                + "and archives within their limits, or keep it out of git ([secrets] unscannable = \"warning\" lets such files through)."
        case .server, .skipped, .log:
            return nil
        }
    }
}
