// Smart HTTP: nginx on 127.0.0.1 with basic authentication (htpasswd) in front of fcgiwrap
// running `git http-backend` as www-data; the pusher reaches the hook as REMOTE_USER.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import ReviewGateTestSupport
import Testing

final class HTTPServer: PushTarget, @unchecked Sendable {
    let owner: Account
    let binary: ServerBinary
    let source = "REMOTE_USER"
    let port: Int
    let nginx: ServerProcess
    let fcgiwrap: ServerProcess
    private let root: URL
    static let passwords = ["alice": "alice-pw", "bob": "bob-pw"]

    var repository: String { root.path + "/repos/app.git" }

    init(teardown: Teardown) throws {
        binary = try ServerBinary(teardown: teardown)
        owner = try Account(existing: "www-data", teardown: teardown)
        root = try Scratch.directory("rg-http")
        teardown.add { [root] in try? FileManager.default.removeItem(at: root) }
        chmod(root.path, 0o755)
        for dir in ["logs", "tmp", "fcgi"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        chown(root.appendingPathComponent("fcgi").path, owner.uid, owner.gid)

        // The repository, owned by www-data, receive-pack switched on.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("repos"), withIntermediateDirectories: true)
        let repository = root.path + "/repos/app.git"
        try must(["git", "init", "-q", "--bare", "-b", "main", repository])
        try must(["git", "--git-dir", repository, "config", "http.receivepack", "true"])
        try must(["chown", "-R", "\(owner.name):\(owner.group)", root.path + "/repos"])

        let htpasswd = root.path + "/htpasswd"
        for (index, user) in ["alice", "bob"].enumerated() {
            try must(["htpasswd", "-b", "-B"] + (index == 0 ? ["-c"] : []) + [htpasswd, user, Self.passwords[user]!])
        }
        chmod(htpasswd, 0o644)

        // fcgiwrap as www-data on a unix socket (setpriv execs it: the PID is fcgiwrap's).
        let socket = root.path + "/fcgi/socket"
        fcgiwrap = try ServerProcess("fcgiwrap", executable: "/usr/bin/setpriv",
                                     arguments: ["--reuid=\(owner.name)", "--regid=\(owner.group)", "--init-groups",
                                                 "/usr/sbin/fcgiwrap", "-f", "-s", "unix:" + socket],
                                     environment: cleanEnvironment(home: owner.home.path, user: owner.name),
                                     logDirectory: root.appendingPathComponent("logs"), teardown: teardown)
        try waitFor("fcgiwrap's socket") { [fcgiwrap] in
            FileManager.default.fileExists(atPath: socket) || !fcgiwrap.isRunning
        }
        guard fcgiwrap.isRunning else { throw ServerError("fcgiwrap exited: \(fcgiwrap.log)") }

        // nginx as root (workers as www-data), in the foreground, only on 127.0.0.1.
        port = try Net.freePort()
        let conf = """
        daemon off;
        master_process on;
        worker_processes 1;
        user \(owner.name) \(owner.group);
        pid \(root.path)/logs/nginx.pid;
        error_log \(root.path)/logs/error.log info;
        events { worker_connections 64; }
        http {
            access_log \(root.path)/logs/access.log;
            client_body_temp_path \(root.path)/tmp/body;
            fastcgi_temp_path \(root.path)/tmp/fastcgi;
            proxy_temp_path \(root.path)/tmp/proxy;
            uwsgi_temp_path \(root.path)/tmp/uwsgi;
            scgi_temp_path \(root.path)/tmp/scgi;
            client_max_body_size 0;
            server {
                listen 127.0.0.1:\(port);
                location / {
                    auth_basic "git";
                    auth_basic_user_file \(htpasswd);
                    fastcgi_pass unix:\(socket);
                    fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
                    fastcgi_param GIT_PROJECT_ROOT \(root.path)/repos;
                    fastcgi_param GIT_HTTP_EXPORT_ALL "";
                    fastcgi_param PATH_INFO $uri;
                    fastcgi_param QUERY_STRING $query_string;
                    fastcgi_param REQUEST_METHOD $request_method;
                    fastcgi_param CONTENT_TYPE $content_type;
                    fastcgi_param CONTENT_LENGTH $content_length;
                    fastcgi_param GIT_PROTOCOL $http_git_protocol;
                    fastcgi_param REMOTE_USER $remote_user;
                    fastcgi_param REMOTE_ADDR $remote_addr;
                    fastcgi_param HOME \(owner.home.path);
                    fastcgi_param PATH /usr/bin:/bin;
                }
            }
        }

        """
        let confPath = root.path + "/nginx.conf"
        try Data(conf.utf8).write(to: URL(fileURLWithPath: confPath))
        nginx = try ServerProcess("nginx", executable: "/usr/sbin/nginx",
                                  arguments: ["-c", confPath, "-p", root.path + "/", "-e", root.path + "/logs/error.log"],
                                  environment: ["PATH": "/usr/sbin:/usr/bin:/bin"],
                                  logDirectory: root.appendingPathComponent("logs"), teardown: teardown)
        try nginx.waitUntilListening(on: port)
    }

    func url(as user: String) -> String {
        "http://\(user):\(Self.passwords[user] ?? "wrong")@127.0.0.1:\(port)/app.git"
    }

    func environment(as user: String) -> [String: String] { [:] }

    var errorLog: String { (try? String(contentsOfFile: root.path + "/logs/error.log", encoding: .utf8)) ?? "" }
}

@Suite("nginx + fcgiwrap + git http-backend", .serialized)
struct HTTPTests {
    @Test("install as root on www-data's repository: REMOTE_USER is the pusher, secrets refused, break-glass for alice only; install --check")
    func smartHTTP() throws {
        let teardown = try Teardown()
        defer { teardown.run() }
        let server = try HTTPServer(teardown: teardown)

        // The server really authenticates: a wrong password never reaches the hook.
        let clone = try ScratchRepository(label: "client-nobody")
        try clone.write("README", "x\n")
        try clone.commit("x")
        let denied = try server.push(clone, as: "mallory", [server.url(as: "mallory"), "HEAD:refs/heads/main"])
        #expect(denied.status != 0 && !denied.err.contains("reviewgate"), "\(denied.err)")

        try Scenario.installAsRoot(server, policy: serverPolicy(), teardown: teardown)
        try Scenario.pushes(server, seed: 201)
        var restore: (() throws -> Void)?
        try Scenario.installCheck(server, breakHook: {
            restore = try Scenario.disableHook(at: server.repository + "/hooks/pre-receive", owner: server.owner)
        }, restoreHook: { try restore?() })
        #expect(!server.errorLog.contains("[emerg]"), "\(server.errorLog)")
    }
}
