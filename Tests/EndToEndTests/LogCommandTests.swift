import AuditLog
import Base
import Foundation
import JSON
import ReviewGateTestSupport
import Testing

/// The audit log driven like a user: `check` and `audit` append, `log …` reads, verifies,
/// signs and analyses.
@Suite struct LogCommandTests {
    /// Identity variables cleared, so the test decides who the actor is.
    static let quiet: [String: String] = ["REVIEWGATE_USER": "", "GL_USERNAME": "", "GITEA_PUSHER_NAME": "", "GITHUB_USER_LOGIN": "",
                                          "REMOTE_USER": "", "GITHUB_ACTOR": "", "GITLAB_USER_LOGIN": ""]

    func rg(_ arguments: [String], in repo: ScratchRepository, as user: [String: String] = [:]) throws -> CommandResult {
        try reviewgate(arguments, in: repo.url, environment: Self.quiet.merging(user) { _, new in new })
    }

    func lines(_ result: CommandResult) throws -> [JSONValue] {
        try result.out.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Every byte of every file under `directory`.
    func allBytes(_ directory: URL) throws -> String {
        let names = try FileManager.default.subpathsOfDirectory(atPath: directory.path)
        return try names.map { name -> String in
            let data = (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }.joined()
    }

    @Test func checkAppendsARecordWithoutTheSecret() throws {
        var factory = SecretFactory(seed: 500)
        let token = factory.githubToken()
        let repo = try ScratchRepository(label: "logcheck")
        try repo.write("a.txt", "x\n")
        let base = try repo.commit("root")
        try repo.write("ci.yml", "env:\n  GH_TOKEN: \(token)\n")
        let head = try repo.commit("ci")
        #expect(try rg(["check", "\(base)..HEAD"], in: repo, as: ["REVIEWGATE_USER": "alice", "GITHUB_ACTOR": "bot"]).status == 1)
        #expect(try rg(["check", "\(base)..HEAD", "--no-log"], in: repo).status == 1)
        #expect(try rg(["check", "HEAD..HEAD"], in: repo, as: ["GITHUB_ACTOR": "bot"]).status == 0)

        let records = try lines(try rg(["log", "show", "--format", "json"], in: repo))
        #expect(records.count == 2, "--no-log appends nothing")
        let first = try #require(records.first)
        #expect(first["kind"] == "check" && first["decision"] == "reject" && first["seq"] == 1 && first["v"] == 1)
        #expect(first["actor"] == .object([("name", "alice"), ("person", .null), ("source", "REVIEWGATE_USER")]))
        #expect(first["refs"] == .array([.object([("new", .string(head)), ("old", .string(base)), ("ref", "HEAD")])]))
        #expect(first["commits"] == 1 && first["override"] == .null && first["policy"] == .null && first["remote"] == .null)
        guard case let .string(tool)? = first["tool"], case .int? = first["duration_ms"], case let .string(time)? = first["time"] else {
            Issue.record("tool, duration_ms and time: \(first)")
            return
        }
        #expect(tool.hasPrefix("reviewgate ") && RFC3339.parse(time) != nil && time.hasSuffix("Z") && time.count == 24)
        guard case let .array(findings)? = first["findings"], let finding = findings.first else {
            Issue.record("no findings in \(first)")
            return
        }
        #expect(finding["kind"] == "secret" && finding["rule"] == "github-pat" && finding["path"] == "ci.yml" && finding["line"] == 2)
        #expect(finding["commit"] == .string(head))
        if case let .string(fingerprint)? = finding["fingerprint"] { #expect(fingerprint.count == 64) } else { Issue.record("fingerprint") }
        #expect(records[1]["actor"]?["source"] == "GITHUB_ACTOR" && records[1]["decision"] == "accept")
        // No secret anywhere in the log directory.
        let logDirectory = repo.url.appendingPathComponent(".git/reviewgate/audit")
        #expect(!(try allBytes(logDirectory)).contains(token))
        #expect(!(try allBytes(logDirectory)).contains(String(token.dropFirst(4).prefix(20))))

        let text = try rg(["log", "show"], in: repo)
        #expect(text.status == 0 && text.out.contains("1 ") && text.out.contains(" check reject alice ") && text.out.contains("github-pat"))
        #expect(!text.out.contains(token))
        #expect(try lines(try rg(["log", "show", "--format", "json", "--decision", "accept"], in: repo)).count == 1)
        #expect(try lines(try rg(["log", "show", "--format", "json", "--actor", "alice"], in: repo)).count == 1)
        #expect(try lines(try rg(["log", "show", "--format", "json", "--kind", "audit"], in: repo)).isEmpty)
        #expect(try lines(try rg(["log", "show", "--format", "json", "--since", "2999-01-01"], in: repo)).isEmpty)
        #expect(try lines(try rg(["log", "show", "--format", "json", "--until", "2999-01-01T00:00:00Z"], in: repo)).count == 2)
        #expect(try rg(["log", "show", "--since", "yesterday"], in: repo).status == 2)
    }

    /// A run with more findings than a record lists keeps the first 10,000 (errors first) and
    /// counts the rest, so a first audit of a long history still fits in a frame.
    @Test func recordsCountFindingsTheyDoNotList() throws {
        var factory = SecretFactory(seed: 501)
        let repo = try ScratchRepository(label: "logmany")
        try repo.write("a.txt", "x\n")
        let base = try repo.commit("root")
        try repo.write("tokens.txt", (0..<10_050).map { "t\($0) = \(factory.githubToken())\n" }.joined())
        try repo.commit("many")
        let result = try rg(["check", "\(base)..HEAD", "--format", "json"], in: repo)
        #expect(result.status == 1)
        let records = try lines(try rg(["log", "show", "--format", "json"], in: repo))
        guard case let .array(findings)? = records.last?["findings"] else { Issue.record("no findings"); return }
        #expect(findings.count == 10_000)
        #expect(records.last?["findings_omitted"] == .int(50))
        #expect(try rg(["log", "verify"], in: repo).status == 0)
    }

    @Test func verifyCatchesEditsAndCheckpointsCatchTruncation() throws {
        let repo = try ScratchRepository(label: "logverify")
        try repo.write("a.txt", "x\n")
        try repo.commit("root")
        try repo.commit("two", allowEmpty: true)
        for _ in 0..<4 { #expect(try rg(["check", "HEAD~1..HEAD"], in: repo).status == 0) }
        let ok = try rg(["log", "verify"], in: repo)
        #expect(ok.status == 0 && ok.out.hasPrefix("ok: 4 records in 1 segment"), "\(ok.out)\(ok.err)")

        // Keys and a checkpoint copied off the host.
        let key = repo.url.appendingPathComponent("ckpt.key").path
        let keygen = try rg(["log", "keygen", "--name", "git.example.com/reviewgate", "--out", key], in: repo)
        #expect(keygen.status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try rg(["log", "keygen", "--name", "x", "--out", key], in: repo).status == 3, "never overwrites a key")
        let note = try rg(["log", "checkpoint", "--key", key], in: repo)
        #expect(note.status == 0 && note.out.hasPrefix("git.example.com/reviewgate\n4\n") && note.out.contains("\n\n— git.example.com/reviewgate "))
        #expect(try rg(["log", "checkpoint"], in: repo).out == note.out, "the stored checkpoint is printed")
        let copy = repo.url.appendingPathComponent("copy.checkpoint")
        try Data(note.stdout).write(to: copy)
        #expect(try rg(["log", "verify", "--checkpoint", copy.path, "--key", key + ".pub"], in: repo).status == 0)

        // Cutting the last record at its frame boundary: the chain is fine, the checkpoint is not.
        let segment = repo.url.appendingPathComponent(".git/reviewgate/audit/000001.log")
        let original = try Data(contentsOf: segment)
        var cut = Array(original)
        let length = Int(cut[cut.count - 4]) << 24 | Int(cut[cut.count - 3]) << 16 | Int(cut[cut.count - 2]) << 8 | Int(cut[cut.count - 1])
        cut.removeLast(length + 12)
        try Data(cut).write(to: segment)
        try FileManager.default.removeItem(at: repo.url.appendingPathComponent(".git/reviewgate/audit/checkpoint"))
        #expect(try rg(["log", "verify"], in: repo).status == 0)
        let truncated = try rg(["log", "verify", "--checkpoint", copy.path, "--key", key + ".pub"], in: repo)
        #expect(truncated.status == 1 && truncated.err.contains("seq 4: truncated"), "\(truncated.err)")

        // A flipped byte in the second record.
        var flipped = Array(original)
        flipped[Int(flipped.count / 4) + 40] ^= 0x01
        try Data(flipped).write(to: segment)
        let edited = try rg(["log", "verify"], in: repo)
        #expect(edited.status == 1 && edited.err.contains(": edited"), "\(edited.err)")

        // A checkpoint signed by another key does not verify.
        try original.write(to: segment)
        let other = repo.url.appendingPathComponent("other.key").path
        #expect(try rg(["log", "keygen", "--name", "git.example.com/reviewgate", "--out", other], in: repo).status == 0)
        let forged = try rg(["log", "verify", "--checkpoint", copy.path, "--key", other + ".pub"], in: repo)
        #expect(forged.status == 1 && forged.err.contains("checkpoint mismatch"), "\(forged.err)")
        #expect(try rg(["log", "verify", "--dir", repo.url.appendingPathComponent("nowhere").path], in: repo).status == 2)
    }

    @Test func auditAppendsVerifiesAndAnalyses() throws {
        let repo = try ScratchRepository(label: "logaudit")
        try repo.write("a.txt", "x\n")
        try repo.commit("root")
        let clean = try rg(["audit", "--format", "json"], in: repo)
        #expect(clean.status == 0, "\(clean.err)")
        let records = try lines(try rg(["log", "show", "--format", "json"], in: repo))
        #expect(records.count == 1 && records[0]["kind"] == "audit" && records[0]["refs"]?["ref"] == nil)
        #expect(records[0]["refs"] == .array([.object([("new", .string(try repo.gitOutput(["rev-parse", "HEAD"]))), ("old", .null), ("ref", "refs/heads/main")])]))

        // Tamper with the log: the next audit says so (error), and still appends its record.
        let segment = repo.url.appendingPathComponent(".git/reviewgate/audit/000001.log")
        var bytes = Array(try Data(contentsOf: segment))
        bytes[30] ^= 0x20
        try Data(bytes).write(to: segment)
        let tampered = try rg(["audit", "--format", "json"], in: repo)
        #expect(tampered.status == 1)
        let doc = try JSONParser.parse(tampered.out)
        guard case let .array(findings)? = doc["findings"] else { Issue.record("no findings"); return }
        #expect(findings.contains { $0["kind"] == "log" && $0["severity"] == "error" && $0["rule"] == "log-verify" }, "\(findings)")
    }

    @Test func analyzeRaisesRedFlags() throws {
        let repo = try ScratchRepository(label: "loganalyze")
        let directory = repo.url.appendingPathComponent("audit").path
        let log = AuditLog(directory: directory)
        func record(_ actor: String, person: JSONValue = .null, decision: String = "accept", policy: JSONValue = .null,
                    findings: [JSONValue] = [], override: JSONValue = .null) -> JSONValue {
            .object([("kind", "push"), ("repo", "/srv/x.git"), ("actor", .object([("name", .string(actor)), ("source", "GL_USERNAME"), ("person", person)])),
                     ("decision", .string(decision)), ("policy", policy), ("findings", .array(findings)), ("override", override)])
        }
        let policyA: JSONValue = .string(String(repeating: "a", count: 64))
        let secret: JSONValue = .object([("kind", "secret"), ("rule", "github-pat"), ("fingerprint", .string(String(repeating: "f", count: 64)))])
        try log.append(record("alice", person: "alice", policy: policyA), time: 1_000_000)
        try log.append(record("alice", person: "alice", policy: policyA), time: 2_000_000)
        #expect(try reviewgate(["log", "analyze", "--dir", directory]).status == 0)

        for i in 0..<5 { try log.append(record("mallory", person: "mallory", decision: "reject", policy: policyA, findings: [secret]), time: 3_000_000 + Int64(i) * 1000) }
        try log.append(record("eve", decision: "reject", policy: policyA), time: 4_000_000)
        try log.append(record("bob", person: "bob", decision: "override", policy: policyA,
                              override: .object([("reason", "hotfix"), ("by", "bob")])), time: 5_000_000)
        try log.append(record("carol", person: "carol", decision: "reject", policy: .string(String(repeating: "b", count: 64)),
                              findings: [.object([("kind", "ref"), ("rule", "deny_force_push"), ("ref", "refs/heads/main")])]), time: 6_000_000)
        let result = try reviewgate(["log", "analyze", "--dir", directory, "--format", "json"])
        #expect(result.status == 1)
        let doc = try JSONParser.parse(result.out)
        guard case let .array(flags)? = doc["red_flags"] else { Issue.record("no red_flags"); return }
        var kinds: [String] = []
        for flag in flags { if case let .string(kind)? = flag["kind"] { kinds.append(kind) } }
        #expect(Set(kinds) == ["rejection-burst", "repeated-secret", "unknown-actor", "override", "policy-change", "protected-ref"], "\(kinds)")
        #expect(doc["records"] == 10)
        // Fewer than the burst in the window is no burst; --since leaves older records out.
        let relaxed = try reviewgate(["log", "analyze", "--dir", directory, "--format", "json", "--burst", "6"])
        #expect(!relaxed.out.contains("rejection-burst"))
        let late = try reviewgate(["log", "analyze", "--dir", directory, "--format", "json", "--since", RFC3339.utcMilliseconds(5_500_000)])
        #expect(try JSONParser.parse(late.out)["records"] == 1)
        let text = try reviewgate(["log", "analyze", "--dir", directory])
        #expect(text.status == 1 && text.out.contains("red flag: override: break-glass override by bob: hotfix"), "\(text.out)")
    }

    @Test func anAppendThatFailsIsARuntimeError() throws {
        let repo = try ScratchRepository(label: "logfail")
        try repo.write("a.txt", "x\n")
        try repo.commit("root")
        try repo.commit("two", allowEmpty: true)
        let blocker = repo.url.appendingPathComponent("not-a-dir")
        try Data("x".utf8).write(to: blocker)
        let failed = try rg(["check", "HEAD~1..HEAD", "--log-dir", blocker.path + "/audit"], in: repo)
        #expect(failed.status == 3 && failed.err.contains("cannot append to the audit log"), "\(failed.err)")
        // --log-dir puts the log where it says.
        let elsewhere = repo.url.appendingPathComponent("elsewhere").path
        #expect(try rg(["check", "HEAD~1..HEAD", "--log-dir", elsewhere], in: repo).status == 0)
        #expect(try reviewgate(["log", "verify", "--dir", elsewhere]).out.hasPrefix("ok: 1 record"))
    }
}
