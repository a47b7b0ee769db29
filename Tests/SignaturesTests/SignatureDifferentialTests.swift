import Foundation
import ReviewGateTestSupport
@testable import Signatures
import Testing

/// Our verdict for the same question `ssh-keygen -Y verify -f ALLOWED -I PRINCIPAL -n NS` answers.
func ourVerdict(signature: [UInt8], message: [UInt8], allowedSigners: String, principal: String,
                namespace: String, now: Int64) -> (Bool, String) {
    let signers: AllowedSigners
    do {
        signers = try AllowedSigners(text: Array(allowedSigners.utf8))
    } catch {
        return (false, "allowed_signers: \(error)")
    }
    let parsed: SSHSignature
    do {
        parsed = try SSHSignature(armored: signature)
        try parsed.verify(message: message, namespace: namespace)
    } catch {
        return (false, "\(error)")
    }
    let decision = signers.check(principal: principal, key: parsed.publicKey, namespace: namespace, now: now)
    if case .allowed = decision { return (true, "allowed") }
    return (false, "\(decision)")
}

let fixedNow: Int64 = 1_750_000_000

@Suite("SSHSIG against ssh-keygen", .serialized)
struct SignatureDifferentialTests {
    /// Signatures by ssh-keygen for every key kind, then the same signature tampered every way
    /// we can think of: ssh-keygen and we must agree on each.
    @Test(arguments: 0..<8)
    func verificationAgreesWithSSHKeygen(keyIndex: Int) throws {
        let key = KeyPool.keys[keyIndex]
        let other = KeyPool.keys[(keyIndex + 1) % KeyPool.keys.count]
        let pub = key.publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        let otherPub = other.publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        var rng = SplitMix(seed: 0x5151_0000 + UInt64(keyIndex))
        var disagreements: [Agreement] = []
        var accepted = 0, refused = 0
        for n in 0..<20 {
            let message = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let namespace = ["reviewgate-approval", "git", "file"][n % 3]
            let hash = n % 4 == 3 ? "sha256" : nil
            let signature = try key.sign(message, namespace: namespace, hashAlgorithm: hash)
            let blob = try SSHSignature(armored: signature).blob
            var cases: [(String, [UInt8], [UInt8], String, String)] = [
                ("good", signature, message, namespace, pub),
                ("message tampered", signature, message + [UInt8(n)], namespace, pub),
                ("wrong namespace", signature, message, namespace + "x", pub),
                ("wrong key", signature, message, namespace, otherPub),
            ]
            if !message.isEmpty {
                var changed = message
                changed[Int(rng.next() % UInt64(message.count))] ^= 1 << (rng.next() % 8)
                cases.append(("message byte flipped", signature, changed, namespace, pub))
            }
            for _ in 0..<4 {
                var tampered = blob
                let at = Int(rng.next() % UInt64(tampered.count))
                tampered[at] ^= UInt8(1 << (rng.next() % 8))
                cases.append(("signature byte \(at) flipped", Array(armor(tampered).utf8), message, namespace, pub))
            }
            // A base64 character of the armor replaced (the padding bits included).
            var armorBytes = signature
            let bodyStart = SSHSignature.beginMarker.utf8.count + 1
            let at = bodyStart + Int(rng.next() % UInt64(max(1, armorBytes.count - bodyStart - 30)))
            if armorBytes[at] != 10 { armorBytes[at] = Array("AQgw+/9z".utf8)[Int(rng.next() % 8)] }
            cases.append(("armor character \(at) changed", armorBytes, message, namespace, pub))
            for (label, sig, msg, ns, allowedKey) in cases {
                let allowed = "signer@example.com \(allowedKey)\n"
                let reference = try SSHKey.verify(signature: sig, payload: msg, allowedSigners: allowed,
                                                  principal: "signer@example.com", namespace: ns).status == 0
                let (ours, detail) = ourVerdict(signature: sig, message: msg, allowedSigners: allowed,
                                                principal: "signer@example.com", namespace: ns, now: fixedNow)
                if reference { accepted += 1 } else { refused += 1 }
                if reference != ours { disagreements.append(Agreement(label: "\(n) \(label)", reference: reference, ours: ours, detail: detail)) }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
        // Both outcomes were exercised.
        #expect(accepted >= 20 && refused >= 80)
    }

    /// RSA signature algorithms ssh-keygen does not make itself: rsa-sha2-256 is accepted and
    /// ssh-rsa (SHA-1) refused, by both.
    @Test(arguments: ["rsa-sha2-256", "rsa-sha2-512", "ssh-rsa"], [SSHSignature.HashAlgorithm.sha256, .sha512])
    func rsaSignatureAlgorithms(algorithm: String, hash: SSHSignature.HashAlgorithm) throws {
        let message = Array("reviewgate approval v1\ncommit 0123\n".utf8)
        let signature = try KeyPool.rsaSignature(message, namespace: "reviewgate-approval", algorithm: algorithm, hash: hash)
        let allowed = "r@example.com \(KeyPool.rsa.publicKey.openSSHString)\n"
        for (msg, label) in [(message, "good"), (message + [10], "tampered")] {
            let reference = try SSHKey.verify(signature: Array(signature.armored.utf8), payload: msg, allowedSigners: allowed,
                                              principal: "r@example.com", namespace: "reviewgate-approval").status == 0
            let (ours, detail) = ourVerdict(signature: Array(signature.armored.utf8), message: msg, allowedSigners: allowed,
                                            principal: "r@example.com", namespace: "reviewgate-approval", now: fixedNow)
            #expect(reference == ours, "\(label): \(detail)")
            #expect(reference == (label == "good" && algorithm != "ssh-rsa"))
        }
        if algorithm == "ssh-rsa" {
            #expect(throws: SignatureFailure.unsupportedSignatureAlgorithm("ssh-rsa")) {
                try signature.verify(message: message, namespace: "reviewgate-approval")
            }
        }
    }

    /// Generated allowed_signers files (principal patterns, namespaces, validity windows,
    /// cert-authority, other keys) judged by ssh-keygen at a fixed verify time, and by us.
    @Test(arguments: [0, 2, 6])
    func allowedSignersAgreeWithSSHKeygen(keyIndex: Int) throws {
        let key = KeyPool.keys[keyIndex]
        let pub = key.publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        let otherPub = KeyPool.keys[keyIndex + 1].publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
        var rng = SplitMix(seed: 0xA110_0000 + UInt64(keyIndex))
        let message = Array("reviewgate approval v1\n".utf8)
        let signatures = [try key.sign(message, namespace: "reviewgate-approval"), try key.sign(message, namespace: "git")]
        let principals = ["alice@example.com", "bob@corp.example", "carol", "*@corp.example", "a*e@example.com",
                          "!bob@corp.example", "?ob@corp.example", "\"alice@example.com\"", "alice@example.com,carol"]
        let namespaces = ["reviewgate-approval", "git", "reviewgate-*", "git,reviewgate-approval", "*", "file", "!git,*"]
        func stamp(_ offset: Int64) -> String {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMddHHmmss"
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.locale = Locale(identifier: "en_US_POSIX")
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(fixedNow + offset))) + "Z"
        }
        var disagreements: [Agreement] = []
        var accepted = 0
        for n in 0..<150 {
            var lines: [String] = []
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                var options: [String] = []
                if rng.next() % 2 == 0 { options.append("namespaces=\"\(namespaces[Int(rng.next() % UInt64(namespaces.count))])\"") }
                if rng.next() % 3 == 0 { options.append("valid-after=\"\(stamp([-86400, -1, 1, 3600][Int(rng.next() % 4)]))\"") }
                if rng.next() % 3 == 0 { options.append("valid-before=\"\(stamp([-3600, -1, 1, 86400][Int(rng.next() % 4)]))\"") }
                if rng.next() % 9 == 0 { options.append("cert-authority") }
                let who = principals[Int(rng.next() % UInt64(principals.count))]
                let which = rng.next() % 4 == 0 ? otherPub : pub
                lines.append(([who] + (options.isEmpty ? [] : [options.joined(separator: ",")]) + [which]).joined(separator: " "))
            }
            if rng.next() % 5 == 0 { lines.insert("# a comment", at: 0) }
            let allowed = lines.joined(separator: "\n") + "\n"
            let principal = ["alice@example.com", "bob@corp.example", "carol", "dave@corp.example"][Int(rng.next() % 4)]
            let namespace = ["reviewgate-approval", "git"][n % 2]
            let signature = signatures[n % 2]
            let reference = try SSHKey.verify(signature: signature, payload: message, allowedSigners: allowed, principal: principal,
                                              namespace: namespace, time: fixedNow).status == 0
            let (ours, detail) = ourVerdict(signature: signature, message: message, allowedSigners: allowed, principal: principal,
                                            namespace: namespace, now: fixedNow)
            if reference { accepted += 1 }
            if reference != ours {
                disagreements.append(Agreement(label: "\(n) \(principal) \(namespace)\n\(allowed)", reference: reference, ours: ours, detail: detail))
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
        #expect(accepted >= 10)
    }

