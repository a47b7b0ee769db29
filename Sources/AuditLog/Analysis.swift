import Base
import JSON

/// Which records a reader wants (`log show`): by time, decision, kind and actor name.
public struct LogFilter: Sendable {
    public var since: Int64?
    public var until: Int64?
    public var decision: String?
    public var kind: String?
    public var actor: String?

    public init(since: Int64? = nil, until: Int64? = nil, decision: String? = nil, kind: String? = nil, actor: String? = nil) {
        self.since = since
        self.until = until
        self.decision = decision
        self.kind = kind
        self.actor = actor
    }

    public func matches(_ record: JSONValue) -> Bool {
        if since != nil || until != nil {
            guard let time = record.time else { return false }
            if let since, time < since { return false }
            if let until, time >= until { return false }
        }
        if let decision, record.text("decision") != decision { return false }
        if let kind, record.text("kind") != kind { return false }
        if let actor, record.actorName != actor { return false }
        return true
    }
}

extension JSONValue {
    func text(_ key: String) -> String? {
        if case let .string(s)? = self[key] { s } else { nil }
    }

    var integer: Int64? {
        if case let .int(i) = self { i } else { nil }
    }

    /// The record's `time` in milliseconds since the epoch.
    public var time: Int64? { text("time").flatMap(RFC3339.parse) }

    public var actorName: String? { self["actor"]?.text("name") }

    var items: [JSONValue] {
        if case let .array(items)? = Optional(self) { items } else { [] }
    }
}

/// The log read as a security team would: irregularities worth a person's attention.
public struct LogAnalysis: Sendable {
    public struct Options: Sendable {
        /// Only records at or after this time (milliseconds since the epoch) are judged.
        public var since: Int64?
        /// This many rejections by one actor within `window` seconds is a burst (probing).
        public var burst: Int
        public var window: Int64

        public init(since: Int64? = nil, burst: Int = 5, window: Int64 = 600) {
            self.since = since
            self.burst = burst
            self.window = window
        }
    }

