import Base
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Git
import Reports

/// Where the pre-receive hook goes, decided before anything is written.
public enum HookPlacement {
    /// `$GIT_DIR/hooks/pre-receive`; `backup` is where a foreign hook is moved under --force.
    case plain(path: String, backup: String?)
    /// A gitolite repo-specific hook named in gitolite.conf, linked by gitolite's own trigger.
    case gitoliteRepoSpecific(Gitolite, script: String)
    /// A gitolite common hook that is already ReviewGate's (it runs for every repository).
    case gitoliteCommon(path: String)
    /// A script in a `pre-receive.d/` that the server's own hook runs.
    case directory(path: String, manager: String)

    public var scriptPath: String {
        switch self {
        case let .plain(path, _): path
        case let .gitoliteRepoSpecific(_, script): script
        case let .gitoliteCommon(path): path
        case let .directory(path, _): path + "/" + HookScript.name
        }
    }

    public var via: String {
        switch self {
        case .plain: "git runs it directly"
        case let .gitoliteRepoSpecific(g, _): "gitolite runs it as a repo-specific hook (option hook.pre-receive for \(g.repoName ?? "this repository"))"
        case .gitoliteCommon: "gitolite links it into every repository as a common hook"
        case let .directory(_, manager): "\(manager) runs every script of that directory"
        }
    }

    /// Decides where the hook goes, or refuses with the steps that would make it run.
    public static func decide(gitDirectory: String, manager: HookManager, force: Bool) throws(Failure) -> HookPlacement {
        switch manager {
        case .none:
            let path = gitDirectory + "hooks/pre-receive"
            guard FileManager.default.fileExists(atPath: path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil,
                  !HookScript.isOurs(path) else { return .plain(path: path, backup: nil) }
            guard force else {
                throw Failure(.usage, "\(path) exists and is not ReviewGate's; leaving it alone and writing nothing (use --force to replace it; it will be backed up)")
            }
            return .plain(path: path, backup: path + ".backup-\(WallClock.seconds())")
        case let .gitolite(g):
            if g.repoSpecificEnabled || !g.preReceiveCodes.isEmpty {
                guard g.repoSpecificEnabled, let script = g.scriptPath, g.namesReviewGate else {
                    throw Failure(.usage, """
                    gitolite manages this repository's hooks (repo-specific hooks): a hooks/pre-receive written here would be \
                    replaced by gitolite's hook driver at its next compile, so nothing was written. To install the gate where gitolite keeps running it:
                    \(g.steps(gitDirectory: gitDirectory))
                    """)
                }
                if FileManager.default.fileExists(atPath: script), !HookScript.isOurs(script) {
                    throw Failure(.usage, "\(script) exists and is not ReviewGate's; gitolite would run it as `reviewgate`. Move it away, then run install again; nothing was written")
                }
                return .gitoliteRepoSpecific(g, script: script)
            }
            if let common = g.commonPreReceive {
                if HookScript.isOurs(common) { return .gitoliteCommon(path: common) }
                throw Failure(.usage, """
                gitolite links its common pre-receive hook \(common) into every repository at each compile, replacing \
                hooks/pre-receive, so nothing was written. Run the gate as a repo-specific hook instead (keep the common \
                hook by naming it there too):
                \(g.steps(gitDirectory: gitDirectory))
                """)
            }
            return .plain(path: gitDirectory + "hooks/pre-receive", backup: nil)
        case let .directory(path, manager, _):
            return .directory(path: path, manager: manager)
        }
    }
}

/// Where the post-receive hook goes (it records what landed, SPEC §1.5): beside pre-receive in
/// `hooks/`, or in the `post-receive.d/` beside a manager's `pre-receive.d/`. A post-receive
/// hook that is not ours is kept as `post-receive.chained` and run after ours.
public struct PostReceivePlacement {
    public var path: String
    /// Where a foreign hook at `path` is moved to be chained; nil when there is none.
    public var chained: String?

