// gitolite3 behind a real sshd on 127.0.0.1: a throw-away account runs `gitolite setup`,
// alice and bob get their own keys through the gitolite-admin repository pushed over ssh, and
// the pusher reaches the hook as GL_USER.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import ReviewGateTestSupport
import Testing

final class GitoliteServer: PushTarget, @unchecked Sendable {
    let owner: Account
    let binary: ServerBinary
    let source = "GL_USER"
    let port: Int
    let sshd: ServerProcess
    private let keys: [String: SSHKey]
    private let admin: ScratchRepository

    var repository: String { owner.home.path + "/repositories/app.git" }
    /// gitolite's LOCAL_CODE, when repo-specific hooks are enabled.
    var localCode: String { owner.home.path + "/local" }

    init(repoSpecificHooks: Bool, teardown: Teardown) throws {
        binary = try ServerBinary(teardown: teardown)
        owner = try Account(newWithPrefix: "rggl", teardown: teardown)
        var keys: [String: SSHKey] = [:]
        for user in ["admin", "alice", "bob"] { keys[user] = try SSHKey() }
        self.keys = keys

        // gitolite, set up by its own account with the admin's key.
        let adminKey = owner.home.path + "/admin.pub"
        try owner.write(adminKey, keys["admin"]!.publicKey)
        try owner.must(["gitolite", "setup", "-pk", adminKey])
        if repoSpecificHooks { try Self.enableRepoSpecificHooks(owner) }

        // sshd as root with its own host key and configuration, only on 127.0.0.1.
        let dir = try Scratch.directory("rg-sshd")
        teardown.add { try? FileManager.default.removeItem(at: dir) }
        try must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", dir.path + "/host_key"])
        port = try Net.freePort()
        let config = """
        Port \(port)
        ListenAddress 127.0.0.1
        AddressFamily inet
        HostKey \(dir.path)/host_key
        PidFile \(dir.path)/sshd.pid
        AuthorizedKeysFile \(owner.home.path)/.ssh/authorized_keys
        AllowUsers \(owner.name)
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin no
        PermitUserEnvironment no
        AllowTcpForwarding no
        X11Forwarding no
        LogLevel VERBOSE

        """
        try Data(config.utf8).write(to: dir.appendingPathComponent("sshd_config"))
        // sshd's privilege separation directory (the service unit makes it at boot).
        if !FileManager.default.fileExists(atPath: "/run/sshd") { mkdir("/run/sshd", 0o755) }
        sshd = try ServerProcess("sshd", executable: "/usr/sbin/sshd",
                                 arguments: ["-D", "-e", "-f", dir.path + "/sshd_config"],
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/bin"], logDirectory: dir, teardown: teardown)
        try sshd.waitUntilListening(on: port)

        // alice and bob, and the repository app, through gitolite-admin pushed over ssh.
        admin = try ScratchRepository(label: "gitolite-admin")
        try must(["timeout", "-k", "5", "60", "git", "fetch", "-q", url(as: "admin", repo: "gitolite-admin"), "master"],
                 in: admin.url, environment: environment(as: "admin"))
        try admin.git(["checkout", "-q", "-B", "master", "FETCH_HEAD"])
        try admin.write("keydir/alice.pub", keys["alice"]!.publicKey)
        try admin.write("keydir/bob.pub", keys["bob"]!.publicKey)
        try configure()
        guard FileManager.default.fileExists(atPath: repository) else { throw ServerError("gitolite made no \(repository)") }
    }

    /// Uncomments LOCAL_CODE => "$ENV{HOME}/local" and 'repo-specific-hooks' in ~/.gitolite.rc
    /// and makes $LOCAL_CODE/hooks/repo-specific.
    static func enableRepoSpecificHooks(_ owner: Account) throws {
        let rcPath = owner.home.path + "/.gitolite.rc"
        var lines = try String(contentsOfFile: rcPath, encoding: .utf8).components(separatedBy: "\n")
        func uncomment(_ matches: (String) -> Bool, _ what: String) throws {
            guard let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && matches($0) }) else {
                throw ServerError("no commented \(what) in \(rcPath)")
            }
            lines[index] = lines[index].replacingOccurrences(of: "# ", with: "", options: [], range: lines[index].range(of: "# "))
        }
        try uncomment({ $0.contains("LOCAL_CODE") && $0.contains("\"$ENV{HOME}/local\"") }, "LOCAL_CODE")
        try uncomment({ $0.contains("'repo-specific-hooks'") }, "repo-specific-hooks")
        try owner.write(rcPath, lines.joined(separator: "\n"), mode: 0o600)
        try owner.makeDirectory(owner.home.path + "/local/hooks/repo-specific")
    }

    func url(as user: String) -> String { url(as: user, repo: "app") }

    func url(as user: String, repo: String) -> String { "\(owner.name)@127.0.0.1:\(repo)" }

    func environment(as user: String) -> [String: String] {
        ["GIT_SSH_COMMAND": "ssh -F /dev/null -i \(keys[user]!.privateKeyPath) -p \(port) -o StrictHostKeyChecking=no "
            + "-o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR"]
    }

    /// Writes gitolite.conf (app gets `firstRules` before its RW+ rule, since gitolite's first
    /// matching rule decides, and `appOptions` after; `extra` is appended), commits and pushes
    /// gitolite-admin over ssh: gitolite compiles and runs its POST_COMPILE triggers.
    func configure(firstRules: [String] = [], appOptions: [String] = [], extra: String = "") throws {
        let conf = """
        repo gitolite-admin
            RW+     =   admin

        repo app
        \(firstRules.map { "    " + $0 + "\n" }.joined())    RW+     =   alice bob
        \(appOptions.map { "    " + $0 }.joined(separator: "\n"))

        \(extra)

        """
        try admin.write("conf/gitolite.conf", conf)
        try admin.commit("gitolite.conf", allowEmpty: true)
        let pushed = try run(["timeout", "-k", "5", "60", "git", "push", "-q", url(as: "admin", repo: "gitolite-admin"), "HEAD:master"],
                             in: admin.url, environment: environment(as: "admin"))
        guard pushed.status == 0, !pushed.err.contains("FATAL") else {
            throw ServerError("gitolite-admin push failed: \(pushed.err)\nsshd:\n\(sshd.log)")
        }
    }

    /// `gitolite compile; gitolite trigger POST_COMPILE` run as the account on the server.
    func compileOnServer() throws {
        try owner.must(["gitolite", "compile"])
        try owner.must(["gitolite", "trigger", "POST_COMPILE"])
    }
}

