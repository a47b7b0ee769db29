// Secrets for tests, built at run time from parts and random characters, so the repository
// itself never holds a string a scanner would flag.
import Foundation

public struct SecretFactory {
    var rng: SplitMix

    public init(seed: UInt64) { rng = SplitMix(seed: seed) }

    static let alnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    public mutating func random(_ count: Int, from alphabet: String) -> String {
        let chars = Array(alphabet)
        return String((0..<count).map { _ in chars[Int(rng.next() % UInt64(chars.count))] })
    }

    public mutating func alnum(_ count: Int) -> String { random(count, from: String(Self.alnum)) }

    /// A GitHub classic token with a valid CRC-32 checksum ("ghp" + "_" + 30 + 6).
    public mutating func githubToken(kind: String = "p") -> String {
        let body = alnum(30)
        return "gh" + kind + "_" + body + Self.checksum(body)
    }

    /// The same with a wrong checksum: not a real token.
    public mutating func githubTokenBadChecksum() -> String {
        "gh" + "p_" + alnum(36)
    }

    public mutating func awsAccessKey() -> String { "AK" + "IA" + random(16, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") }
    public mutating func stripeKey() -> String { "sk" + "_live_" + alnum(24) }
    public mutating func slackBotToken() -> String {
        "xo" + "xb-" + random(12, from: "0123456789") + "-" + random(13, from: "0123456789") + "-" + alnum(24)
    }
    public mutating func password() -> String { random(18, from: String(Self.alnum) + "!#%^&*") }

    static func checksum(_ body: String) -> String {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in body.utf8 {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        var v = crc ^ 0xFFFF_FFFF
        var out: [Character] = []
        repeat {
            out.append(base62[Int(v % 62)])
            v /= 62
        } while v > 0
        while out.count < 6 { out.append("0") }
        return String(out.reversed())
    }
}
