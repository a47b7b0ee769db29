import Foundation
import ReviewGateTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What really landed (SPEC §1.5): `landed` records from the installed post-receive hook, the
/// `install` record's baseline, and `audit` reconciling the server's refs and hooks with them.
@Suite("landed records and reconciliation")
struct LandedTests {
    /// An `update` hook that denies one ref, as gitolite's does for a ref a user may not write.
    static func denyInUpdateHook(_ server: GateServer, ref: String) throws {
        let hook = server.bare.path + "/hooks/update"
        try Data("#!/bin/sh\nif [ \"$1\" = \"\(ref)\" ]; then echo \"FATAL: W $1 DENIED\" >&2; exit 1; fi\nexit 0\n".utf8)
            .write(to: URL(fileURLWithPath: hook))
        chmod(hook, 0o755)
    }

    static func findings(_ result: CommandResult) throws -> [[String: Any]] {
        let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return (document?["findings"] as? [[String: Any]]) ?? []
    }

    static func errors(_ result: CommandResult) throws -> [String] {
        try findings(result).filter { $0["severity"] as? String == "error" }.map { "\($0["kind"] as? String ?? "?")/\($0["rule"] as? String ?? "?")" }
    }

    @Test("a push a later update hook refuses has no landed record, accepted ones do; log show and log analyze say which never landed")
    func updateHookDenial() throws {
        let server = try GateServer()
        try Self.denyInUpdateHook(server, ref: "refs/heads/locked")
        try server.clone.write("a", "1\n")
        let first = try server.clone.commit("one")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        // The gate accepts, the update hook refuses: the pusher sees both, the ref never moves.
        let denied = try server.push(["origin", "HEAD:refs/heads/locked"])
        #expect(denied.status != 0)
        #expect(denied.err.contains("DENIED"))
        #expect(server.ref("refs/heads/locked") == nil)
        // Two refs in one push: one lands, one is refused by the update hook.
        try server.clone.write("a", "2\n")
        let second = try server.clone.commit("two")
        let partly = try server.push(["origin", "HEAD:refs/heads/main", "HEAD:refs/heads/locked"])
        #expect(partly.status != 0)
        #expect(server.ref("refs/heads/main") == second && server.ref("refs/heads/locked") == nil)

        let pushes = try server.auditRecords()
        #expect(pushes.map { $0["decision"] as? String } == ["accept", "accept", "accept"])
        let seqs = pushes.compactMap { $0["seq"] as? Int }
        let landed = try server.auditRecords(kind: "landed")
        #expect(landed.map { $0["push_seq"] as? Int } == [seqs[0], seqs[2]], "the denied push has no landed record")
        #expect(landed.map(GateServer.updates) == [["refs/heads/main - \(first)"], ["refs/heads/main \(first) \(second)"]])
        #expect(try server.auditRecords(kind: "install").count == 1)

        let dir = server.bare.path + "/reviewgate/audit"
        let show = try run([Scratch.binary, "log", "show", "--dir", dir])
        let lines = show.out.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(seqs[0]) ") && $0.contains(" push accept ") && $0.hasSuffix(", landed, 0 findings") }, "\(show.out)")
        #expect(lines.contains { $0.hasPrefix("\(seqs[1]) ") && $0.contains(", NOT LANDED, ") }, "\(show.out)")
        #expect(lines.contains { $0.hasPrefix("\(seqs[2]) ") && $0.contains(", PARTLY LANDED (1 of 2 refs), ") }, "\(show.out)")
        let onlyLanded = try run([Scratch.binary, "log", "show", "--dir", dir, "--kind", "landed"])
        #expect(onlyLanded.out.split(separator: "\n").count == 2 && onlyLanded.out.contains("confirms push seq \(seqs[2])"), "\(onlyLanded.out)")

        let analyze = try run([Scratch.binary, "log", "analyze", "--dir", dir])
        #expect(analyze.status == 1)
        #expect(analyze.out.contains("red flag: not-landed: push seq \(seqs[1]) was accepted but it never landed (refs/heads/locked)"), "\(analyze.out)")
        #expect(analyze.out.contains("red flag: not-landed: push seq \(seqs[2]) was accepted but 1 of its 2 ref updates never landed (refs/heads/locked)"), "\(analyze.out)")
        #expect(!analyze.out.contains("not-landed: push seq \(seqs[0]) "))
        // Nothing moved outside the gate: the audit has no error.
        let audit = try server.audit()
        #expect(audit.status == 0, "\(audit.out)\(audit.err)")
        #expect(try server.logVerifies())
    }

