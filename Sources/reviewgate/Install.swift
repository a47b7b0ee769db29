import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Git

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Installs the pre-receive hook, the audit log directory and a policy into a repository on the server.",
        discussion: """
        Writes hooks/pre-receive (it runs this binary and rejects pushes if the binary goes \
        missing), creates reviewgate/audit (mode 0750), copies --policy to reviewgate/policy.toml \
        (or writes a starter policy that protects itself when there is none), and sets \
        receive.advertisePushOptions=true so pushers can use -o reviewgate.override. Running it \
        again is harmless. A pre-receive hook that is not ReviewGate's is left alone unless \
        --force is given; then it is kept as pre-receive.backup-<time>.
        """
    )

    @Option(help: "The repository on the server (usually bare).")
    var repo: String

    @Option(help: "The policy file to install (it is checked first).")
    var policy: String?

    @Flag(help: "Replace a pre-receive hook that is not ReviewGate's (it is backed up first).")
    var force = false

    static let marker = "ReviewGate pre-receive hook"

    func run() throws {
        let repository = try Repository(path: repo)
        let gitDir = repository.gitDirectory
        var done: [String] = []

        // The policy first: a broken one must not be half-installed.
        let source = try policy.map { (path: String) throws in
            let source = try PolicySource.file(path)
            _ = try GateSettings.make(source)
            return source
        }
        let stateDir = gitDir + "reviewgate"
        try makeDirectory(stateDir)
        try makeDirectory(stateDir + "/audit")
        let policyPath = stateDir + "/policy.toml"
        if let policy, let source {
            try writeFile(policyPath, source.bytes, mode: 0o640)
            done.append("installed the policy \(policy) as \(policyPath)")
        } else if !FileManager.default.fileExists(atPath: policyPath) {
            try writeFile(policyPath, Array(StarterPolicy.text(identity: StarterPolicy.Identity.current(repository)).utf8), mode: 0o640)
            done.append("wrote a starter policy to \(policyPath) (edit its people and core rules)")
        }

        // The hook.
        let hooksDir = gitDir + "hooks"
        try makeDirectory(hooksDir, mode: 0o755)
        let hookPath = hooksDir + "/pre-receive"
        let script = Self.hookScript(binary: Self.currentExecutable())
        if let existing = FileManager.default.contents(atPath: hookPath) {
            let text = String(decoding: existing, as: UTF8.self)
            if Array(existing) == Array(script.utf8) {
                done.append("the hook \(hookPath) is already installed")
            } else if text.contains(Self.marker) {
                try writeFile(hookPath, Array(script.utf8), mode: 0o755)
                done.append("updated the hook \(hookPath)")
            } else if force {
                let backup = hookPath + ".backup-\(Int(Date().timeIntervalSince1970))"
                guard rename(hookPath, backup) == 0 else { throw Failure(.runtime, "cannot back up \(hookPath)") }
                try writeFile(hookPath, Array(script.utf8), mode: 0o755)
                done.append("replaced the foreign hook (kept as \(backup)) with \(hookPath)")
            } else {
                throw Failure(.usage, "\(hookPath) exists and is not ReviewGate's; leaving it alone (use --force to replace it; it will be backed up)")
            }
        } else {
            try writeFile(hookPath, Array(script.utf8), mode: 0o755)
            done.append("installed the hook \(hookPath)")
        }
        if try repository.configString("core.hooksPath") != nil {
            StandardError.write("reviewgate: warning: core.hooksPath is set; git runs hooks from there, not from \(hooksDir)\n")
        }
        try repository.setConfig("receive.advertisePushOptions", to: "true")
        done.append("set receive.advertisePushOptions=true")
        StandardError.write(done.map { "reviewgate: " + $0 + "\n" }.joined())
    }

    /// The script of hooks/pre-receive with this binary's absolute path filled in.
    static func hookScript(binary: String) -> String {
        let template = String(decoding: PackageResources.pre_receive, as: UTF8.self)
        // Single-quoted in the script: a quote in the path is closed, escaped and reopened.
        return template.replacingOccurrences(of: "@REVIEWGATE_BIN@", with: binary.replacingOccurrences(of: "'", with: "'\\''"))
    }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private func makeDirectory(_ path: String, mode: mode_t = 0o750) throws(Failure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Failure(.runtime, "\(path) exists and is not a directory") }
            // An existing directory gets the safe mode too.
            if chmod(path, mode) != 0 { StandardError.write("reviewgate: warning: cannot set the mode of \(path)\n") }
            return
        }
        guard mkdir(path, mode) == 0, chmod(path, mode) == 0 else {
            throw Failure(.runtime, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a file whole through a temporary name and a rename, so a reader never sees half.
    private func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(.runtime, "cannot write \(path): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, chmod(temporary, mode) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(.runtime, "cannot write \(path)")
        }
    }
}

/// The policy `install` writes when the server has none: no one can change the gate's own
/// files without sign-off, and the main branches cannot be rewritten or deleted.
enum StarterPolicy {
    struct Identity {
        var name: String
        var email: String
        /// Nil when only the OS user is known: on a plain ssh server every pusher is that
        /// account, so it must not stand for a person (nor break glass).
        var login: String?

        static func current(_ repo: Repository) -> Identity {
            let actor = AuditTrail.actor(ci: false)
            let login = actor.source == "os" ? nil : actor.name
            let name = (try? repo.configString("user.name")) ?? nil
            let email = (try? repo.configString("user.email")) ?? nil
            return Identity(name: name ?? actor.name, email: email ?? "\(actor.name)@localhost", login: login)
        }
    }

    static func text(identity: Identity) -> String {
        func quoted(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(String.init).joined() + "\""
        }
        return """
        # ReviewGate starter policy, written by `reviewgate install`. The server reads it from
        # here; pushes can never change it. Add your people and core paths (see
        # rules/policy.example.toml for every key), and keep a copy in the repository as
        # .reviewgate/policy.toml for `reviewgate check` in CI.
        version = 1

        [[people]]
        id = "admin"
        name = \(quoted(identity.name))
        emails = [\(quoted(identity.email))]
        logins = [\(identity.login.map(quoted) ?? "")]
        groups = ["senior", "security"]

        # The gate's own files: its policy and hooks change only with a senior's sign-off.
        [[core]]
        name = "reviewgate"
        paths = ["/.reviewgate/", "/hooks/"]
        approvals = 1
        from = ["senior"]
        evidence = "trailer"

        [refs]
        protected = ["refs/heads/main", "refs/heads/master"]
        deny_force_push = ["refs/heads/main", "refs/heads/master"]
        deny_delete = ["refs/heads/main", "refs/heads/master", "refs/tags/*"]

        [breakglass]
        from = ["security"]

        """
    }
}
