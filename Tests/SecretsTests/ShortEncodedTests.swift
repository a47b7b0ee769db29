import Foundation
import ReviewGateTestSupport
@testable import Secrets
import Testing

/// Encoded secrets as short as the rules' shortest values (SPEC §1.3): a 20-character AWS
/// access key id is 27 base64 characters and 40 hex digits, below the 32 and 48 the decoders
/// once needed; the runs from 24 base64 characters and 32 hex digits are decoded now. Shorter
/// runs, and digests, stay undecoded.
@Suite struct ShortEncodedTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())

    func found(_ text: String) -> [Candidate] {
        Array(text.utf8).withUnsafeBytes { Self.scanner.read($0, limits: ReadLimits(maxFileBytes: 1 << 20), scratch: MatchScratch()) }.candidates
    }

    static func hex(_ s: String) -> String { s.utf8.map { String(format: "%02x", $0) }.joined() }

    @Test("an AWS access key id alone, under base64, base64url without padding, and hex", arguments: [1, 2, 3, 4] as [UInt64])
    func awsKeyID(seed: UInt64) {
        var factory = SecretFactory(seed: 1500 + seed)
        let key = factory.awsAccessKey()
        let base64 = Data(key.utf8).base64EncodedString()
        #expect(base64.count == 28)
        let url = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        for (text, encoding) in [("id: \(base64)\n", "base64"), ("token=\"\(url)\"\n", url.contains(where: { $0 == "-" || $0 == "_" }) ? "base64url" : "base64"),
                                 ("x = \(Self.hex(key))\n", "hex"), ("{\"v\": \"0x\(Self.hex(key).uppercased())\"}\n", "hex")] {
            let hits = found("# settings\n" + text).filter { $0.secret == Array(key.utf8) }
            #expect(hits.count == 1, "\(text)")
            #expect(hits.first?.encoding == encoding, "\(text)")
            #expect(hits.first?.line == 2)
        }
    }

    @Test("a provider key beside its name, under base64")
    func shortWithKey() {
        var factory = SecretFactory(seed: 1600)
        let key = factory.awsAccessKey()
        let text = Data("aws_access_key_id = \(key)".utf8).base64EncodedString()
        #expect(found("config: \(text)\n").contains { $0.secret == Array(key.utf8) && $0.encoding == "base64" })
    }

    @Test("object ids, digests and long names are not decoded into findings")
    func digestsAndNames() {
        var rng = SplitMix(seed: 1700)
        var text = ""
        for _ in 0..<200 {
            let sha = (0..<20).map { _ in String(format: "%02x", UInt8(truncatingIfNeeded: rng.next())) }.joined()
            text += "commit \(sha)\nmd5 \(sha.prefix(32))\nlet someRatherLongIdentifierName_\(rng.next() % 1000) = 1\n"
        }
        #expect(found(text).isEmpty)
    }
}