    @Test("an untouched server audits clean after several pushes; update-ref on a protected ref, a replaced hook, a removed post-receive and core.hooksPath each fail the audit, in every format")
    func reconciliation() throws {
        let server = try GateServer()
        try server.clone.write("a", "1\n")
        let one = try server.clone.commit("one")
        #expect(try server.push(["origin", "HEAD:refs/heads/main", "HEAD:refs/heads/feature"]).status == 0)
        try server.clone.write("a", "2\n")
        let two = try server.clone.commit("two")
        try server.clone.git(["tag", "v1"])
        #expect(try server.push(["origin", "HEAD:refs/heads/main", "refs/tags/v1"]).status == 0)
        #expect(try server.push(["origin", ":refs/heads/feature"]).status == 0)
        #expect(try server.push(["--force", "origin", "\(one):refs/heads/topic"]).status == 0)
        let clean = try server.audit()
        #expect(clean.status == 0, "\(clean.out)\(clean.err)")
        #expect(try Self.findings(clean).filter { $0["rule"] as? String == "outside-gate" }.isEmpty)

        // An administrator moves main back on disk: the log expects `two`.
        try server.bare.git(["update-ref", "refs/heads/main", one])
        let moved = try server.audit()
        #expect(moved.status == 1)
        let outside = try Self.findings(moved).filter { $0["rule"] as? String == "outside-gate" }
        #expect(outside.count == 1)
        #expect(outside.first?["kind"] as? String == "ref" && outside.first?["severity"] as? String == "error")
        #expect(outside.first?["ref"] as? String == "refs/heads/main")
        #expect(outside.first?["expected"] as? String == two && outside.first?["found"] as? String == one)
        for format in ["text", "sarif", "html"] {
            // Text is for people (stderr); the other formats go to stdout.
            let report = try server.audit(format: format)
            let text = format == "text" ? report.err : report.out
            #expect(report.status == 1 && text.contains("outside-gate") && text.contains("log show --kind landed"), "\(format)")
        }
        // A branch made outside the gate is reported too, as a warning (it is not protected).
        try server.bare.git(["update-ref", "refs/heads/side", one])
        #expect(try Self.findings(try server.audit()).contains {
            $0["rule"] as? String == "outside-gate" && $0["ref"] as? String == "refs/heads/side" && $0["severity"] as? String == "warning"
        })
        // Re-running install takes the current tips as the new baseline.
        #expect(try run([Scratch.binary, "install", "--repo", server.bare.path]).status == 0)
        let rebased = try server.audit()
        #expect(rebased.status == 0, "\(rebased.out)")
        #expect(try Self.findings(rebased).filter { $0["rule"] as? String == "outside-gate" }.isEmpty)

        // The gate switched off by replacing its hook.
        let hook = server.bare.path + "/hooks/pre-receive"
        let original = try Data(contentsOf: URL(fileURLWithPath: hook))
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: hook))
        let replaced = try server.audit()
        #expect(replaced.status == 1)
        #expect(try Self.errors(replaced) == ["server/hook-modified"])
        #expect(try server.audit(format: "text").err.contains("re-run `reviewgate install"))
        try original.write(to: URL(fileURLWithPath: hook))
        #expect(try server.audit().status == 0)

        // The post-receive hook removed: nothing would record what lands.
        let post = server.bare.path + "/hooks/post-receive"
        let postOriginal = try Data(contentsOf: URL(fileURLWithPath: post))
        try FileManager.default.removeItem(atPath: post)
        let missing = try server.audit()
        #expect(missing.status == 1)
        #expect(try Self.errors(missing) == ["server/hook-missing"])
        try postOriginal.write(to: URL(fileURLWithPath: post))
        chmod(post, 0o755)

        // core.hooksPath sends git elsewhere.
        let elsewhere = try Scratch.directory("hooks-elsewhere")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        try server.bare.git(["config", "core.hooksPath", elsewhere.path])
        let redirected = try server.audit()
        #expect(redirected.status == 1)
        #expect(try Self.errors(redirected) == ["server/hooks-path"])
        // Pointing at the repository's own hooks is no redirection.
        try server.bare.git(["config", "core.hooksPath", "hooks"])
        #expect(try server.audit().status == 0)
        try server.bare.git(["config", "--unset", "core.hooksPath"])
        #expect(try server.audit().status == 0)
    }

    @Test("install: a post-receive beside pre-receive chaining the one that was there, idempotent, and an install record with the hooks' hashes and every ref's tip")
    func installRecord() throws {
        let bare = try ScratchRepository(bare: true, label: "landed-install")
        let clone = try ScratchRepository(label: "landed-client")
        try clone.write("a", "1\n")
        let tip = try clone.commit("before the gate")
        try clone.git(["push", "-q", bare.path, "HEAD:refs/heads/main", "HEAD:refs/tags/v0"])
        // A post-receive that was there before (a mail notifier): it keeps running, with the input.
        let seen = bare.path + "/notified"
        let theirs = "#!/bin/sh\ncat > '\(seen)'\n"
        try Data(theirs.utf8).write(to: URL(fileURLWithPath: bare.path + "/hooks/post-receive"))
        chmod(bare.path + "/hooks/post-receive", 0o755)

        let installed = try run([Scratch.binary, "install", "--repo", bare.path])
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.err.contains("kept the existing post-receive hook as \(bare.path)/hooks/post-receive.chained"))
        #expect(try String(contentsOfFile: bare.path + "/hooks/post-receive.chained", encoding: .utf8) == theirs)
        #expect(try String(contentsOfFile: bare.path + "/hooks/post-receive", encoding: .utf8).contains("hook post-receive"))
        let again = try run([Scratch.binary, "install", "--repo", bare.path])
        #expect(again.status == 0 && again.err.contains("the post-receive hook \(bare.path)/hooks/post-receive is already installed"), "\(again.err)")
        #expect(try String(contentsOfFile: bare.path + "/hooks/post-receive.chained", encoding: .utf8) == theirs)

        let show = try run([Scratch.binary, "log", "show", "--dir", bare.path + "/reviewgate/audit", "--format", "json", "--kind", "install"])
        let records = show.out.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == 2)
        let record = try #require(records.first)
        #expect(GateServer.updates(record) == ["refs/heads/main - \(tip)", "refs/tags/v0 - \(tip)"])
        #expect((record["tool"] as? String)?.hasPrefix("reviewgate ") == true)
        let hooks = (record["hooks"] as? [[String: String]]) ?? []
        #expect(hooks.map { $0["hook"] } == ["pre-receive", "post-receive"])
        for hook in hooks {
            let data = try Data(contentsOf: URL(fileURLWithPath: hook["path"] ?? "/nonexistent"))
            let hash = try run(["sha256sum"], input: data).out.prefix(64)
            #expect(hook["sha256"] == String(hash), "\(hook)")
        }

        // A push lands, is recorded, and the chained hook still gets the updates.
        try clone.write("a", "2\n")
        let next = try clone.commit("through the gate")
        #expect(try run(["git", "push", "-q", bare.path, "HEAD:refs/heads/main"], in: clone.url).status == 0)
        #expect(try String(contentsOfFile: seen, encoding: .utf8) == "\(tip) \(next) refs/heads/main\n")
        let audit = try run([Scratch.binary, "audit", "--repo", bare.path])
        #expect(audit.status == 0, "\(audit.out)\(audit.err)")

        // install --check notices a post-receive hook that is gone.
        #expect(try run([Scratch.binary, "install", "--check", "--repo", bare.path]).status == 0)
        try FileManager.default.removeItem(atPath: bare.path + "/hooks/post-receive")
        let check = try run([Scratch.binary, "install", "--check", "--repo", bare.path])
        #expect(check.status == 1 && check.err.contains("post-receive is not ReviewGate's post-receive hook"), "\(check.err)")
    }

    @Test("a push whose record cannot be written after it was judged reads one verdict: refused, never accepted first; nothing lands")
    func oneVerdictWhenTheRecordFails() throws {
        // The log directory is writable (the early check passes), but the checkpoint key the
        // policy names cannot be read, so the append after judging fails.
        let server = try GateServer()
        try Data("version = 1\n[audit]\ncheckpoint_key = \"/nonexistent/reviewgate-key\"\n".utf8)
            .write(to: URL(fileURLWithPath: server.bare.path + "/reviewgate/policy.toml"))
        try server.clone.write("a", "1\n")
        try server.clone.commit("one")
        let result = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(result.status != 0)
        let lines = GateServer.remoteLines(result)
        #expect(lines.first?.hasPrefix("reviewgate: REJECTED: cannot append to the audit log") == true, "\(lines)")
        #expect(!lines.contains { $0.localizedCaseInsensitiveContains("accepted") }, "\(lines)")
        #expect(server.ref("refs/heads/main") == nil)
        #expect(try server.auditRecords(kind: "landed").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: server.bare.path + "/reviewgate/audit/pending/1"))
    }

    @Test("post-receive processes killed with SIGKILL lose no landed record they acknowledged, and the chain verifies")
    func killedPostReceive() throws {
        let server = try GateServer()
        try server.clone.write("a", "1\n")
        let tip = try server.clone.commit("one")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        var rng = SystemRandomNumberGenerator()
        var acknowledged: [String] = []
        for round in 0..<4 {
            var processes: [(Process, String)] = []
            for k in 0..<8 {
                let ref = "refs/heads/r\(round)k\(k)"
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Scratch.binary)
                process.arguments = ["hook", "post-receive"]
                process.environment = ["GIT_DIR": server.bare.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
                let input = Pipe()
                process.standardInput = input
                process.standardError = FileHandle.nullDevice
                try process.run()
                input.fileHandleForWriting.write(Data("\(String(repeating: "0", count: 40)) \(tip) \(ref)\n".utf8))
                try input.fileHandleForWriting.close()
                processes.append((process, ref))
            }
            // Kill half of them at random moments, from at once to well into their run.
            for (index, (process, _)) in processes.enumerated() where index % 2 == 1 {
                usleep(UInt32.random(in: 0..<40_000, using: &rng))
                kill(process.processIdentifier, SIGKILL)
            }
            for (process, ref) in processes {
                process.waitUntilExit()
                if process.terminationReason == .exit && process.terminationStatus == 0 { acknowledged.append(ref) }
            }
        }
        // The next append recovers a torn tail, if a kill left one; then everything verifies.
        let after = Process()
        after.executableURL = URL(fileURLWithPath: Scratch.binary)
        after.arguments = ["hook", "post-receive"]
        after.environment = ["GIT_DIR": server.bare.path]
        let input = Pipe()
        after.standardInput = input
        try after.run()
        input.fileHandleForWriting.write(Data("\(String(repeating: "0", count: 40)) \(tip) refs/heads/after\n".utf8))
        try input.fileHandleForWriting.close()
        after.waitUntilExit()
        #expect(after.terminationStatus == 0)
        #expect(try server.logVerifies())
        let landed = try server.auditRecords(kind: "landed").flatMap(GateServer.updates).map { $0.split(separator: " ")[0] }
        #expect(acknowledged.count >= 16, "the unkilled half at least")
        for ref in acknowledged + ["refs/heads/after"] {
            #expect(landed.filter { $0 == ref }.count == 1, "\(ref) acknowledged but not recorded once")
        }
    }

    @Test("a ref name that a policy's own rule only warns about is redacted the same in the push record, the pending ticket and the landed record")
    func refNameRedactedInTicket() throws {
        let rules = FileManager.default.temporaryDirectory.appendingPathComponent("internal-\(UUID().uuidString).toml")
        defer { try? FileManager.default.removeItem(at: rules) }
        try Data("""
            [[rules]]
            id = 'internal-deploy-key'
            description = 'a key of our own kind'
            confidence = 'low'
            regex = '''corpkey[a-z0-9]{20}'''
            keywords = ['corpkey']
            examples.true = ['corpkey' + 'ab12cd34ef56gh78ij90']
            examples.false = ['corpkey']

            """.replacingOccurrences(of: "' + '", with: "").utf8).write(to: rules)
        let server = try GateServer(policy: "version = 1\n[secrets]\nrules = [\"builtin\", \"\(rules.path)\"]\n")
        // The update hook runs between pre-receive and post-receive: it keeps a copy of the ticket.
        let hook = server.bare.path + "/hooks/update"
        try Data("#!/bin/sh\ncat reviewgate/audit/pending/* > ticket-copy 2>/dev/null\nexit 0\n".utf8).write(to: URL(fileURLWithPath: hook))
        chmod(hook, 0o755)
        var factory = SecretFactory(seed: 0x5eed_7e7)
        let secret = "corpkey" + factory.random(20, from: "abcdefghijklmnopqrstuvwxyz0123456789")
        try server.clone.write("a", "1\n")
        _ = try server.clone.commit("one")
        let pushed = try server.push(["origin", "HEAD:refs/heads/topic-\(secret)"])
        #expect(pushed.status == 0, "\(pushed.err)")
        #expect(!pushed.err.contains(secret))
        let ticket = try String(contentsOfFile: server.bare.path + "/ticket-copy", encoding: .utf8)
        #expect(ticket.split(separator: "\n").count == 2, "\(ticket)")
        #expect(!ticket.contains(secret) && !ticket.contains("corpkey"), "the ticket holds the ref name as pushed")
        let push = try server.auditRecords().first
        let landed = try server.auditRecords(kind: "landed").first
        let shown = push.map(GateServer.updates) ?? []
        #expect(shown.count == 1 && !shown[0].contains(secret))
        #expect(landed.map(GateServer.updates) == shown, "the landed record shows the ref as the push record does")
        #expect(landed?["push_seq"] as? Int == push?["seq"] as? Int)
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.bare.path + "/reviewgate/audit/pending").isEmpty)
        for name in try FileManager.default.subpathsOfDirectory(atPath: server.bare.path + "/reviewgate/audit") {
            let bytes = FileManager.default.contents(atPath: server.bare.path + "/reviewgate/audit/" + name) ?? Data()
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(name) holds the secret")
        }
        #expect(try server.logVerifies())
    }
}
