import Foundation
import ReviewGateTestSupport
import Testing

/// `[secrets] block` on a real server: a low-confidence (generic) secret passes with a warning
/// under the default, and is refused once the server's policy blocks low.
@Suite("pre-receive hook: [secrets] block")
struct SecretBlockHookTests {
    @Test("a generic secret warns under the default block and is refused with block = \"low\"")
    func blockLevels() throws {
        let server = try GateServer(policy: TestPolicy.aliceAndBob())
        var secrets = SecretFactory(seed: 14)
        try server.clone.write("config/app.yml", "db_password: \"\(secrets.alnum(9))Z4\(secrets.alnum(9))\"\n")
        let first = try server.clone.commit("config")
        let warned = try server.push(["origin", "HEAD:refs/heads/topic"])
        #expect(warned.status == 0, "\(warned.err)")
        #expect(server.ref("refs/heads/topic") == first)
        let lines = GateServer.remoteLines(warned)
        #expect(lines.contains { $0.hasPrefix("warning: generic-secret-assignment: \(first.prefix(12)) config/app.yml:1:") }, "\(lines)")
        #expect(lines.last?.hasPrefix("reviewgate: accepted: 0 problems, 1 warning") == true, "\(lines)")

        try Data((TestPolicy.aliceAndBob() + "\n[secrets]\nblock = \"low\"\n").utf8)
            .write(to: URL(fileURLWithPath: server.bare.path + "/reviewgate/policy.toml"))
        try server.clone.write("config/app.yml", "db_password: \"\(secrets.alnum(9))Z4\(secrets.alnum(9))\"\n")
        try server.clone.commit("rotate")
        let refused = try server.push(["origin", "HEAD:refs/heads/topic"])
        #expect(refused.status != 0)
        #expect(server.ref("refs/heads/topic") == first, "the ref must not move")
        #expect(GateServer.remoteLines(refused).contains { $0.hasPrefix("error: generic-secret-assignment:") })
    }
}
