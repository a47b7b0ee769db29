import Base
import Gate
import Git
import JSON

/// What `inspect` shows of one commit: its metadata, its own changes, its trailers, the core
/// rules it touches with each approval and why it counts or not, its signature, and its
/// findings (secrets redacted).
public struct CommitReport: Sendable {
    public var commit: Commit
    public var changes: [Change]
    /// The message as it may be shown: secrets replaced by their redacted forms.
    public var shownMessage: [UInt8]
    public var review: SignOff.CommitReview?
    /// The trailers as git parses them, redacted like the message.
    public var trailers: [(key: String, value: String)]
    public var findings: [Finding]

    public init(commit: Commit, changes: [Change], shownMessage: [UInt8]? = nil, review: SignOff.CommitReview? = nil,
                trailers: [(key: String, value: String)] = [], findings: [Finding] = []) {
        self.commit = commit
        self.changes = changes
        self.shownMessage = shownMessage ?? commit.message
        self.review = review
        self.trailers = trailers
        self.findings = findings
    }

    var signatureJSON: JSONValue {
        var fields: [(String, JSONValue)] = [("present", .bool(commit.signature != nil))]
        if let sig = commit.signature { fields.append(("format", .string(sig.format.rawValue))) }
        if let status = review?.signature, status.present {
            fields.append(("verified", .bool(status.verified)))
            if let by = status.by { fields.append(("by", .string(by))) }
            if !status.reason.isEmpty { fields.append(("reason", .string(status.reason))) }
        }
        return .object(fields)
    }

    /// The JSON document of SPEC §5, keys in the documented order.
    public var json: JSONValue {
        let rules = review?.rules ?? []
        return .object([
            ("commit", .string(commit.id.hex)),
            ("tree", .string(commit.tree.hex)),
            ("parents", .array(commit.parents.map { .string($0.hex) })),
            ("author", Self.identityJSON(commit.author)),
            ("committer", Self.identityJSON(commit.committer)),
            ("changes", .array(changes.map(Self.changeJSON))),
            ("trailers", .array(trailers.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })),
            ("core", .array(rules.map { r in
                .object([("rule", .string(r.rule)), ("paths", .array(r.paths.map { .string(DisplayText.decoded($0).text) })),
                         ("required", .int(Int64(r.required))), ("valid", .int(Int64(r.valid)))])
            })),
            ("approvals", .array(rules.flatMap { r in
                r.approvals.map { a in
                    .object([("rule", .string(r.rule)), ("by", .string(a.by)), ("evidence", .string(a.evidence.rawValue)),
                             ("counted", .bool(a.counted)), ("reason", .string(a.reason?.rawValue ?? ""))])
                }
            })),
            ("signature", signatureJSON),
            ("findings", .array(findings.map(VerdictReport.findingJSON))),
        ])
    }

    static func identityJSON(_ identity: Identity) -> JSONValue {
        .object([
            ("name", .string(identity.name)),
            ("email", .string(identity.email)),
            ("time", .string(RFC3339.withOffset(seconds: identity.time, offsetMinutes: identity.offsetMinutes))),
        ])
    }

    /// A path that is not valid UTF-8 is written with U+FFFD in `path` and its exact bytes in
    /// hex in `path_hex` (likewise `old_path_hex`), so nothing is lost or made up.
    static func changeJSON(_ change: Change) -> JSONValue {
        var fields: [(String, JSONValue)] = [("status", .string(change.status.rawValue))]
        func addPath(_ key: String, _ bytes: [UInt8]) {
            let (text, exact) = DisplayText.decoded(bytes)
            fields.append((key, .string(text)))
            if !exact { fields.append((key + "_hex", .string(Hex.encode(bytes)))) }
        }
        addPath("path", change.path)
        if let old = change.oldPath { addPath("old_path", old) }
        fields += [
            ("old_mode", .string(change.oldMode.description)),
            ("new_mode", .string(change.newMode.description)),
            ("old_oid", .string(change.oldID.hex)),
            ("new_oid", .string(change.newID.hex)),
        ]
        return .object(fields)
    }

    /// A readable summary for a terminal; every byte from the repository passes through
    /// `DisplayText` first.
    public var text: String {
        var lines: [String] = []
        lines.append("commit \(commit.id.hex)")
        lines.append("tree \(commit.tree.hex)")
        for parent in commit.parents { lines.append("parent \(parent.hex)") }
        lines.append("author \(Self.identityText(commit.author))")
        lines.append("committer \(Self.identityText(commit.committer))")
        var signature = commit.signature.map { "\($0.format.rawValue) (present)" } ?? "none"
        if let status = review?.signature, status.present {
            signature += status.verified ? ", verified" + (status.by.map { " (\($0))" } ?? "") : ", not verified: \(status.reason)"
        }
        lines.append("signature \(DisplayText.line(signature))")
        lines.append("")
        let message = String(decoding: shownMessage, as: UTF8.self)
        for line in message.split(separator: "\n", omittingEmptySubsequences: false).dropLast(message.hasSuffix("\n") ? 1 : 0) {
            lines.append("    " + DisplayText.line(String(line)))
        }
        lines.append("")
        let kind = commit.isMerge ? "changes (own changes of a merge, against the first parent)" : "changes"
        lines.append("\(kind): \(changes.count)")
        for change in changes {
            var row = "  \(change.status.rawValue) \(change.oldMode) \(change.newMode) "
            if let old = change.oldPath { row += "\(DisplayText.quoted(old)) -> " }
            row += DisplayText.quoted(change.path)
            lines.append(row)
        }
        if !trailers.isEmpty {
            lines.append("trailers:")
            for t in trailers { lines.append("  \(DisplayText.line(t.key)): \(DisplayText.line(t.value))") }
        }
        for r in review?.rules ?? [] {
            lines.append("core rule \(DisplayText.line(r.rule)): \(r.valid) of \(r.required) approvals\(r.satisfied ? "" : " — NOT SIGNED OFF")")
            for path in r.paths { lines.append("  path \(DisplayText.quoted(path))") }
            if r.approvals.isEmpty { lines.append("  no approvals") }
            for a in r.approvals {
                lines.append("  \(a.evidence.rawValue) approval by \(DisplayText.line(a.by)): " + (a.counted ? "counts" : "does not count (\(a.reason?.rawValue ?? ""))"))
            }
        }
        if !findings.isEmpty {
            lines.append("findings:")
            lines += findings.map { "  " + DisplayText.line(VerdictReport.row($0)) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func identityText(_ identity: Identity) -> String {
        let when = RFC3339.withOffset(seconds: identity.time, offsetMinutes: identity.offsetMinutes)
        return "\(DisplayText.line(identity.name)) <\(DisplayText.line(identity.email))> \(when)"
    }
}
