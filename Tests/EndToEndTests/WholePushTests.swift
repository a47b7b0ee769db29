import Foundation
import ReviewGateTestSupport
import Testing

/// Issue 12, the scanning part: everything a push brings is judged (identities, headers, path
/// names, ref names, tags, trees and blobs named by refs), nothing secret is shown or recorded
/// in clear, suppressed matches stay visible as notes, and malformed trees are refused.
@Suite("the whole push")
struct WholePushTests {
    /// Every byte of the server's audit log (all files of the log directory).
    static func logBytes(_ server: GateServer) throws -> Data {
        let dir = server.bare.path + "/reviewgate/audit"
        var all = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            all += (FileManager.default.contents(atPath: dir + "/" + name) ?? Data())
        }
        return all
    }

    /// A push that must be refused without the secret in stderr or in the audit log's bytes;
    /// returns the pusher's lines and the push's audit record.
    func expectRefused(_ server: GateServer, _ arguments: [String], secret: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> (lines: [String], record: [String: Any]) {
        let result = try server.push(arguments)
        #expect(result.status != 0, "the push must be refused", sourceLocation: sourceLocation)
        #expect(!result.err.contains(secret), "stderr shows the secret", sourceLocation: sourceLocation)
        #expect(try Self.logBytes(server).range(of: Data(secret.utf8)) == nil, "the audit log holds the secret", sourceLocation: sourceLocation)
        let lines = GateServer.remoteLines(result)
        #expect(lines.last?.hasPrefix("reviewgate: REJECTED") == true, "\(lines)", sourceLocation: sourceLocation)
        return (lines, try server.auditRecords().last ?? [:])
    }

    static func findings(_ record: [String: Any]) -> [[String: Any]] { record["findings"] as? [[String: Any]] ?? [] }

    /// A commit object written by hand (extra headers), on top of `parent`'s tree; returns its id.
    static func rawCommit(_ repo: ScratchRepository, headers: String, message: String) throws -> String {
        let tree = try repo.gitOutput(["rev-parse", "HEAD^{tree}"])
        let parent = try repo.gitOutput(["rev-parse", "HEAD"])
        let body = "tree \(tree)\nparent \(parent)\nauthor A <a@example.com> 1700000000 +0000\n"
            + "committer A <a@example.com> 1700000000 +0000\n\(headers)\n\(message)\n"
        return try repo.git(["hash-object", "-t", "commit", "-w", "--stdin", "--literally"], input: Data(body.utf8))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("author and committer identities carrying a secret are refused, redacted everywhere")
    func identities() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0, "an innocuous push passes")
        var factory = SecretFactory(seed: 1201)
        let token = factory.githubToken()
        try server.clone.write("a", "1\n")
        try server.clone.commit("by a token", environment: ["GIT_AUTHOR_NAME": "ci \(token)"])
        let author = try expectRefused(server, ["origin", "HEAD:refs/heads/main"], secret: token)
        #expect(author.lines.contains { $0.hasPrefix("error: github-pat:") && $0.contains("(identity)") }, "\(author.lines)")
        #expect(Self.findings(author.record).contains { $0["location"] as? String == "identity" && $0["severity"] as? String == "error" })

        try server.clone.git(["reset", "-q", "--hard", "HEAD~1"])
        let aws = factory.awsAccessKey()
        try server.clone.write("b", "2\n")
        try server.clone.commit("committed by a key", environment: ["GIT_COMMITTER_EMAIL": "\(aws)@example.com"])
        let committer = try expectRefused(server, ["origin", "HEAD:refs/heads/main"], secret: aws)
        #expect(Self.findings(committer.record).contains { $0["location"] as? String == "identity" })
        // The JSON report of `check` over the same commit says the same, redacted.
        try server.clone.git(["fetch", "-q", "origin"])
        let check = try reviewgate(["check", "origin/main..HEAD", "--format", "json", "--no-log"], in: server.clone.url)
        #expect(check.status == 1)
        #expect(!check.out.contains(aws) && !check.err.contains(aws))
        #expect(check.out.contains("\"location\":\"identity\"") || check.out.contains("\"location\": \"identity\""))
    }

    @Test("extra commit headers (encoding, unknown ones) carrying a secret are refused")
    func headers() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var factory = SecretFactory(seed: 1202)
        let token = factory.githubToken()
        let extra = try Self.rawCommit(server.clone, headers: "x-deploy-token \(token)\n", message: "extra header")
        let refused = try expectRefused(server, ["origin", "\(extra):refs/heads/main"], secret: token)
        #expect(Self.findings(refused.record).contains { $0["location"] as? String == "header" })
        let other = factory.githubToken()
        let encoding = try Self.rawCommit(server.clone, headers: "encoding \(other)\n", message: "encoding header")
        _ = try expectRefused(server, ["origin", "\(encoding):refs/heads/main"], secret: other)
        // The same value in an unscanned signature header first cannot hide it in a later header.
        let hidden = factory.githubToken()
        let tree = try server.clone.gitOutput(["rev-parse", "HEAD^{tree}"])
        let head = try server.clone.gitOutput(["rev-parse", "HEAD"])
        let body = "tree \(tree)\nparent \(head)\ngpgsig \(hidden)\nauthor A <a@example.com> 1700000000 +0000\n"
            + "committer A <a@example.com> 1700000000 +0000\nx-note \(hidden)\n\nhidden\n"
        let sneaky = try server.clone.git(["hash-object", "-t", "commit", "-w", "--stdin", "--literally"], input: Data(body.utf8))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try expectRefused(server, ["origin", "\(sneaky):refs/heads/main"], secret: hidden)
        // A signature header is a value like any other: git keeps whatever text is put there
        // (here in its continuation lines, alone in the commit).
        let signed = factory.githubToken()
        let armored = "tree \(tree)\nparent \(head)\nauthor A <a@example.com> 1700000000 +0000\n"
            + "committer A <a@example.com> 1700000000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n note \(signed)\n"
            + " -----END PGP SIGNATURE-----\n\nsigned\n"
        let inSignature = try server.clone.git(["hash-object", "-t", "commit", "-w", "--stdin", "--literally"], input: Data(armored.utf8))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let refusedSigned = try expectRefused(server, ["origin", "\(inSignature):refs/heads/main"], secret: signed)
        #expect(Self.findings(refusedSigned.record).contains { $0["location"] as? String == "header" })
        // An ordinary extra header passes.
        let plain = try Self.rawCommit(server.clone, headers: "x-build-id 12345\n", message: "plain header")
        #expect(try server.push(["origin", "\(plain):refs/heads/main"]).status == 0)
    }

    @Test("a secret in a file or directory name is refused and never shown, even when the file has another finding")
    func pathNames() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var factory = SecretFactory(seed: 1203)
        let token = factory.githubToken()
        try server.clone.write("cfg/token=\(token)", "nothing here\n")
        try server.clone.commit("a file named by a token")
        let file = try expectRefused(server, ["origin", "HEAD:refs/heads/main"], secret: token)
        #expect(file.lines.contains { $0.hasPrefix("error: github-pat:") && $0.contains("(path name)") && $0.contains("cfg/token=ghp_") },
                "\(file.lines)")
        #expect(Self.findings(file.record).contains { $0["location"] as? String == "path" })

        // A directory so named, whose file holds another secret: both found, the path redacted
        // in every line and field.
        try server.clone.git(["reset", "-q", "--hard", "HEAD~1"])
        let dirToken = factory.githubToken()
        let key = factory.awsAccessKey()
        try server.clone.write("deploy/\(dirToken)/settings.env", "AWS_ACCESS_KEY_ID=\(key)\n")
        try server.clone.commit("a directory named by a token")
        let dir = try expectRefused(server, ["origin", "HEAD:refs/heads/main"], secret: dirToken)
        #expect(!dir.lines.joined().contains(key))
        #expect(dir.lines.contains { $0.hasPrefix("error: aws-access-key") || $0.contains("settings.env:1") }, "\(dir.lines)")
        let paths = Self.findings(dir.record).compactMap { $0["path"] as? String }
        #expect(paths.count >= 2 && paths.allSatisfy { $0.hasPrefix("deploy/ghp_…") }, "\(paths)")
    }

    @Test("a ref name carrying a secret is refused, and the audit record's refs hold it redacted")
    func refNames() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        var factory = SecretFactory(seed: 1204)
        let token = factory.githubToken()
        let refused = try expectRefused(server, ["origin", "HEAD:refs/heads/deploy/\(token)"], secret: token)
        #expect(Self.findings(refused.record).contains { $0["location"] as? String == "ref" })
        let refs = (refused.record["refs"] as? [[String: Any]] ?? []).compactMap { $0["ref"] as? String }
        #expect(refs.count == 1 && refs[0].hasPrefix("refs/heads/deploy/ghp_…"), "\(refs)")
        #expect(try server.push(["origin", "HEAD:refs/heads/deploy/production"]).status == 0, "an innocuous name passes")
    }

    @Test("tags: a tagger or message with a secret; a tag or a ref naming a tree or a blob that holds one")
    func tagsTreesAndBlobs() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var factory = SecretFactory(seed: 1205)

        let tagger = factory.githubToken()
        try server.clone.git(["tag", "-a", "v1", "-m", "release"], environment: ["GIT_COMMITTER_NAME": "rel \(tagger)"])
        let byTagger = try expectRefused(server, ["origin", "refs/tags/v1"], secret: tagger)
        #expect(Self.findings(byTagger.record).contains { $0["location"] as? String == "identity" })
        try server.clone.git(["tag", "-d", "v1"])

        // A tree holding a secret, reached only through a lightweight tag, an annotated tag,
        // or a branch-like ref naming it directly.
        let key = factory.awsAccessKey()
        let blob = try server.clone.git(["hash-object", "-w", "--stdin"], input: Data("AWS_ACCESS_KEY_ID=\(key)\n".utf8))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let tree = try server.clone.git(["mktree"], input: Data("100644 blob \(blob)\tsettings.env\n".utf8))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        try server.clone.git(["tag", "tree-light", tree])
        let light = try expectRefused(server, ["origin", "refs/tags/tree-light"], secret: key)
        let found = Self.findings(light.record).first { ($0["rule"] as? String)?.hasPrefix("aws-access-key") == true }
        #expect(found?["ref"] as? String == "refs/tags/tree-light" && found?["path"] as? String == "settings.env", "\(light.record)")
        try server.clone.git(["tag", "-a", "tree-annotated", "-m", "a tree", tree])
        _ = try expectRefused(server, ["origin", "refs/tags/tree-annotated"], secret: key)
        _ = try expectRefused(server, ["origin", "\(tree):refs/trees/t"], secret: key)
        try server.clone.git(["tag", "blob-light", blob])
        let byBlob = try expectRefused(server, ["origin", "refs/tags/blob-light"], secret: key)
        #expect(Self.findings(byBlob.record).contains { $0["ref"] as? String == "refs/tags/blob-light" && $0["location"] == nil && $0["kind"] as? String == "secret" })
        // An innocuous tag of a tree passes.
        let clean = try server.clone.gitOutput(["rev-parse", "HEAD^{tree}"])
        try server.clone.git(["tag", "clean-tree", clean])
        #expect(try server.push(["origin", "refs/tags/clean-tree"]).status == 0)
    }

    @Test("suppressed matches are notes: inline markers and allowlisted paths pass, recorded; log analyze flags them on protected refs")
    func suppressions() throws {
        var policy = TestPolicy.aliceAndBob()
        policy = policy.replacingOccurrences(of: "[breakglass]", with: "[secrets]\nallow_paths = [\"fixtures/\"]\n\n[breakglass]")
        let server = try GateServer(policy: policy)
        var factory = SecretFactory(seed: 1206)
        let token = factory.githubToken()
        try server.clone.write("app.py", "TOKEN = \"\(token)\"  # reviewgate:allow\n")
        try server.clone.commit("an allowed token")
        let inline = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(inline.status == 0, "a suppression does not change the decision: \(inline.err)")
        #expect(!inline.err.contains(token))
        #expect(GateServer.remoteLines(inline).contains { $0.hasPrefix("note: github-pat:") && $0.contains("(suppressed: inline)") })
        let record = try #require(try server.auditRecords().last)
        #expect(Self.findings(record).contains { $0["severity"] as? String == "note" && $0["suppressed"] as? String == "inline" })

        let fixture = factory.githubToken()
        try server.clone.write("fixtures/token.txt", "\(fixture)\n")
        try server.clone.commit("a fixture")
        let allowed = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(allowed.status == 0, "\(allowed.err)")
        let second = try #require(try server.auditRecords().last)
        #expect(Self.findings(second).contains { $0["severity"] as? String == "note" && $0["suppressed"] as? String == "allowlist" })
        #expect(try Self.logBytes(server).range(of: Data(token.utf8)) == nil && Self.logBytes(server).range(of: Data(fixture.utf8)) == nil)

        let analyze = try reviewgate(["log", "analyze", "--dir", server.bare.path + "/reviewgate/audit"])
        #expect(analyze.status == 1)
        #expect(analyze.out.contains("inline-allow") || analyze.err.contains("inline-allow"), "\(analyze.out)\(analyze.err)")
    }

    @Test("a baseline turns a known secret into a note in check's JSON")
    func baselineNote() throws {
        var factory = SecretFactory(seed: 1207)
        let token = factory.githubToken()
        let repo = try ScratchRepository(label: "baseline-note")
        try repo.write("README", "x\n")
        try repo.commit("base")
        try repo.write("app.py", "t = \"\(token)\"\n")
        try repo.commit("token")
        let baseline = repo.url.appendingPathComponent("baseline.txt").path
        #expect(try reviewgate(["check", "HEAD~1..HEAD", "--no-log", "--write-baseline", baseline], in: repo.url).status == 1)
        let result = try reviewgate(["check", "HEAD~1..HEAD", "--no-log", "--baseline", baseline, "--format", "json"], in: repo.url)
        #expect(result.status == 0)
        #expect(!result.out.contains(token))
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = doc["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["severity"] as? String == "note" && $0["suppressed"] as? String == "baseline" }, "\(findings)")
    }

    @Test("a tree with duplicate entries is refused with a clear finding")
    func duplicateEntries() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        let one = try server.clone.git(["hash-object", "-w", "--stdin"], input: Data("one\n".utf8)).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let two = try server.clone.git(["hash-object", "-w", "--stdin"], input: Data("two\n".utf8)).out.trimmingCharacters(in: .whitespacesAndNewlines)
        func entry(_ name: String, _ hex: String) -> Data {
            var d = Data("100644 \(name)\0".utf8)
            var i = hex.startIndex
            while i < hex.endIndex {
                let j = hex.index(i, offsetBy: 2)
                d.append(UInt8(hex[i..<j], radix: 16)!)
                i = j
            }
            return d
        }
        let tree = try server.clone.git(["hash-object", "-t", "tree", "-w", "--stdin", "--literally"], input: entry("a", one) + entry("a", two))
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let head = try server.clone.gitOutput(["rev-parse", "HEAD"])
        let commit = try server.clone.git(["commit-tree", tree, "-p", head, "-m", "duplicates"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try server.push(["origin", "\(commit):refs/heads/main"])
        #expect(result.status != 0)
        let lines = GateServer.remoteLines(result)
        #expect(lines.contains { $0.hasPrefix("error:") && $0.contains("duplicateEntries") }, "\(lines)")
        #expect(lines.last?.hasPrefix("reviewgate: REJECTED") == true)
    }

    @Test("a path of 4,096 bytes is judged cleanly: passes when innocent, refused and redacted when it names a secret")
    func longPath() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        let blob = try server.clone.git(["hash-object", "-w", "--stdin"], input: Data("x\n".utf8)).out.trimmingCharacters(in: .whitespacesAndNewlines)
        func longPath(ending tail: String) -> String {
            let component = String(repeating: "d", count: 200) + "/"
            var path = ""
            while path.utf8.count + component.utf8.count + tail.utf8.count < 4096 { path += component }
            return path + String(repeating: "f", count: 4096 - path.utf8.count - tail.utf8.count) + tail
        }
        let innocent = longPath(ending: ".txt")
        #expect(innocent.utf8.count == 4096)
        try server.clone.git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(innocent)"])
        try server.clone.git(["commit", "-q", "-m", "long path"])
        let ok = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(ok.status == 0, "\(ok.err)")

        var factory = SecretFactory(seed: 1208)
        let token = factory.githubToken()
        let secretPath = longPath(ending: "/token=\(token)")
        try server.clone.git(["update-index", "--add", "--cacheinfo", "100644,\(blob),\(secretPath)"])
        try server.clone.git(["commit", "-q", "-m", "long secret path"])
        _ = try expectRefused(server, ["origin", "HEAD:refs/heads/main"], secret: token)
    }

    @Test("differential: check and audit find what the hook finds on the same history")
    func differential() throws {
        let server = try GateServer()
        try server.clone.write("README", "hello\n")
        try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var factory = SecretFactory(seed: 1209)
        let secrets = (0..<4).map { _ in factory.githubToken() } + [factory.awsAccessKey()]
        try server.clone.write("cfg/token=\(secrets[0])", "x\n")
        try server.clone.write("app.py", "k = \"\(secrets[4])\"\n")
        try server.clone.write("ok.py", "t = \"\(secrets[3])\"  # reviewgate:allow\n")
        try server.clone.commit("paths and content", environment: ["GIT_AUTHOR_NAME": "dev \(secrets[1])"])
        let tip = try Self.rawCommit(server.clone, headers: "x-token \(secrets[2])\n", message: "header")
        try server.clone.git(["update-ref", "refs/heads/main", tip])
        try server.clone.git(["reset", "-q", "--hard", tip])
        let pushed = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(pushed.status != 0)
        // What the hook found, per rule, fingerprint, location and severity.
        func key(_ f: [String: Any]) -> String {
            "\(f["rule"] ?? "") \(f["fingerprint"] ?? "") \(f["location"] as? String ?? "content/message") \(f["severity"] ?? "")"
        }
        let hook = Set(Self.findings(try #require(try server.auditRecords().last)).filter { $0["kind"] as? String == "secret" }.map(key))
        #expect(hook.count == 5, "\(hook)")

        let check = try reviewgate(["check", "origin/main..HEAD", "--format", "json", "--no-log"], in: server.clone.url)
        let checkDoc = try #require(try JSONSerialization.jsonObject(with: check.stdout) as? [String: Any])
        let checkFindings = (checkDoc["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "secret" }
        func docKey(_ f: [String: Any]) -> String {
            let location = f["location"] as? String ?? "content"
            return "\(f["rule"] ?? "") \(f["fingerprint"] ?? "") \(["content", "message"].contains(location) ? "content/message" : location) \(f["severity"] ?? "")"
        }
        #expect(Set(checkFindings.map(docKey)) == hook)

        // audit over the clone (its refs as the server would hold them after the push).
        let audit = try reviewgate(["audit", "--repo", server.clone.path, "--format", "json"])
        let auditDoc = try #require(try JSONSerialization.jsonObject(with: audit.stdout) as? [String: Any])
        let auditFindings = (auditDoc["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "secret" }
        #expect(Set(auditFindings.map(docKey)) == hook, "\(auditFindings)")
        for secret in secrets {
            #expect(!check.out.contains(secret) && !audit.out.contains(secret) && !audit.err.contains(secret))
        }
    }
}
