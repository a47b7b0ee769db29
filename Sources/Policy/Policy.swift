// The policy file of SPEC §3 read strictly: every key known, every type checked, every person
// and group resolved, every pattern compiled, errors naming file:line:col. It knows nothing of
// git objects or crypto: callers hash the bytes and validate the SSH keys it hands them.
import Base
import TOML

/// One SSH public key line of a person, with where it was written (for errors about it).
public struct PersonKey: Sendable, Equatable {
    public let text: String
    public let position: TOMLPosition
}

/// A person who may approve, sign, push or break glass. Identities (emails, logins, keys) all
/// lead back to one person, so several of them count once.
public struct Person: Sendable, Equatable {
    public let id: String
    public let name: String
    /// As written; looked up case-insensitively (see `Policy.person(email:)`).
    public let emails: [String]
    public let logins: [String]
    public let keys: [PersonKey]
    public let groups: [String]
    public let position: TOMLPosition
}

/// `commit`: each commit carries its own approvals; `merge`: a merge's approvals cover what it brings in.
public enum ApprovalMode: String, Sendable, CaseIterable { case commit, merge }

/// A `[[core]]` rule: paths that need `approvals` distinct people from `approvers`.
public struct CoreRule: Sendable {
    public let name: String
    /// The `paths` entries as written, with positions, in order.
    public let pathSources: [(String, TOMLPosition)]
    public let paths: PathPatternList
    public let approvals: Int
    /// The `from` entries as written (person ids and group names).
    public let from: [String]
    /// `from` expanded to person ids, sorted, each once.
    public let approvers: [String]
    public let evidence: Evidence
    public let bind: Binding
    public let mode: ApprovalMode
    /// Whether the commit's author may approve their own commit (default false).
    public let allowSelf: Bool
    /// Trailer keys that count as approval under `evidence = "trailer"`; compared
    /// case-insensitively, as git compares trailer tokens.
    public let trailerKeys: [String]
    public let position: TOMLPosition

    /// Whether a change to `path` (raw bytes, relative to the root; a file) touches this rule.
    public func touches(_ path: [UInt8]) -> Bool { paths.matches(path) }

    /// Whether `key` is one of this rule's approval trailer keys.
    public func isApprovalKey(_ key: String) -> Bool {
        trailerKeys.contains { $0.lowercased() == key.lowercased() }
    }
}

public struct RefRules: Sendable {
    /// Where core rules apply.
    public var protected: [RefPattern]
    public var denyForcePush: [RefPattern]
    public var denyDelete: [RefPattern]
    /// Refs whose new commits must carry an SSH signature by a person's key.
    public var requireSignedCommits: [RefPattern]
}

public struct SecretPolicy: Sendable {
    /// `"builtin"` and/or paths of extra rule files, in order.
    public var rules: [String]
    public var allowPathSources: [String]
    /// Paths whose blobs are never scanned (gitignore semantics).
    public var allowPaths: PathPatternList
    /// Whether a `reviewgate:allow` marker on a line suppresses findings on it.
    public var inlineAllow: Bool
    public var baseline: String
    public var maxFileBytes: Int
    public var fingerprintKeyFile: String
}

public struct AuditSettings: Sendable {
    /// Empty: `$GIT_DIR/reviewgate/audit`.
    public var dir: String
    /// Empty: no checkpoints.
    public var checkpointKey: String
}

public struct ApprovalSettings: Sendable {
    /// The notes ref holding signed approvals.
    public var notesRef: String
    /// A git `allowed_signers` file whose keys also sign approvals (empty: none).
    public var allowedSigners: String
}

public struct Policy: Sendable {
    /// The name the policy was read under (used in messages).
    public let file: String
    public let version: Int
    public let people: [Person]
    public let core: [CoreRule]
    public let refs: RefRules
    public let secrets: SecretPolicy
    public let audit: AuditSettings
    /// `[breakglass] from` as written, and expanded to person ids (sorted).
    public let breakglassFrom: [String]
    public let breakglass: [String]
    /// The hook's time budget in seconds.
    public let budgetSeconds: Double
    public let approvals: ApprovalSettings
    /// Default approval trailer keys (`[trailers] keys`), and git's `trailer.separators`.
    public let trailerKeys: [String]
    public let trailerSeparators: String

