// The engine: given commits (from a push, a CI range or a whole history), it asks Git for
// their changes, runs Secrets over new blobs (each once, in parallel) and returns findings.
// It knows no command line and prints nothing.

import Base
import Secrets

/// One thing the gate reports (SPEC §5). Never holds a secret: only its redacted form and
/// fingerprint.
public struct Finding: Sendable, Equatable {
    public enum Kind: String, Sendable { case secret, approval, signature, ref, server, skipped, log }
    /// `note` is a suppressed match (SPEC §1.3): reported, never blocking.
    public enum Severity: String, Sendable { case error, warning, note }
    /// Where in what a push brings the match was: a blob's content, a commit or tag message,
    /// a path name in a tree, a pushed ref name, an identity (author, committer, tagger) or
    /// another header value of a commit or tag.
    public enum Location: String, Sendable {
        case content, message, path, ref, identity, header
    }
    /// Which suppression turned a match into a note (SPEC §1.3).
    public enum Suppression: String, Sendable { case inline, baseline, allowlist }

    public var kind: Kind
    public var severity: Severity
    public var rule: String?
    public var commit: String?
    /// Raw path bytes (git paths need not be UTF-8).
    public var path: [UInt8]?
    public var line: Int?
    public var column: Int?
    public var location: Location?
    public var redacted: String?
    public var fingerprint: String?
    /// For `skipped`: why (`binary`, `too-large`).
    public var reason: String?
    public var message: String
    /// For `approval`: the core paths the commit touched, how many approvals the rule needs,
    /// how many counted, and every approval seen with why it counts or not.
    public var paths: [[UInt8]]?
    public var required: Int?
    public var valid: Int?
    public var approvals: [ApprovalOutcome]?
    /// For `ref` (and any finding tied to one ref update): the ref name.
    public var ref: String?
    /// For a suppressed match (`severity: note`): which suppression applied.
    public var suppressed: Suppression?
    /// For a secret found in decoded text: the decoding chain that revealed it, outermost
    /// first (`base64`, `hex`, `percent`, `unicode-escape`, `joined`, …, joined by `+`).
    public var encoding: String?
    /// For a secret: the rule's confidence (`high`, `medium`, `low`).
    public var confidence: String?
    /// For a ref or evidence finding that compares tips (`outside-gate`): the tip the log
    /// expects and the tip found.
    public var expected: String?
    public var found: String?

    public init(kind: Kind, severity: Severity, rule: String? = nil, commit: String? = nil, path: [UInt8]? = nil,
                line: Int? = nil, column: Int? = nil, location: Location? = nil, redacted: String? = nil,
                fingerprint: String? = nil, reason: String? = nil, message: String) {
        self.kind = kind
        self.severity = severity
        self.rule = rule
        self.commit = commit
        self.path = path
        self.line = line
        self.column = column
        self.location = location
        self.redacted = redacted
        self.fingerprint = fingerprint
        self.reason = reason
        self.message = message
    }
}

/// One approval the gate saw for a commit and rule, and whether it counted (SPEC §5).
public struct ApprovalOutcome: Sendable, Equatable {
    /// The person id when known, else the identity seen (an email or a key fingerprint).
    public var by: String
    public var evidence: Evidence
    /// Nil when the approval counts; else why it does not.
    public var reason: ApprovalReason?
    public var counted: Bool { reason == nil }

    public init(by: String, evidence: Evidence, reason: ApprovalReason?) {
        self.by = by
        self.evidence = evidence
        self.reason = reason
    }
}

