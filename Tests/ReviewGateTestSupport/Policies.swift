/// Policies the test suites share.
public enum TestPolicy {
    /// alice (senior, security) and bob (senior), known by their emails and by `logins`
    /// (alice's given by `aliceLogins`); src/payments/ needs one senior's trailer; main is
    /// protected from force pushes and deletion; only security (alice) may break glass.
    public static func aliceAndBob(aliceLogins: [String] = ["alice"], budget: String = "4.0") -> String {
        """
        version = 1

        [[people]]
        id = "alice"
        emails = ["alice@example.com"]
        logins = [\(aliceLogins.map { "\"\($0)\"" }.joined(separator: ", "))]
        groups = ["senior", "security"]

        [[people]]
        id = "bob"
        emails = ["bob@example.com"]
        logins = ["bob"]
        groups = ["senior"]

        [[core]]
        name = "payments"
        paths = ["src/payments/"]
        approvals = 1
        from = ["senior"]
        evidence = "trailer"

        [refs]
        protected = ["refs/heads/main"]
        deny_force_push = ["refs/heads/main"]
        deny_delete = ["refs/heads/main", "refs/tags/*"]

        [breakglass]
        from = ["security"]

        [budget]
        seconds = \(budget)
        """
    }
}
