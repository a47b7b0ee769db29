import Base
import Dispatch
import Synchronization
import TOML

/// What an allowlist regex is matched against (gitleaks' `regexTarget`).
public enum AllowTarget: String, Sendable { case secret, match, line }

/// A set of reasons to ignore a match: regexes, paths, stopwords or commits; with condition
/// `AND` all the kinds given must agree, with `OR` (the default) any one suffices.
public struct Allowlist: Sendable {
    public var description = ""
    public var requireAll = false
    public var regexes: [Pattern] = []
    public var regexTarget: AllowTarget = .secret
    public var paths: [Pattern] = []
    /// Lower-cased; a secret containing one is not a secret.
    public var stopwords: [String] = []
    public var commits: Set<String> = []
    /// For global allowlists: only these rules (empty: all).
    public var targetRules: Set<String> = []

    public init() {}

    /// An allowlist of values alone (regexes, stopwords; no paths, no commits) says a match is
    /// a placeholder, not a secret; one with paths or commits accepts a real value somewhere.
    public var judgesValueOnly: Bool { paths.isEmpty && commits.isEmpty }
    /// An allowlist of paths alone: where noise is expected, whatever the value.
    public var judgesPathOnly: Bool { !paths.isEmpty && regexes.isEmpty && stopwords.isEmpty && commits.isEmpty }
}

/// Validators beyond the regex: token formats whose last characters are a checksum.
public enum Checksum: String, Sendable, CaseIterable {
    /// GitHub classic tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm tokens
    /// (`npm_`): the last 6 characters are the base62 CRC-32 of the 30 before them.
    case crc32Base62 = "crc32-base62"
    /// Grafana service-account tokens (`glsa_` + 32 random + `_` + 8 hex): the suffix is the
    /// CRC-32 of everything before its `_`, its four bytes little-endian in lower-case hex
    /// (Grafana's `satokengen`).
    case crc32HexLE = "crc32-hex-le"
}

/// Judgements in Swift after the regex, for what a regex cannot read well. `assignment`: the
/// match is a name, an operator and a value (groups 1 key, 2 operator, 3 the value's quote,
/// possibly empty, 4 the value), judged by `GenericAssignment`: a secret-like name in an
/// assignment position, a literal value that looks random. `credential`: the secret is a
/// password in a URL, a command line or an authorization header, judged as such a value is
/// (`GenericAssignment.isCredential`: not a reference, a template, words or a placeholder).
/// `jwt`: the secret is a JSON Web Token in force (`JSONWebToken`: signed, naming its issuer
/// or audience, not expired); `jwt-inert`: one that is not (a sample, a fixture, an expired
/// or mangled token).
public enum Validator: String, Sendable, CaseIterable {
    case assignment, credential, jwt
    case jwtInert = "jwt-inert"
}

/// How sure a rule's match is a secret: `high` for a provider format with a fixed prefix,
/// checksum or structure, `medium`, `low` for generic patterns. Ordered: `low < medium < high`.
public enum Confidence: String, Sendable, CaseIterable, Comparable {
    case low, medium, high

    private var rank: Int { Confidence.allCases.firstIndex(of: self)! }
    public static func < (a: Confidence, b: Confidence) -> Bool { a.rank < b.rank }
}

/// One kind of secret: how to find it and how to tell it from look-alikes.
public struct SecretRule: Sendable {
    public var id: String
    public var description = ""
    /// nil for a path-only rule (the file itself is the finding).
    public var regex: Pattern?
    /// Which capture group is the secret; 0: the first group that matched (gitleaks' rule),
    /// or the whole match when the pattern has no group.
    public var secretGroup = 0
    /// The secret's Shannon entropy (bits per byte) must exceed this.
    public var entropy: Double?
    public var keywords: [String] = []
    public var path: Pattern?
    public var tags: [String] = []
    public var checksum: Checksum?
    /// With a checksum: the rule reports only values whose checksum does NOT match (a token's
    /// shape that is no live token: a made-up example or a mangled copy), so a rule of lower
    /// confidence can warn of them while the checked rule reports the real ones.
    public var checksumMismatch = false
    public var validator: Validator?
    /// How sure a match of this rule is a secret (SPEC §1.3): set by the rule file, else
    /// `low` for generic rules and `medium` for the rest.
    public var confidence: Confidence = .medium
    /// How many lines after a keyword's line a match may reach (multi-line secrets such as
    /// private keys need more than the default).
    public var spanLines = 2
    public var allowlists: [Allowlist] = []
    public var examplesTrue: [String] = []
    public var examplesFalse: [String] = []