@Suite("gitolite3 over sshd", .serialized)
struct GitoliteTests {
    @Test("plain install as root (no repo-specific hooks): GL_USER is the pusher, secrets refused, break-glass for alice only; the hook survives recompiles and gitolite setup; install --check")
    func plainInstall() throws {
        let teardown = try Teardown()
        defer { teardown.run() }
        let server = try GitoliteServer(repoSpecificHooks: false, teardown: teardown)
        try Scenario.installAsRoot(server, policy: serverPolicy(), teardown: teardown)
        let hook = server.repository + "/hooks/pre-receive"
        #expect(try FileManager.default.destinationOfSymbolicLinkIfAny(hook) == nil, "a plain hook file, not gitolite's driver")
        #expect((try? String(contentsOfFile: hook, encoding: .utf8))?.contains(server.binary.path) == true,
                "the hook runs the binary install was run from")

        try Scenario.pushes(server, seed: 101)

        // gitolite's update hook refuses a ref pre-receive accepted: that push has no landed
        // record, while the accepted pushes before it do.
        try server.configure(firstRules: ["-       refs/heads/locked = alice bob"])
        let clone = try ScratchRepository(label: "client-locked")
        try server.fetchMain(into: clone, as: "alice")
        try clone.write("notes.txt", "for a locked branch\n")
        try clone.commit("to a locked branch")
        let denied = try server.push(clone, as: "alice", [server.url(as: "alice"), "HEAD:refs/heads/locked"])
        #expect(denied.status != 0 && denied.err.contains("W refs/heads/locked app alice DENIED"), "\(denied.err)")
        #expect(server.ref("refs/heads/locked") == nil)
        let records = try server.log.records()
        let lockedPush = try #require(records.last { $0["kind"]?.string == "push" })
        #expect(lockedPush["decision"]?.string == "accept", "pre-receive accepted it: \(lockedPush.serialized())")
        let landed = records.filter { $0["kind"]?.string == "landed" }
        #expect(!landed.isEmpty, "the accepted pushes before it landed")
        #expect(!landed.contains { $0["push_seq"] == lockedPush["seq"] })
        #expect(!landed.contains { ($0["refs"]?.array ?? []).contains { $0["ref"]?.string == "refs/heads/locked" } })
        let analyze = try run([server.binary.path, "log", "analyze", "--dir", server.log.directory])
        let seq = if case let .int(seq)? = lockedPush["seq"] { seq } else { Int64(-1) }
        #expect(analyze.out.contains("not-landed: push seq \(seq) was accepted but it never landed (refs/heads/locked)"), "\(analyze.out)")

        // gitolite rewrites hooks on compile (an admin push) and on `gitolite setup`: ours stays.
        try server.configure(extra: "repo other\n    RW+ = alice\n")
        try server.owner.must(["gitolite", "setup"])
        try Scenario.secretRefused(server, seed: 111)

