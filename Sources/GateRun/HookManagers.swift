#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Reports

/// Servers that manage a repository's hooks themselves and would replace or bypass a
/// `hooks/pre-receive` written by hand: gitolite (its hook driver, repo-specific and common
/// hooks), and forges that run every script of a `pre-receive.d/` directory (Gitea, Forgejo,
/// GitLab's custom hooks). `install` installs into their mechanism or refuses up front.
public enum HookManager {
    /// Nobody else writes `$GIT_DIR/hooks/pre-receive`.
    case none
    case gitolite(Gitolite)
    /// A `pre-receive.d/` directory whose scripts the server runs, each with the push on
    /// stdin, any failure refusing the push: through the repository's own `hooks/pre-receive`
    /// (Gitea, Forgejo), or by the server itself (GitLab's Gitaly runs `custom_hooks`).
    case directory(path: String, manager: String, throughHooksDirectory: Bool)

    public static func detect(gitDirectory: String, account: ServerAccount) throws(Failure) -> HookManager {
        let hooks = gitDirectory + "hooks"
        if let gitolite = try Gitolite.detect(gitDirectory: gitDirectory, account: account) { return .gitolite(gitolite) }
        if isDirectory(hooks + "/pre-receive.d") {
            let script = (try? String(contentsOfFile: hooks + "/pre-receive", encoding: .utf8)) ?? ""
            let name = script.localizedCaseInsensitiveContains("forgejo") ? "Forgejo"
                : script.localizedCaseInsensitiveContains("gitea") ? "Gitea" : "the server's pre-receive.d"
            return .directory(path: hooks + "/pre-receive.d", manager: name, throughHooksDirectory: true)
        }
        if isDirectory(gitDirectory + "custom_hooks") {
            return .directory(path: gitDirectory + "custom_hooks/pre-receive.d", manager: "GitLab custom hooks", throughHooksDirectory: false)
        }
        return .none
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}

/// Gitolite 3 as it manages one repository's hooks. Its compile symlinks every common hook
/// (`$LOCAL_CODE/hooks/common/*`, `~/.gitolite/hooks/common/*`) into each repository, and for
/// a repository with `option hook.pre-receive = a b` in gitolite.conf points
/// `hooks/pre-receive` at its multi-hook driver, deletes every `hooks/pre-receive.*`, and links
/// `hooks/pre-receive.h00-a`, `.h01-b` to `$LOCAL_CODE/hooks/repo-specific/{a,b}`. So the only
/// place a pre-receive hook survives is a repo-specific hook named in the conf, or a common one.
public struct Gitolite {
    public var account: ServerAccount
    /// `$rc{LOCAL_CODE}`, nil when unset.
    public var localCode: String?
    /// "repo-specific-hooks" is in the rc's ENABLE list.
    public var repoSpecificEnabled: Bool
    /// The repository's name in gitolite.conf, nil when it is not under `GL_REPO_BASE`.
    public var repoName: String?
    /// The codes of `option hook.pre-receive` for this repository, in order.
    public var preReceiveCodes: [String]
    /// A common pre-receive hook that gitolite links into every repository, if there is one.
    public var commonPreReceive: String?

    /// Where the ReviewGate hook lives as a repo-specific hook.
    public var scriptPath: String? { localCode.map { $0 + "/hooks/repo-specific/" + HookScript.name } }
    public var namesReviewGate: Bool { preReceiveCodes.contains(HookScript.name) }

    /// Gitolite when its `update` hook (which every gitolite repository has) or its hook driver
    /// is linked into the repository; its rc is then read through the `gitolite` command, run
    /// as the repository's account.
    public static func detect(gitDirectory: String, account: ServerAccount) throws(Failure) -> Gitolite? {
        let hooks = gitDirectory + "hooks"
        let update = (try? FileManager.default.destinationOfSymbolicLink(atPath: hooks + "/update")) ?? ""
        let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: hooks + "/pre-receive")) ?? ""
        let updateText = (try? String(contentsOfFile: hooks + "/update", encoding: .utf8)) ?? ""
        guard update.hasSuffix("/hooks/common/update") || updateText.contains("Gitolite::Hooks::Update")
                || driver.hasSuffix("/multi-hook-driver") else { return nil }