    /// Where the hook belongs for this manager.
    public static func path(gitDirectory: String, manager: HookManager) -> String {
        if case let .directory(dir, _, _) = manager {
            return (dir as NSString).deletingLastPathComponent + "/post-receive.d/" + HookScript.name
        }
        return gitDirectory + "hooks/post-receive"
    }

    public static func decide(gitDirectory: String, manager: HookManager) throws(Failure) -> PostReceivePlacement {
        let path = path(gitDirectory: gitDirectory, manager: manager)
        if case .directory = manager {
            if FileManager.default.fileExists(atPath: path), !HookScript.isOurs(path, marker: HookScript.postReceiveMarker) {
                throw Failure(.usage, "\(path) exists and is not ReviewGate's post-receive hook; move it away, then run install again. Nothing was written")
            }
            return PostReceivePlacement(path: path, chained: nil)
        }
        let link = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
        guard FileManager.default.fileExists(atPath: path) || link != nil,
              !HookScript.isOurs(path, marker: HookScript.postReceiveMarker) else { return PostReceivePlacement(path: path, chained: nil) }
        if link?.hasSuffix("/multi-hook-driver") == true {
            throw Failure(.usage, "gitolite runs this repository's post-receive hooks through its hook driver (option hook.post-receive in gitolite.conf), which would replace a hooks/post-receive written here; nothing was written. Remove that option for this repository (or run those hooks from a plain hooks/post-receive), compile, then run install again")
        }
        let chained = gitDirectory + "hooks/" + HookScript.chainedPostReceive
        if FileManager.default.fileExists(atPath: chained) {
            throw Failure(.usage, "\(path) is not ReviewGate's and \(chained) exists too; move one of them away (ReviewGate's post-receive runs \(chained) after itself), then run install again. Nothing was written")
        }
        return PostReceivePlacement(path: path, chained: chained)
    }
}

/// Everything `install` will do, worked out (and every refusal raised) before the first write.
public struct InstallPlan {
    public var repository: Repository
    public var gitDirectory: String
    public var account: ServerAccount
    public var placement: HookPlacement
    public var postReceive: PostReceivePlacement
    public var manager: HookManager
    public var policyFile: String?
    public var policy: PolicySource?

    public static func make(repository: Repository, policyFile: String?, force: Bool) throws -> InstallPlan {
        let gitDirectory = repository.gitDirectory
        // The policy first: a broken one must not be half-installed.
        let source = try policyFile.map { (path: String) throws in
            let source = try PolicySource.file(path)
            _ = try GateSettings.make(source)
            return source
        }
        let account = try ServerAccount.owner(of: gitDirectory)
        let me = ServerAccount.current
        if me.uid != 0 && me.uid != account.uid {
            throw Failure(.usage, "\(gitDirectory) belongs to \(account.description), whose account the hooks run as; run install as \(account.name) or as root, so what it creates belongs to \(account.name). Nothing was written")
        }
        if let hooksPath = try repository.configString("core.hooksPath") {
            throw Failure(.usage, "core.hooksPath is set (\(hooksPath)), so git runs hooks from there and would never run one installed in \(gitDirectory)hooks; nothing was written. Unset it (git -C \(gitDirectory) config --unset core.hooksPath, or in the system or global config), then run install again")
        }
        let manager = try HookManager.detect(gitDirectory: gitDirectory, account: account)
        let placement = try HookPlacement.decide(gitDirectory: gitDirectory, manager: manager, force: force)
        let postReceive = try PostReceivePlacement.decide(gitDirectory: gitDirectory, manager: manager)
        return InstallPlan(repository: repository, gitDirectory: gitDirectory, account: account, placement: placement,
                           postReceive: postReceive, manager: manager, policyFile: policyFile, policy: source)
    }