        var restore: (() throws -> Void)?
        try Scenario.installCheck(server, breakHook: { restore = try Scenario.disableHook(at: hook, owner: server.owner) },
                                  restoreHook: { try restore?() })
    }

    @Test("repo-specific hooks: install refuses (exit 2, nothing written) until gitolite.conf names reviewgate; then it links into gitolite's driver, and the gate survives recompiles")
    func repoSpecificHooks() throws {
        let teardown = try Teardown()
        defer { teardown.run() }
        let server = try GitoliteServer(repoSpecificHooks: true, teardown: teardown)
        let policy = try policyFile(serverPolicy(), teardown: teardown)
        let install = [server.binary.path, "install", "--repo", server.repository, "--policy", policy]

        // (a) gitolite.conf does not name reviewgate yet: refuse, write nothing, say the line to add.
        let before = snapshot(server.repository) + snapshot(server.localCode)
        let refused = try run(install)
        #expect(refused.status == 2, "\(refused.status) \(refused.err)")
        // The line to add, exactly (nothing after it on its line), and where it goes.
        #expect(refused.err.components(separatedBy: "\n").contains {
            $0.trimmingCharacters(in: .whitespaces).hasSuffix(" option hook.pre-receive = reviewgate")
                || $0.trimmingCharacters(in: .whitespaces) == "option hook.pre-receive = reviewgate"
        }, "install prints the exact gitolite.conf line: \(refused.err)")
        #expect(refused.err.contains("repo app"), "and names the repository's section: \(refused.err)")
        #expect(!FileManager.default.fileExists(atPath: server.repository + "/reviewgate"))
        #expect(snapshot(server.repository) + snapshot(server.localCode) == before, "install wrote nothing")

        // (b) the line added and compiled: install writes $LOCAL_CODE/hooks/repo-specific/reviewgate
        // and links it the way gitolite does.
        try server.configure(appOptions: ["option hook.pre-receive = reviewgate"])
        try Scenario.installAsRoot(server, policy: serverPolicy(), teardown: teardown)
        try expectLinked(server)
        #expect(notOwned(by: server.owner.uid, under: server.localCode) == [])

        try Scenario.pushes(server, seed: 102)

        // Another compile, by an admin push and on the server: gitolite relinks, the gate stays.
        try server.configure(appOptions: ["option hook.pre-receive = reviewgate"], extra: "repo other\n    RW+ = alice\n")
        try expectLinked(server)
        try Scenario.secretRefused(server, seed: 112)
        try server.compileOnServer()
        try expectLinked(server)
        try Scenario.secretRefused(server, seed: 113)

        // install --check notices the link gone; gitolite's own trigger puts it back.
        try Scenario.installCheck(server, breakHook: {
            for link in try Self.reviewgateLinks(server) { try FileManager.default.removeItem(atPath: server.repository + "/hooks/" + link) }
        }, restoreHook: { try server.compileOnServer() })
    }

    /// The hooks/pre-receive.hNN-reviewgate links.
    static func reviewgateLinks(_ server: GitoliteServer) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: server.repository + "/hooks").filter {
            $0.hasPrefix("pre-receive.h") && $0.hasSuffix("-reviewgate")
        }
    }

    /// hooks/pre-receive -> $LOCAL_CODE/hooks/multi-hook-driver, hooks/pre-receive.hNN-reviewgate
    /// -> $LOCAL_CODE/hooks/repo-specific/reviewgate, an executable the account owns.
    func expectLinked(_ server: GitoliteServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let hooks = server.repository + "/hooks"
        let script = server.localCode + "/hooks/repo-specific/reviewgate"
        #expect(FileManager.default.isExecutableFile(atPath: script), "\(script)", sourceLocation: sourceLocation)
        #expect(try FileManager.default.destinationOfSymbolicLinkIfAny(hooks + "/pre-receive") == server.localCode + "/hooks/multi-hook-driver",
                sourceLocation: sourceLocation)
        let links = try Self.reviewgateLinks(server)
        #expect(links.count == 1 && links.allSatisfy { $0.range(of: #"^pre-receive\.h[0-9]{2}-reviewgate$"#, options: .regularExpression) != nil },
                "\(links)", sourceLocation: sourceLocation)
        for link in links {
            #expect(try FileManager.default.destinationOfSymbolicLinkIfAny(hooks + "/" + link) == script, sourceLocation: sourceLocation)
        }
    }
}

extension FileManager {
    /// Where a symbolic link points, nil when `path` is not one.
    func destinationOfSymbolicLinkIfAny(_ path: String) throws -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return nil }
        return try destinationOfSymbolicLink(atPath: path)
    }
}
