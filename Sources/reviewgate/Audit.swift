import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import JSON
import Reports

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Examines the whole history of all refs (or those named) for secrets ever introduced.",
        discussion: """
        Each secret is reported once, at the first commit that introduced it; annotated-tag \
        messages are scanned too. With --state, what was examined is remembered, and the next \
        run looks only at new commits (earlier findings are reported again from the state). \
        Exit 1 when anything is found.
        """
    )

    @OptionGroup var repository: RepositoryOptions

    @Option(name: .customLong("refs"), help: "Only refs matching this glob, e.g. 'refs/heads/*'. Repeatable.")
    var refPatterns: [String] = []

    @Option(help: "A file that keeps what was examined, so the next run only looks at what is new.")
    var state: String?

    @OptionGroup var report: ReportOptions
    @OptionGroup var secrets: SecretOptions
    @OptionGroup var log: LogOptions

    func validate() throws {
        try report.require([.text, .json, .sarif, .html], command: "audit")
    }

    @Option(help: "The policy file (default: the server's, else .reviewgate/policy.toml at HEAD).")
    var policy: String?

    func run() throws {
        let started = Clock.milliseconds()
        let repo = try openRepository(repository)
        let gate = try GateSettings.forRepository(repo, policyFile: policy, options: secrets)
        let settings = gate.secrets
        var previous = AuditState()
        if let state { previous = try AuditState.load(state) }
        // Progress lines only on a terminal: logs and pipes get the report alone.
        var progress: (@Sendable (String) -> Void)?
        if isatty(2) != 0 {
            progress = { (step: String) in StandardError.write("reviewgate: \(step)…\n") }
        }

        var refs: [Reference] = []
        if refPatterns.isEmpty {
            refs = try repo.references()
        } else {
            for pattern in refPatterns { refs += try repo.references(matching: pattern) }
        }
        let tips = refs.filter { $0.symbolicTarget == nil }.compactMap(\.target)
        progress?("walking the history of \(refs.count) refs")
        // Tips remembered from an earlier run may be gone (a force-push, then gc): they are
        // dropped, and the history they led to is examined again.
        let knownTips = previous.tips.filter { repo.contains($0) }
        if knownTips.count < previous.tips.count {
            StandardError.write("reviewgate: \(previous.tips.count - knownTips.count) tip(s) in the state are no longer in the repository; examining again what they covered\n")
        }
        previous.tips = Set(knownTips)
        let commits = try repo.newCommits(tips: tips, excluding: Array(knownTips))
        let engine = CommitSecrets(settings: settings)
        let result = try engine.examine(commits, firstOnly: true, alreadyReported: Set(previous.findings.compactMap(\.fingerprint)),
                                        threads: 2, progress: progress,
                                        open: repositoryOpener(repository, gitDirectory: repo.gitDirectory))
        var findings = previous.findings + result.findings
        // Sign-off over the history of protected refs (and signatures where required).
        let opener = repositoryOpener(repository, gitDirectory: repo.gitDirectory)
        var items: [ObjectID: SignOff.Item] = [:]
        var order: [ObjectID] = []
        for ref in refs where ref.symbolicTarget == nil {
            guard let tip = ref.target else { continue }
            let protected = gate.refRules.protected.matches(ref.name) && gate.signOff.hasCoreRules
            let signed = gate.refRules.requireSignedCommits.matches(ref.name)
            guard protected || signed else { continue }
            progress?("checking sign-off on \(ref.name)")
            let history = try repo.newCommits(tips: [tip], excluding: Array(knownTips))
            let line = try repo.firstParentLine(from: tip, within: Set(history))
            for id in history {
                let scope: SignOff.Scope = line.contains(id) ? .firstParentLine : .broughtIn
                if var item = items[id] {
                    if scope == .firstParentLine { item.scope = .firstParentLine }
                    item.coreRules = item.coreRules || protected
                    item.mustBeSigned = item.mustBeSigned || signed
                    items[id] = item
                } else {
                    items[id] = SignOff.Item(commit: id, scope: scope, coreRules: protected, mustBeSigned: signed, ref: ref.name)
                    order.append(id)
                }
            }
        }
        findings += try gate.signOff.examine(order.compactMap { items[$0] }, notesCommit: try repo.reference(named: gate.notesRef),
                                             threads: 2, open: opener)
        // Annotated tags: their messages are history too.
        var tags = previous.tags
        for ref in refs where ref.name.hasPrefix("refs/tags/") {
            guard let id = ref.target, !tags.contains(id), try repo.header(id).type == .tag else { continue }
            tags.insert(id)
            findings += engine.examineMessage(try repo.annotatedTag(id).message, object: id)
        }
        try secrets.writeBaselineIfAsked(findings)
        if let state {
            try AuditState(tips: Set(tips).union(previous.tips), tags: tags, findings: findings).save(to: state)
        }
        let logFindings = try AuditTrail.review(log, gate: gate, gitDirectory: repo.gitDirectory)
        let verdict = Verdict(findings: findings + logFindings, commitsExamined: commits.count, blobsScanned: result.blobsScanned)
        try AuditTrail.recordAudit(log, gate: gate, repository: repo, refs: refs, verdict: verdict, durationMs: Clock.milliseconds() - started)
        let document = VerdictReport(version: ReviewGate.version, command: "audit", repository: repo.gitDirectory,
                                     verdict: verdict, durationMs: Clock.milliseconds() - started,
                                     startedAt: Int64(started), secretRules: settings.ruleDescriptions, logChecked: true)
        try report.emit(document)
        if verdict.decision == .reject { throw ExitCode(Failure.Code.rejected.rawValue) }
    }
}

