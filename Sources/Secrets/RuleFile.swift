import Base
import TOML

/// Reads rule files: ReviewGate's format, a superset of gitleaks' `.gitleaks.toml` (SPEC §4).
/// Every key is checked; what cannot be honoured is an error naming file, line and column.
public enum RuleFile {
    /// How a file is read: `examples` keeps the rules' examples (for `rules check` and
    /// tests; a scan never reads them); `builtin` compiles the regexes on first use, for the
    /// built-in file alone, whose every regex the test suite compiles.
    public struct Reading: Sendable {
        public var examples = true
        var builtin = false
        /// Threads the built-in rules may be read on (`[extend] useDefault`; `RuleSet.builtin`).
        public var threads = 1
        public init(examples: Bool = true, threads: Int = 1) {
            self.examples = examples
            self.threads = threads
        }
    }

    /// Parses `text` (named `file` in messages). `loadFile` reads `[extend] path`, relative
    /// paths resolved by the caller; nil refuses `[extend] path`.
    public static func parse(_ text: String, file: String,
                             loadFile: ((String) throws(ConfigurationError) -> (text: String, name: String))?,
                             depth: Int = 0, reading: Reading = Reading()) throws(ConfigurationError) -> RuleSet {
        let root: TOMLTable
        do { root = try TOML.parse(text, skipping: reading.examples ? [] : ["examples"]) } catch {
            throw ConfigurationError(file: file, error)
        }
        var fields = TOMLFields(root, file: file, context: "the rule file")
        _ = try fields.string("title")
        var rules: [SecretRule] = []
        var allowlists: [Allowlist] = []

        if let extend = try fields.table("extend") {
            var ext = TOMLFields(extend, file: file, context: "[extend]")
            var base: RuleSet?
            if try ext.bool("useDefault") == true { base = try RuleSet.builtin(examples: reading.examples, threads: reading.threads) }
            if let path = try ext.string("path") {
                guard let loadFile, depth < 4 else {
                    throw ext.error("[extend] path cannot be followed here", at: "path")
                }
                let other = try loadFile(path)
                let extended = try parse(other.text, file: other.name, loadFile: loadFile, depth: depth + 1,
                                         reading: Reading(examples: reading.examples, threads: reading.threads))
                base = RuleSet(rules: (base?.rules ?? []) + extended.rules, allowlists: (base?.allowlists ?? []) + extended.allowlists)
            }
            let disabled = Set((try ext.strings("disabledRules") ?? []).map(\.0))
            try ext.finish()
            if let base {
                rules = base.rules.filter { !disabled.contains($0.id) }
                allowlists = base.allowlists
            }
        }

        var ownIDs = Set<String>()
        var extendedIndex = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for table in try fields.tables("rules") ?? [] {
            let rule = try parseRule(table, file: file, builtin: reading.builtin)
            guard ownIDs.insert(rule.id).inserted else {
                throw ConfigurationError(file: file, position: table["id"]?.position ?? table.position,
                                         message: "duplicate rule id '\(rule.id)'")
            }
            // A rule with the id of an extended one replaces it, as in gitleaks.
            if let existing = extendedIndex[rule.id] {
                rules[existing] = rule
                extendedIndex[rule.id] = nil
            } else {
                rules.append(rule)
            }
        }
        if let legacy = try fields.table("allowlist") {
            allowlists.append(try parseAllowlist(legacy, file: file, context: "[allowlist]", global: true, builtin: reading.builtin))
        }
        for table in try fields.tables("allowlists") ?? [] {
            allowlists.append(try parseAllowlist(table, file: file, context: "[[allowlists]]", global: true, builtin: reading.builtin))
        }
        try fields.finish()
        return RuleSet(rules: rules, allowlists: allowlists)
    }

