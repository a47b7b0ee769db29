#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A git `allowed_signers` file (ssh-keygen(1) "ALLOWED SIGNERS"): lines of
/// `principals [options] key`, where principals is a comma list of patterns (`*`, `?`, `!`),
/// and options are `namespaces="…"`, `valid-after="…"`, `valid-before="…"` and
/// `cert-authority`. Certificate authorities are read but never trusted: they are reported.
public struct AllowedSigners: Sendable {
    public struct Entry: Sendable, Equatable {
        /// 1-based line number in the file.
        public var line: Int
        /// The principals field as written (a comma-separated pattern list, quotes removed).
        public var principals: String
        public var namespaces: String?
        /// Seconds since the epoch; the key is valid from this moment on.
        public var validAfter: Int64?
        /// Seconds since the epoch; the key is valid up to this moment.
        public var validBefore: Int64?
        public var isCertificateAuthority: Bool
        public var key: SSHPublicKey
    }

    public var entries: [Entry]

    /// Parses the whole file; any malformed line is an error naming its line and column (a
    /// broken trust file is a configuration error, never silently half-read).
    public init(text: some Collection<UInt8>) throws(AllowedSignersError) {
        entries = []
        var lineNumber = 0
        for line in Array(text).split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            if let entry = try Self.parseLine(Array(line), number: lineNumber) { entries.append(entry) }
        }
    }

    /// Whether `key` may sign as `principal` in `namespace` at time `now` (seconds since the
    /// epoch; pass the server's clock, never a commit's date): the decision of
    /// `ssh-keygen -Y verify -I principal -n namespace` once the signature itself holds.
    public func check(principal: String, key: SSHPublicKey, namespace: String, now: Int64) -> AllowedSignerDecision {
        var refusals: [AllowedSignerDecision.Refusal] = []
        var principalListed = false
        for entry in entries where PatternList.matches(principal, entry.principals) {
            principalListed = true
            if let refusal = entry.refusal(key: key, namespace: namespace, now: now) {
                if refusal != .keyDiffers { refusals.append(refusal) }
            } else {
                return .allowed(line: entry.line)
            }
        }
        if !principalListed { return .denied([.principalNotListed]) }
        return .denied(refusals.isEmpty ? [.keyDiffers] : refusals)
    }

    /// The entries under which `key` may sign in `namespace` at `now`, whatever their
    /// principals (as `ssh-keygen -Y find-principals`, with the namespace checked too).
    public func entries(for key: SSHPublicKey, namespace: String, now: Int64) -> [Entry] {
        entries.filter { $0.refusal(key: key, namespace: namespace, now: now) == nil }
    }

    static func parseLine(_ line: [UInt8], number: Int) throws(AllowedSignersError) -> Entry? {
        func fail(_ column: Int, _ message: String) -> AllowedSignersError {
            AllowedSignersError(line: number, column: column + 1, message: message)
        }
        var pos = 0
        while pos < line.count, FieldScanner.isSpace(line[pos]) { pos += 1 }
        if pos == line.count || line[pos] == UInt8(ascii: "#") { return nil }
        // Principals: up to whitespace, or a quoted run (OpenSSH's strdelimw).
        var principals: [UInt8] = []
        let principalsStart = pos
        while pos < line.count, !FieldScanner.isSpace(line[pos]) {
            if line[pos] == UInt8(ascii: "\"") {
                guard let close = line[(pos + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
                    throw fail(pos, "unterminated quote in the principals")
                }
                principals += line[(pos + 1)..<close]
                pos = close + 1
                break
            }
            principals.append(line[pos])
            pos += 1
        }
        while pos < line.count, FieldScanner.isSpace(line[pos]) { pos += 1 }
        guard pos < line.count else { throw fail(principalsStart, "expected principals, options and a key") }

        // Options come before the key when the next field is not a key type.
        var options: ArraySlice<UInt8> = []
        var optionsStart = pos
        if !Self.startsWithKeyType(line[pos...]) {
            optionsStart = pos
            var quoted = false
            while pos < line.count, quoted || !(line[pos] == 32 || line[pos] == 9) {
                if line[pos] == UInt8(ascii: "\\"), pos + 1 < line.count, line[pos + 1] == UInt8(ascii: "\"") {
                    pos += 1
                } else if line[pos] == UInt8(ascii: "\"") {
                    quoted.toggle()
                }
                pos += 1
            }
            guard !quoted else { throw fail(optionsStart, "unterminated quote in the options") }
            options = line[optionsStart..<pos]
            while pos < line.count, FieldScanner.isSpace(line[pos]) { pos += 1 }
            guard pos < line.count else { throw fail(pos, "missing key") }
        }
        let keyStart = pos
        let key: SSHPublicKey
        do {
            key = try SSHPublicKey(authorizedKey: String(decoding: line[keyStart...], as: UTF8.self))
        } catch {
            throw fail(keyStart + error.offset, error.description)
        }
        var entry = Entry(line: number, principals: String(decoding: principals, as: UTF8.self), namespaces: nil,
                          validAfter: nil, validBefore: nil, isCertificateAuthority: false, key: key)
        try Self.parseOptions(options, into: &entry, start: optionsStart, fail: fail)
        return entry
    }

    private static func startsWithKeyType(_ text: ArraySlice<UInt8>) -> Bool {
        let end = text.firstIndex { FieldScanner.isSpace($0) } ?? text.endIndex
        let word = String(decoding: text[text.startIndex..<end], as: UTF8.self)
        return SSHPublicKey.Algorithm(rawValue: word) != nil || SSHPublicKey.isKnownUnsupported(word)
    }

    /// `sshsigopt_parse`: comma-separated, names case-insensitive, values quoted.
    private static func parseOptions(_ options: ArraySlice<UInt8>, into entry: inout Entry, start: Int,
                                     fail: (Int, String) -> AllowedSignersError) throws(AllowedSignersError) {
        var pos = options.startIndex
        func matchName(_ name: String) -> Bool {
            let n = Array(name.utf8)
            guard options.endIndex - pos >= n.count,
                  zip(options[pos..<(pos + n.count)], n).allSatisfy({ lowercase($0) == $1 }) else { return false }
            return true
        }
        func quotedValue(_ name: String) throws(AllowedSignersError) -> String {
            pos += name.utf8.count
            guard pos < options.endIndex, options[pos] == UInt8(ascii: "\"") else {
                throw fail(pos, "option \(name.dropLast()) needs a quoted value")
            }
            pos += 1
            var value: [UInt8] = []
            while pos < options.endIndex, options[pos] != UInt8(ascii: "\"") {
                if options[pos] == UInt8(ascii: "\\"), pos + 1 < options.endIndex, options[pos + 1] == UInt8(ascii: "\"") { pos += 1 }
                value.append(options[pos])
                pos += 1
            }
            guard pos < options.endIndex else { throw fail(pos, "missing end quote") }
            pos += 1
            return String(decoding: value, as: UTF8.self)
        }
        while pos < options.endIndex {
            let optionStart = pos
            if matchName("cert-authority") {
                pos += "cert-authority".utf8.count
                entry.isCertificateAuthority = true
            } else if matchName("namespaces=") {
                guard entry.namespaces == nil else { throw fail(optionStart, "multiple \"namespaces\" clauses") }
                entry.namespaces = try quotedValue("namespaces=")
            } else if matchName("valid-after=") {
                guard entry.validAfter == nil else { throw fail(optionStart, "multiple \"valid-after\" clauses") }
                let text = try quotedValue("valid-after=")
                guard let time = parseAbsoluteTime(text), time != 0 else { throw fail(optionStart, "invalid \"valid-after\" time \"\(text)\"") }
                entry.validAfter = time
            } else if matchName("valid-before=") {
                guard entry.validBefore == nil else { throw fail(optionStart, "multiple \"valid-before\" clauses") }
                let text = try quotedValue("valid-before=")
                guard let time = parseAbsoluteTime(text), time != 0 else { throw fail(optionStart, "invalid \"valid-before\" time \"\(text)\"") }
                entry.validBefore = time
            }
            guard pos < options.endIndex else { break }
            guard options[pos] == UInt8(ascii: ",") else { throw fail(pos, "unknown key option") }
            pos += 1
            guard pos < options.endIndex else { throw fail(pos, "unexpected end of options") }
        }
    }

    /// OpenSSH's `parse_absolute_time`: `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, in UTC
    /// with a `Z` or `UTC` suffix, else in the local time zone (as ssh-keygen reads it).
    public static func parseAbsoluteTime(_ text: String) -> Int64? {
        var digits = Array(text.utf8)
        var utc = false
        let upper = digits.map(uppercase)
        if digits.count > 1, upper.last == UInt8(ascii: "Z") {
            utc = true
            digits.removeLast()
        } else if digits.count > 3, upper.suffix(3).elementsEqual("UTC".utf8) {
            utc = true
            digits.removeLast(3)
        }
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 48) } }
        let year = number(0..<4), month = number(4..<6), day = number(6..<8)
        let hour = digits.count >= 12 ? number(8..<10) : 0
        let minute = digits.count >= 12 ? number(10..<12) : 0
        let second = digits.count == 14 ? number(12..<14) : 0
        // strptime's ranges.
        guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 61 else { return nil }
        let result: Int64
        if utc {
            result = daysFromCivil(year: year, month: month) * 86400 + Int64(day - 1) * 86400
                + Int64(hour * 3600 + minute * 60 + second)
        } else {
            var parts = tm()
            parts.tm_year = Int32(year - 1900)
            parts.tm_mon = Int32(month - 1)
            parts.tm_mday = Int32(day)
            parts.tm_hour = Int32(hour)
            parts.tm_min = Int32(minute)
            parts.tm_sec = Int32(second)
            parts.tm_isdst = -1
            result = Int64(mktime(&parts))
        }
        return result < 0 ? nil : result
    }

    /// Days from 1970-01-01 to the first day of `month` of `year` (proleptic Gregorian).
    static func daysFromCivil(year: Int, month: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

extension AllowedSigners.Entry {
    /// Why this entry does not let `key` sign in `namespace` at `now`; nil when it does.
    func refusal(key: SSHPublicKey, namespace: String, now: Int64) -> AllowedSignerDecision.Refusal? {
        if isCertificateAuthority { return self.key == key ? .certificateAuthority(line: line) : .keyDiffers }
        guard self.key == key else { return .keyDiffers }
        if let namespaces, !PatternList.matches(namespace, namespaces) {
            return .namespaceNotAllowed(line: line, namespaces: namespaces)
        }
        if let validAfter, now < validAfter { return .notYetValid(line: line, validAfter: validAfter) }
        if let validBefore, now > validBefore { return .expired(line: line, validBefore: validBefore) }
        return nil
    }
}

/// The answer of an allowed_signers file for one principal and key.
public enum AllowedSignerDecision: Sendable, Equatable {
    case allowed(line: Int)
    case denied([Refusal])

    public enum Refusal: Sendable, Equatable, CustomStringConvertible {
        case principalNotListed
        case keyDiffers
        case namespaceNotAllowed(line: Int, namespaces: String)
        case notYetValid(line: Int, validAfter: Int64)
        case expired(line: Int, validBefore: Int64)
        /// `cert-authority` entries are not supported: such a key is never trusted directly.
        case certificateAuthority(line: Int)

        public var description: String {
            switch self {
            case .principalNotListed: "the principal is not listed"
            case .keyDiffers: "the principal is listed with another key"
            case .namespaceNotAllowed(let line, let ns): "line \(line): the key is limited to namespaces \"\(ns)\""
            case .notYetValid(let line, let t): "line \(line): the key is not valid before \(t) (valid-after)"
            case .expired(let line, let t): "line \(line): the key expired at \(t) (valid-before)"
            case .certificateAuthority(let line): "line \(line): cert-authority keys are not supported"
            }
        }
    }
}

public struct AllowedSignersError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    /// 1-based, in UTF-8 bytes.
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

/// OpenSSH's `match_pattern_list`: comma-separated patterns with `*` and `?`; a matching
/// pattern prefixed by `!` refuses outright.
enum PatternList {
    static func matches(_ string: String, _ list: String) -> Bool {
        let s = Array(string.utf8)
        var positive = false
        for var pattern in Array(list.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            var negated = false
            if pattern.first == UInt8(ascii: "!") {
                negated = true
                pattern = pattern.dropFirst()
            }
            if wildcardMatch(s[...], pattern) {
                if negated { return false }
                positive = true
            }
        }
        return positive
    }

    /// `*` matches any run, `?` any one byte; the rest literally. Linear backtracking on the
    /// last star, so hostile patterns cannot blow up.
    static func wildcardMatch(_ s: ArraySlice<UInt8>, _ p: ArraySlice<UInt8>) -> Bool {
        let s = Array(s), p = Array(p)
        var i = 0, j = 0
        var star = -1, mark = 0
        while i < s.count {
            if j < p.count, p[j] == UInt8(ascii: "?") || p[j] == s[i] && p[j] != UInt8(ascii: "*") {
                i += 1
                j += 1
            } else if j < p.count, p[j] == UInt8(ascii: "*") {
                star = j
                mark = i
                j += 1
            } else if star >= 0 {
                j = star + 1
                mark += 1
                i = mark
            } else {
                return false
            }
        }
        while j < p.count, p[j] == UInt8(ascii: "*") { j += 1 }
        return j == p.count
    }
}

private func lowercase(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
private func uppercase(_ c: UInt8) -> UInt8 { c >= 97 && c <= 122 ? c - 32 : c }
