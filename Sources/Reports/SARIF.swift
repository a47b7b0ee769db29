import Base
import Crypto
import Gate
import JSON

/// SARIF 2.1.0 for GitHub code scanning (SPEC §5): valid against the OASIS schema, and shaped
/// for what code scanning accepts — every result has a physical location with a relative
/// artifact URI, rules carry metadata, and fingerprints are stable across runs.
extension VerdictReport {
    /// Where results that concern no file are placed. Code scanning rejects a whole upload
    /// when any result lacks a physical location with an artifact URI ("expected at least one
    /// location", "expected artifact location"), so a commit message, a ref update or the audit
    /// log cannot be given a logical location alone. The policy file is the one real file that
    /// governs those findings; the commit or ref is added as a logical location.
    public static let sarifAnchorPath = ".reviewgate/policy.toml"

    /// The SARIF log, indented, ending in a newline.
    public var sarif: String { Markup.indented(sarifJSON) }

    public var sarifJSON: JSONValue {
        let rules = sarifRules
        let index = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let results: [JSONValue] = verdict.findings.map { sarifResult($0, ruleIndex: index[RuleDescription.id(for: $0)] ?? 0) }
        var driver: [(String, JSONValue)] = [
            ("name", .string(tool)),
            ("version", .string(version)),
        ]
        if Self.isSemanticVersion(version) { driver.append(("semanticVersion", .string(version))) }
        driver += [
            ("informationUri", .string(Self.informationURI)),
            ("rules", .array(rules.map(Self.sarifRule))),
        ]
        var invocation: [(String, JSONValue)] = [("executionSuccessful", .bool(true))]
        if let startedAt {
            invocation.append(("startTimeUtc", .string(RFC3339.utcMilliseconds(startedAt))))
            invocation.append(("endTimeUtc", .string(RFC3339.utcMilliseconds(startedAt + Int64(durationMs)))))
        }
        invocation.append(("properties", .object([
            ("decision", .string(verdict.decision.rawValue)),
            ("commitsExamined", .int(Int64(verdict.commitsExamined))),
            ("blobsScanned", .int(Int64(verdict.blobsScanned))),
            ("durationMs", .int(Int64(durationMs))),
        ])))
        let run: JSONValue = .object([
            ("tool", .object([("driver", .object(driver))])),
            // Separates `check` from `audit` uploads, so one never closes the other's alerts.
            ("automationDetails", .object([("id", .string("reviewgate/\(command)/"))])),
            ("invocations", .array([.object(invocation)])),
            // Columns count characters (code points), as the scanner reports them.
            ("columnKind", .string("unicodeCodePoints")),
            ("results", .array(results)),
        ])
        return .object([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])
    }

    /// Every rule some finding cites, once, sorted by id.
    var sarifRules: [RuleDescription] {
        var byID: [String: RuleDescription] = [:]
        for f in verdict.findings where byID[RuleDescription.id(for: f)] == nil {
            byID[RuleDescription.id(for: f)] = RuleDescription.describing(f, secretRules: secretRules)
        }
        return byID.keys.sorted().compactMap { byID[$0] }
    }

    static func sarifRule(_ rule: RuleDescription) -> JSONValue {
        let kind = kindOf(ruleID: rule.id)
        let level = kind == .skipped ? "warning" : "error"
        var properties: [(String, JSONValue)] = [("tags", .array(rule.tags.map(JSONValue.string)))]
        if let severity = RuleDescription.securitySeverity(kind) { properties.append(("security-severity", .string(severity))) }
        return .object([
            ("id", .string(rule.id)),
            ("name", .string(rule.id)),
            ("shortDescription", .object([("text", .string(rule.summary))])),
            ("fullDescription", .object([("text", .string(rule.details.isEmpty ? rule.summary : rule.details))])),
            ("help", .object([("text", .string(rule.help.isEmpty ? rule.summary : rule.help))])),
            ("defaultConfiguration", .object([("level", .string(level))])),
            ("properties", .object(properties)),
        ])
    }

    /// The kind a report rule id stands for (secret rule ids are anything else).
    static func kindOf(ruleID: String) -> Finding.Kind {
        if ruleID.hasPrefix("approval/") { return .approval }
        if ruleID.hasPrefix("ref/") { return .ref }
        switch ruleID {
        case "signature": return .signature
        case "skipped": return .skipped
        case "log": return .log
        default: return .secret
        }
    }

