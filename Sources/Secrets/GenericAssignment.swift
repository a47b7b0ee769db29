// The judgement behind the generic rules: a regex finds "name, operator, value" around a
// keyword; this decides whether that is a secret-like name given a literal, random-looking
// value in an assignment position, from principles of how code and configuration are written
// rather than from lists of strings seen in some corpus.

/// Reads one candidate of a rule with `validator = "assignment"` (groups: 1 key, 2 operator,
/// 3 the value's quote or empty, 4 the value).
public enum GenericAssignment {
    /// How the value was written: in quotes (a string literal in any language or format), or
    /// bare (only a literal in formats that have unquoted values: .env, shell, properties,
    /// INI, YAML, Makefile; in source code a bare word is an expression).
    public enum Form: Sendable, Equatable { case quoted, bare }

    /// The form of a candidate that holds, or nil when it is not a secret assignment.
    public static func judge(_ match: Match, in bytes: UnsafeRawBufferPointer) -> Form? {
        guard match.groups.count > 4, let keyRange = match.groups[1], let opRange = match.groups[2],
              let valueRange = match.groups[4], !keyRange.isEmpty, !valueRange.isEmpty else { return nil }
        let key = Array(bytes[keyRange])
        let op = Array(bytes[opRange])
        let value = Array(bytes[valueRange])
        let quoted = !(match.groups[3]?.isEmpty ?? true)
        guard isSecretName(key), looksRandom(value) else { return nil }
        // An XML element's text (`<password>…</password>`): delimited like a quoted value.
        if op == [UInt8(ascii: ">")] { return .quoted }
        let lineEnd = Scanner.lineEnd(valueRange.upperBound, in: bytes)
        let after = bytes[match.range.upperBound..<lineEnd]
        if quoted {
            // The literal is the whole value: not concatenated, formatted, indexed or compared.
            guard let next = after.first(where: { $0 != 32 && $0 != 9 && $0 != 13 }) else { return .quoted }
            return Array("+%*[(|&^<=!~?".utf8).contains(next) ? nil : .quoted
        }
        // A bare value is a literal only where a line is one `name = value` entry: nothing
        // before the name but indentation, a list dash, `export`/`ENV`/`ARG`/`set`, or a comment
        // marker (a commented-out credential is still one); nothing after the value but a
        // comment; and no sign of code in the value itself.
        let lineStart = Scanner.lineStart(keyRange.lowerBound, in: bytes)
        var prefix = Array(bytes[lineStart..<keyRange.lowerBound])
        while let last = prefix.last, last == 34 || last == 39 { prefix.removeLast() }
        if op == [UInt8(ascii: ":")] {
            // `name: value` is YAML or properties only as a line's own entry; elsewhere the
            // colon is a type annotation, a label or a Makefile rule.
            while let last = prefix.last, last == 32 || last == 9 { prefix.removeLast() }
            guard isEntryPrefix(prefix) else { return nil }
        } else {
            // `NAME=value` stands alone: at the line's start or after a space, never after
            // `.`, `(`, `,` or an operator, where it is part of an expression.
            guard prefix.isEmpty || prefix.last == 32 || prefix.last == 9 else { return nil }
        }
        let rest = after.drop { $0 == 32 || $0 == 9 || $0 == 13 }
        guard rest.isEmpty || ((rest.first == 35 || rest.first == 59) && after.first != rest.first) else { return nil }
        guard let last = value.last, !Array(",;{([\\".utf8).contains(last),
              !value.contains(where: { $0 == 40 || $0 == 41 }) else { return nil }
        return .bare
    }

