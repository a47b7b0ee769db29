import Foundation
import ReviewGateTestSupport
import Testing

/// Path-only rules (a key file known by its name, no regex) judge archive members by their
/// names like any other file: `bundle.zip!keys/id_rsa`, nested ones too, in the hook, `check`,
/// `audit` and `scan`; a member whose name does not match passes.
@Suite struct MemberPathRuleTests {
    static let rules = """
        [extend]
        useDefault = true
        [[rules]]
        id = "ssh-private-key-file"
        description = "An SSH private key file, known by its name"
        path = '''(^|/)id_(rsa|ecdsa|ed25519)$'''
        confidence = "high"
        """

    static func bundle() throws -> Data {
        let inner = try TestArchive.make(.tar, [("home/.ssh/id_ed25519", Data("not really a key\n".utf8))])
        return try TestArchive.make(.zipDeflate, [("keys/id_rsa", Data("not really a key\n".utf8)),
                                                  ("keys/id_rsa.pub", Data("ssh-rsa AAAA comment\n".utf8)),
                                                  ("deploy/inner.tar", inner)])
    }

    static let expected: Set<String> = ["bundle.zip!keys/id_rsa", "bundle.zip!deploy/inner.tar!home/.ssh/id_ed25519"]

    static func ruleHits(_ result: CommandResult) throws -> Set<String> {
        let doc = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let findings = doc?["findings"] as? [[String: Any]] ?? []
        return Set(findings.filter { $0["rule"] as? String == "ssh-private-key-file" }.compactMap { $0["path"] as? String })
    }

    @Test("check, audit and scan name the members a path-only rule matches")
    func commands() throws {
        let repo = try ScratchRepository(label: "members")
        let rules = repo.url.appendingPathComponent("keys.toml")
        try Self.rules.write(to: rules, atomically: true, encoding: .utf8)
        try repo.write("README", "hello\n")
        try repo.commit("first")
        try repo.write(Array("bundle.zip".utf8), try Self.bundle())
        try repo.git(["add", "bundle.zip"])
        let staged = try reviewgate(["scan", "--staged", "--rules", rules.path, "--format", "json"], in: repo.url)
        #expect(staged.status == 1)
        #expect(try Self.ruleHits(staged) == Self.expected)
        try repo.commit("add a bundle")
        let check = try reviewgate(["check", "HEAD~1..HEAD", "--rules", rules.path, "--format", "json", "--no-log"], in: repo.url)
        #expect(check.status == 1)
        #expect(try Self.ruleHits(check) == Self.expected)
        let audit = try reviewgate(["audit", "--rules", rules.path, "--format", "json"], in: repo.url)
        #expect(audit.status == 1)
        #expect(try Self.ruleHits(audit) == Self.expected)
        let scan = try reviewgate(["scan", "bundle.zip", "--rules", rules.path, "--format", "json"], in: repo.url)
        #expect(scan.status == 1)
        #expect(try Self.ruleHits(scan) == Self.expected)
        // Without the path-only rule, the same bundle is clean.
        #expect(try reviewgate(["check", "HEAD~1..HEAD", "--no-log"], in: repo.url).status == 0)
    }

    @Test("the hook refuses a push whose archive holds a member a path-only rule names")
    func hook() throws {
        let dir = try Scratch.directory("member-rules")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("keys.toml")
        try Self.rules.write(to: rules, atomically: true, encoding: .utf8)
        let server = try GateServer(policy: "version = 1\n[secrets]\nrules = [\"\(rules.path)\"]\n")
        try server.clone.write(Array("bundle.zip".utf8), try Self.bundle())
        try server.clone.commit("add a bundle")
        let refused = try server.push(["origin", "HEAD:refs/heads/topic"])
        #expect(refused.status != 0)
        let lines = GateServer.remoteLines(refused)
        for path in Self.expected {
            #expect(lines.contains { $0.hasPrefix("error: ssh-private-key-file:") && $0.contains(path) }, "\(lines)")
        }
        #expect(!lines.contains { $0.contains("id_rsa.pub") }, "\(lines)")
    }
}
