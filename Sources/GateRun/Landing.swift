import AuditLog
import Base
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Gate
import Git
import JSON
import Policy
import Reports

/// What really landed (SPEC §1.5): the ticket pre-receive leaves for a push it accepted, the
/// `landed` record post-receive appends with the seq of the push record it confirms, and the
/// `install` record that starts the reconciliation (its hooks' hashes, every ref's tip).
public enum Landing {
    /// Tickets of accepted pushes that post-receive has not confirmed yet: `<log>/pending/<seq>`.
    /// Only an aid for matching: the records are the evidence, and `log analyze` matches a
    /// landed record without a seq by its ref updates.
    public static func pendingDirectory(_ logDirectory: String) -> String { logDirectory + "/pending" }

    /// A ticket this old belongs to a push that never landed (a later hook refused it); the
    /// next post-receive removes it. Its record stays in the log and `log analyze` flags it.
    static let staleSeconds = 24 * 3600

    /// Leaves the ticket of an accepted push (record `seq`) for post-receive: the seq, the
    /// receive-pack process both hooks run under, and per update the SHA-256 of its
    /// `<old> <new> <ref>` line with the ref name as the push record shows it (`shownRefs`,
    /// one per update, redacted with the policy's rules): a ref name can carry a secret, and
    /// the ticket is written like a record, never with one. A ticket that cannot be written is only a warning: the push
    /// is recorded, and its landed record is then matched by its ref updates.
    public static func leaveTicket(seq: Int64, updates: [RefUpdate], shownRefs: [String], logDirectory: String) {
        do throws(Failure) {
            try writeTicket(seq: seq, updates: updates, shownRefs: shownRefs, logDirectory: logDirectory)
        } catch {
            Notices.write("reviewgate: warning: \(DisplayText.line(error.message)); its landed record will be matched by its ref updates\n")
        }
    }

    static func writeTicket(seq: Int64, updates: [RefUpdate], shownRefs: [String], logDirectory: String) throws(Failure) {
        let dir = pendingDirectory(logDirectory)
        if mkdir(dir, 0o750) != 0 && errno != EEXIST {
            throw Failure(.runtime, "cannot create \(dir): \(String(cString: strerror(errno)))")
        }
        var text = "\(seq) \(hookAncestors().map(String.init).joined(separator: ","))\n"
        for (update, name) in zip(updates, shownRefs) {
            text += key(update) + " " + name.split(whereSeparator: \.isNewline).joined(separator: " ") + "\n"
        }
        // Whole or not at all (a reader skips the temporary name: it is not a number). Not
        // synced: a ticket lost to a crash only leaves its landed record unmatched.
        do throws(AtomicFile.WriteError) {
            try AtomicFile.write(dir + "/\(seq)", Array(text.utf8), mode: 0o640, durable: false)
        } catch {
            throw Failure(.runtime, error.description)
        }
    }