/// What an audit has examined: the ref tips walked, the tags read, and what was found (so a
/// later run reports it again without scanning it again). JSON, one document.
struct AuditState {
    var tips: Set<ObjectID> = []
    var tags: Set<ObjectID> = []
    var findings: [Finding] = []

    static func load(_ path: String) throws(Failure) -> AuditState {
        guard FileManager.default.fileExists(atPath: path) else { return AuditState() }
        guard let data = FileManager.default.contents(atPath: path),
              let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any], doc["version"] as? Int == 1 else {
            throw Failure(.usage, "\(path) is not a reviewgate audit state file")
        }
        var state = AuditState()
        state.tips = Set((doc["tips"] as? [String] ?? []).compactMap { ObjectID(hex: $0) })
        state.tags = Set((doc["tags"] as? [String] ?? []).compactMap { ObjectID(hex: $0) })
        for item in doc["findings"] as? [[String: Any]] ?? [] {
            guard let kind = (item["kind"] as? String).flatMap(Finding.Kind.init(rawValue:)),
                  let severity = (item["severity"] as? String).flatMap(Finding.Severity.init(rawValue:)) else { continue }
            let path: [UInt8]? = (item["path_hex"] as? String).map(hexBytes) ?? (item["path"] as? String).map { Array($0.utf8) }
            var finding = Finding(kind: kind, severity: severity, rule: item["rule"] as? String, commit: item["commit"] as? String,
                                  path: path, line: item["line"] as? Int, column: item["column"] as? Int,
                                  location: (item["location"] as? String).flatMap(Finding.Location.init(rawValue:)),
                                  redacted: item["redacted"] as? String, fingerprint: item["fingerprint"] as? String,
                                  reason: item["reason"] as? String, message: item["message"] as? String ?? "")
            finding.ref = item["ref"] as? String
            finding.paths = (item["paths"] as? [String]).map { $0.map { Array($0.utf8) } }
            finding.required = item["required"] as? Int
            finding.valid = item["valid"] as? Int
            finding.approvals = (item["approvals"] as? [[String: Any]])?.compactMap { a in
                guard let by = a["by"] as? String, let evidence = (a["evidence"] as? String).flatMap(ApprovalOutcome.Evidence.init(rawValue:))
                else { return nil }
                return ApprovalOutcome(by: by, evidence: evidence, counted: a["counted"] as? Bool ?? false, reason: a["reason"] as? String ?? "")
            }
            state.findings.append(finding)
        }
        return state
    }

    func save(to path: String) throws(Failure) {
        let doc: JSONValue = .object([
            ("version", 1),
            ("tips", .array(tips.sorted().map { .string($0.hex) })),
            ("tags", .array(tags.sorted().map { .string($0.hex) })),
            ("findings", .array(findings.map(VerdictReport.findingJSON))),
        ])
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((doc.serialized() + "\n").utf8)),
              rename(temporary, path) == 0 else {
            throw Failure(.runtime, "cannot write the audit state \(path)")
        }
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(hex.utf8)[...]
    while chars.count >= 2, let b = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) {
        out.append(b)
        chars = chars.dropFirst(2)
    }
    return out
}
