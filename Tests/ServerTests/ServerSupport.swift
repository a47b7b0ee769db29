// What the server suites share: things to undo in reverse order, long-running server
// processes stopped by their PID, free ports on 127.0.0.1, throw-away system accounts, a
// copy of the binary every account can run, and reading a repository's audit log.
// Everything listens on 127.0.0.1 only and lives in temporary directories.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JSON
import ReviewGateTestSupport
import Synchronization

/// Undo actions, run newest first (processes before the accounts they run as, accounts before
/// their directories). A test makes one and runs it in a `defer`, so a set-up that fails
/// half-way still stops what it started.
final class Teardown: @unchecked Sendable {
    private var actions: [() -> Void] = []

    /// The server suites make accounts and start sshd and nginx: they need root.
    init() throws {
        guard geteuid() == 0 else { throw ServerError("the server tests run as root (useradd, sshd, nginx, chown)") }
    }

    func add(_ action: @escaping () -> Void) { actions.append(action) }

    func run() {
        while let action = actions.popLast() { action() }
    }
}

/// A command that exited non-zero, with what it printed.
struct CommandFailed: Error, CustomStringConvertible {
    var command: [String]
    var result: CommandResult
    var description: String { "\(command.joined(separator: " ")) exited \(result.status): \(result.out)\(result.err)" }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command and throws unless it exits 0.
@discardableResult
func must(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
          input: Data? = nil) throws -> CommandResult {
    let result = try run(arguments, in: directory, environment: environment, input: input)
    guard result.status == 0 else { throw CommandFailed(command: arguments, result: result) }
    return result
}

/// The environment every server process gets: nothing inherited from the test run (no
/// REVIEWGATE_USER, GL_USER or REMOTE_USER can leak into a hook from here).
func cleanEnvironment(home: String, user: String, _ extra: [String: String] = [:]) -> [String: String] {
    var env = ["HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "USER": user, "LOGNAME": user]
    env.merge(extra) { _, new in new }
    return env
}

/// For clients: git and ssh must never go through a proxy, only to 127.0.0.1.
let noProxy: [String: String] = [
    "http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "ALL_PROXY": "", "all_proxy": "",
    "no_proxy": "*", "NO_PROXY": "*",
]

enum Net {
    /// A port nobody listens on: bind 127.0.0.1:0 and read what the kernel chose.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ServerError("bind: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ServerError("getsockname: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts connections on 127.0.0.1:port right now.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// Polls `ready` every 50 ms for at most `seconds`; throws with `what` when it never holds.
func waitFor(_ what: String, seconds: Double = 10, _ ready: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !ready() {
        guard Date() < deadline else { throw ServerError("timed out after \(seconds) s waiting for \(what)") }
        usleep(50_000)
    }
}

/// A long-running server process (sshd, nginx, fcgiwrap, git daemon), its output in a log file.
/// Started with posix_spawn, not Foundation's Process: Foundation watches a child through a
/// socket the child inherits, and sshd closes every inherited descriptor at start-up, after
/// which Foundation blocks in waitpid on it and no other command's exit is ever noticed. Here
/// the server gets no descriptor but stdin (/dev/null), stdout and stderr (the log), no
/// blocked signals (the test process's threads block most, and a child would inherit that)
/// and SIGPIPE at its default. Registered with the teardown as soon as it runs: SIGTERM, up to
/// 5 s to exit, then SIGKILL and up to 5 s more; reaped with waitpid by its PID.
final class ServerProcess: @unchecked Sendable {
    let name: String
    let pid: pid_t
    let logURL: URL
    private var exitStatus: Int32?

    init(_ name: String, executable: String, arguments: [String], environment: [String: String],
         logDirectory: URL, teardown: Teardown) throws {
        self.name = name
        logURL = logDirectory.appendingPathComponent("\(name).log")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logURL.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // glibc's closefrom and chdir actions (2.34, 2.29) are not in Swift's Glibc module.
        guard let closeFrom = GlibcSpawn.addCloseFrom, let changeDirectory = GlibcSpawn.addChangeDirectory,
              closeFrom(&actions, 3) == 0, changeDirectory(&actions, logDirectory.path) == 0 else {
            throw ServerError("this glibc has no posix_spawn_file_actions_addclosefrom_np/addchdir_np")
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") }
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, argv + [nil], envp + [nil])
        guard spawned == 0 else { throw ServerError("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        pid = child
        teardown.add { [self] in stop() }
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Whether it still runs (reaps it, once, when it has exited).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid || (result < 0 && errno == ECHILD) {
            exitStatus = status
            return false
        }
        return true
    }

    func stop() {
        func exited(within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while isRunning && Date() < deadline { usleep(20_000) }
            return !isRunning
        }
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if !exited(within: 5) {
            kill(pid, SIGKILL)
            _ = exited(within: 5)
        }
    }

    /// Waits (at most 10 s) until 127.0.0.1:port accepts; fails at once when the process died.
    func waitUntilListening(on port: Int) throws {
        try waitFor("\(name) to listen on 127.0.0.1:\(port)") { !isRunning || Net.accepts(port) }
        guard isRunning else { throw ServerError("\(name) exited (status \(exitStatus ?? -1)):\n\(log)") }
    }
}

/// posix_spawn file actions glibc has but Swift's Glibc module does not declare.
enum GlibcSpawn {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static let addCloseFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: CloseFrom.self) }
    static let addChangeDirectory: ChangeDirectory? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: ChangeDirectory.self) }
}

/// A system account the server runs as: an existing one (www-data) or a throw-away one made
/// with useradd, its home in a temporary directory, removed with userdel -r at teardown.
final class Account: @unchecked Sendable {
    let name: String
    let group: String
    let uid: uid_t
    let gid: gid_t
    let home: URL