/// Why an approval counts zero (SPEC §1.2). A closed set: reports and the audit log name
/// these words, and `log analyze` and users' scripts match on them.
public enum ApprovalReason: String, Sendable, CaseIterable {
    /// Four eyes: the commit's author, committer or pusher approving it.
    case author, committer, pusher
    /// A person the rule's `from` list does not name.
    case notInFrom = "not-in-from"
    /// A trailer whose email no person in the policy has.
    case unknownIdentity = "unknown-identity"
    /// A trailer where the rule requires signed evidence.
    case trailerNotAccepted = "trailer-not-accepted"
    /// The same person already counted once.
    case duplicatePerson = "duplicate-person"
    case badSignature = "bad-signature"
    case wrongNamespace = "wrong-namespace"
    case unreadableSignature = "unreadable-signature"
    /// A valid signature by a key no person (nor allowed_signers entry) holds.
    case unknownKey = "unknown-key"
    /// A key outside its validity window or namespaces, by the server's clock.
    case keyNotValidNow = "key-not-valid-now"
    /// A valid approval of another commit (copied).
    case otherCommit = "other-commit"
    /// A patch-id approval where the rule binds approvals to the commit.
    case wrongBinding = "wrong-binding"
}

extension Finding {
    /// Why a file was not (fully) scanned. `binary` is no longer given (binary content is
    /// read, SPEC §1.3) but stays readable in old records.
    public enum SkipReason: String, Sendable {
        case binary, tooLarge = "too-large", unreadable, regexLimit = "regex-limit"
        case archiveLimit = "archive-limit", archiveDepth = "archive-depth", corrupt
        case deltaTooLarge = "delta-too-large"
        case decodeLimit = "decode-limit"

        var message: String {
            switch self {
            case .binary: "binary file not scanned"
            case .tooLarge: "file larger than max_file_bytes not scanned"
            case .unreadable: "cannot read the file"
            case .regexLimit: "a rule gave up on a line at its backtracking limit; that line was not fully scanned"
            case .archiveLimit: "archive past its expansion, ratio or member limit not fully scanned"
            case .archiveDepth: "archive nested deeper than 3 levels not scanned"
            case .corrupt: "corrupt or unreadable compressed data not scanned"
            case .deltaTooLarge: "a large blob stored as a delta, too large to rebuild in memory, not scanned"
            case .decodeLimit: "more encoded text than the decoding budget allows; the rest was not decoded"
            }
        }

        public init(_ problem: Archives.Problem) {
            switch problem {
            case .limit: self = .archiveLimit
            case .depth: self = .archiveDepth
            case .corrupt: self = .corrupt
            case .tooLarge: self = .tooLarge
            case .decodeLimit: self = .decodeLimit
            }
        }
    }

    /// A `skipped` finding; what cannot be read in full takes `[secrets] unscannable` as its
    /// severity, other skips are warnings.
    public static func skipped(_ reason: SkipReason, commit: String? = nil, path: [UInt8], severity: Severity = .warning) -> Finding {
        Finding(kind: .skipped, severity: severity, commit: commit, path: path, reason: reason.rawValue, message: reason.message)
    }
}

/// What one run decided, with the figures reports show.
public struct Verdict: Sendable {
    public enum Decision: String, Sendable { case accept, reject, override }
    public var findings: [Finding]
    public var commitsExamined: Int
    public var blobsScanned: Int
    /// The commits examined, in the order examined, when a report needs them (JUnit has one
    /// test case per commit); nil when the command did not collect them.
    public var examined: [ExaminedCommit]?

    public init(findings: [Finding], commitsExamined: Int, blobsScanned: Int) {
        self.findings = findings
        self.commitsExamined = commitsExamined
        self.blobsScanned = blobsScanned
    }

    /// Errors reject; warnings (`skipped`) never change the outcome.
    public var decision: Decision { findings.contains { $0.severity == .error } ? .reject : .accept }
}

/// A commit a run examined, with its subject line for reports that name each commit.
public struct ExaminedCommit: Sendable, Equatable {
    public var id: String
    /// The first line of the message, as stored (may hold any bytes, decoded lossily).
    public var subject: String

    public init(id: String, subject: String) {
        self.id = id
        self.subject = subject
    }
}
