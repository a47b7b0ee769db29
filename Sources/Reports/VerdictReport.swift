import Gate
import JSON

/// A run's findings for people (text) and machines (the JSON document of SPEC §5).
public struct VerdictReport: Sendable {
    public var tool: String
    public var version: String
    public var command: String
    public var repository: String?
    public var verdict: Verdict
    public var durationMs: Int

    public init(version: String, command: String, repository: String?, verdict: Verdict, durationMs: Int) {
        tool = "reviewgate"
        self.version = version
        self.command = command
        self.repository = repository
        self.verdict = verdict
        self.durationMs = durationMs
    }

    public var json: JSONValue {
        .object([
            ("tool", .object([("name", .string(tool)), ("version", .string(version))])),
            ("repository", repository.map(JSONValue.string) ?? .null),
            ("command", .string(command)),
            ("decision", .string(verdict.decision.rawValue)),
            ("commits_examined", .int(Int64(verdict.commitsExamined))),
            ("blobs_scanned", .int(Int64(verdict.blobsScanned))),
            ("duration_ms", .int(Int64(durationMs))),
            ("findings", .array(verdict.findings.map(Self.findingJSON))),
        ])
    }

    public static func findingJSON(_ f: Finding) -> JSONValue {
        var fields: [(String, JSONValue)] = [("kind", .string(f.kind.rawValue))]
        if let rule = f.rule { fields.append(("rule", .string(rule))) }
        fields.append(("severity", .string(f.severity.rawValue)))
        if let commit = f.commit { fields.append(("commit", .string(commit))) }
        if let path = f.path {
            let (text, exact) = DisplayText.decoded(path)
            fields.append(("path", .string(text)))
            if !exact { fields.append(("path_hex", .string(DisplayText.hex(path)))) }
        }
        if let line = f.line { fields.append(("line", .int(Int64(line)))) }
        if let column = f.column { fields.append(("column", .int(Int64(column)))) }
        if let location = f.location { fields.append(("location", .string(location.rawValue))) }
        if let redacted = f.redacted { fields.append(("redacted", .string(redacted))) }
        if let fingerprint = f.fingerprint { fields.append(("fingerprint", .string(fingerprint))) }
        if let reason = f.reason { fields.append(("reason", .string(reason))) }
        if let ref = f.ref { fields.append(("ref", .string(ref))) }
        if let paths = f.paths { fields.append(("paths", .array(paths.map { .string(DisplayText.decoded($0).0) }))) }
        if let required = f.required { fields.append(("required", .int(Int64(required)))) }
        if let valid = f.valid { fields.append(("valid", .int(Int64(valid)))) }
        if let approvals = f.approvals { fields.append(("approvals", .array(approvals.map(approvalJSON)))) }
        fields.append(("message", .string(f.message)))
        return .object(fields)
    }

    public static func approvalJSON(_ a: ApprovalOutcome) -> JSONValue {
        .object([("by", .string(a.by)), ("evidence", .string(a.evidence.rawValue)),
                 ("counted", .bool(a.counted)), ("reason", .string(a.reason))])
    }

    /// One line per finding, errors first, then a summary line.
    public var text: String {
        var lines: [String] = []
        let ordered = verdict.findings.filter { $0.severity == .error } + verdict.findings.filter { $0.severity == .warning }
        lines += ordered.map(Self.row)
        let errors = verdict.findings.filter { $0.severity == .error }.count
        let warnings = verdict.findings.count - errors
        lines.append("\(verdict.decision.rawValue): \(errors) problem\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"); "
                     + "\(verdict.commitsExamined) commit\(verdict.commitsExamined == 1 ? "" : "s") and \(verdict.blobsScanned) blob\(verdict.blobsScanned == 1 ? "" : "s") examined in \(durationMs) ms")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One finding as one line for people: where, what, and the redacted value — never the secret.
    public static func row(_ f: Finding) -> String {
        var where_ = ""
        if let ref = f.ref { where_ += ref + " " }
        if let commit = f.commit { where_ += String(commit.prefix(12)) + " " }
        if let path = f.path { where_ += DisplayText.quoted(path) } else if f.location == .message { where_ += "(commit message)" }
        if let line = f.line { where_ += ":\(line)" + (f.column.map { ":\($0)" } ?? "") }
        if f.kind == .skipped { return "warning: \(where_): \(f.message)" }
        var row = "\(f.severity.rawValue): \(f.rule ?? f.kind.rawValue)" + (where_.isEmpty ? "" : ": \(where_)")
        if let redacted = f.redacted { row += " \(redacted)" }
        if let fp = f.fingerprint { row += " (fingerprint \(fp.prefix(16)))" }
        row += " — \(DisplayText.line(f.message))"
        return row
    }
}