    /// useradd and userdel take /etc/passwd's lock: one at a time from this process.
    private static let accounts = Mutex(())

    /// A new account `PREFIX` + 6 random letters with a usable (not locked) password field,
    /// so sshd without PAM lets its keys in.
    init(newWithPrefix prefix: String, teardown: Teardown) throws {
        let base = try Scratch.directory("rg-\(prefix)")
        chmod(base.path, 0o755)
        teardown.add { try? FileManager.default.removeItem(at: base) }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let name = prefix + String((0..<6).map { _ in letters.randomElement()! })
        let home = base.appendingPathComponent("home")
        try Account.accounts.withLock { _ in
            // useradd retries: another process on the machine may hold the lock a moment.
            var last: CommandResult?
            for _ in 0..<20 {
                let result = try ReviewGateTestSupport.run(["useradd", "-m", "-d", home.path, "-s", "/bin/sh", "-p", "*", "-U", name])
                if result.status == 0 { return }
                last = result
                usleep(100_000)
            }
            throw CommandFailed(command: ["useradd", name], result: last!)
        }
        teardown.add {
            Account.accounts.withLock { _ in
                for _ in 0..<20 {
                    // A server child of the account may still be exiting: retry for a moment.
                    if (try? ReviewGateTestSupport.run(["userdel", "-r", name]))?.status ?? 1 == 0 { return }
                    usleep(100_000)
                }
            }
        }
        guard let entry = getpwnam(name) else { throw ServerError("useradd made no \(name)") }
        self.name = name
        group = name
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
        self.home = home
    }

    /// An account that exists already; `home` is a temporary directory of its own.
    init(existing name: String, teardown: Teardown) throws {
        guard let entry = getpwnam(name) else { throw ServerError("no account \(name)") }
        self.name = name
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
        group = getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? name
        home = try Scratch.directory("rg-home-\(name)")
        teardown.add { [home] in try? FileManager.default.removeItem(at: home) }
        chown(home.path, uid, gid)
    }

    /// `setpriv` (no PAM, no extra fork: the PID is the program's) with a clean environment.
    func command(_ arguments: [String], environment: [String: String] = [:]) -> [String] {
        let env = cleanEnvironment(home: home.path, user: name, environment)
        return ["setpriv", "--reuid=\(name)", "--regid=\(group)", "--init-groups", "env", "-i"]
            + env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + arguments
    }

    /// Runs a command as this account, in its home unless told otherwise.
    @discardableResult
    func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
             input: Data? = nil) throws -> CommandResult {
        try ReviewGateTestSupport.run(command(arguments, environment: environment), in: directory ?? home, input: input)
    }

    @discardableResult
    func must(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        let result = try run(arguments, in: directory, environment: environment)
        guard result.status == 0 else { throw CommandFailed(command: ["(as \(name))"] + arguments, result: result) }
        return result
    }

