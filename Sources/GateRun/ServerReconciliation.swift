import AuditLog
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import JSON

/// `audit` reconciling a server repository with its log (SPEC §1.5): every ref's tip must be
/// the one the last `install` record's baseline and the `landed` records after it lead to, and
/// the hooks must be the ones that install wrote. A repository whose log holds no install
/// record (a CI clone, a server installed by an older version) has nothing to reconcile.
public struct ServerReconciliation {
    /// Refs the log expects, by name (nil: the log says it does not exist).
    public private(set) var expected: [String: String?] = [:]
    public private(set) var hooks: [Landing.InstalledHook] = []
    public private(set) var installSeq: Int64?

    /// Namespaces that forges write themselves, outside any push (merge-request heads,
    /// keep-around refs): not reconciled.
    public static let forgeNamespaces = ["refs/merge-requests/", "refs/pull/", "refs/keep-around/", "refs/environments/", "refs/pipelines/"]

    public init() {}

    /// Takes the next record of the log, in order.
    public mutating func add(_ record: JSONValue) {
        guard case let .string(kind)? = record["kind"], kind == "install" || kind == "landed" else { return }
        if kind == "install" {
            expected = [:]
            hooks = Landing.hooks(ofInstall: record)
            if case let .int(seq)? = record["seq"] { installSeq = seq }
        } else if installSeq == nil {
            return
        }
        guard case let .array(refs)? = record["refs"] else { return }
        for item in refs {
            guard case let .string(ref)? = item["ref"] else { continue }
            if case let .string(new)? = item["new"] { expected[ref] = .some(new) } else { expected[ref] = .some(nil) }
        }
    }

    /// Reads the log and reconciles; no findings when the log has no install record.
    public static func findings(repository: Repository, gate: GateSettings, logDirectory: String) throws -> [Finding] {
        var reconciliation = ServerReconciliation()
        try LogReview.read(AuditLog(directory: logDirectory)) { entry in
            if let record = entry.record { reconciliation.add(record) }
        }
        guard reconciliation.installSeq != nil else { return [] }
        let refs = try repository.references().filter { $0.symbolicTarget == nil }
        return reconciliation.hookFindings(repository: repository)
            + reconciliation.refFindings(current: refs, gate: gate, gitDirectory: repository.gitDirectory)
    }

    /// `outside-gate` for every ref whose tip the log does not explain: an error on protected
    /// refs, a warning on other branches and tags; forge namespaces are left out.
    public func refFindings(current: [Reference], gate: GateSettings, gitDirectory: String) -> [Finding] {
        let zero = String(repeating: "0", count: 40)
        var found: [String: String] = [:]
        for ref in current { found[ref.name] = ref.target?.hex ?? zero }
        var findings: [Finding] = []
        let names = Set(found.keys).union(expected.keys).sorted()
        for name in names where !Self.forgeNamespaces.contains(where: { name.hasPrefix($0) }) {
            let want = (expected[name] ?? nil) ?? zero
            let have = found[name] ?? zero
            guard want != have else { continue }
            let protected = gate.refRules.protected.matches(name)
            guard protected || name.hasPrefix("refs/heads/") || name.hasPrefix("refs/tags/") else { continue }
            let what = want == zero ? "was created" : have == zero ? "was deleted" : "moved"
            var finding = Finding(kind: .ref, severity: protected ? .error : .warning, rule: "outside-gate", message:
                "\(name) \(what) outside the gate: the log expects \(want == zero ? "no ref" : String(want.prefix(12))), found \(have == zero ? "no ref" : String(have.prefix(12)))"
                + " (no landed record since the install record explains it); read `reviewgate log show --kind landed` and the server's own logs for who moved it, then re-run `reviewgate install --repo \(gitDirectory)` to take the current tips as the new baseline")
            finding.ref = name
            finding.expected = want
            finding.found = have
            findings.append(finding)
        }
        return findings
    }

    /// `hook-missing`, `hook-modified` and `hooks-path`: the hooks install wrote must still be
    /// there, byte for byte, and git must run them.
    public func hookFindings(repository: Repository) -> [Finding] {
        let hint = "; re-run `reviewgate install --repo \(repository.gitDirectory)` (add --force when a pre-receive hook that is not ReviewGate's took its place; it is kept as a backup), then read `reviewgate log show --kind landed` for what landed meanwhile"
        var findings: [Finding] = []
        for hook in hooks {
            var info = stat()
            if lstat(hook.path, &info) != 0 {
                findings.append(Finding(kind: .server, severity: .error, rule: "hook-missing", path: Array(hook.path.utf8),
                                        message: "the \(hook.hook) hook install wrote is gone: git runs no ReviewGate \(hook.hook) hook" + hint))
            } else if access(hook.path, X_OK) != 0 {
                findings.append(Finding(kind: .server, severity: .error, rule: "hook-missing", path: Array(hook.path.utf8),
                                        message: "the \(hook.hook) hook is not executable: git skips it" + hint))
            } else if Landing.fileHash(hook.path) != hook.sha256 {
                findings.append(Finding(kind: .server, severity: .error, rule: "hook-modified", path: Array(hook.path.utf8),
                                        message: "the \(hook.hook) hook is not the one install wrote (its SHA-256 differs from the install record's)" + hint))
            }
        }
        if let hooksPath = try? repository.configString("core.hooksPath"), !hooksPath.isEmpty {
            let own = repository.gitDirectory + "hooks"
            // Relative paths are taken from where hooks run: the git directory of a bare repository.
            let absolute = hooksPath.hasPrefix("/") ? hooksPath : repository.gitDirectory + hooksPath
            if Self.realPath(absolute) != Self.realPath(own) {
                findings.append(Finding(kind: .server, severity: .error, rule: "hooks-path", path: Array(hooksPath.utf8),
                                        message: "core.hooksPath is set to \(hooksPath): git runs the hooks there instead of \(own), so pushes are not judged"
                                            + "; unset it (git config --unset core.hooksPath, or in the system or global config), re-run `reviewgate install --repo \(repository.gitDirectory)`, then read `reviewgate log show --kind landed` for what landed meanwhile"))
            }
        }
        return findings
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
