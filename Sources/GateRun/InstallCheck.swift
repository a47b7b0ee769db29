#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Git
import Reports

/// `install --check`: whether the installed gate will really run for the next push, judged
/// as the account the hooks run as (the repository's owner). Writes nothing.
public struct InstallCheck {
    public var repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// Prints one line per fact and per problem; returns the number of problems.
    public func run() throws -> Int {
        let gitDirectory = repository.gitDirectory
        let account = try ServerAccount.owner(of: gitDirectory)
        var lines: [String] = []
        var problems = 0
        func ok(_ text: String) { lines.append("reviewgate: ok: " + text) }
        func problem(_ text: String) { lines.append("reviewgate: problem: " + text); problems += 1 }

        ok("the hooks run as \(account.description), the owner of \(gitDirectory)")
        if let hooksPath = try repository.configString("core.hooksPath") {
            problem("core.hooksPath is set (\(hooksPath)): git runs hooks from there, not from \(gitDirectory)hooks")
        }

        // The hook git runs, and the ReviewGate script it leads to.
        let hook = gitDirectory + "hooks/pre-receive"
        var script: String?
        let manager = try HookManager.detect(gitDirectory: gitDirectory, account: account)
        let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: hook)) ?? ""
        func scriptIn(_ dir: String, run by: String) {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            if let name = names.first(where: { HookScript.isOurs(dir + "/" + $0) }) {
                script = dir + "/" + name
                ok("\(by) runs \(dir)/\(name)")
            } else {
                problem("no ReviewGate script in \(dir), which \(by) runs")
            }
        }
        if case let .directory(dir, by, false) = manager {
            // The server runs that directory itself; the repository's hooks/ plays no part.
            scriptIn(dir, run: by)
        } else if !FileManager.default.fileExists(atPath: hook) {
            problem("\(hook) does not exist: git runs no pre-receive hook")
        } else if !account.may(.execute, hook) {
            problem("\(hook) is not executable by \(account.name): git skips it")
        } else if HookScript.isOurs(hook) {
            script = hook
            ok("\(hook) is ReviewGate's")
        } else if driver.hasSuffix("/multi-hook-driver") {
            if let linked = Gitolite.linkedScript(gitDirectory: gitDirectory), HookScript.isOurs(linked) {
                script = linked
                ok("gitolite's hook driver runs \(linked)")
            } else {
                problem("\(hook) is gitolite's hook driver and no ReviewGate repo-specific hook is linked beside it")
            }
        } else if case let .directory(dir, by, true) = manager {
            scriptIn(dir, run: by)
        } else {
            problem("\(hook) is not ReviewGate's and runs no ReviewGate hook")
        }

        // Will gitolite keep it there?
        if case let .gitolite(g) = manager {
            if g.repoSpecificEnabled || !g.preReceiveCodes.isEmpty {
                if g.namesReviewGate {
                    ok("gitolite.conf names `reviewgate` in this repository's hook.pre-receive, so gitolite's compiles keep it")
                } else {
                    problem("gitolite's repo-specific hooks are on and gitolite.conf does not name `reviewgate` for \(g.repoName ?? "this repository"): its next compile takes the gate off. Add `\(g.confLine)`")
                }
            } else if let common = g.commonPreReceive, !HookScript.isOurs(common) {
                problem("gitolite's common pre-receive hook \(common) replaces hooks/pre-receive at its next compile")
            }
        }

        if let script {
            if !account.may(.execute, script) { problem("\(script) is not executable by \(account.name)") }
            let text = (try? String(contentsOfFile: script, encoding: .utf8)) ?? ""
            if let binary = HookScript.binary(inScript: text) {
                if !account.may(.execute, binary) {
                    problem("the binary \(binary) that \(script) runs is missing or not executable by \(account.name): every push is refused")
                } else {
                    let ran = account.run([binary, "--version"])
                    if ran.status == 0 {
                        ok("\(binary) runs as \(account.name) (version \(ran.out.trimmingCharacters(in: .whitespacesAndNewlines)))")
                    } else {
                        problem("\(binary) does not run as \(account.name) (exit \(ran.status)): \(DisplayText.line(ran.err))")
                    }
                }
            } else {
                problem("\(script) names no reviewgate binary")
            }
        }

        // The post-receive hook that records what landed (SPEC §1.5).
        let post = PostReceivePlacement.path(gitDirectory: gitDirectory, manager: manager)
        if HookScript.isOurs(post, marker: HookScript.postReceiveMarker), account.may(.execute, post) {
            ok("\(post) records what landed")
        } else {
            problem("\(post) is not ReviewGate's post-receive hook (or not executable by \(account.name)): pushes land without a landed record, and audit reports the refs they move as moved outside the gate")
        }

        // The policy and the log, as that account can reach them.
        let policyPath = try repository.configString("reviewgate.policy") ?? gitDirectory + "reviewgate/policy.toml"
        var settings: GateSettings?
        if PolicySource.isAbsent(policyPath) {
            ok("no policy at \(policyPath): built-in secret rules only, no core rules")
        } else if !account.may(.read, policyPath) {
            problem("\(account.name) cannot read the policy \(policyPath): every push is refused")
        } else {
            do {
                settings = try GateSettings.make(try PolicySource.file(policyPath))
                ok("the policy \(policyPath) is readable by \(account.name) and valid")
            } catch {
                problem("the policy \(policyPath) does not load: \(Failure(describing: error).message)")
            }
        }
        let logDirectory = settings?.auditDirectory ?? AuditTrail.defaultDirectory(gitDirectory: gitDirectory)
        if pathExists(logDirectory) {
            var writable = account.mayCreate(in: logDirectory)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: logDirectory)) ?? []
                where name == "lock" || name == "checkpoint" || name.hasSuffix(".log") {
                if !account.may(.write, logDirectory + "/" + name) {
                    problem("\(account.name) cannot write \(logDirectory)/\(name): every push is refused")
                    writable = false
                }
            }
            if account.mayCreate(in: logDirectory) {
                if writable { ok("\(account.name) can append to the audit log \(logDirectory)") }
            } else {
                problem("\(account.name) cannot write to the audit log directory \(logDirectory): every push is refused")
            }
        } else {
            var parent = (logDirectory as NSString).deletingLastPathComponent
            while !pathExists(parent) && parent != "/" { parent = (parent as NSString).deletingLastPathComponent }
            if account.mayCreate(in: parent) {
                ok("the audit log \(logDirectory) does not exist yet; \(account.name) can create it")
            } else {
                problem("the audit log \(logDirectory) does not exist and \(account.name) cannot create it in \(parent)")
            }
        }
        if try repository.configString("receive.advertisePushOptions") == "true" {
            ok("push options are advertised (break-glass with -o reviewgate.override works)")
        } else {
            problem("receive.advertisePushOptions is not true: git refuses `git push -o`, so nobody can break glass")
        }

        lines.append(problems == 0
            ? "reviewgate: the gate will run for pushes to \(gitDirectory) as \(account.name)"
            : "reviewgate: \(problems) problem\(problems == 1 ? "" : "s"): the gate as installed will not work for pushes to \(gitDirectory); re-run `reviewgate install --repo \(gitDirectory)` after fixing")
        Notices.write(lines.map { DisplayText.line($0) + "\n" }.joined())
        return problems
    }

    private func pathExists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}