    public func execute() throws {
        let started = Int(WallClock.milliseconds())
        var done: [String] = []
        let stateDir = gitDirectory + "reviewgate"
        try makeDirectory(stateDir, adopt: true)
        try makeDirectory(stateDir + "/audit", adopt: true)
        try handOverLog(stateDir + "/audit")
        let policyPath = stateDir + "/policy.toml"
        if let policyFile, let policy {
            try writeFile(policyPath, policy.bytes, mode: 0o640)
            done.append("installed the policy \(policyFile) as \(policyPath)")
        } else if !FileManager.default.fileExists(atPath: policyPath) {
            try writeFile(policyPath, Array(StarterPolicy.text(identity: StarterPolicy.Identity.current(repository)).utf8), mode: 0o640)
            done.append("wrote a starter policy to \(policyPath) (edit its people and core rules)")
        }

        let script = Array(HookScript.hookScript(binary: HookScript.currentExecutable()).utf8)
        let path = placement.scriptPath
        switch placement {
        case let .plain(_, backup):
            try makeDirectory(gitDirectory + "hooks", mode: 0o755)
            if let backup {
                guard rename(path, backup) == 0 else { throw Failure(.runtime, "cannot back up \(path): \(String(cString: strerror(errno)))") }
                done.append("kept the foreign hook as \(backup)")
            }
        case .gitoliteRepoSpecific:
            try makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o755, parents: true)
        case let .directory(dir, _):
            try makeDirectory(dir, mode: 0o755, parents: true)
        case .gitoliteCommon:
            break
        }
        if FileManager.default.contents(atPath: path).map(Array.init) == script {
            done.append("the hook \(path) is already installed")
        } else {
            let existed = FileManager.default.fileExists(atPath: path)
            try writeFile(path, script, mode: 0o755)
            done.append((existed ? "updated the hook " : "installed the hook ") + path)
        }
        if case let .gitoliteRepoSpecific(g, _) = placement, let name = g.repoName {
            // Gitolite's own trigger links it, exactly as its next compile will.
            let linked = account.run(["gitolite", "trigger", "POST_CREATE", name])
            guard linked.status == 0, HookScript.isOurs(Gitolite.linkedScript(gitDirectory: gitDirectory) ?? "") else {
                throw Failure(.runtime, "wrote \(path), but `gitolite trigger POST_CREATE \(name)` did not link it into \(gitDirectory)hooks: \(DisplayText.line(linked.err))")
            }
            done.append("linked it into \(gitDirectory)hooks with gitolite's trigger")
        }
        done.append("the hook runs as \(account.description), the repository's owner; \(placement.via)")
        try installPostReceive(&done)
        // The scanner's databases compiled once, as the hooks' account and into its cache, so
        // no push pays for the compile. Never a reason to fail: without them a hook compiles.
        let compiled = account.run([HookScript.currentExecutable(), "rules", "compile", "--repo", gitDirectory])
        done.append(compiled.status == 0
            ? "compiled the scanner's databases and kept them in \(account.name)'s cache (~/.cache/reviewgate)"
            : "note: the scanner's databases could not be kept for \(account.name) (\(DisplayText.line(compiled.err))); each hook that needs them compiles them")

        if try repository.configString("receive.advertisePushOptions") == "true" {
            done.append("receive.advertisePushOptions is already true")
        } else {
            try setConfig("receive.advertisePushOptions", "true")
            done.append("set receive.advertisePushOptions=true")
        }
        if case let .gitolite(g) = manager, case .plain = placement {
            done.append("note: gitolite leaves hooks/pre-receive alone only while it has no common pre-receive hook and no repo-specific hooks for \(g.repoName ?? "this repository"); `reviewgate install --check --repo \(gitDirectory)` tells whether the gate still runs")
        }

