import AuditLog
import Base
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
    /// When the run started (milliseconds since the epoch), for reports that show it; nil
    /// leaves it out, so output stays byte-stable.
    public var startedAt: Int64?
    /// Descriptions of the secret rules, by id, for SARIF rule metadata and the HTML page.
    public var secretRules: [String: RuleDescription]
    /// Whether this run verified the audit log: with no `log` finding, the HTML page says
    /// "intact" when true and "not checked" when false.
    public var logChecked: Bool

    /// The project's home page, named by SARIF's `informationUri`.
    public static let informationURI = "https://github.com/reviewgate/reviewgate"

    public init(version: String, command: String, repository: String?, verdict: Verdict, durationMs: Int,
                startedAt: Int64? = nil, secretRules: [RuleDescription] = [], logChecked: Bool = false) {
        tool = "reviewgate"
        self.version = version
        self.command = command
        self.repository = repository
        self.verdict = verdict
        self.durationMs = durationMs
        self.startedAt = startedAt
        self.secretRules = Dictionary(secretRules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.logChecked = logChecked
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
            if !exact { fields.append(("path_hex", .string(Hex.encode(path)))) }
        }
        if let line = f.line { fields.append(("line", .int(Int64(line)))) }
        if let column = f.column { fields.append(("column", .int(Int64(column)))) }
        if let location = f.location { fields.append(("location", .string(location.rawValue))) }
        if let redacted = f.redacted { fields.append(("redacted", .string(redacted))) }
        if let fingerprint = f.fingerprint { fields.append(("fingerprint", .string(fingerprint))) }
        if let reason = f.reason { fields.append(("reason", .string(reason))) }
        if let ref = f.ref { fields.append(("ref", .string(ref))) }
        if let suppressed = f.suppressed { fields.append(("suppressed", .string(suppressed.rawValue))) }
        if let encoding = f.encoding { fields.append(("encoding", .string(encoding))) }
        if let confidence = f.confidence { fields.append(("confidence", .string(confidence))) }
        if let expected = f.expected { fields.append(("expected", .string(expected))) }
        if let found = f.found { fields.append(("found", .string(found))) }
        if let paths = f.paths { fields.append(("paths", .array(paths.map { .string(DisplayText.decoded($0).0) }))) }
        if let required = f.required { fields.append(("required", .int(Int64(required)))) }
        if let valid = f.valid { fields.append(("valid", .int(Int64(valid)))) }
        if let approvals = f.approvals { fields.append(("approvals", .array(approvals.map(approvalJSON)))) }
        fields.append(("message", .string(f.message)))
        return .object(fields)
    }

    /// A finding read back from `findingJSON`'s form (the audit state keeps findings so); nil
    /// when the kind or severity is unknown.
    public static func finding(fromJSON item: JSONValue) -> Finding? {
        func string(_ key: String) -> String? { if case let .string(v)? = item[key] { v } else { nil } }
        func int(_ key: String) -> Int? { if case let .int(v)? = item[key] { Int(v) } else { nil } }
        guard let kind = string("kind").flatMap(Finding.Kind.init(rawValue:)),
              let severity = string("severity").flatMap(Finding.Severity.init(rawValue:)) else { return nil }
        let path: [UInt8]? = string("path_hex").flatMap { Hex.decode($0) } ?? string("path").map { Array($0.utf8) }
        var finding = Finding(kind: kind, severity: severity, rule: string("rule"), commit: string("commit"),
                              path: path, line: int("line"), column: int("column"),
                              location: string("location").flatMap(Finding.Location.init(rawValue:)),
                              redacted: string("redacted"), fingerprint: string("fingerprint"),
                              reason: string("reason"), message: string("message") ?? "")
        finding.ref = string("ref")
        finding.suppressed = string("suppressed").flatMap(Finding.Suppression.init(rawValue:))
        finding.encoding = string("encoding")
        finding.confidence = string("confidence")
        finding.expected = string("expected")
        finding.found = string("found")
        if case let .array(paths)? = item["paths"] {
            finding.paths = paths.compactMap { if case let .string(p) = $0 { Array(p.utf8) } else { nil } }
        }
        finding.required = int("required")
        finding.valid = int("valid")
        if case let .array(approvals)? = item["approvals"] {
            finding.approvals = approvals.compactMap { a in
                guard case let .string(by)? = a["by"], case let .string(e)? = a["evidence"],
                      let evidence = Evidence(rawValue: e) else { return nil }
                let counted = if case let .bool(c)? = a["counted"] { c } else { false }
                if counted { return ApprovalOutcome(by: by, evidence: evidence, reason: nil) }
                guard case let .string(r)? = a["reason"], let reason = ApprovalReason(rawValue: r) else { return nil }
                return ApprovalOutcome(by: by, evidence: evidence, reason: reason)
            }
        }
        return finding
    }

    public static func approvalJSON(_ a: ApprovalOutcome) -> JSONValue {
        .object([("by", .string(a.by)), ("evidence", .string(a.evidence.rawValue)),
                 ("counted", .bool(a.counted)), ("reason", .string(a.reason?.rawValue ?? ""))])
    }

    /// One line per finding, errors first, then a summary line.
    public var text: String {
        var lines: [String] = []
        let ordered = verdict.findings.filter { $0.severity == .error } + verdict.findings.filter { $0.severity == .warning }
            + verdict.findings.filter { $0.severity == .note }
        lines += ordered.map(Self.row)
        lines.append(summaryLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// One finding as one line for people: where, what, and the redacted value — never the secret.
    public static func row(_ f: Finding) -> String {
        var where_ = ""
        if let ref = f.ref { where_ += DisplayText.quoted(ref.utf8) + " " }
        if let commit = f.commit { where_ += String(commit.prefix(12)) + " " }
        if let path = f.path { where_ += DisplayText.quoted(path) } else if f.location == .message { where_ += "(commit message)" }
        switch f.location {
        case .path?: where_ += " (path name)"
        case .ref?: where_ += "(ref name)"
        case .identity?: where_ += "(identity)"
        case .header?: where_ += "(header)"
        default: break
        }
        if let line = f.line { where_ += ":\(line)" + (f.column.map { ":\($0)" } ?? "") }
        while where_.hasSuffix(" ") { where_.removeLast() }
        if f.kind == .skipped { return "\(f.severity.rawValue): \(where_): \(f.message)" }
        var row = "\(f.severity.rawValue): \(f.rule ?? f.kind.rawValue)" + (where_.isEmpty ? "" : ": \(where_)")
        if let redacted = f.redacted { row += " \(redacted)" }
        if let suppressed = f.suppressed { row += " (suppressed: \(suppressed.rawValue))" }
        if let fp = f.fingerprint { row += " (fingerprint \(fp.prefix(16)))" }
        if let encoding = f.encoding { row += " (found \(encoding) decoded)" }
        row += " — \(DisplayText.line(f.message))"
        return row
    }
}

extension VerdictReport {
    /// Findings worst first: errors before warnings; within each, secrets, approvals,
    /// signatures, refs, the log, then skipped files; otherwise in the gate's order.
    public var worstFirst: [Finding] {
        verdict.findings.enumerated().sorted { a, b in
            let ka = (Self.severityRank(a.element.severity), Self.kindRank(a.element.kind), a.offset)
            let kb = (Self.severityRank(b.element.severity), Self.kindRank(b.element.kind), b.offset)
            return ka < kb
        }.map(\.element)
    }

    static func severityRank(_ severity: Finding.Severity) -> Int {
        switch severity {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    static func kindRank(_ kind: Finding.Kind) -> Int {
        switch kind {
        case .secret: 0
        case .approval: 1
        case .signature: 2
        case .ref: 3
        case .server: 4
        case .log: 5
        case .skipped: 6
        }
    }

    /// What a finding says, in one line without its file position: the rule's words, the
    /// redacted value and fingerprint for secrets, the approval count, the commit or ref.
    /// Never a secret; control characters made visible.
    static func headline(_ f: Finding) -> String {
        var text = DisplayText.line(f.message)
        switch f.kind {
        case .secret:
            if let redacted = f.redacted { text += ": " + DisplayText.line(redacted) }
            if let fp = f.fingerprint { text += " (fingerprint \(fp.prefix(16)))" }
        case .approval:
            if let valid = f.valid, let required = f.required { text += " (\(valid) of \(required) approvals)" }
            for a in f.approvals ?? [] where !a.counted {
                text += "; \(DisplayText.line(a.by)) (\(a.evidence.rawValue)) not counted: \(a.reason?.rawValue ?? "")"
            }
        case .skipped:
            if let reason = f.reason { text += " (\(reason))" }
        case .signature, .ref, .server, .log:
            break
        }
        if let commit = f.commit {
            text += (f.location == .message ? " in the message of " : " in commit ") + String(commit.prefix(12))
        } else if f.location == .message {
            text += " in a commit message"
        }
        if let ref = f.ref { text += " on " + DisplayText.line(ref) }
        return text
    }

    /// The first line of a commit's message.
    static func subject(_ id: String, in examined: [ExaminedCommit]?) -> String? {
        examined?.first { $0.id == id }?.subject
    }

    /// A finding's path as text (lossy for bytes that are not UTF-8).
    static func pathText(_ f: Finding) -> String? {
        f.path.map { DisplayText.decoded($0).text }
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// The summary line every format ends with.
    var summaryLine: String {
        let errors = verdict.findings.filter { $0.severity == .error }.count
        let warnings = verdict.findings.count - errors
        return "\(verdict.decision.rawValue): \(Self.plural(errors, "problem")), \(Self.plural(warnings, "warning")); "
            + "\(Self.plural(verdict.commitsExamined, "commit")) and \(Self.plural(verdict.blobsScanned, "blob")) examined in \(durationMs) ms"
    }
}