    /// Writes a file owned by this account.
    func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        guard chown(path, uid, gid) == 0, chmod(path, mode) == 0 else { throw ServerError("cannot chown \(path)") }
    }

    /// mkdir -p, every directory made owned by this account.
    func makeDirectory(_ path: String) throws {
        try must(["mkdir", "-p", path])
    }

    /// The value of a ref in a repository this account owns, nil when absent.
    func ref(_ name: String, in repository: String) -> String? {
        guard let result = try? run(["git", "--git-dir", repository, "rev-parse", "--verify", "-q", name]),
              result.status == 0 else { return nil }
        return result.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A copy of the built binary in a temporary directory every account can reach (0755 along
/// the path): `install` records its own path in the hook, and .build may be private.
final class ServerBinary: @unchecked Sendable {
    let path: String

    init(teardown: Teardown) throws {
        let dir = try Scratch.directory("rg-bin")
        teardown.add { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o755)
        path = dir.appendingPathComponent("reviewgate").path
        try FileManager.default.copyItem(atPath: Scratch.binary, toPath: path)
        chmod(path, 0o755)
    }
}

/// Every entry under `root` (itself included), seen with lstat.
func entries(under root: String) -> [(path: String, info: stat)] {
    var result: [(String, stat)] = []
    func visit(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        result.append((path, info))
        guard info.st_mode & S_IFMT == S_IFDIR,
              let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names.sorted() { visit(path + "/" + name) }
    }
    visit(root)
    return result
}

/// The paths under `root` whose owner is not `uid`.
func notOwned(by uid: uid_t, under root: String) -> [String] {
    entries(under: root).filter { $0.info.st_uid != uid }.map {
        "\($0.path) (uid \($0.info.st_uid))"
    }
}

/// What `root` holds: one line per entry with type, mode, owner, size, symlink target and, for
/// files, the content's hash and the modification time. Equal snapshots: nothing was written.
func snapshot(_ root: String) -> [String] {
    entries(under: root).map { path, info in
        let type = info.st_mode & S_IFMT
        var line = "\(path) type=\(type) mode=\(String(info.st_mode & 0o7777, radix: 8)) uid=\(info.st_uid) gid=\(info.st_gid)"
        if type == S_IFLNK {
            line += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?")
        } else if type == S_IFREG {
            let data = FileManager.default.contents(atPath: path) ?? Data()
            line += " size=\(data.count) hash=\(data.hashValue) mtime=\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
        return line
    }
}

func mode(of path: String) -> mode_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
}

/// A repository's audit log as `reviewgate log show --format json` prints it (run as root).
struct AuditLog {
    let binary: String
    let directory: String

    init(binary: String, repository: String) {
        self.binary = binary
        directory = repository + "/reviewgate/audit"
    }

    func show() throws -> CommandResult {
        try run([binary, "log", "show", "--dir", directory, "--format", "json"])
    }

    func records() throws -> [JSONValue] {
        let result = try show()
        guard result.status == 0 else { throw CommandFailed(command: ["reviewgate", "log", "show"], result: result) }
        return try result.out.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    func verify() throws -> CommandResult {
        try run([binary, "log", "verify", "--dir", directory])
    }

    /// The bytes of every file in the log directory, for "the secret never reaches the log".
    func rawBytes() -> Data {
        entries(under: directory).filter { $0.info.st_mode & S_IFMT == S_IFREG }
            .reduce(into: Data()) { $0.append(FileManager.default.contents(atPath: $1.path) ?? Data()) }
    }
}

extension JSONValue {
    var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    var array: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    var isNull: Bool { self == .null }
}

/// The policy every suite installs: alice and bob are people whose `logins` are the names the
/// server authenticates; only alice may break glass; src/payments/ needs a senior's trailer.
/// `aliceLogins` lets a suite add more login names for alice.
func serverPolicy(aliceLogins: [String] = ["alice"]) -> String {
    TestPolicy.aliceAndBob(aliceLogins: aliceLogins, budget: "30.0")
}

/// Writes the policy to a root-owned temporary file for `install --policy`.
func policyFile(_ text: String, teardown: Teardown) throws -> String {
    let dir = try Scratch.directory("rg-policy")
    teardown.add { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("policy.toml")
    try Data(text.utf8).write(to: file)
    return file.path
}