    public struct RedFlag: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case override, rejectionBurst = "rejection-burst", repeatedSecret = "repeated-secret"
            case protectedRef = "protected-ref", unknownActor = "unknown-actor", policyChange = "policy-change"
            case inlineAllow = "inline-allow"
            case recovery, gap
            case notLanded = "not-landed", landedWithoutPush = "landed-without-push"
        }

        public var kind: Kind
        /// The records it rests on.
        public var seqs: [Int64]
        public var actor: String?
        public var message: String
    }

    public let options: Options
    public private(set) var flags: [RedFlag] = []
    /// Records judged (inside the time range), by kind and by decision.
    public private(set) var records = 0
    public private(set) var kinds: [String: Int] = [:]
    public private(set) var decisions: [String: Int] = [:]
    public private(set) var firstTime: String?
    public private(set) var lastTime: String?

    private var expectedSeq: Int64 = 1
    private var policy: (seq: Int64, hash: String?)?
    private var rejections: [String: [(time: Int64, seq: Int64)]] = [:]
    private var secrets: [String: [(seq: Int64, rule: String)]] = [:]
    private var unknown: [String: [Int64]] = [:]
    private var actors: Set<String> = []
    private var landing = LandingIndex()
    private var inRangeSeqs: Set<Int64> = []

    public init(options: Options = Options()) {
        self.options = options
    }

    public var actorCount: Int { actors.count }

    /// Takes the next entry of the log, in order.
    public mutating func add(_ entry: AuditLog.Entry) {
        guard let record = entry.record, let seq = entry.seq else {
            flags.append(RedFlag(kind: .gap, seqs: [expectedSeq], message:
                "an unreadable frame in \(entry.segment) at offset \(entry.offset) where seq \(expectedSeq) belongs"))
            return
        }
        if seq != expectedSeq {
            let detail = seq > expectedSeq ? "seq \(expectedSeq)…\(seq - 1) missing" : "seq \(seq) again after seq \(expectedSeq - 1)"
            flags.append(RedFlag(kind: .gap, seqs: [seq], message: "the sequence breaks: \(detail)"))
        }
        expectedSeq = seq + 1
        let time = record.time
        let inRange = options.since.map { since in (time ?? Int64.min) >= since } ?? true
        let policyHash = record.text("policy")
        defer {
            if record.text("kind") != "recovery" { policy = (seq, policyHash) }
        }
        landing.add(record, seq: seq)
        guard inRange else { return }
        inRangeSeqs.insert(seq)

        let kind = record.text("kind") ?? "?"
        let decision = record.text("decision")
        let actor = record.actorName ?? "?"
        records += 1
        kinds[kind, default: 0] += 1
        if let decision { decisions[decision, default: 0] += 1 }
        if firstTime == nil { firstTime = record.text("time") }
        lastTime = record.text("time") ?? lastTime
        if kind != "recovery" { actors.insert(actor) }

        if kind == "recovery" {
            let file = record.text("torn_file") ?? "?"
            flags.append(RedFlag(kind: .recovery, seqs: [seq], message:
                "a damaged log tail (\(record["bytes"]?.integer ?? 0) bytes, \(record.text("reason") ?? "torn")) was moved to \(file): a crash, or tampering"))
            return
        }
        if decision == "override" {
            let reason = record["override"]?.text("reason") ?? "no reason given"
            let by = record["override"]?.text("by") ?? actor
            flags.append(RedFlag(kind: .override, seqs: [seq], actor: by, message: "break-glass override by \(by): \(reason)"))
        }
        if decision == "reject", let time {
            rejections[actor, default: []].append((time, seq))
        }
        // An install is an administrator's, a landed record repeats its push's pusher.
        if case .null? = record["actor"]?["person"], record.text("policy") != nil, kind != "install", kind != "landed" {
            unknown[actor, default: []].append(seq)
        }
        if let previous = policy, previous.hash != policyHash {
            func short(_ hash: String?) -> String { hash.map { String($0.prefix(12)) } ?? "none" }
            flags.append(RedFlag(kind: .policyChange, seqs: [previous.seq, seq], actor: actor, message:
                "the policy in force changed from \(short(previous.hash)) to \(short(policyHash)) (seq \(previous.seq) → \(seq))"))
        }
        // A pusher's own `reviewgate:allow` on a protected ref: the suppression is theirs to
        // write, so a person should see it (SPEC §1.3).
        let protectedRefs = (record["refs"]?.items ?? []).filter { $0["protected"] == .bool(true) }.compactMap { $0.text("ref") }
        if kind == "push", !protectedRefs.isEmpty {
            let inline = (record["findings"]?.items ?? []).filter { $0.text("suppressed") == "inline" }
            if !inline.isEmpty {
                let rules = Set(inline.compactMap { $0.text("rule") }).sorted().joined(separator: ", ")
                flags.append(RedFlag(kind: .inlineAllow, seqs: [seq], actor: actor, message:
                    "\(inline.count) match\(inline.count == 1 ? "" : "es") (\(rules)) suppressed by an inline marker in a push to \(protectedRefs.joined(separator: ", ")) by \(actor)"))
            }
        }
        for finding in record["findings"]?.items ?? [] {
            let findingKind = finding.text("kind")
            // Audits report history again on every run; only what was pushed counts as repeated.
            if findingKind == "secret", kind == "push" || kind == "check", let fingerprint = finding.text("fingerprint") {
                secrets[fingerprint, default: []].append((seq, finding.text("rule") ?? "?"))
            }
            if findingKind == "ref", let rule = finding.text("rule"), rule == "deny_force_push" || rule == "deny_delete" {
                let ref = finding.text("ref") ?? "a protected ref"
                let what = rule == "deny_force_push" ? "force-push" : "delete"
                flags.append(RedFlag(kind: .protectedRef, seqs: [seq], actor: actor, message: "\(what) attempt on \(ref) by \(actor)"))
            }
        }
    }

    /// Flags that need the whole log (bursts, repeats, unknown actors), then all flags by seq.
    public mutating func finish() -> [RedFlag] {
        let windowMs = options.window * 1000
        for (actor, list) in rejections.sorted(by: { $0.key < $1.key }) {
            let sorted = list.sorted { $0.time < $1.time }
            var start = 0
            var end = 0
            while end < sorted.count {
                while sorted[end].time - sorted[start].time > windowMs { start += 1 }
                if end - start + 1 >= options.burst {
                    // Extend to everything inside this window, report it once, and move past it.
                    var last = end
                    while last + 1 < sorted.count, sorted[last + 1].time - sorted[start].time <= windowMs { last += 1 }
                    let seqs = sorted[start...last].map(\.seq)
                    flags.append(RedFlag(kind: .rejectionBurst, seqs: seqs, actor: actor, message:
                        "\(seqs.count) rejected runs by \(actor) within \(options.window) s (probing?)"))
                    start = last + 1
                    end = last + 1
                    continue
                }
                end += 1
            }
        }
        for (fingerprint, list) in secrets.sorted(by: { $0.key < $1.key }) where list.count > 1 {
            flags.append(RedFlag(kind: .repeatedSecret, seqs: list.map(\.seq), message:
                "the same \(list[0].rule) secret (fingerprint \(fingerprint.prefix(16))) was pushed \(list.count) times"))
        }
        for (actor, seqs) in unknown.sorted(by: { $0.key < $1.key }) {
            flags.append(RedFlag(kind: .unknownActor, seqs: seqs, actor: actor, message:
                "\(actor) is not a person of the policy in force (\(seqs.count) record\(seqs.count == 1 ? "" : "s"))"))
        }
        for push in landing.notLanded where inRangeSeqs.contains(push.seq) {
            let what = if case let .partly(landed, total) = push.status { "\(total - landed) of its \(total) ref updates" } else { "it" }
            flags.append(RedFlag(kind: .notLanded, seqs: [push.seq], message:
                "push seq \(push.seq) was accepted but \(what) never landed (\(push.refs.joined(separator: ", "))): a later hook or a failed ref lock refused it, or post-receive did not run"))
        }
        for landed in landing.unexplained where inRangeSeqs.contains(landed.seq) {
            flags.append(RedFlag(kind: .landedWithoutPush, seqs: [landed.seq], message:
                "updates landed with no accepting push record (\(landed.refs.joined(separator: ", "))): the gate did not judge them"))
        }
        rejections = [:]
        secrets = [:]
        unknown = [:]
        flags.sort { ($0.seqs.first ?? 0, $0.kind.rawValue) < ($1.seqs.first ?? 0, $1.kind.rawValue) }
        return flags
    }

    /// The machine-readable summary: counts and red flags.
    public var json: JSONValue {
        func counts(_ table: [String: Int]) -> JSONValue {
            .object(table.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })
        }
        return .object([
            ("records", .int(Int64(records))),
            ("first_time", firstTime.map(JSONValue.string) ?? .null),
            ("last_time", lastTime.map(JSONValue.string) ?? .null),
            ("kinds", counts(kinds)),
            ("decisions", counts(decisions)),
            ("actors", .int(Int64(actors.count))),
            ("red_flags", .array(flags.map { flag in
                .object([
                    ("kind", .string(flag.kind.rawValue)),
                    ("seqs", .array(flag.seqs.map(JSONValue.int))),
                    ("actor", flag.actor.map(JSONValue.string) ?? .null),
                    ("message", .string(flag.message)),
                ])
            })),
        ])
    }
}