    func sarifResult(_ f: Finding, ruleIndex: Int) -> JSONValue {
        let fingerprint = Self.stableFingerprint(f)
        // What the result's other fields do not already say (commit, ref, redacted value,
        // approvals…), with the JSON report's keys; `path_hex` keeps a non-UTF-8 path exact.
        let properties = Self.findingJSON(f).objectPairs.filter { !["rule", "severity", "path", "line", "column", "message"].contains($0.0) }
        return .object([
            ("ruleId", .string(RuleDescription.id(for: f))),
            ("ruleIndex", .int(Int64(ruleIndex))),
            ("level", .string(f.severity.rawValue)),
            ("message", .object([("text", .string(Self.headline(f)))])),
            ("locations", .array([Self.sarifLocation(f)])),
            // `primaryLocationLineHash` is set too: upload-sarif computes one from the file's
            // line only when it is missing, and for findings placed on the anchor file that
            // would merge different findings into one alert.
            ("partialFingerprints", .object([
                ("reviewgate/v1", .string(fingerprint)),
                ("primaryLocationLineHash", .string(fingerprint)),
            ])),
            ("properties", .object(properties)),
        ])
    }

    static func sarifLocation(_ f: Finding) -> JSONValue {
        // An approval finding has no path of its own but names the core paths it touched.
        let path = f.path ?? (f.kind == .approval ? f.paths?.first : nil)
        // A line counts only in the finding's own file (a message's line is not the anchor's).
        let line = f.path != nil ? max(1, f.line ?? 1) : 1
        var region: [(String, JSONValue)] = [("startLine", .int(Int64(line)))]
        if f.path != nil, let column = f.column, column >= 1 { region.append(("startColumn", .int(Int64(column)))) }
        var location: [(String, JSONValue)] = [
            ("physicalLocation", .object([
                ("artifactLocation", .object([("uri", .string(uriPath(path ?? Array(sarifAnchorPath.utf8))))])),
                ("region", .object(region)),
            ])),
        ]
        var logical: [JSONValue] = []
        if let commit = f.commit {
            let message = f.location == .message
            logical.append(.object([("name", .string(String(commit.prefix(12)) + (message ? " message" : ""))),
                                    ("fullyQualifiedName", .string(commit + (message ? "/message" : ""))),
                                    ("kind", .string(message ? "commit-message" : "commit"))]))
        }
        if let ref = f.ref {
            logical.append(.object([("name", .string(ref)), ("fullyQualifiedName", .string(ref)), ("kind", .string("ref"))]))
        }
        if f.kind == .log, logical.isEmpty {
            logical.append(.object([("name", .string("audit log")), ("kind", .string("audit-log"))]))
        }
        if !logical.isEmpty { location.append(("logicalLocations", .array(logical))) }
        return .object(location)
    }

    /// A fingerprint that stays the same while the finding does. Secrets: the rule, the
    /// secret's own fingerprint and the file (or the message), but not the commit, so a
    /// rebased branch still maps to the same alert. Others: kind, rule, commit, path, ref and
    /// reason (and the message for the log, whose findings name the bad record).
    static func stableFingerprint(_ f: Finding) -> String {
        var parts: [[UInt8]] = [Array(f.kind.rawValue.utf8), Array((f.rule ?? "").utf8)]
        switch f.kind {
        case .secret:
            parts += [Array((f.fingerprint ?? f.commit ?? "").utf8), f.path ?? Array("(message)".utf8)]
        default:
            parts += [Array((f.commit ?? "").utf8), f.path ?? [], Array((f.ref ?? "").utf8), Array((f.reason ?? "").utf8)]
            if f.kind == .log { parts.append(Array(f.message.utf8)) }
        }
        // Length-prefixed, so no two different lists of parts hash the same bytes.
        var bytes: [UInt8] = []
        for part in parts {
            bytes += Array(String(part.count).utf8) + [0x3A] + part
        }
        return Hex.encode(Array(SHA256.hash(data: bytes)))
    }

    /// A repository path as a relative URI reference: every byte outside RFC 3986's unreserved
    /// set and `/` is percent-encoded, so spaces, `#`, `%`, `:` and bytes that are not UTF-8
    /// survive exactly, and no path reads as a scheme or a query.
    static func uriPath(_ path: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in path {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isSemanticVersion(_ v: String) -> Bool {
        let core = v.split(separator: "-", maxSplits: 1).first ?? ""
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }
}

extension JSONValue {
    /// The pairs of an object, or none.
    var objectPairs: [(String, JSONValue)] {
        if case let .object(pairs) = self { return pairs }
        return []
    }
}
