import Base
import Crypto

/// What may be shown of a secret: at most its first 4 and last 2 characters, fewer for short
/// secrets (a quarter and an eighth of its length), so the shown part never gives it away.
public enum Redaction {
    public static func redact(_ secret: [UInt8]) -> String {
        let scalars = Array(String(decoding: secret, as: UTF8.self).unicodeScalars)
        let head = min(4, scalars.count / 4)
        let tail = min(2, scalars.count / 8)
        func safe(_ part: ArraySlice<Unicode.Scalar>) -> String {
            String(String.UnicodeScalarView(part.map { $0.value < 0x20 || $0.value == 0x7f || $0 == "\u{FFFD}" ? "?" : $0 }))
        }
        return safe(scalars.prefix(head)) + "…" + safe(scalars.suffix(tail))
    }

    /// `text` with every secret the scanner finds in it replaced by its redacted form: the one
    /// way a message, subject, path, ref name, identity or header is made fit to show or
    /// record. Suppressed matches are secrets too, and are replaced like the others.
    /// Overlapping matches are replaced once, by the first that starts last.
    public static func redactSecrets(in text: [UInt8], scanner: Scanner, scratch: MatchScratch) -> [UInt8] {
        let matches = text.withUnsafeBytes { bytes in
            scanner.accept(scanner.candidates(in: bytes, scratch: scratch), context: ScanContext(), scratch: scratch,
                           includingSuppressed: true)
        }
        guard !matches.isEmpty else { return text }
        var shown = text
        var end = shown.count
        // Last first, so earlier ranges stay valid; a match overlapping one already replaced is covered.
        for match in matches.sorted(by: { $0.secretRange.lowerBound > $1.secretRange.lowerBound })
        where match.secretRange.upperBound <= end && match.secretRange.lowerBound >= 0 {
            shown.replaceSubrange(match.secretRange, with: Array(redact(match.secret).utf8))
            end = match.secretRange.lowerBound
        }
        return shown
    }

    /// `redactSecrets` for text already decoded (ref names, identities).
    public static func redactSecrets(in text: String, scanner: Scanner, scratch: MatchScratch) -> String {
        let bytes = Array(text.utf8)
        let shown = redactSecrets(in: bytes, scanner: scanner, scratch: scratch)
        return shown == bytes ? text : String(decoding: shown, as: UTF8.self)
    }
}

/// `hex(SHA-256("reviewgate-v1\0" + rule + "\0" + secret))`, or HMAC-SHA-256 under a key so
/// that low-entropy secrets cannot be guessed back from a log (SPEC §1.3).
public struct Fingerprinter: Sendable {
    let key: [UInt8]?

    public init(key: [UInt8]? = nil) {
        self.key = key
    }

    public func fingerprint(rule: String, secret: [UInt8]) -> String {
        var message = Array("reviewgate-v1".utf8) + [0] + Array(rule.utf8) + [0]
        message.append(contentsOf: secret)
        if let key {
            return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        }
        return Hex.encode(SHA256.hash(data: message))
    }
}
