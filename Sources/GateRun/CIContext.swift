import Foundation

/// What a CI run says about the range to check: GitHub Actions and GitLab merge requests.
public enum CIContext {
    /// The ref the range is headed for: `flag`, else the CI's target branch.
    public static func target(flag: String?, environment env: [String: String]) -> String? {
        if let flag { return flag.hasPrefix("refs/") ? flag : "refs/heads/" + flag }
        for variable in ["GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"] {
            if let branch = env[variable], !branch.isEmpty { return "refs/heads/" + branch }
        }
        return nil
    }

    /// The range from `A..B` or `--base/--head`, else from the CI environment.
    public static func endpoints(range: String?, base: String?, head: String?, environment env: [String: String]) throws(Failure) -> (String, String) {
        if let range {
            let parts = range.components(separatedBy: "..")
            guard parts.count == 2, !range.contains("...") else { throw Failure(.usage, "bad range '\(range)': expected A..B") }
            return (parts[0].isEmpty ? "HEAD" : parts[0], parts[1].isEmpty ? "HEAD" : parts[1])
        }
        if let base, let head { return (base, head) }
        if let baseRef = env["GITHUB_BASE_REF"], !baseRef.isEmpty, let sha = env["GITHUB_SHA"] {
            return ("origin/\(baseRef)", sha)
        }
        if let baseSHA = env["CI_MERGE_REQUEST_DIFF_BASE_SHA"], !baseSHA.isEmpty, let sha = env["CI_COMMIT_SHA"] {
            return (baseSHA, sha)
        }
        throw Failure(.usage, "no range given and no CI context found (GITHUB_BASE_REF or CI_MERGE_REQUEST_DIFF_BASE_SHA)")
    }
}