    static func parseRule(_ table: TOMLTable, file: String, builtin: Bool) throws(ConfigurationError) -> SecretRule {
        var fields = TOMLFields(table, file: file, context: "[[rules]]")
        guard let id = try fields.string("id"), !id.isEmpty else {
            throw fields.error("a rule in [[rules]] needs an 'id'")
        }
        fields = TOMLFields(table, file: file, context: "rule '\(id)'")
        _ = try fields.string("id")
        var rule = SecretRule(id: id)
        rule.description = try fields.string("description") ?? ""
        if let regex = try fields.string("regex") {
            rule.regex = try compile(regex, fields: fields, key: "regex", builtin: builtin)
        }
        if let path = try fields.string("path") {
            rule.path = try compile(path, fields: fields, key: "path", builtin: builtin)
        }
        guard rule.regex != nil || rule.path != nil else {
            throw fields.error("rule '\(id)' needs a 'regex' or a 'path'")
        }
        if let group = try fields.integer("secretGroup") {
            guard group >= 0, group <= (rule.regex?.captureCount ?? 0) else {
                throw fields.error("secretGroup \(group) of rule '\(id)' is not a group of its regex", at: "secretGroup")
            }
            rule.secretGroup = group
        }
        if let entropy = try fields.number("entropy") {
            guard entropy >= 0, entropy <= 8 else {
                throw fields.error("entropy of rule '\(id)' must be between 0 and 8", at: "entropy")
            }
            rule.entropy = entropy > 0 ? entropy : nil
        }
        rule.keywords = (try fields.strings("keywords") ?? []).map { $0.0.lowercased() }.filter { !$0.isEmpty }
        rule.tags = (try fields.strings("tags") ?? []).map(\.0)
        if let checksum = try fields.string("checksum") {
            guard let kind = Checksum(rawValue: checksum) else {
                throw fields.error("unknown checksum '\(checksum)' (known: \(Checksum.allCases.map(\.rawValue).joined(separator: ", ")))",
                                   at: "checksum")
            }
            rule.checksum = kind
        }
        if let mismatch = try fields.bool("checksumMismatch") {
            guard rule.checksum != nil else {
                throw fields.error("checksumMismatch of rule '\(id)' needs a checksum", at: "checksumMismatch")
            }
            rule.checksumMismatch = mismatch
        }
        if let name = try fields.string("validator") {
            guard let validator = Validator(rawValue: name) else {
                throw fields.error("unknown validator '\(name)' (known: \(Validator.allCases.map(\.rawValue).joined(separator: ", ")))",
                                   at: "validator")
            }
            // The assignment validator reads groups 1 to 4 and reports the value.
            guard validator != .assignment || ((rule.regex?.captureCount ?? 0) >= 4 && rule.secretGroup == 4) else {
                throw fields.error("validator 'assignment' of rule '\(id)' needs a regex with groups 1 to 4 (key, operator, quote, value) and secretGroup = 4",
                                   at: "validator")
            }
            rule.validator = validator
        }
        if let confidence = try fields.string("confidence") {
            guard let level = Confidence(rawValue: confidence) else {
                throw fields.error("confidence of rule '\(id)' must be \"high\", \"medium\" or \"low\"", at: "confidence")
            }
            rule.confidence = level
        } else if rule.isGeneric {
            rule.confidence = .low
        }
        if let yields = try fields.bool("yields") { rule.yieldsToOthers = yields }
        if let span = try fields.integer("spanLines") {
            guard (0...10_000).contains(span) else { throw fields.error("spanLines must be between 0 and 10000", at: "spanLines") }
            rule.spanLines = span
        }
        if let examples = try fields.table("examples") {
            var ex = TOMLFields(examples, file: file, context: "examples of rule '\(id)'")
            rule.examplesTrue = (try ex.strings("true") ?? []).map(\.0)
            rule.examplesFalse = (try ex.strings("false") ?? []).map(\.0)
            try ex.finish()
        }
        if let legacy = try fields.table("allowlist") {
            rule.allowlists.append(try parseAllowlist(legacy, file: file, context: "the allowlist of rule '\(id)'", global: false, builtin: builtin))
        }
        for table in try fields.tables("allowlists") ?? [] {
            rule.allowlists.append(try parseAllowlist(table, file: file, context: "an allowlist of rule '\(id)'", global: false, builtin: builtin))
        }
        if fields.table["required"] != nil {
            throw fields.error("rule '\(id)': composite rules ('required') are not supported", at: "required")
        }
        if fields.table["skipReport"] != nil {
            throw fields.error("rule '\(id)': 'skipReport' (composite rules) is not supported", at: "skipReport")
        }
        try fields.finish()
        return rule
    }

    static func parseAllowlist(_ table: TOMLTable, file: String, context: String, global: Bool, builtin: Bool) throws(ConfigurationError) -> Allowlist {
        var fields = TOMLFields(table, file: file, context: context)
        var list = Allowlist()
        list.description = try fields.string("description") ?? ""
        if let condition = try fields.string("condition") {
            switch condition.uppercased() {
            case "OR": list.requireAll = false
            case "AND": list.requireAll = true
            default: throw fields.error("condition must be \"OR\" or \"AND\"", at: "condition")
            }
        }
        for (source, position) in try fields.strings("regexes") ?? [] {
            list.regexes.append(try compile(source, file: file, at: position, builtin: builtin))
        }
        if let target = try fields.string("regexTarget") {
            guard let t = AllowTarget(rawValue: target) else {
                throw fields.error("regexTarget must be \"secret\", \"match\" or \"line\"", at: "regexTarget")
            }
            list.regexTarget = t
        }
        for (source, position) in try fields.strings("paths") ?? [] {
            list.paths.append(try compile(source, file: file, at: position, builtin: builtin))
        }
        list.stopwords = (try fields.strings("stopwords") ?? []).map { $0.0.lowercased() }.filter { !$0.isEmpty }
        list.commits = Set((try fields.strings("commits") ?? []).map { $0.0.lowercased() })
        if global {
            list.targetRules = Set((try fields.strings("targetRules") ?? []).map(\.0))
        }
        try fields.finish()
        return list
    }

    static func compile(_ source: String, fields: TOMLFields, key: String, builtin: Bool) throws(ConfigurationError) -> Pattern {
        try compile(source, file: fields.file, at: fields.position(of: key) ?? fields.table.position, builtin: builtin)
    }

    static func compile(_ source: String, file: String, at position: TOMLPosition, builtin: Bool) throws(ConfigurationError) -> Pattern {
        if builtin { return Pattern(unchecked: source) }
        do {
            return try Pattern(source)
        } catch {
            throw ConfigurationError(file: file, position: position,
                                     message: "regex does not compile: \(error.message) at offset \(error.offset) of \(source.debugDescription)")
        }
    }
}