        let all = account.run(["gitolite", "query-rc", "-a"])
        guard all.status == 0 else {
            throw Failure(.runtime, "this repository is managed by gitolite, but `gitolite query-rc -a` as \(account.description) failed: \(DisplayText.line(all.err))")
        }
        var rc: [String: String] = [:]
        for line in all.out.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            rc[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        let enabled = account.run(["gitolite", "query-rc", "ENABLE"]).out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let localCode = rc["LOCAL_CODE"].flatMap { $0.isEmpty ? nil : $0 }
        var gitolite = Gitolite(account: account, localCode: localCode, repoSpecificEnabled: enabled.contains("repo-specific-hooks"),
                                repoName: nil, preReceiveCodes: [], commonPreReceive: nil)
        if let base = rc["GL_REPO_BASE"] {
            let root = base.hasSuffix("/") ? base : base + "/"
            let dir = gitDirectory.hasSuffix("/") ? String(gitDirectory.dropLast()) : gitDirectory
            let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: dir)) ?? dir
            for candidate in [dir, real, (dir as NSString).resolvingSymlinksInPath] where candidate.hasPrefix(root) && candidate.hasSuffix(".git") {
                gitolite.repoName = String(candidate.dropFirst(root.count).dropLast(4))
                break
            }
        }
        if let name = gitolite.repoName {
            let options = account.run(["gitolite", "git-config", "-r", name, "gitolite-options\\.hook\\.pre-receive"])
            for line in options.out.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count >= 3, fields[1].hasPrefix("gitolite-options.hook.pre-receive") else { continue }
                gitolite.preReceiveCodes += fields[2].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            }
        }
        var commons: [String] = []
        if let localCode { commons.append(localCode + "/hooks/common/pre-receive") }
        if let admin = rc["GL_ADMIN_BASE"] { commons.append(admin + "/hooks/common/pre-receive") }
        gitolite.commonPreReceive = commons.first { FileManager.default.fileExists(atPath: $0) }
        return gitolite
    }

    /// The script behind the `hooks/pre-receive.hNN-reviewgate` link gitolite made, if any.
    public static func linkedScript(gitDirectory: String) -> String? {
        let hooks = gitDirectory + "hooks"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: hooks) else { return nil }
        guard let name = names.sorted().first(where: { $0.hasPrefix("pre-receive.h") && $0.hasSuffix("-" + HookScript.name) }) else {
            return nil
        }
        let link = hooks + "/" + name
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) ?? link
    }

    /// The gitolite.conf line that makes gitolite run ReviewGate first for this repository,
    /// keeping the repository's other pre-receive hooks after it.
    public var confLine: String {
        "option hook.pre-receive = " + ([HookScript.name] + preReceiveCodes.filter { $0 != HookScript.name }).joined(separator: " ")
    }

    /// The steps that make the gate survive gitolite's compiles, for a refusal message.
    public func steps(gitDirectory: String) -> String {
        let repo = repoName ?? "<this repository>"
        var lines: [String] = []
        if localCode == nil || !repoSpecificEnabled {
            lines.append("in \(account.home)/.gitolite.rc, set LOCAL_CODE => \"$ENV{HOME}/local\", and add 'repo-specific-hooks', to the ENABLE list")
        }
        let local = localCode ?? account.home + "/local"
        lines.append("mkdir -p \(local)/hooks/repo-specific (as \(account.name))")
        lines.append("in gitolite-admin's conf/gitolite.conf, under `repo \(repo)`, add the line:  \(confLine)")
        lines.append("push gitolite-admin (gitolite warns that \(local)/hooks/repo-specific/\(HookScript.name) does not exist yet; that is expected)")
        lines.append("run `reviewgate install --repo \(gitDirectory)` again: it writes that script and links it as gitolite does")
        return lines.enumerated().map { "  \($0.offset + 1). \($0.element)" }.joined(separator: "\n")
    }
}