    /// The seq of the accepted push whose ticket covers every update git applied, with the
    /// ref names as its record shows them (by update key), and removes that ticket (so two
    /// post-receives never confirm the same push). A ticket left by the same receive-pack
    /// wins over one of an identical concurrent push; then the oldest.
    static func claimTicket(applied: [RefUpdate], logDirectory: String) -> (seq: Int64, shown: [String: String])? {
        let dir = pendingDirectory(logDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        let wanted = Set(applied.map(key))
        let ours = Set(hookAncestors())
        let now = time(nil)
        var candidates: [(seq: Int64, sameProcess: Bool, shown: [String: String])] = []
        for name in names {
            guard let seq = Int64(name), seq > 0 else { continue }
            let path = dir + "/" + name
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= 64 << 20 else { continue }
            if now - info.st_mtim.tv_sec > staleSeconds {
                unlink(path)
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
            guard let head = lines.first else { continue }
            var shown: [String: String] = [:]
            for line in lines.dropFirst() {
                let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                shown[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            guard wanted.isSubset(of: shown.keys) else { continue }
            let ancestors = head.split(separator: " ").dropFirst().first.map { $0.split(separator: ",").compactMap { Int32($0) } } ?? []
            candidates.append((seq, !ours.isDisjoint(with: ancestors), shown))
        }
        candidates.sort { ($0.sameProcess ? 0 : 1, $0.seq) < ($1.sameProcess ? 0 : 1, $1.seq) }
        for candidate in candidates where unlink(dir + "/\(candidate.seq)") == 0 {
            return (candidate.seq, candidate.shown)
        }
        return nil
    }

    /// An update in a ticket: the SHA-256 of its `<old> <new> <ref>` line, so the ticket
    /// matches updates without holding ref names as pushed.
    private static func key(_ update: RefUpdate) -> String {
        sha256Hex(Array("\(update.old.hex) \(update.new.hex) \(update.ref)".utf8))
    }

    /// This process's parent and grandparent: git runs both hooks from one receive-pack,
    /// directly or through a hook driver (gitolite's, a forge's `*.d` runner).
    static func hookAncestors() -> [Int32] {
        let parent = getppid()
        guard let stat = FileManager.default.contents(atPath: "/proc/\(parent)/stat") else { return [parent] }
        // "pid (comm) state ppid …": the command may hold spaces and parentheses.
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.range(of: ")", options: .backwards) else { return [parent] }
        let fields = text[close.upperBound...].split(separator: " ")
        guard fields.count > 1, let grandparent = Int32(fields[1]) else { return [parent] }
        return [parent, grandparent]
    }

    /// post-receive: appends one `landed` record with the updates git applied (stdin) and the
    /// seq of the push record they confirm. The refs have moved already, so nothing here can
    /// refuse the push; a failure is reported to the pusher as what it is and exits 3.
    public static func postReceive(input: Data, environment env: [String: String], started: Int) -> Int32 {
        do {
            let repo = try Repository.fromEnvironment()
            // The policy only for where the log is and who the pusher is: nothing is judged,
            // so the secret rules are not loaded (a post-receive holds the push's connection).
            var source: PolicySource?
            do {
                source = try GateSettings.serverPolicy(repo)
            } catch {
                Notices.write("reviewgate: warning: the server's policy does not load (\(DisplayText.line(Failure(describing: error).message))); recording what landed in the default log\n")
            }
            let location = GateSettings.logLocation(source)
            let directory = location.directory ?? AuditTrail.defaultDirectory(gitDirectory: repo.gitDirectory)
            let applied = try PushJudgement.updates(from: input)
            guard !applied.isEmpty else { return 0 }
            let ticket = claimTicket(applied: applied, logDirectory: directory)
            let pushSeq = ticket?.seq
            let actor = AuditTrail.actor(environment: env, ci: false)
            // Ref names can carry a secret too: as the push record showed them (the ticket), else
            // redacted with the built-in rules (post-receive loads no secret settings).
            var refs = applied.map { AuditTrail.RefUpdate(ref: $0.ref, old: $0.old.isZero ? nil : $0.old.hex, new: $0.new.isZero ? nil : $0.new.hex) }
            if let ticket {
                for (i, update) in applied.enumerated() { refs[i].ref = ticket.shown[key(update)] ?? "" }
            } else {
                refs = AuditTrail.shown(refs, gate: nil)
            }
            let body = AuditTrail.event(kind: "landed", repository: repo.gitDirectory, actor: actor,
                                        policy: source.map { ($0.policy, sha256Hex($0.bytes)) },
                                        remote: AuditTrail.remoteAddress(environment: env), refs: refs,
                                        fields: [("push_seq", pushSeq.map(JSONValue.int) ?? .null)],
                                        durationMs: Int(WallClock.milliseconds()) - started)
            try AuditTrail.append(body, directory: directory, checkpointKey: location.checkpointKey)
            return 0
        } catch {
            Notices.write("reviewgate: warning: the push landed, but its landed record could not be written: \(DisplayText.line(Failure(describing: error).message)); tell the server's administrators (reviewgate audit will report the refs it moved as moved outside the gate)\n")
            return Failure.Code.runtime.rawValue
        }
    }

    /// A hook as an install record names it: which, where, and the SHA-256 of what was written.
    public struct InstalledHook: Sendable, Equatable {
        public var hook: String
        public var path: String
        public var sha256: String

        public init(hook: String, path: String, sha256: String) {
            self.hook = hook
            self.path = path
            self.sha256 = sha256
        }

        var json: JSONValue { .object([("hook", .string(hook)), ("path", .string(path)), ("sha256", .string(sha256))]) }

        init?(json: JSONValue) {
            guard case let .string(hook)? = json["hook"], case let .string(path)? = json["path"],
                  case let .string(sha)? = json["sha256"] else { return nil }
            self.init(hook: hook, path: path, sha256: sha)
        }
    }

    /// The `install` record: the hooks written and every ref's tip now (the baseline `audit`
    /// reconciles against). Returns its seq.
    @discardableResult
    public static func recordInstall(repository: Repository, hooks: [InstalledHook], gate: GateSettings?, directory: String,
                                     durationMs: Int) throws -> Int64 {
        let refs = AuditTrail.shown(try repository.references().filter { $0.symbolicTarget == nil }
            .map { AuditTrail.RefUpdate(ref: $0.name, old: nil, new: $0.target?.hex) }, gate: gate)
        let body = AuditTrail.event(kind: "install", repository: repository.gitDirectory, actor: AuditTrail.actor(ci: false),
                                    policy: gate.flatMap { gate in gate.policyHash.map { (gate.policy, $0) } }, remote: nil, refs: refs, fields: [("hooks", .array(hooks.map(\.json)))],
                                    durationMs: durationMs)
        return try AuditTrail.append(body, directory: directory, checkpointKey: gate?.checkpointKey).seqs.last ?? 0
    }

    /// The hooks an install record names.
    public static func hooks(ofInstall record: JSONValue) -> [InstalledHook] {
        guard case let .array(items)? = record["hooks"] else { return [] }
        return items.compactMap(InstalledHook.init(json:))
    }

    /// The SHA-256 of a file's bytes, nil when it cannot be read.
    public static func fileHash(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { sha256Hex(Array($0)) }
    }
}

extension AuditTrail {
    /// The body of a record that is an event rather than a decision (`install`, `landed`):
    /// who, where, the refs, the policy in force and the tool, plus the kind's own fields.
    static func event(kind: String, repository: String, actor: (name: String, source: String), policy: (Policy, hash: String)?,
                      remote: String?, refs: [RefUpdate], fields: [(String, JSONValue)], durationMs: Int) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let person = actor.source == "os" ? nil : policy?.0.person(login: actor.name)?.id
        return .object([
            ("kind", .string(kind)),
            ("repo", .string(repository)),
            ("actor", .object([("name", .string(actor.name)), ("source", .string(actor.source)), ("person", text(person))])),
            ("remote", text(remote)),
            ("refs", .array(refs.map { .object([("ref", .string($0.ref)), ("old", text($0.old)), ("new", text($0.new))]) })),
        ] + fields + [
            ("policy", text(policy?.hash)),
            ("tool", .string("reviewgate \(Tool.version)")),
            ("duration_ms", .int(Int64(durationMs))),
        ])
    }
}