    public init(id: String) { self.id = id }

    /// Generic rules (`generic-…`) give way to a provider's rule that finds the same value.
    public var isGeneric: Bool { id.hasPrefix("generic") }
    /// A match inside another rule's match gives way to it (a key's body inside its armor);
    /// generic rules always do. Set by the rule file's `yields`.
    public var yieldsToOthers = false
    public var yields: Bool { yieldsToOthers || isGeneric }
}

/// Rules and the allowlists that apply to all of them.
public struct RuleSet: Sendable {
    public var rules: [SecretRule]
    public var allowlists: [Allowlist]

    public init(rules: [SecretRule], allowlists: [Allowlist] = []) {
        self.rules = rules
        self.allowlists = allowlists
    }

    /// Adds another file's rules and allowlists after these.
    public mutating func append(_ other: RuleSet) {
        rules += other.rules
        allowlists += other.allowlists
    }

    /// The built-in rules, embedded in the binary from `rules/secrets.toml`; their examples
    /// only when asked for (`rules check`, tests). With `threads` above 1 the file is read in
    /// as many parts at once (each part from a `[[rules]]` line on: the rules, and the tables
    /// under them, are the same read apart as read together): reading half a megabyte of
    /// TOML was the largest part of every run's start, while the other cores waited. Any
    /// problem, or a rule id in two parts, reads the whole file again in one piece, so what
    /// is reported, and where, is what one reading gives.
    public static func builtin(examples: Bool = false, threads: Int = 1) throws(ConfigurationError) -> RuleSet {
        var reading = RuleFile.Reading(examples: examples)
        reading.builtin = true
        let text = PackageResources.secrets_toml
        let whole = reading
        @Sendable func parse(_ part: ArraySlice<UInt8>) throws(ConfigurationError) -> RuleSet {
            try RuleFile.parse(String(decoding: part, as: UTF8.self), file: "builtin:secrets.toml", loadFile: nil, reading: whole)
        }
        let bounds = partBounds(text, parts: min(max(1, threads), maxParts))
        if bounds.count > 2 {
            let parts = Mutex<[Int: RuleSet]>([:])
            DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { k in
                // A part that fails is left out: the whole file is read again below.
                if let set = try? parse(text[bounds[k]..<bounds[k + 1]]) { parts.withLock { $0[k] = set } }
            }
            let read = parts.withLock { $0 }
            if read.count == bounds.count - 1 {
                var merged = RuleSet(rules: [])
                for k in 0..<(bounds.count - 1) { merged.append(read[k]!) }
                var ids = Set<String>()
                if merged.rules.allSatisfy({ ids.insert($0.id).inserted }) { return merged }
            }
        }
        return try parse(text[...])
    }

    /// At most this many parts of the built-in file are read at once (more cost more in the
    /// threads started than they save).
    static let maxParts = 4

    /// Where `parts` parts of a rule file start (and the last ends): each after the first
    /// starts at a line `[[rules]]` at or after its share of the bytes. Fewer when the file
    /// has fewer such lines.
    static func partBounds(_ text: [UInt8], parts: Int) -> [Int] {
        guard parts > 1 else { return [0, text.count] }
        var bounds = [0]
        let marker = Array("\n[[rules]]\n".utf8)
        for k in 1..<parts {
            var at = max(bounds.last! + 1, text.count * k / parts)
            var found: Int?
            while at + marker.count <= text.count {
                if text[at] == 0x0A, text[at..<(at + marker.count)].elementsEqual(marker) {
                    found = at + 1
                    break
                }
                at += 1
            }
            guard let found else { break }
            bounds.append(found)
        }
        bounds.append(text.count)
        return bounds
    }
}
