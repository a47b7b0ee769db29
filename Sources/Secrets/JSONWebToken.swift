import Glibc

/// Whether a JSON Web Token (`header.payload.signature`, each part base64url) is a bearer
/// credential in force, or a sample: the `jwt` rule (`validator = "jwt"`) reports the first,
/// `jwt-inert` (`validator = "jwt-inert"`, `low`) the rest.
///
/// In force: the header is a JSON object whose `alg` names a signing algorithm (not `none`);
/// the payload is a JSON object that names who issued the token or whom it is for (a
/// non-empty `iss` or `aud`: RFC 7519 §4.1; OAuth's JWT access tokens, RFC 9068, and OpenID
/// Connect's ID tokens must carry both, as do Kubernetes service-account tokens and the
/// long-lived API keys services issue as JWTs); and its `exp`, when it is a number, is still
/// ahead at the time of the scan. A token that fails one of these (a library's test vector
/// `{"name":"John Doe","admin":true}`, a session that expired years ago, a mangled copy) opens
/// no door anyone could walk through today.
///
/// Only the payload's top-level members are read, by a small reader that keeps no depth
/// (nested objects and arrays are skipped by counting brackets): a hostile payload costs one
/// pass over its bytes.
enum JSONWebToken {
    enum Verdict: Equatable { case inForce, inert }

    /// `now`: seconds since the epoch (`exp` is compared with it).
    static func judge(_ token: some Collection<UInt8>, now: Double = Double(time(nil))) -> Verdict {
        let parts = token.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty,
              let header = members(of: decoded(parts[0])), let payload = members(of: decoded(parts[1])) else { return .inert }
        guard case .string(let alg)? = header["alg"], !alg.isEmpty, alg.lowercased() != "none" else { return .inert }
        guard payload["iss"]?.isPresent == true || payload["aud"]?.isPresent == true else { return .inert }
        if case .number(let exp)? = payload["exp"], exp <= now { return .inert }
        return .inForce
    }

    /// What the jwt rules match: `eyJ…` (a JSON object's start), a dot, `eyJ…`, a dot and a
    /// signature of 40 characters or more (HS256's, the shortest, has 43), base64url all.
    static func isWhole(_ value: [UInt8]) -> Bool {
        guard value.count >= 68, value.starts(with: [0x65, 0x79, 0x4A]) else { return false }
        let parts = value.split(separator: 0x2E, omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0].count >= 13 && parts[1].count >= 13 && parts[1].starts(with: [0x65, 0x79, 0x4A])
            && parts[2].count >= 40 && value.allSatisfy { $0 == 0x2E || $0 == 0x2D || $0 == 0x5F || Base64Text.table[Int($0)] >= 0 }
    }

    /// base64url (or base64) without padding to bytes; empty when a character is neither.
    static func decoded(_ part: some Collection<UInt8>) -> [UInt8] {
        var body = ArraySlice(part)
        while body.last == 0x3D { body = body.dropLast() }
        let url = !body.contains(0x2B) && !body.contains(0x2F)
        let bytes = Base64Text.decode(body, url: url)
        // A partial decode (a character outside the alphabet) is no part of a token.
        return bytes.count == body.count * 3 / 4 ? bytes : []
    }

    enum Value: Equatable {
        case string(String)
        case number(Double)
        /// `true`, `false`, `null`, an object or an array: `empty` for `null`, `{}` and `[]`.
        case other(empty: Bool)

        var isPresent: Bool {
            switch self {
            case .string(let s): !s.isEmpty
            case .number: true
            case .other(let empty): !empty
            }
        }
    }

    /// The members of a JSON object (the whole text, whitespace around it allowed), or nil when
    /// the text is not one. A repeated name keeps its last value.
    static func members(of json: [UInt8]) -> [String: Value]? {
        var reader = Reader(bytes: json)
        reader.skipSpace()
        guard reader.take(0x7B) else { return nil }
        var out: [String: Value] = [:]
        reader.skipSpace()
        if reader.take(0x7D) { return reader.atEndAfterSpace() ? out : nil }
        while true {
            reader.skipSpace()
            guard let name = reader.string() else { return nil }
            reader.skipSpace()
            guard reader.take(0x3A) else { return nil }
            reader.skipSpace()
            guard let value = reader.value() else { return nil }
            out[name] = value
            reader.skipSpace()
            if reader.take(0x2C) { continue }
            guard reader.take(0x7D) else { return nil }
            return reader.atEndAfterSpace() ? out : nil
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == byte else { return false }
            i += 1
            return true
        }

        mutating func atEndAfterSpace() -> Bool {
            skipSpace()
            return i == bytes.count
        }

        /// A string at `i` (its quotes included), unescaped (strictly: `JSONText.string`).
        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == 0x22 else { return nil }
            let start = i
            guard let found = bytes.withUnsafeBytes({ JSONText.string($0, at: start, limit: $0.count, strict: true) }) else { return nil }
            i = found.end
            return String(decoding: found.bytes, as: UTF8.self)
        }

        mutating func value() -> Value? {
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case 0x22:
                return string().map(Value.string)
            case 0x2D where !bytes[i...].starts(with: "-Infinity".utf8), 0x30...0x39:
                let start = i
                while i < bytes.count, [0x2B, 0x2D, 0x2E, 0x45, 0x65].contains(bytes[i]) || (0x30...0x39).contains(bytes[i]) { i += 1 }
                return Double(String(decoding: bytes[start..<i], as: UTF8.self)).map(Value.number)
            case 0x7B, 0x5B:
                return skipNested()
            default:
                // Also the non-numbers JavaScript's and Python's JSON write and read back (a
                // library signs a payload with them and verifies it): not an `exp`.
                for (word, empty) in [("true", false), ("false", false), ("null", true), ("NaN", false), ("Infinity", false), ("-Infinity", false)]
                    where bytes[i...].starts(with: word.utf8) {
                    i += word.utf8.count
                    return .other(empty: empty)
                }
                return nil
            }
        }

        /// An object or array at `i`, skipped by counting its brackets (strings in it read
        /// whole, so a bracket inside one does not count).
        mutating func skipNested() -> Value? {
            var depth = 0
            var empty = true
            while i < bytes.count {
                let b = bytes[i]
                switch b {
                case 0x22:
                    guard string() != nil else { return nil }
                    empty = false
                    continue
                case 0x7B, 0x5B:
                    if depth > 0 { empty = false }
                    depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 {
                        i += 1
                        return .other(empty: empty)
                    }
                case 0x20, 0x09, 0x0A, 0x0D:
                    break
                default:
                    empty = false
                }
                i += 1
            }
            return nil
        }
    }
}
