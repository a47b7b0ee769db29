import Gate

/// What a report says about one rule: SARIF's rule metadata, the HTML page's rule table.
/// Secret rules come from the rule files (the command passes them in, so Reports need not
/// know the Secrets module); the gate's own rules are described here.
public struct RuleDescription: Sendable, Equatable {
    /// The report's rule id: a secret rule's id, `approval/<core rule>`, `signature`,
    /// `ref/<rule>`, `skipped` or `log`.
    public var id: String
    /// One sentence: what was found.
    public var summary: String
    /// Why it matters, in a few sentences.
    public var details: String
    /// How to fix it.
    public var help: String
    public var tags: [String]

    public init(id: String, summary: String, details: String = "", help: String = "", tags: [String] = []) {
        self.id = id
        self.summary = summary
        self.details = details
        self.help = help
        self.tags = tags
    }

    /// A secret rule as its rule file describes it.
    public static func secret(id: String, description: String, tags: [String]) -> RuleDescription {
        let summary = description.isEmpty ? "Secret matched by rule '\(id)'" : description
        return RuleDescription(
            id: id, summary: summary,
            details: "\(summary). A secret committed to git stays readable in every clone of the history, even after a later commit deletes it.",
            help: "Rotate the secret, then rewrite the commits that introduce it (git rebase -i, or git filter-repo) so it never reaches a protected branch. A value that is not a secret can be accepted with a baseline file or a reviewgate:allow comment on its line.",
            tags: unique(["security", "secret"] + tags))
    }

    /// The report's rule id for a finding.
    public static func id(for finding: Finding) -> String {
        switch finding.kind {
        case .secret: finding.rule ?? "secret"
        case .approval: "approval/" + (finding.rule ?? "core")
        case .signature: "signature"
        case .ref: "ref/" + (finding.rule ?? "unknown")
        case .server: "server/" + (finding.rule ?? "unknown")
        case .skipped: "skipped"
        case .log: "log"
        }
    }

    /// The description of the rule behind `finding`: from `secretRules` for secrets (a rule
    /// not listed gets a generic one), built in for the gate's own kinds.
    public static func describing(_ finding: Finding, secretRules: [String: RuleDescription]) -> RuleDescription {
        let id = id(for: finding)
        switch finding.kind {
        case .secret:
            return secretRules[id] ?? .secret(id: id, description: "", tags: [])
        case .approval:
            let rule = finding.rule ?? "core"
            return RuleDescription(
                id: id, summary: "Core path '\(rule)' changed without the required sign-off",
                details: "Commits that touch the paths of core rule '\(rule)' need approvals from the senior reviewers the policy names for it, and the commit's author does not count.",
                help: "Ask a reviewer in the rule's 'from' list to add a Reviewed-by trailer or to run 'reviewgate approve <commit>' and push the approvals notes with the branch.",
                tags: ["security", "review", "core-path"])
        case .signature:
            return RuleDescription(
                id: id, summary: "Commit not signed with a valid key where the policy requires it",
                details: "The policy requires signed commits on this ref; an unsigned commit, or one whose signature does not verify against a known key, cannot be traced to its author.",
                help: "Sign the commits (git commit -S, or git rebase --exec 'git commit --amend --no-edit -S') with a key the policy knows.",
                tags: ["security", "signature"])
        case .ref:
            let rule = finding.rule ?? "unknown"
            let summary: String = switch rule {
            case "deny_force_push": "Force push to a protected ref"
            case "deny_delete": "Deletion of a protected ref"
            case "require_signed_commits": "Unsigned commits pushed to a ref that requires signatures"
            case "outside-gate": "Ref moved outside the gate"
            default: "Ref rule '\(rule)' violated"
            }
            if rule == "outside-gate" {
                return RuleDescription(
                    id: id, summary: summary,
                    details: "The ref's tip is not the one the install record's baseline and the landed records after it lead to: it was moved on the server without a push through the gate (git update-ref, a script, a restored backup).",
                    help: "Read 'reviewgate log show --kind landed' and the server's logs for who moved it; once explained, re-run 'reviewgate install' to take the current tips as the new baseline.",
                    tags: ["security", "ref"])
            }
            return RuleDescription(
                id: id, summary: summary,
                details: "\(summary): the policy protects this ref so its history is not rewritten or lost.",
                help: "Push a fast-forward instead (merge or rebase onto the current tip), or ask a break-glass person to push with -o reviewgate.override=\"<reason>\".",
                tags: ["security", "ref"])
        case .server:
            let rule = finding.rule ?? "unknown"
            return RuleDescription(
                id: id, summary: "The server no longer runs the gate as installed ('\(rule)')",
                details: "The hooks that 'reviewgate install' wrote are missing or changed, or core.hooksPath sends git to other hooks: pushes may land without being judged.",
                help: "Re-run 'reviewgate install' on the repository and read 'reviewgate log show --kind landed' for what landed meanwhile.",
                tags: ["security", "server"])
        case .skipped:
            return RuleDescription(
                id: id, summary: "File not scanned for secrets",
                details: "A file that could not be read in full (larger than max_file_bytes, an archive past its depth, expansion or member limits, a corrupt compressed stream) is an error unless [secrets] unscannable is \"warning\"; a line a rule gave up on, or an unreadable file on disk, is a warning.",
                help: "Keep large artifacts and archives out of git, or raise max_file_bytes if the file must be scanned.",
                tags: ["secret", "coverage"])
        case .log:
            return RuleDescription(
                id: id, summary: "Audit log failed verification",
                details: "The audit log's hash chain or checkpoint does not verify: a record was edited, removed, reordered or truncated, or a torn frame was found.",
                help: "Compare the log with a checkpoint kept elsewhere (reviewgate log verify --checkpoint FILE) and investigate who had write access to the log directory.",
                tags: ["security", "audit-log"])
        }
    }

    /// GitHub code scanning's `security-severity` (0–10): it files results as security alerts
    /// and ranks them. Warnings carry none.
    static func securitySeverity(_ kind: Finding.Kind) -> String? {
        switch kind {
        case .secret: "9.0"
        case .log: "8.0"
        case .approval, .ref, .server: "7.0"
        case .signature: "5.0"
        case .skipped: nil
        }
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
