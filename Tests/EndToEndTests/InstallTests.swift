import Foundation
import ReviewGateTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `install` run by root on a repository that the server's account owns, `install --check`,
/// and what the hook does when that account cannot read the policy or write the log. The
/// server's account here is `nobody` (uid 65534); pushes run as it through `setpriv`, so the
/// hook runs as it, as it would under sshd or fcgiwrap. Needs root, as CI and these machines run.
@Suite("install for a server account", .serialized)
struct InstallTests {
    static let uid: uid_t = 65534

    /// A bare repository and a clone, both owned by `nobody`, with the binary copied where
    /// that account can run it.
    final class Site {
        let root: URL
        let bare: String
        let clone: String
        let binary: String

        init() throws {
            try #require(geteuid() == 0, "these tests act for another account and need root")
            root = try Scratch.directory("install-site")
            chmod(root.path, 0o755)
            binary = root.appendingPathComponent("reviewgate").path
            try FileManager.default.copyItem(atPath: Scratch.binary, toPath: binary)
            bare = root.appendingPathComponent("app.git").path
            clone = root.appendingPathComponent("work").path
            _ = try run(["git", "init", "-q", "--bare", "-b", "main", bare])
            _ = try run(["git", "init", "-q", "-b", "main", clone])
            _ = try run(["chown", "-R", "\(InstallTests.uid):\(InstallTests.uid)", bare, clone])
        }

        deinit { try? FileManager.default.removeItem(at: root) }

        /// Runs a command as `nobody`.
        func asServer(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
            try run(["setpriv", "--reuid=\(InstallTests.uid)", "--regid=\(InstallTests.uid)", "--clear-groups", "--"] + arguments,
                    in: directory.map { URL(fileURLWithPath: $0) },
                    environment: ["HOME": root.path, "REVIEWGATE_USER": ""].merging(environment) { _, new in new })
        }

        func commitAndPush(_ file: String, _ text: String) throws -> CommandResult {
            try Data(text.utf8).write(to: URL(fileURLWithPath: clone + "/" + file))
            _ = try run(["chown", "\(InstallTests.uid):\(InstallTests.uid)", clone + "/" + file])
            for step in [["git", "add", "-A"], ["git", "commit", "-q", "-m", "change \(file)"]] {
                let result = try asServer(step, in: clone)
                try #require(result.status == 0, "\(result.err)")
            }
            return try asServer(["git", "push", "--porcelain", bare, "HEAD:refs/heads/main"], in: clone)
        }

        func owner(_ path: String) throws -> uid_t {
            var info = stat()
            try #require(lstat(path, &info) == 0, "\(path) is missing")
            return info.st_uid
        }
    }

    @Test("root installs for the owner: everything it creates is the owner's, with the safe modes, and it says so")
    func rootInstallsForTheOwner() throws {
        let site = try Site()
        let installed = try run([site.binary, "install", "--repo", site.bare])
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.err.contains("the hook runs as nobody (uid 65534)"))
        for path in ["/hooks/pre-receive", "/reviewgate", "/reviewgate/audit", "/reviewgate/policy.toml", "/config"] {
            #expect(try site.owner(site.bare + path) == InstallTests.uid, "\(path)")
        }
        let modes = try [("/reviewgate/audit", 0o750), ("/reviewgate/policy.toml", 0o640), ("/hooks/pre-receive", 0o755)].map {
            ((try FileManager.default.attributesOfItem(atPath: site.bare + $0.0)[.posixPermissions] as? Int), $0.1)
        }
        for (mode, expected) in modes { #expect(mode == expected) }

        let check = try run([site.binary, "install", "--check", "--repo", site.bare])
        #expect(check.status == 0, "\(check.err)")
        #expect(check.err.contains("the gate will run for pushes to"))

        // Pushes as the server's account are judged and recorded in a log it can extend.
        let pushed = try site.commitAndPush("README", "hello\n")
        #expect(pushed.status == 0, "\(pushed.err)")
        var secrets = SecretFactory(seed: 61)
        let token = secrets.githubToken()
        let refused = try site.commitAndPush("app.py", "TOKEN = \"\(token)\"\n")
        #expect(refused.status != 0)
        #expect(!refused.err.contains(token))
        #expect(GateServer.remoteLines(refused).last?.hasPrefix("reviewgate: REJECTED: 1 problem") == true)

        // Installing again as root (after an upgrade) keeps everything the owner's.
        let again = try run([site.binary, "install", "--repo", site.bare])
        #expect(again.status == 0, "\(again.err)")
        for name in try FileManager.default.contentsOfDirectory(atPath: site.bare + "/reviewgate/audit") {
            #expect(try site.owner(site.bare + "/reviewgate/audit/" + name) == InstallTests.uid, "\(name)")
        }
        #expect(try site.asServer([site.binary, "log", "verify", "--dir", site.bare + "/reviewgate/audit"]).status == 0)

        // The scanner's databases are compiled as the owner, into the owner's cache (here a
        // directory it owns, named by REVIEWGATE_CACHE_DIR), and the owner's pushes load them.
        let cache = site.root.appendingPathComponent("owner-cache").path
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: false)
        chmod(cache, 0o700)
        _ = try run(["chown", "\(InstallTests.uid):\(InstallTests.uid)", cache])
        let kept = try run([site.binary, "install", "--repo", site.bare], environment: ["REVIEWGATE_CACHE_DIR": cache])
        #expect(kept.status == 0 && kept.err.contains("compiled the scanner's databases"), "\(kept.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasPrefix("hs-") }.sorted()
        #expect(files.count == 3, "\(files)")
        for name in files { #expect(try site.owner(cache + "/" + name) == InstallTests.uid, "\(name)") }
        func inodes() -> [UInt] {
            files.map { name in
                var info = stat()
                return lstat(cache + "/" + name, &info) == 0 ? UInt(info.st_ino) : 0
            }
        }
        let before = inodes()
        // The refused commit dropped; then a push past the size at which the scanner searches with Hyperscan (1 MiB).
        #expect(try site.asServer(["git", "reset", "-q", "--hard", "HEAD~1"], in: site.clone).status == 0)
        try Data(String(repeating: "an ordinary line of text\n", count: 60_000).utf8).write(to: URL(fileURLWithPath: site.clone + "/more.txt"))
        _ = try run(["chown", "\(InstallTests.uid):\(InstallTests.uid)", site.clone + "/more.txt"])
        for step in [["git", "add", "-A"], ["git", "commit", "-q", "-m", "more"]] {
            #expect(try site.asServer(step, in: site.clone).status == 0)
        }
        let loaded = try site.asServer(["git", "push", "--porcelain", site.bare, "HEAD:refs/heads/main"], in: site.clone,
                                       environment: ["REVIEWGATE_CACHE_DIR": cache])
        #expect(loaded.status == 0, "\(loaded.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasPrefix("hs-") }.sorted() == files)
        #expect(inodes() == before, "the push loaded the kept databases, rewriting none")
    }