    /// Whether a bare value found in `path` can be a literal: not in source code, where a bare
    /// word after `=` or `:` is an identifier, a type or an expression.
    public static func allowsBareValue(path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return true }
        let ext = name[name.index(after: dot)...].lowercased()
        return !sourceExtensions.contains(ext)
    }

    /// Languages whose assignments take expressions, not bare literals.
    static let sourceExtensions: Set<String> = [
        "swift", "kt", "kts", "java", "scala", "groovy", "gradle", "ts", "tsx", "js", "jsx", "mjs", "cjs", "py", "pyi",
        "go", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "m", "mm", "cs", "fs", "vb", "rb", "php", "rs", "dart", "lua",
        "pl", "pm", "ex", "exs", "erl", "hs", "ml", "clj", "r", "jl", "zig", "nim", "tf", "hcl", "vue", "svelte",
    ]

    // MARK: The name

    /// A name whose head noun (its last word, past value-describing suffixes such as `value`
    /// or `b64` and digits) is a secret: password, passphrase, secret, token, credential,
    /// auth, or a key qualified as one (api key, access key, private key, signing key…).
    /// `tokenizer`, `secret_name`, `token_type`, `password_hash` and `max_tokens` are names
    /// of other things.
    public static func isSecretName(_ key: [UInt8]) -> Bool {
        var words = Self.words(key)
        while let last = words.last, valueSuffixes.contains(last) || last.allSatisfy(\.isNumber) { words.removeLast() }
        guard let head = words.last else { return false }
        if exactHeads.contains(head) { return true }
        if compoundHeads.contains(where: { head.hasSuffix($0) }) { return true }
        if head == "key" {
            return words.count > 1 && keyQualifiers.contains(words[words.count - 2])
        }
        if head.hasSuffix("key") {
            let stem = head.dropLast(3)
            return keyQualifiers.contains { stem.hasSuffix($0) }
        }
        return false
    }

    static let exactHeads: Set<String> = ["pass", "pwd", "auth", "oauth", "credential", "credentials", "secrets"]
    /// Heads that also close a run-together lower-case name (`dbpassword`, `clienttoken`).
    static let compoundHeads = ["password", "passwd", "passphrase", "secret", "token", "credential", "credentials"]
    /// Words that make `key` a secret key.
    static let keyQualifiers: Set<String> = [
        "api", "access", "secret", "private", "auth", "signing", "sign", "encryption", "encrypt", "master", "client",
        "consumer", "app", "service", "account", "shared", "hmac", "session", "subscription", "license", "webhook",
    ]
    /// Words after the head noun that describe how the same value is held.
    static let valueSuffixes: Set<String> = [
        "value", "val", "str", "string", "b64", "base64", "hex", "raw", "plain", "plaintext", "text", "bytes", "data",
        "enc", "encoded", "encrypted",
    ]

    /// A name split into lower-case words at separators, case changes (`apiKey`,
    /// `HTTPServer` → http, server) and letter/digit boundaries.
    static func words(_ name: [UInt8]) -> [String] {
        var result: [String] = []
        for segment in segments(name) where segment.first.map(isLetter) ?? false {
            result.append(String(decoding: segment.map { $0 | 0x20 }, as: UTF8.self))
        }
        return result
    }

    // MARK: The value

    /// A literal that looks random: not a reference, template, path, URL, version, UUID, hash,
    /// number, word, identifier or placeholder, with a mix of character classes.
    public static func looksRandom(_ value: [UInt8], minimumLength: Int = 8, maximumLength: Int = 200) -> Bool {
        guard (minimumLength...maximumLength).contains(value.count), let first = value.first else { return false }
        // References and templates: `$X`, `${X}`, `$(cmd)`, `%(x)s`, `%{x}`, `{{ x }}`, `#{x}`,
        // `<%= x %>`, `%VAR%`, `@name`, YAML anchors, aliases and tags, `<placeholder>`,
        // flow collections.
        if first == UInt8(ascii: "$") || first == UInt8(ascii: "<") || first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return false
        }
        if [UInt8(ascii: "@"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!")].contains(first),
           value.count > 1, isLetter(value[1]) || value[1] == UInt8(ascii: "_") {
            return false
        }
        // (`\(x)` is Swift's interpolation; `{name}` a format string's field: Python's
        // f-strings and `str.format`, C#'s `$"…"`, Rust's `format!`.)
        for marker in ["${", "{{", "}}", "%(", "%{", "#{", "$(", "\\(", "<%", "%>", "://", "...", "\u{2026}"] where contains(value, marker) { return false }
        if hasFormatField(value) { return false }
        // A resource location (`classpath:certs/client.key`, `file:/etc/app.key`, `env:TOKEN`):
        // a scheme, then a name or a path.
        if let colon = value.firstIndex(of: UInt8(ascii: ":")), colon >= 2, value[..<colon].allSatisfy({ isLetter($0) || $0 == 45 }) {
            let rest = value[(colon + 1)...].split(omittingEmptySubsequences: true) { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
            if !rest.isEmpty, rest.allSatisfy({ isPathSegment(Array($0)) }) { return false }
        }
        if first == UInt8(ascii: "%"), value.last == UInt8(ascii: "%") { return false }
        // Paths (rooted, relative, home, Windows): separated segments that are all names.
        if value.count > 2, isLetter(value[0]), value[1] == UInt8(ascii: ":"), value[2] == UInt8(ascii: "\\") || value[2] == UInt8(ascii: "/") {
            return false
        }
        if value.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }) {
            let parts = value.split(omittingEmptySubsequences: true) { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
            if parts.allSatisfy({ isPathSegment(Array($0)) }) { return false }
        }
        // Masks and placeholders: a character repeated four times (`xxxx`, `****`, `0000`), or
        // four in a row of the alphabet or the digits (`abcd`, `1234`, `4321`), as typed, not drawn.
        if hasTypedRun(value) { return false }
        if isVersion(value) || isUUID(value) || isHex(value) || isTaggedDigest(value) || endsWithUUID(value) { return false }
        // Base64 of text (`dXNlcjpwYXNz`, `user:pass`): the text is what was chosen; judged instead.
        if let text = base64Text(value) { return looksRandom(text, minimumLength: 6) }
        // A qualified name (`process.env.API_KEY`, `com.example.Secret`): a reference.
        if value.contains(46) {
            let parts = value.split(separator: 46, omittingEmptySubsequences: false)
            // (`%s` and `*` stand for a name: `management.endpoint.%s.access`.)
            if parts.allSatisfy({ !$0.isEmpty && (isIdentifierShape(Array($0)) || Array($0) == [37, 115] || Array($0) == [42]) }) { return false }
        }
        // Mostly punctuation (`c\r\n\t d` decoded from a URL parser's test) is not a key.
        guard value.count { isLetter($0) || isDigit($0) } * 2 >= value.count else { return false }
        // A mix of character classes: one class alone is a number, a word or a hash.
        var classes = Set<Int>()
        for b in value {
            if isDigit(b) { classes.insert(0) } else if b >= 97 && b <= 122 { classes.insert(1) }
            else if b >= 65 && b <= 90 { classes.insert(2) } else { classes.insert(3) }
        }
        guard classes.count >= 2 else { return false }
        return !isIdentifierShape(value) && !isWords(value)
    }

    /// Four of one character, or four in a row of the alphabet or the digits, either way; or
    /// five in order among the letters or the digits alone.
    static func hasTypedRun(_ value: [UInt8]) -> Bool {
        var run = 1, up = 1, down = 1
        for i in value.indices.dropFirst() {
            run = value[i] == value[i - 1] ? run + 1 : 1
            let alnum = (isLetter(value[i]) && isLetter(value[i - 1])) || (isDigit(value[i]) && isDigit(value[i - 1]))
            up = alnum && value[i] == value[i - 1] &+ 1 ? up + 1 : 1
            down = alnum && value[i] == value[i - 1] &- 1 ? down + 1 : 1
            if run >= 4 || up >= 4 || down >= 4 { return true }
        }
        // Interleaved (`a1B2c3D4`, `1a2b3c4d`): the letters, or the digits, alone in order.
        for subsequence in [value.filter(isLetter).map { $0 | 0x20 }, value.filter(isDigit)] {
            var inOrder = 1
            for i in subsequence.indices.dropFirst() {
                inOrder = subsequence[i] == subsequence[i - 1] &+ 1 ? inOrder + 1 : 1
                if inOrder >= 5 { return true }
            }
        }
        return false
    }

    /// A value a person or a program composed of words and numbers, whatever joins them
    /// (`target|unknown`, `test-$RANDOM-password`, `Password123!`, `user:pas:word@foo.com`):
    /// every piece between non-alphanumeric bytes is a word, an identifier or a number.
    /// (Pieces of one or two characters in one case, `a-secret`, pass beside at least one word.)
    static func isWords(_ value: [UInt8]) -> Bool {
        var words = 0
        for piece in value.split(omittingEmptySubsequences: true, whereSeparator: { !(isLetter($0) || isDigit($0)) }) {
            if piece.allSatisfy(isDigit) { continue }
            if piece.count <= 2 {
                guard !(piece.contains(where: isLower) && piece.contains(where: isUpper)) else { return false }
                continue
            }
            guard isWordPiece(Array(piece)) else { return false }
            words += 1
        }
        // At least one real word of four letters: short pieces alone (`fbx`, `qg`) are what a
        // random string breaks into too.
        return words > 0 && segments(value).contains { $0.count >= 4 && $0.allSatisfy(isLetter) && isPronounceable($0) }
    }

    /// Words and numbers run together (`pass1`, `usernameOPENSHIFT`, `loopback`): every
    /// piece a pronounceable word of up to twelve letters, an abbreviation in one case (`http`,
    /// `prm`, `xdg` up to four letters; `passwd` up to eight, with a vowel) or a number, three
    /// characters a piece on average as words have. (A run of random capitals is longer.)
    static func isWordPiece(_ piece: [UInt8]) -> Bool {
        var word = piece[...]
        while let last = word.last, isDigit(last) { word = word.dropLast() }
        let parts = segments(Array(word))
        guard !parts.isEmpty, parts.reduce(0, { $0 + $1.count }) >= 3 * parts.count else { return false }
        return parts.allSatisfy { part in
            if isDigit(part[0]) { return true }
            guard part.count <= 12 else { return false }
            let oneCase = part.allSatisfy(isLower) || part.allSatisfy(isUpper)
            if part.count <= 4, oneCase { return true }
            if part.count <= 8, oneCase, isPronounceable(part) || isAbbreviation(part) { return true }
            return isPronounceable(part)
        }
    }

    /// Letters with a vowel and no five consonants in a row (`passwd`, `cfgmgr`).
    static func isAbbreviation(_ word: [UInt8]) -> Bool {
        var consonants = 0
        for b in word {
            consonants = "aeiouyAEIOUY".utf8.contains(b) ? 0 : consonants + 1
            if consonants >= 5 { return false }
        }
        return word.contains { "aeiouyAEIOUY".utf8.contains($0) }
    }

    /// `{name}` somewhere in the value: a field a format string fills in.
    static func hasFormatField(_ value: [UInt8]) -> Bool {
        var open: Int?
        for (i, b) in value.enumerated() {
            if b == UInt8(ascii: "{") { open = i; continue }
            guard let start = open else { continue }
            if b == UInt8(ascii: "}") {
                if i > start + 1 { return true }
                open = nil
            } else if !(isLetter(b) || isDigit(b) || b == 95 || b == 46 || b == 58) {
                open = nil
            }
        }
        return false
    }

    /// A digest under a short tag (`md5` + hex, `sha256:` + hex, `xxx` + hex): a hash, like
    /// plain hex.
    static func isTaggedDigest(_ value: [UInt8]) -> Bool {
        guard let first = value.first, isLetter(first) else { return false }
        for k in 1...min(9, value.count - 1) {
            guard isLetter(value[k - 1]) || isDigit(value[k - 1]) else { return false }
            var rest = value[k...]
            if let sep = rest.first, [58, 36, 45, 95, 61].contains(sep) { rest = rest.dropFirst() }
            if rest.count >= 24, isHex(Array(rest)) { return true }
        }
        return false
    }

    /// An id under a word (`access-sandbox-0af2c971-41a6-4fc5-a97d-f2b27ab0a648`): a UUID.
    static func endsWithUUID(_ value: [UInt8]) -> Bool {
        guard value.count > 37 else { return false }
        let cut = value.count - 36
        return value[cut - 1] == 45 || value[cut - 1] == 95 || value[cut - 1] == 58 ? isUUID(Array(value[cut...])) : false
    }

    /// The text a base64 value encodes, when it is text: printable ASCII (NULs and line
    /// breaks read as spaces), at least six characters. nil for binary (keys, random bytes).
    static func base64Text(_ value: [UInt8]) -> [UInt8]? {
        var v = value[...]
        while v.last == 61 { v = v.dropLast() }
        guard v.count >= 8, value.count - v.count <= 2,
              v.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 43 || $0 == 47 || $0 == 45 || $0 == 95 }) else { return nil }
        var bits = 0, count = 0
        var out: [UInt8] = []
        for b in v {
            let d: Int
            switch b {
            case 65...90: d = Int(b) - 65
            case 97...122: d = Int(b) - 71
            case 48...57: d = Int(b) + 4
            case 43, 45: d = 62
            default: d = 63
            }
            bits = (bits << 6) | d
            count += 6
            if count >= 8 {
                count -= 8
                let byte = UInt8((bits >> count) & 0xFF)
                switch byte {
                case 0, 9, 10, 13: out.append(32)
                case 32...126: out.append(byte)
                default: return nil
                }
            }
        }
        return out.count >= 6 ? out : nil
    }

    // MARK: Credentials in URLs, commands and headers

    /// A password as a URL (`scheme://user:password@host`), `curl -u user:password` or an
    /// authorization header carries it: percent-decoded, the password of a base64
    /// `user:password`, then judged as an assigned literal is (`looksRandom`, from six
    /// characters): `home-pass`, `[Filtered]`, `{ENCODED_PASSWORD}`, `\(name)`,
    /// `Administrator` and `token_for_Frank` are not credentials anyone chose to keep secret.
    public static func isCredential(_ value: [UInt8]) -> Bool {
        var v = percentDecoded(value)
        if let text = base64Text(v) {
            v = text
            if let colon = v.firstIndex(of: 58) { v = Array(v[(colon + 1)...]) }
        }
        if let first = v.first, [UInt8(ascii: "["), UInt8(ascii: "("), UInt8(ascii: "\\")].contains(first) { return false }
        // A JWT (a header `eyJ…`, then a dot) is one only whole: header, payload and a signature
        // of a real algorithm's length (HS256's, the shortest, has 43 characters; the jwt rule
        // asks 40). A token cut short or signed `.signature` or `.invalid` is a sample.
        // (An encrypted JWT, a JWE, has five parts and no signature: judged as any value.)
        if v.count > 4, v[0] == 0x65, v[1] == 0x79, v[2] == 0x4A, v.contains(0x2E) {
            // What a header's value may hold after it (`.`, `=`, `~`: the end of a sentence,
            // padding) is not part of it.
            var token = v[...]
            while let last = token.last, last == 0x2E || last == 0x3D || last == 0x7E { token = token.dropLast() }
            let parts = token.split(separator: 0x2E, omittingEmptySubsequences: false)
            if parts.count <= 3 {
                guard parts.count == 3, parts[2].count >= 40 else { return false }
                // A whole one is a credential only in force (`JSONWebToken`; the jwt-inert
                // rule warns of the rest).
                if JSONWebToken.isWhole(Array(token)) { return JSONWebToken.judge(token) == .inForce }
            }
        }
        // Where a credential stands, a UUID or hex is one (an API key), not an id or a digest.
        if isUUID(v) || (v.count >= 16 && isHex(v)) { return !hasTypedRun(v) }
        return looksRandom(v, minimumLength: 6, maximumLength: 4096)
    }

    /// `%XX` escapes decoded; bytes that are not ASCII read as a separator (a space).
    static func percentDecoded(_ value: [UInt8]) -> [UInt8] {
        guard value.contains(37) else { return value }
        var out: [UInt8] = []
        var i = 0
        while i < value.count {
            if value[i] == 37, i + 2 < value.count, isHexDigit(value[i + 1]), isHexDigit(value[i + 2]),
               let byte = UInt8(String(decoding: value[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(byte < 128 ? byte : 32)
                i += 3
            } else {
                out.append(value[i])
                i += 1
            }
        }
        return out
    }

    /// Words in an identifier's or a name's shape: `camelCase`, `snake_case`, `kebab-case`,
    /// `dotted.names`, `SCREAMING_CASE`, `Word2024`: every piece a word, an acronym or a short
    /// number. A random string breaks into pieces that are not: consonant clusters (`Bjt`,
    /// `Zgdfr`), single letters, capitals mixed in more than once, digits inside.
    static func isIdentifierShape(_ value: [UInt8]) -> Bool {
        guard value.allSatisfy({ isLetter($0) || isDigit($0) || $0 == 95 || $0 == 45 || $0 == 46 }) else { return false }
        let parts = segments(value)
        guard !parts.isEmpty else { return true }
        // Random strings cut at every case and digit change average about two characters a
        // piece; words average four or more.
        let average = Double(parts.reduce(0) { $0 + $1.count }) / Double(parts.count)
        guard average >= 3 else { return false }
        let mixedCase = value.contains(where: isLower) && value.contains(where: isUpper)
        var acronyms = 0
        var digitRuns = 0
        for (i, part) in parts.enumerated() {
            if isDigit(part[0]) {
                guard part.count <= 4 else { return false }
                if i < parts.count - 1 { digitRuns += 1 }
                continue
            }
            if part.allSatisfy(isUpper) {
                if mixedCase {
                    acronyms += 1
                    guard part.count <= 6, part.count > 1 || i == parts.count - 1 else { return false }
                } else if part.count >= 6, !isPronounceable(part) {
                    return false
                }
                continue
            }
            if part.count == 1 { guard i == 0 || i == parts.count - 1 else { return false }; continue }
            guard isPronounceable(part) else { return false }
        }
        return acronyms <= 1 && digitRuns <= 1
    }

    /// A word of letters: short ones pass; from three letters on it has a vowel, and from six
    /// on vowels and consonants in a natural proportion.
    static func isPronounceable(_ word: [UInt8]) -> Bool {
        guard word.count >= 3 else { return true }
        let vowels = word.filter { "aeiouyAEIOUY".utf8.contains($0) }.count
        guard vowels > 0 else { return false }
        guard word.count >= 6 else { return true }
        var consonants = 0, longest = 0
        for b in word {
            consonants = "aeiouyAEIOUY".utf8.contains(b) ? 0 : consonants + 1
            longest = max(longest, consonants)
        }
        let ratio = Double(vowels) / Double(word.count)
        return ratio >= 0.2 && ratio <= 0.75 && longest < 5
    }

    /// A piece of a path: a name, or lower-case file-name characters (`.ssh`, `id_rsa`, `~`, `..`).
    static func isPathSegment(_ part: [UInt8]) -> Bool {
        if part == [UInt8(ascii: "~")] { return true }
        if isIdentifierShape(part) { return true }
        return part.allSatisfy { isLower($0) || isDigit($0) || $0 == 95 || $0 == 45 || $0 == 46 }
    }

    /// Pieces of a name or value: split at anything but letters and digits, at lower→upper,
    /// at the last of several capitals before a lower-case letter, and at letter/digit changes.
    static func segments(_ text: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        for (i, b) in text.enumerated() {
            guard isLetter(b) || isDigit(b) else {
                if !current.isEmpty { result.append(current); current = [] }
                continue
            }
            if let previous = current.last {
                let cut = (isDigit(previous) != isDigit(b))
                    || (isLower(previous) && isUpper(b))
                    || (isUpper(previous) && isUpper(b) && i + 1 < text.count && isLower(text[i + 1]))
                if cut { result.append(current); current = [] }
            }
            current.append(b)
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    static func isVersion(_ value: [UInt8]) -> Bool {
        var v = value[...]
        if v.first == UInt8(ascii: "v") || v.first == UInt8(ascii: "V") { v = v.dropFirst() }
        guard let first = v.first, isDigit(first) else { return false }
        let numeric = v.prefix { isDigit($0) || $0 == 46 }
        return numeric.contains(46) && (numeric.count == v.count || [45, 43, 46].contains(v[numeric.endIndex]))
    }

    static func isUUID(_ value: [UInt8]) -> Bool {
        var v = value[...]
        if v.first == UInt8(ascii: "{"), v.last == UInt8(ascii: "}") { v = v.dropFirst().dropLast() }
        let groups = v.split(separator: 45, omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(isHexDigit) }
    }

    /// Hex in one case, optionally `0x`-prefixed or colon-separated: digests, test vectors,
    /// ids and fingerprints far more often than typed secrets (providers' hex tokens have
    /// their own rules).
    static func isHex(_ value: [UInt8]) -> Bool {
        var v = value[...]
        if v.starts(with: Array("0x".utf8)) { v = v.dropFirst(2) }
        let digits = v.filter { $0 != 58 }
        guard digits.count >= 8, digits.allSatisfy(isHexDigit) else { return false }
        return !(digits.contains(where: isLower) && digits.contains(where: isUpper))
    }

    static func contains(_ value: [UInt8], _ marker: String) -> Bool {
        let m = Array(marker.utf8)
        guard value.count >= m.count else { return false }
        for i in 0...(value.count - m.count) where value[i] == m[0] && Array(value[i..<(i + m.count)]) == m { return true }
        return false
    }

    /// What may stand before a name on a line whose bare value is a literal.
    static func isEntryPrefix(_ prefix: [UInt8]) -> Bool {
        var words = String(decoding: prefix, as: UTF8.self).lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        // Comment markers: a commented-out entry.
        if let first = words.first, ["#", "//", ";", "--", "*", "rem"].contains(first) || (first.hasPrefix("#") && first.allSatisfy { $0 == "#" }) {
            words.removeFirst()
        }
        if words.first == "-" { words.removeFirst() }
        switch words.count {
        case 0: return true
        case 1: return ["export", "env", "arg", "set", "setx", "readonly", "local", "declare"].contains(words[0])
        default: return false
        }
    }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
    static func isLower(_ b: UInt8) -> Bool { b >= 97 && b <= 122 }
    static func isUpper(_ b: UInt8) -> Bool { b >= 65 && b <= 90 }
    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    static func isHexDigit(_ b: UInt8) -> Bool { isDigit(b) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70) }
}