        // The install record last: the hooks as written and every ref's tip, the baseline
        // `audit` reconciles the repository against.
        let gate = try? GateSettings.forServer(repository)
        let logDirectory = gate?.auditDirectory ?? AuditTrail.defaultDirectory(gitDirectory: gitDirectory)
        let hooks = [("pre-receive", placement.scriptPath), ("post-receive", postReceive.path)].map { hook, path in
            Landing.InstalledHook(hook: hook, path: path, sha256: Landing.fileHash(path) ?? "")
        }
        let seq = try Landing.recordInstall(repository: repository, hooks: hooks, gate: gate, directory: logDirectory,
                                            durationMs: Int(WallClock.milliseconds()) - started)
        try handOverLog(logDirectory)
        done.append("appended the install record (seq \(seq)) to \(logDirectory): the hooks' hashes and every ref's tip, the baseline `reviewgate audit` reconciles against")
        Notices.write(done.map { "reviewgate: " + $0 + "\n" }.joined())
    }

    /// Writes the post-receive hook, keeping a foreign one as `post-receive.chained`.
    private func installPostReceive(_ done: inout [String]) throws {
        let script = Array(HookScript.postReceiveScript(binary: HookScript.currentExecutable()).utf8)
        let path = postReceive.path
        try makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o755, parents: true)
        if let chained = postReceive.chained {
            guard rename(path, chained) == 0 else { throw Failure(.runtime, "cannot move \(path) to \(chained): \(String(cString: strerror(errno)))") }
            done.append("kept the existing post-receive hook as \(chained); ReviewGate's runs it after itself, with the same input")
        }
        if FileManager.default.contents(atPath: path).map(Array.init) == script {
            done.append("the post-receive hook \(path) is already installed")
        } else {
            let existed = FileManager.default.fileExists(atPath: path)
            try writeFile(path, script, mode: 0o755)
            done.append((existed ? "updated the post-receive hook " : "installed the post-receive hook ") + path + " (it records what landed)")
        }
    }

    /// A log written by root (this install, or a command run as root before) must stay
    /// appendable by the account the hooks run as.
    private func handOverLog(_ directory: String) throws(Failure) {
        guard account.needsHandOver else { return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            try account.handOver(directory + "/" + name)
        }
    }

    /// Sets a config value as the repository's account (git writes config through a lock file
    /// and a rename, so root writing it would leave a root-owned config behind).
    private func setConfig(_ name: String, _ value: String) throws(Failure) {
        if account.uid == geteuid() {
            do { try repository.setConfig(name, to: value) } catch { throw Failure(error) }
            return
        }
        let result = account.run(["git", "--git-dir=\(gitDirectory)", "config", name, value])
        guard result.status == 0 else { throw Failure(.runtime, "cannot set \(name) as \(account.description): \(DisplayText.line(result.err))") }
    }

    /// Creates a directory for the account. `parents` creates missing parents too; existing
    /// directories are left as they are unless `adopt` (the gate's own state directories get
    /// the safe mode and the right owner even when they were there before).
    private func makeDirectory(_ path: String, mode: mode_t = 0o750, parents: Bool = false, adopt: Bool = false) throws(Failure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Failure(.runtime, "\(path) exists and is not a directory") }
            guard adopt else { return }
            if chmod(path, mode) != 0 { Notices.write("reviewgate: warning: cannot set the mode of \(path)\n") }
            try account.handOver(path)
            return
        }
        if parents {
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty && parent != path { try makeDirectory(parent, mode: 0o755, parents: true) }
        }
        guard mkdir(path, mode) == 0, chmod(path, mode) == 0 else {
            throw Failure(.runtime, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        try account.handOver(path)
    }

    /// Writes a file whole through a temporary name and a rename, so a reader never sees half.
    private func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(Failure) {
        do throws(AtomicFile.WriteError) {
            try AtomicFile.write(path, bytes, mode: mode) { temporary in
                do throws(Failure) { try account.handOver(temporary); return nil } catch { return error.message }
            }
        } catch {
            throw Failure(.runtime, error.description)
        }
    }
}

/// The policy `install` writes when the server has none: no one can change the gate's own
/// files without sign-off, and the main branches cannot be rewritten or deleted.
public enum StarterPolicy {
    public struct Identity {
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

    public static func text(identity: Identity) -> String {
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