    private let byID: [String: Int]
    private let byEmail: [String: Int]
    private let byLogin: [String: Int]
    private let groupMembers: [String: [String]]

    public static let defaultTrailerKeys = ["Reviewed-by", "Approved-by"]
    public static let defaultNotesRef = "refs/notes/reviewgate"
    public static let defaultProtected = ["refs/heads/main", "refs/heads/master"]

    /// The policy in force when there is no policy file: built-in secret rules, no core rules.
    public static func builtin() -> Policy {
        // Cannot fail: an empty document with a version.
        (try? load(Array("version = 1\n".utf8), file: "(built-in policy)"))!
    }

    /// Reads a policy from the bytes of a TOML file named `file` in messages.
    public static func load(_ bytes: [UInt8], file: String) throws(ConfigurationError) -> Policy {
        let text = try decode(bytes, file: file)
        let root: TOMLTable
        do { root = try TOML.parse(text) } catch { throw ConfigurationError(file: file, error) }
        return try Policy(root: root, file: file)
    }

    public static func load(_ text: String, file: String) throws(ConfigurationError) -> Policy {
        try load(Array(text.utf8), file: file)
    }

    private static func decode(_ bytes: [UInt8], file: String) throws(ConfigurationError) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.utf8.elementsEqual(bytes) { return text }
        var line = 1
        for piece in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if !String(decoding: piece, as: UTF8.self).utf8.elementsEqual(piece) { break }
            line += 1
        }
        throw ConfigurationError(file: file, position: TOMLPosition(line: line, column: 1),
                                 message: "the policy is not valid UTF-8")
    }

    // MARK: - Reading

    private init(root: TOMLTable, file: String) throws(ConfigurationError) {
        self.file = file
        var fields = TOMLFields(root, file: file, context: "the policy")
        guard let version = try fields.integer("version") else {
            throw fields.error("the policy must start with 'version = 1'")
        }
        guard version == 1 else { throw fields.error("unsupported policy version \(version); this ReviewGate reads version 1", at: "version") }
        self.version = version

        // People first: everything else refers to them.
        var people: [Person] = []
        var byID: [String: Int] = [:], byEmail: [String: Int] = [:], byLogin: [String: Int] = [:]
        var groupMembers: [String: [String]] = [:]
        for table in try fields.tables("people") ?? [] {
            var p = TOMLFields(table, file: file, context: "[[people]]")
            guard let id = try p.string("id") else { throw p.error("[[people]] entry needs an 'id'") }
            guard Policy.isName(id) else {
                throw p.error("person id '\(id)' must be letters, digits, '.', '_' or '-'", at: "id")
            }
            p = TOMLFields(table, file: file, context: "person '\(id)'")
            _ = try p.string("id")
            if let other = byID[id] {
                throw p.error("duplicate person id '\(id)' (first at line \(people[other].position.line))", at: "id")
            }
            let index = people.count
            let name = try p.string("name") ?? id
            let emails = try p.strings("emails") ?? []
            for (email, position) in emails {
                guard email.contains("@"), !email.contains(where: { $0 == " " || $0 == "<" || $0 == ">" }) else {
                    throw p.error("'\(email)' is not an email address (write it without name or angle brackets)", at: position)
                }
                let key = Policy.normalize(email: email)
                if let other = byEmail[key], other != index {
                    throw p.error("email '\(email)' already belongs to person '\(people[other].id)'", at: position)
                }
                byEmail[key] = index
            }
            let logins = try p.strings("logins") ?? []
            for (login, position) in logins {
                guard !login.isEmpty else { throw p.error("empty login in person '\(id)'", at: position) }
                if let other = byLogin[login], other != index {
                    throw p.error("login '\(login)' already belongs to person '\(people[other].id)'", at: position)
                }
                byLogin[login] = index
            }
            let keys = try (p.strings("keys") ?? []).map { PersonKey(text: $0.0, position: $0.1) }
            let groups = try p.strings("groups") ?? []
            var ownGroups: [String] = []
            for (group, position) in groups {
                guard Policy.isName(group) else {
                    throw p.error("group name '\(group)' must be letters, digits, '.', '_' or '-'", at: position)
                }
                if !ownGroups.contains(group) {
                    ownGroups.append(group)
                    groupMembers[group, default: []].append(id)
                }
            }
            try p.finish()
            byID[id] = index
            people.append(Person(id: id, name: name, emails: emails.map(\.0), logins: logins.map(\.0),
                                 keys: keys, groups: ownGroups, position: table.position))
        }
        self.people = people
        self.byID = byID
        self.byEmail = byEmail
        self.byLogin = byLogin
        self.groupMembers = groupMembers

        // [trailers]: defaults for every core rule.
        var trailerKeys = Policy.defaultTrailerKeys
        var separators = ":"
        if let table = try fields.table("trailers") {
            var t = TOMLFields(table, file: file, context: "[trailers]")
            if let keys = try t.strings("keys") { trailerKeys = try Policy.trailerKeys(keys, fields: t, key: "keys") }
            if let s = try t.string("separators") {
                guard !s.isEmpty, s.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !isAlpha($0) && !isDigit($0) && $0 != UInt8(ascii: "-") }) else {
                    throw t.error("'separators' must be one or more ASCII punctuation characters, like \":\" or \":#\"", at: "separators")
                }
                separators = s
            }
            try t.finish()
        }
        self.trailerKeys = trailerKeys
        trailerSeparators = separators

        // [[core]]
        var core: [CoreRule] = []
        for table in try fields.tables("core") ?? [] {
            var c = TOMLFields(table, file: file, context: "[[core]]")
            guard let name = try c.string("name") else { throw c.error("[[core]] rule needs a 'name'") }
            guard !name.isEmpty else { throw c.error("core rule name is empty", at: "name") }
            c = TOMLFields(table, file: file, context: "core rule '\(name)'")
            _ = try c.string("name")
            if let other = core.first(where: { $0.name == name }) {
                throw c.error("duplicate core rule '\(name)' (first at line \(other.position.line))", at: "name")
            }
            guard let pathSources = try c.strings("paths"), !pathSources.isEmpty else {
                throw c.error("core rule '\(name)' needs 'paths', a non-empty array of patterns", at: "paths")
            }
            let paths = try Policy.pathPatterns(pathSources, fields: c)
            guard let fromEntries = try c.strings("from"), !fromEntries.isEmpty else {
                throw c.error("core rule '\(name)' needs 'from', the people or groups who approve", at: "from")
            }
            let approvers = try Policy.expand(fromEntries, fields: c, byID: byID, groups: groupMembers)
            let approvals = try c.integer("approvals") ?? 1
            guard approvals >= 1 else { throw c.error("'approvals' must be at least 1", at: "approvals") }
            guard approvals <= approvers.count else {
                throw c.error("'approvals' is \(approvals) but 'from' names only \(approvers.count) \(approvers.count == 1 ? "person" : "people")", at: "approvals")
            }
            let evidence: Evidence = try Policy.choice(&c, "evidence") ?? .signed
            let bind: Binding = try Policy.choice(&c, "bind") ?? .commit
            let mode: ApprovalMode = try Policy.choice(&c, "mode") ?? .commit
            let allowSelf = try c.bool("allow_self") ?? false
            var keys = trailerKeys
            if let own = try c.strings("trailer_keys") { keys = try Policy.trailerKeys(own, fields: c, key: "trailer_keys") }
            try c.finish()
            core.append(CoreRule(name: name, pathSources: pathSources, paths: paths, approvals: approvals,
                                 from: fromEntries.map(\.0), approvers: approvers, evidence: evidence, bind: bind,
                                 mode: mode, allowSelf: allowSelf, trailerKeys: keys, position: table.position))
        }
        self.core = core

        // [refs]
        var refs = RefRules(protected: try Policy.refPatterns(Policy.defaultProtected), denyForcePush: [],
                            denyDelete: [], requireSignedCommits: [])
        if let table = try fields.table("refs") {
            var r = TOMLFields(table, file: file, context: "[refs]")
            if let list = try r.strings("protected") { refs.protected = try Policy.refPatterns(list, fields: r) }
            if let list = try r.strings("deny_force_push") { refs.denyForcePush = try Policy.refPatterns(list, fields: r) }
            if let list = try r.strings("deny_delete") { refs.denyDelete = try Policy.refPatterns(list, fields: r) }
            if let list = try r.strings("require_signed_commits") { refs.requireSignedCommits = try Policy.refPatterns(list, fields: r) }
            try r.finish()
        }
        self.refs = refs

        // [secrets]
        var secrets = SecretPolicy(rules: ["builtin"], allowPathSources: [], allowPaths: PathPatternList(lines: [String]()),
                                     inlineAllow: true, baseline: "", maxFileBytes: 52_428_800, fingerprintKeyFile: "")
        if let table = try fields.table("secrets") {
            var s = TOMLFields(table, file: file, context: "[secrets]")
            if let rules = try s.strings("rules") {
                for (rule, position) in rules where rule.isEmpty {
                    throw s.error("empty entry in 'rules' (use \"builtin\" or a rule file path)", at: position)
                }
                secrets.rules = rules.map(\.0)
            }
            if let allow = try s.strings("allow_paths") {
                secrets.allowPathSources = allow.map(\.0)
                secrets.allowPaths = try Policy.pathPatterns(allow, fields: s)
            }
            secrets.inlineAllow = try s.bool("inline_allow") ?? true
            secrets.baseline = try s.string("baseline") ?? ""
            if let max = try s.integer("max_file_bytes") {
                guard max >= 1 else { throw s.error("'max_file_bytes' must be at least 1", at: "max_file_bytes") }
                secrets.maxFileBytes = max
            }
            secrets.fingerprintKeyFile = try s.string("fingerprint_key_file") ?? ""
            try s.finish()
        }
        self.secrets = secrets

        // [audit]
        var audit = AuditSettings(dir: "", checkpointKey: "")
        if let table = try fields.table("audit") {
            var a = TOMLFields(table, file: file, context: "[audit]")
            audit.dir = try a.string("dir") ?? ""
            audit.checkpointKey = try a.string("checkpoint_key") ?? ""
            try a.finish()
        }
        self.audit = audit

        // [breakglass]
        var breakglassFrom: [String] = [], breakglass: [String] = []
        if let table = try fields.table("breakglass") {
            var b = TOMLFields(table, file: file, context: "[breakglass]")
            if let from = try b.strings("from") {
                breakglassFrom = from.map(\.0)
                breakglass = try Policy.expand(from, fields: b, byID: byID, groups: groupMembers)
            }
            try b.finish()
        }
        self.breakglassFrom = breakglassFrom
        self.breakglass = breakglass

        // [budget]
        var budget = 4.0
        if let table = try fields.table("budget") {
            var b = TOMLFields(table, file: file, context: "[budget]")
            if let seconds = try b.number("seconds") {
                guard seconds > 0, seconds.isFinite else { throw b.error("'seconds' must be a positive number", at: "seconds") }
                budget = seconds
            }
            try b.finish()
        }
        budgetSeconds = budget

        // [approvals]
        var approvals = ApprovalSettings(notesRef: Policy.defaultNotesRef, allowedSigners: "")
        if let table = try fields.table("approvals") {
            var a = TOMLFields(table, file: file, context: "[approvals]")
            if let ref = try a.string("notes_ref") {
                guard ref.hasPrefix("refs/"), !ref.hasSuffix("/"), !ref.contains(where: { " ~^:?*[\\".contains($0) || $0.isNewline }) else {
                    throw a.error("'notes_ref' must be a full ref name like refs/notes/reviewgate", at: "notes_ref")
                }
                approvals.notesRef = ref
            }
            approvals.allowedSigners = try a.string("allowed_signers") ?? ""
            try a.finish()
        }
        self.approvals = approvals
        try fields.finish()
    }

    private static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ fields: inout TOMLFields, _ key: String) throws(ConfigurationError) -> T?
    where T.RawValue == String {
        guard let raw = try fields.string(key) else { return nil }
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
            throw fields.error("'\(key)' in \(fields.context) must be \(allowed), not \"\(raw)\"", at: key)
        }
        return value
    }

    private static func trailerKeys(_ keys: [(String, TOMLPosition)], fields: TOMLFields, key: String) throws(ConfigurationError) -> [String] {
        guard !keys.isEmpty else { throw fields.error("'\(key)' must name at least one trailer key", at: key) }
        for (k, position) in keys {
            // What git's find_separator accepts as a token: letters, digits and '-'.
            guard !k.isEmpty, k.utf8.allSatisfy({ isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) else {
                throw fields.error("trailer key '\(k)' must be letters, digits and '-' (git reads nothing else as a trailer key)", at: position)
            }
        }
        return keys.map(\.0)
    }

    private static func pathPatterns(_ sources: [(String, TOMLPosition)], fields: TOMLFields) throws(ConfigurationError) -> PathPatternList {
        for (source, position) in sources {
            if source.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
                throw fields.error("path pattern \(quoted(source)) must be one line", at: position)
            }
            guard let pattern = PathPattern(line: Array(source.utf8)) else {
                throw fields.error("path pattern \(quoted(source)) is empty or a comment; write \\# for a leading '#'", at: position)
            }
            if pattern.source.isEmpty || pattern.source == Array("!".utf8) || pattern.source == Array("/".utf8) {
                throw fields.error("path pattern \(quoted(source)) matches nothing", at: position)
            }
            if let problem = pattern.problem {
                throw fields.error("path pattern \(quoted(source)) can never match: \(problem)", at: position)
            }
        }
        return PathPatternList(lines: sources.map(\.0))
    }

    private static func quoted(_ s: String) -> String { "'" + s + "'" }

    private static func refPatterns(_ list: [String]) throws(ConfigurationError) -> [RefPattern] {
        var result: [RefPattern] = []
        for source in list {
            do { result.append(try RefPattern(source)) } catch {
                throw ConfigurationError(file: "(built-in)", position: TOMLPosition(line: 1, column: 1), message: error.message)
            }
        }
        return result
    }

    private static func refPatterns(_ list: [(String, TOMLPosition)], fields: TOMLFields) throws(ConfigurationError) -> [RefPattern] {
        var result: [RefPattern] = []
        for (source, position) in list {
            do { result.append(try RefPattern(source)) } catch { throw fields.error(error.message, at: position) }
        }
        return result
    }

    /// Person ids and group names to person ids, sorted and each once.
    private static func expand(_ entries: [(String, TOMLPosition)], fields: TOMLFields, byID: [String: Int],
                               groups: [String: [String]]) throws(ConfigurationError) -> [String] {
        var ids = Set<String>()
        for (entry, position) in entries {
            let isPerson = byID[entry] != nil
            let members = groups[entry]
            if isPerson && members != nil {
                throw fields.error("'\(entry)' in \(fields.context) is both a person id and a group; rename one", at: position)
            }
            if isPerson {
                ids.insert(entry)
            } else if let members {
                ids.formUnion(members)
            } else {
                throw fields.error("unknown person or group '\(entry)' in \(fields.context)", at: position)
            }
        }
        return ids.sorted()
    }

    /// Emails compare case-insensitively (ASCII), whole address: people type their address
    /// with varying case and mail systems treat it alike, while the policy names one person
    /// per address.
    public static func normalize(email: String) -> String {
        String(decoding: email.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    // MARK: - Lookups

    public func person(id: String) -> Person? { byID[id].map { people[$0] } }

    /// The person owning `email`, compared case-insensitively (ASCII); surrounding spaces ignored.
    public func person(email: String) -> Person? {
        byEmail[Policy.normalize(email: email.trimmingSpaces)].map { people[$0] }
    }

    /// The person with this server login (exact match).
    public func person(login: String) -> Person? { byLogin[login].map { people[$0] } }

    /// Person ids in `group`, in the order the people are listed.
    public func members(of group: String) -> [String] { groupMembers[group] ?? [] }

    public var groups: [String] { groupMembers.keys.sorted() }

    /// Person ids and group names to person ids (sorted, each once); unknown names are skipped.
    public func expand(_ from: [String]) -> [String] {
        var ids = Set<String>()
        for entry in from {
            if byID[entry] != nil { ids.insert(entry) }
            ids.formUnion(groupMembers[entry] ?? [])
        }
        return ids.sorted()
    }

    /// Indices into `core` of the rules a change to `path` touches.
    public func coreRules(touching path: [UInt8]) -> [Int] {
        core.indices.filter { core[$0].touches(path) }
    }

    /// The trailer parser this policy's `[trailers] separators` configure.
    public var trailerParser: TrailerParser { TrailerParser(separators: trailerSeparators) }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