    /// Expired and not-yet-valid keys are refused with the reason; the clock is the caller's.
    @Test func validityWindow() throws {
        let key = KeyPool.publicKey(KeyPool.keys[0])
        let text = "alice@example.com valid-after=\"20240101Z\",valid-before=\"20250101Z\" \(key.openSSHString)\n"
        let signers = try AllowedSigners(text: Array(text.utf8))
        let after = AllowedSigners.parseAbsoluteTime("20240101Z")!
        let before = AllowedSigners.parseAbsoluteTime("20250101Z")!
        #expect(after == 1_704_067_200 && before == 1_735_689_600)
        #expect(signers.check(principal: "alice@example.com", key: key, namespace: "x", now: after - 1)
                == .denied([.notYetValid(line: 1, validAfter: after)]))
        #expect(signers.check(principal: "alice@example.com", key: key, namespace: "x", now: before + 1)
                == .denied([.expired(line: 1, validBefore: before)]))
        #expect(signers.check(principal: "alice@example.com", key: key, namespace: "x", now: after) == .allowed(line: 1))
        #expect(signers.check(principal: "bob@example.com", key: key, namespace: "x", now: after) == .denied([.principalNotListed]))
    }
}

/// ssh-keygen's armor of a binary SSHSIG blob.
func armor(_ blob: [UInt8]) -> String {
    let encoded = Data(blob).base64EncodedString()
    var lines: [String] = []
    var rest = Substring(encoded)
    while !rest.isEmpty {
        lines.append(String(rest.prefix(70)))
        rest = rest.dropFirst(70)
    }
    return SSHSignature.beginMarker + "\n" + lines.joined(separator: "\n") + "\n" + SSHSignature.endMarker + "\n"
}