    @Test("a policy or log the hook's account cannot reach refuses the push with the path and the account, and no verdict before it")
    func unreachableStateRefuses() throws {
        let site = try Site()
        #expect(try run([site.binary, "install", "--repo", site.bare]).status == 0)
        #expect(try site.commitAndPush("a", "1\n").status == 0)

        chmod(site.bare + "/reviewgate", 0o000)
        let noPolicy = try site.commitAndPush("b", "2\n")
        #expect(noPolicy.status != 0)
        let lines = GateServer.remoteLines(noPolicy)
        #expect(lines.first?.contains("REJECTED: cannot read the policy \(site.bare)/reviewgate/policy.toml as nobody (uid 65534): Permission denied") == true,
                "\(lines)")
        #expect(!lines.contains { $0.contains("accepted") })
        let check = try run([site.binary, "install", "--check", "--repo", site.bare])
        #expect(check.status == 1)
        #expect(check.err.contains("problem: nobody cannot read the policy"))
        chmod(site.bare + "/reviewgate", 0o750)

        chmod(site.bare + "/reviewgate/audit", 0o550)
        let noLog = try site.commitAndPush("c", "3\n")
        #expect(noLog.status != 0)
        let logLines = GateServer.remoteLines(noLog)
        #expect(logLines.first?.contains("REJECTED: cannot append to the audit log \(site.bare)/reviewgate/audit as nobody (uid 65534)") == true,
                "\(logLines)")
        #expect(!logLines.contains { $0.contains("accepted") })
        #expect(try run([site.binary, "install", "--check", "--repo", site.bare]).err.contains("nobody cannot write to the audit log directory"))
        chmod(site.bare + "/reviewgate/audit", 0o750)
        #expect(try site.commitAndPush("d", "4\n").status == 0)
    }

    @Test("install --check finds a replaced hook, a missing binary, push options off and core.hooksPath")
    func checkFindsWhatIsWrong() throws {
        let site = try Site()
        #expect(try run([site.binary, "install", "--repo", site.bare]).status == 0)
        #expect(try run([site.binary, "install", "--check", "--repo", site.bare]).status == 0)
        let hook = site.bare + "/hooks/pre-receive"
        let original = try Data(contentsOf: URL(fileURLWithPath: hook))
        try Data("#!/bin/sh\nexit 0\n".utf8).write(to: URL(fileURLWithPath: hook))
        let replaced = try run([site.binary, "install", "--check", "--repo", site.bare])
        #expect(replaced.status == 1)
        #expect(replaced.err.contains("is not ReviewGate's and runs no ReviewGate hook"))
        try original.write(to: URL(fileURLWithPath: hook))

        let moved = site.binary + ".moved"
        #expect(rename(site.binary, moved) == 0)
        let missing = try run([moved, "install", "--check", "--repo", site.bare])
        #expect(missing.status == 1 && missing.err.contains("is missing or not executable by nobody"))
        #expect(rename(moved, site.binary) == 0)

        _ = try site.asServer(["git", "--git-dir", site.bare, "config", "receive.advertisePushOptions", "false"])
        _ = try site.asServer(["git", "--git-dir", site.bare, "config", "core.hooksPath", "/nonexistent"])
        let off = try run([site.binary, "install", "--check", "--repo", site.bare])
        #expect(off.status == 1)
        #expect(off.err.contains("receive.advertisePushOptions is not true"))
        #expect(off.err.contains("core.hooksPath is set"))
        // And install itself refuses while core.hooksPath points elsewhere, writing nothing.
        let refused = try run([site.binary, "install", "--repo", site.bare])
        #expect(refused.status == 2 && refused.err.contains("core.hooksPath is set"))
        #expect(try site.asServer(["git", "--git-dir", site.bare, "config", "receive.advertisePushOptions"]).out == "false\n")
    }

    @Test("identity comes from the variable each server sets, and the record names it")
    func identitySources() throws {
        let server = try GateServer(policy: """
            version = 1
            [[people]]
            id = "alice"
            emails = ["alice@example.com"]
            logins = ["alice"]
            """)
        try server.clone.write("a", "1\n")
        let cases: [(String, String)] = [("GL_USERNAME", "alice"), ("GL_USER", "alice"), ("GL_ID", "user-7"),
                                         ("GITEA_PUSHER_NAME", "alice"), ("GITHUB_USER_LOGIN", "alice"), ("REMOTE_USER", "alice")]
        let cleared = ["REVIEWGATE_USER", "GL_USERNAME", "GL_USER", "GL_ID", "GITEA_PUSHER_NAME", "FORGEJO_PUSHER_NAME",
                       "GITHUB_USER_LOGIN", "REMOTE_USER"].reduce(into: [String: String]()) { $0[$1] = "" }
        for (n, (variable, name)) in cases.enumerated() {
            try server.clone.write("a", "\(n)\n")
            try server.clone.commit("change \(n)")
            let pushed = try server.push(["origin", "HEAD:refs/heads/b\(n)"], environment: cleared.merging([variable: name]) { _, new in new })
            #expect(pushed.status == 0, "\(pushed.err)")
        }
        let records = try server.auditRecords()
        #expect(records.count == cases.count)
        for (record, (variable, name)) in zip(records, cases) {
            let actor = record["actor"] as? [String: Any]
            #expect(actor?["source"] as? String == variable)
            #expect(actor?["name"] as? String == name)
            #expect((actor?["person"] as? String) == (name == "alice" ? "alice" : nil), "\(variable)")
        }
    }

    @Test("a forge's pre-receive.d gets the hook; the forge's own pre-receive is left as it is and keeps running it")
    func preReceiveDirectory() throws {
        let server = try ScratchRepository(bare: true, label: "forge")
        let driver = "#!/bin/sh\n# Forge-style hook: every script of pre-receive.d, in order, with the push on stdin.\n"
            + "data=$(cat)\nfor hook in \"$(dirname \"$0\")/pre-receive.d\"/*; do\n  [ -x \"$hook\" ] || continue\n"
            + "  printf '%s\\n' \"$data\" | \"$hook\" || exit 1\ndone\n"
        let hook = server.path + "/hooks/pre-receive"
        try Data(driver.utf8).write(to: URL(fileURLWithPath: hook))
        chmod(hook, 0o755)
        try FileManager.default.createDirectory(atPath: server.path + "/hooks/pre-receive.d", withIntermediateDirectories: true)
        let installed = try reviewgate(["install", "--repo", server.path])
        #expect(installed.status == 0, "\(installed.err)")
        #expect(installed.err.contains("runs every script of that directory"))
        #expect(try String(contentsOfFile: hook, encoding: .utf8) == driver)
        #expect(try String(contentsOfFile: server.path + "/hooks/pre-receive.d/reviewgate", encoding: .utf8).contains("hook pre-receive"))
        #expect(try String(contentsOfFile: server.path + "/hooks/post-receive.d/reviewgate", encoding: .utf8).contains("hook post-receive"))
        #expect(try reviewgate(["install", "--check", "--repo", server.path]).status == 0)

        let clone = try ScratchRepository(label: "forge-client")
        var secrets = SecretFactory(seed: 62)
        try clone.write("deploy.env", "GITHUB_TOKEN=\(secrets.githubToken())\n")
        try clone.commit("deploy")
        let refused = try run(["git", "push", server.path, "HEAD:refs/heads/main"], in: clone.url)
        #expect(refused.status != 0)
        #expect(GateServer.remoteLines(refused).contains { $0.hasPrefix("error: github-pat") })
    }
}
