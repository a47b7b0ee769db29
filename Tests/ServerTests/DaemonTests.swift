// `git daemon --enable=receive-pack` on 127.0.0.1, run by a throw-away account: anonymous
// pushes, no identity but the OS user, so nobody can break glass.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import ReviewGateTestSupport
import Testing

final class DaemonServer: PushTarget, @unchecked Sendable {
    let owner: Account
    let binary: ServerBinary
    let source = "os"
    let port: Int
    let daemon: ServerProcess

    var base: String { owner.home.path + "/repos" }
    var repository: String { base + "/app.git" }

    init(teardown: Teardown) throws {
        binary = try ServerBinary(teardown: teardown)
        owner = try Account(newWithPrefix: "rgdm", teardown: teardown)
        let base = owner.home.path + "/repos"
        try owner.makeDirectory(base)
        try owner.must(["git", "init", "-q", "--bare", "-b", "main", base + "/app.git"])
        port = try Net.freePort()
        // git-daemon itself, not `git daemon`: git would keep running it as a child, and the
        // PID tracked would not be the server's.
        daemon = try ServerProcess("git-daemon", executable: "/usr/bin/setpriv",
                                   arguments: ["--reuid=\(owner.name)", "--regid=\(owner.group)", "--init-groups",
                                               "/usr/lib/git-core/git-daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)",
                                               "--base-path=\(base)", "--export-all", "--enable=receive-pack",
                                               "--informative-errors", "--verbose", base],
                                   environment: cleanEnvironment(home: owner.home.path, user: owner.name),
                                   logDirectory: owner.home, teardown: teardown)
        try daemon.waitUntilListening(on: port)
    }

    func url(as user: String) -> String { "git://127.0.0.1:\(port)/app.git" }

    /// Whatever the client claims about itself stays on the client.
    func environment(as user: String) -> [String: String] {
        ["REVIEWGATE_USER": user, "GL_USER": user, "GL_USERNAME": user, "REMOTE_USER": user]
    }
}

@Suite("git daemon", .serialized)
struct DaemonTests {
    @Test("install as root on the daemon account's repository: the pusher is the OS user (no person), secrets refused, no override for anyone; install --check")
    func gitDaemon() throws {
        let teardown = try Teardown()
        defer { teardown.run() }
        let server = try DaemonServer(teardown: teardown)
        try Scenario.installAsRoot(server, policy: serverPolicy(), teardown: teardown)
        try Scenario.pushes(server, seed: 301)
        var restore: (() throws -> Void)?
        try Scenario.installCheck(server, breakHook: {
            restore = try Scenario.disableHook(at: server.repository + "/hooks/pre-receive", owner: server.owner)
        }, restoreHook: { try restore?() })
    }

    @Test("the daemon's account listed among alice's logins still does not make every pusher alice: no person, no override, no four-eyes exemption")
    func osIdentityIsNobody() throws {
        let teardown = try Teardown()
        defer { teardown.run() }
        let server = try DaemonServer(teardown: teardown)
        try Scenario.installAsRoot(server, policy: serverPolicy(aliceLogins: ["alice", server.owner.name]), teardown: teardown)
        try Scenario.pushes(server, seed: 302)
    }
}
