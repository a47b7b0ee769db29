import Foundation
import Gate
import Reports

/// `git push -o key=value` options, as git hands them to the hook.
public struct PushOptions {
    public var values: [String]

    public init(_ env: [String: String]) {
        let count = env["GIT_PUSH_OPTION_COUNT"].flatMap { Int($0) } ?? 0
        values = (0..<max(0, min(count, 1000))).compactMap { env["GIT_PUSH_OPTION_\($0)"] }
    }

    /// The reason given with `-o reviewgate.override=<reason>`, if any (the last one wins).
    public var overrideReason: String? {
        values.last { $0 == "reviewgate.override" || $0.hasPrefix("reviewgate.override=") }.map { option in
            let reason = option.drop { $0 != "=" }.dropFirst()
            return DisplayText.line(String(reason)).trimmingCharacters(in: .whitespaces)
        }
    }
}

/// Break-glass (SPEC §2): a pusher in `[breakglass] from` may push what the gate refuses,
/// with a reason; violations become warnings and the decision `override`. Anyone else's
/// request, or one without a reason, is itself a violation. An identity only the OS account
/// vouches for (plain ssh, git daemon: everyone pushes as one account) never breaks glass.
public enum BreakGlass {
    public struct Outcome {
        public var decision: Verdict.Decision
        public var findings: [Finding]
        /// Who overrode and why, when the override took effect.
        public var override: (reason: String, who: String)?
    }

    public static func decide(_ verdict: Verdict, request reason: String?, pusher: (name: String, source: String),
                              settings: GateSettings) -> Outcome {
        var outcome = Outcome(decision: verdict.decision, findings: verdict.findings, override: nil)
        guard let reason else { return outcome }
        if pusher.source == "os" || !settings.mayOverride(pusher.name) {
            var f = Finding(kind: .ref, severity: .error, rule: "breakglass",
                            message: "\(DisplayText.line(pusher.name)) asked for an override but is not in the policy's [breakglass] list")
            f.reason = reason.isEmpty ? nil : reason
            outcome.findings.append(f)
            outcome.decision = .reject
        } else if reason.isEmpty {
            outcome.findings.append(Finding(kind: .ref, severity: .error, rule: "breakglass",
                                            message: "an override needs a reason: -o reviewgate.override=\"<why>\""))
            outcome.decision = .reject
        } else if outcome.decision == .reject {
            // Violations stay on record, as warnings of an accepted push.
            outcome.findings = outcome.findings.map { var f = $0; f.severity = .warning; return f }
            outcome.decision = .override
            outcome.override = (reason, pusher.name)
        }
        return outcome
    }
}
