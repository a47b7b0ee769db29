import Git
import JSON

/// What `inspect` shows of one commit: its metadata and its own changes. Later duties add
/// trailers, core rules, approvals and findings to the same document.
public struct CommitReport: Sendable {
    public var commit: Commit
    public var changes: [Change]
    /// The message as it may be shown: secrets replaced by their redacted forms.
    public var shownMessage: [UInt8]

    public init(commit: Commit, changes: [Change], shownMessage: [UInt8]? = nil) {
        self.commit = commit
        self.changes = changes
        self.shownMessage = shownMessage ?? commit.message
    }

    /// The JSON document of SPEC §5, keys in the documented order.
    public var json: JSONValue {
        var signature: [(String, JSONValue)] = [("present", .bool(commit.signature != nil))]
        if let sig = commit.signature { signature.append(("format", .string(sig.format.rawValue))) }
        return .object([
            ("commit", .string(commit.id.hex)),
            ("tree", .string(commit.tree.hex)),
            ("parents", .array(commit.parents.map { .string($0.hex) })),
            ("author", Self.identityJSON(commit.author)),
            ("committer", Self.identityJSON(commit.committer)),
            ("changes", .array(changes.map(Self.changeJSON))),
            ("trailers", .array([])),
            ("core", .array([])),
            ("approvals", .array([])),
            ("signature", .object(signature)),
            ("findings", .array([])),
        ])
    }

    static func identityJSON(_ identity: Identity) -> JSONValue {
        .object([
            ("name", .string(identity.name)),
            ("email", .string(identity.email)),
            ("time", .string(Timestamp.rfc3339(seconds: identity.time, offsetMinutes: identity.offsetMinutes))),
        ])
    }

    /// A path that is not valid UTF-8 is written with U+FFFD in `path` and its exact bytes in
    /// hex in `path_hex` (likewise `old_path_hex`), so nothing is lost or made up.
    static func changeJSON(_ change: Change) -> JSONValue {
        var fields: [(String, JSONValue)] = [("status", .string(change.status.rawValue))]
        func addPath(_ key: String, _ bytes: [UInt8]) {
            let (text, exact) = DisplayText.decoded(bytes)
            fields.append((key, .string(text)))
            if !exact { fields.append((key + "_hex", .string(DisplayText.hex(bytes)))) }
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
        lines.append("signature \(commit.signature.map { "\($0.format.rawValue) (present)" } ?? "none")")
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
        return lines.joined(separator: "\n") + "\n"
    }

    static func identityText(_ identity: Identity) -> String {
        let when = Timestamp.rfc3339(seconds: identity.time, offsetMinutes: identity.offsetMinutes)
        return "\(DisplayText.line(identity.name)) <\(DisplayText.line(identity.email))> \(when)"
    }
}
