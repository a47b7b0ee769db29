import Foundation

/// A bare repository set up with `reviewgate install` (the real hook), and a clone to push
/// from with real `git push`.
public final class GateServer: @unchecked Sendable {
    public let bare: ScratchRepository
    public let clone: ScratchRepository

    /// `policy` is installed with `install --policy`; nil leaves install's starter policy out
    /// (the server then runs without a policy: built-in secret rules, no core rules).
    public init(policy: String? = nil, binary: String = Scratch.binary) throws {
        bare = try ScratchRepository(bare: true, label: "server")
        var arguments = ["install", "--repo", bare.path]
        if let policy {
            let file = bare.url.appendingPathComponent("policy-source.toml")
            try Data(policy.utf8).write(to: file)
            arguments += ["--policy", file.path]
        }
        let installed = try run([binary] + arguments)
        guard installed.status == 0 else { throw CommandError(command: arguments, result: installed) }
        if policy == nil { try FileManager.default.removeItem(atPath: bare.path + "/reviewgate/policy.toml") }
        clone = try ScratchRepository(label: "client")
        try clone.git(["remote", "add", "origin", bare.path])
    }

    /// Runs `git push ARGS` from the clone; never throws on a refused push.
    public func push(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try run(["git", "push", "--porcelain"] + arguments, in: clone.url, environment: environment)
    }

    /// The server's value of a ref, or nil when it does not exist.
    public func ref(_ name: String) -> String? {
        guard let r = try? run(["git", "rev-parse", "--verify", "-q", name], in: bare.url), r.status == 0 else { return nil }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The audit records of one kind the server's log holds, oldest first (`reviewgate log show
    /// --format json`): the push records unless told (nil: every record, `install` and
    /// `landed` ones too).
    public func auditRecords(kind: String? = "push") throws -> [[String: Any]] {
        let result = try run([Scratch.binary, "log", "show", "--dir", bare.path + "/reviewgate/audit", "--format", "json"])
        return result.out.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { kind == nil || $0["kind"] as? String == kind }
    }

    /// A record's ref updates as `<ref> <old> <new>` lines (`-` for an absent side).
    public static func updates(_ record: [String: Any]) -> [String] {
        ((record["refs"] as? [[String: Any]]) ?? []).map {
            "\($0["ref"] as? String ?? "?") \($0["old"] as? String ?? "-") \($0["new"] as? String ?? "-")"
        }
    }

    /// `reviewgate audit --repo` on the server, in `format`.
    public func audit(format: String = "json") throws -> CommandResult {
        try run([Scratch.binary, "audit", "--repo", bare.path, "--format", format])
    }

    /// Whether `reviewgate log verify` accepts the server's log.
    public func logVerifies() throws -> Bool {
        try run([Scratch.binary, "log", "verify", "--dir", bare.path + "/reviewgate/audit"]).status == 0
    }

    /// The lines the pusher saw from the hook (`remote: ` prefix and git's padding removed).
    public static func remoteLines(_ result: CommandResult) -> [String] {
        result.err.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("remote: ") else { return nil }
            return String(line.dropFirst(8)).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }
}