/// Which accepted pushes landed (SPEC §1.5), read from the log in order. Tracking starts at
/// the first `install` record (before it no post-receive hook wrote `landed` records). A
/// `landed` record confirms the push its `push_seq` names; one without (post-receive found no
/// ticket) confirms the oldest open push that lists each of its ref updates.
public struct LandingIndex: Sendable {
    public enum Status: Sendable, Equatable {
        case landed
        case notLanded
        /// Some of the push's ref updates landed, not all (a later hook refused the others).
        case partly(landed: Int, of: Int)
    }

    struct Update: Hashable, Sendable {
        var ref: String
        var old: String?
        var new: String?
    }

    private var tracking = false
    /// Accepted pushes and the updates of theirs that have not landed yet.
    private var open: [Int64: (total: Int, remaining: Set<Update>)] = [:]
    private var statuses: [Int64: Status] = [:]
    /// Landed records that confirm no accepted push, with their updates.
    public private(set) var unexplained: [(seq: Int64, refs: [String])] = []

    public init() {}

    public mutating func add(_ record: JSONValue, seq: Int64) {
        switch record.text("kind") {
        case "install":
            tracking = true
        case "push" where tracking:
            guard let decision = record.text("decision"), decision == "accept" || decision == "override" else { return }
            let updates = Self.updates(record)
            guard !updates.isEmpty else { return }
            open[seq] = (updates.count, Set(updates))
            statuses[seq] = .notLanded
        case "landed":
            let updates = Self.updates(record)
            var target = record["push_seq"]?.integer
            if target.map({ open[$0] == nil }) ?? true {
                target = open.keys.sorted().first { seq in updates.allSatisfy { open[seq]!.remaining.contains($0) } }
            }
            guard let target, var entry = open[target] else {
                unexplained.append((seq, updates.map(\.ref)))
                return
            }
            entry.remaining.subtract(updates)
            let landed = entry.total - entry.remaining.count
            statuses[target] = entry.remaining.isEmpty ? .landed : .partly(landed: landed, of: entry.total)
            open[target] = entry.remaining.isEmpty ? nil : entry
        default:
            return
        }
    }

    /// Nil for a record that is not an accepted push, or one from before landing was tracked.
    public func status(ofPush seq: Int64) -> Status? { statuses[seq] }

    /// Accepted pushes with updates that never landed, oldest first, with those updates' refs.
    public var notLanded: [(seq: Int64, status: Status, refs: [String])] {
        open.keys.sorted().map { seq in (seq, statuses[seq] ?? .notLanded, open[seq]!.remaining.map(\.ref).sorted()) }
    }

    static func updates(_ record: JSONValue) -> [Update] {
        record["refs"]?.items.compactMap { item in
            guard let ref = item.text("ref") else { return nil }
            return Update(ref: ref, old: item.text("old"), new: item.text("new"))
        } ?? []
    }
}
