import Foundation
import Git
import ReviewGateTestSupport
@testable import Signatures
import Testing

@Suite("Keys, signing, notes and commit signatures", .serialized)
struct SignaturesTests {
    /// Fingerprints as `ssh-keygen -l` prints them, for every key kind.
    @Test(arguments: 0..<8)
    func fingerprintMatchesSSHKeygen(keyIndex: Int) throws {
        let key = KeyPool.keys[keyIndex]
        let listed = try run(["ssh-keygen", "-l", "-f", key.privateKeyPath + ".pub"]).out
        let fields = listed.split(separator: " ")
        let parsed = KeyPool.publicKey(key)
        #expect(fields.count > 1 && String(fields[1]) == parsed.fingerprint)
        #expect(parsed.comment.hasSuffix("@test"))
        #expect(parsed.openSSHString + " " + parsed.comment == key.publicKey.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Native ed25519 signatures are byte for byte what ssh-keygen writes.
    @Test func nativeSigningMatchesSSHKeygenBytes() throws {
        let key = KeyPool.keys[0]
        let privateKey = try SSHPrivateKey(openSSH: Array(try Data(contentsOf: URL(fileURLWithPath: key.privateKeyPath))))
        #expect(privateKey.publicKey == KeyPool.publicKey(key))
        var rng = SplitMix(seed: 7)
        for n in 0..<12 {
            let message = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let hash: SSHSignature.HashAlgorithm = n % 3 == 2 ? .sha256 : .sha512
            let ours = try privateKey.sign(message: message, namespace: "reviewgate-approval", hashAlgorithm: hash)
            let theirs = try key.sign(message, namespace: "reviewgate-approval", hashAlgorithm: hash.rawValue)
            #expect(Array(ours.armored.utf8) == theirs)
            try ours.verify(message: message, namespace: "reviewgate-approval")
        }
    }

    @Test func privateKeysThatAreNotSignedNatively() throws {
        let encrypted = try SSHKey(type: "ed25519", passphrase: "secret words")
        #expect(throws: PrivateKeyError.encrypted) {
            try SSHPrivateKey(openSSH: Array(try Data(contentsOf: URL(fileURLWithPath: encrypted.privateKeyPath))))
        }
        for (index, type) in [(2, "ecdsa-sha2-nistp256"), (6, "ssh-rsa")] {
            #expect(throws: PrivateKeyError.unsupportedKeyType(type)) {
                try SSHPrivateKey(openSSH: Array(try Data(contentsOf: URL(fileURLWithPath: KeyPool.keys[index].privateKeyPath))))
            }
        }
        #expect(throws: PrivateKeyError.notAPrivateKey) { try SSHPrivateKey(openSSH: Array("hello".utf8)) }
        #expect(throws: PrivateKeyError.unsupportedFormat) {
            try SSHPrivateKey(openSSH: Array(("-----BEGIN RSA " + "PRIVATE KEY-----\nAAAA\n").utf8))
        }
    }

    @Test func malformedKeyLinesSayWhereAndWhy() {
        func error(_ line: String) -> KeyError? {
            do { _ = try SSHPublicKey(authorizedKey: line); return nil } catch { return error }
        }
        let good = KeyPool.publicKey(KeyPool.keys[0]).openSSHString
        let base64 = String(good.split(separator: " ")[1])
        #expect(error("")?.kind == .empty)
        #expect(error("ssh-foo AAAA")?.kind == .unknownType("ssh-foo"))
        #expect(error("ssh-ed25519-cert-v01@openssh.com AAAA")?.kind == .unsupportedType("ssh-ed25519-cert-v01@openssh.com"))
        #expect(error("ssh-ed25519")?.kind == .missingKeyData)
        #expect(error("ssh-ed25519 AAA!") == KeyError(.badBase64, offset: 12))
        #expect(error("ecdsa-sha2-nistp256 \(base64)")?.kind == .typeMismatch(line: "ecdsa-sha2-nistp256", blob: "ssh-ed25519"))
        #expect(error("ssh-ed25519 \(base64.dropLast(8))") != nil)
        #expect(error("  \(good)  comment with spaces ")?.kind == nil)
        #expect((try? SSHPublicKey(authorizedKey: good + " a b"))?.comment == "a b")
    }

    /// Hostile bytes in every parser: typed errors, never a crash. Mutations of real keys,
    /// signatures and private keys, with a fixed seed.
    @Test func hostileInputNeverCrashes() throws {
        var rng = SplitMix(seed: 99)
        let keyBlob = KeyPool.publicKey(KeyPool.keys[6]).blob
        let sig = try SSHSignature(armored: try KeyPool.keys[2].sign([1, 2, 3], namespace: "n")).blob
        let priv = Array(try Data(contentsOf: URL(fileURLWithPath: KeyPool.keys[0].privateKeyPath)))
        var parsed = 0
        for _ in 0..<3000 {
            for base in [keyBlob, sig] {
                var b = base
                for _ in 0..<(1 + rng.next() % 3) {
                    switch rng.next() % 3 {
                    case 0: b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
                    default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(b.count + 1)))
                    }
                    if b.isEmpty { b = [0] }
                }
                if (try? SSHPublicKey(blob: b)) != nil { parsed += 1 }
                if let s = try? SSHSignature(blob: b) { _ = try? s.verify(message: [1, 2, 3], namespace: "n"); parsed += 1 }
                _ = SSHSignature.armoredBlocks(in: Array(armor(b).utf8))
            }
            var p = priv
            p[Int(rng.next() % UInt64(p.count))] = Array("AZaz09+/=\n-".utf8)[Int(rng.next() % 11)]
            _ = try? SSHPrivateKey(openSSH: p)
            let line = (0..<Int(rng.next() % 40)).map { _ in Array(" ,\"=!*?#\tabcnamespaces=valid-after=ssh-ed25519 AAAA".utf8)[Int(rng.next() % 48)] }
            _ = try? AllowedSigners(text: line)
        }
        #expect(parsed > 0)
    }

    @Test func allowedSignersErrorsNameLineAndColumn() throws {
        let key = KeyPool.publicKey(KeyPool.keys[0]).openSSHString
        func error(_ text: String) -> AllowedSignersError? {
            do { _ = try AllowedSigners(text: Array(text.utf8)); return nil } catch { return error }
        }
        #expect(error("# comment\n\n  a@b \(key)\n") == nil)
        #expect(error("a@b\n")?.line == 1)
        #expect(error("\na@b bogus=\"x\" \(key)\n").map { ($0.line, $0.column) }! == (2, 5))
        #expect(error("a@b namespaces=\"x\",namespaces=\"y\" \(key)\n")?.message == "multiple \"namespaces\" clauses")
        #expect(error("a@b valid-after=\"2024\" \(key)\n")?.message.contains("valid-after") == true)
        #expect(error("a@b namespaces=\"x \(key)\n")?.message.contains("quote") == true)
        #expect(error("a@b ssh-ed25519 AAAA!\n")?.column == 17)
        let ca = try AllowedSigners(text: Array("*@corp cert-authority \(key)\n".utf8))
        #expect(ca.entries.first?.isCertificateAuthority == true)
        #expect(ca.check(principal: "x@corp", key: KeyPool.publicKey(KeyPool.keys[0]), namespace: "git", now: 0)
                == .denied([.certificateAuthority(line: 1)]))
    }

    @Test func wildcardPatterns() {
        #expect(PatternList.matches("alice@corp", "*@corp"))
        #expect(!PatternList.matches("alice@corp", "!alice@corp,*@corp"))
        #expect(PatternList.matches("bob", "a?c,b?b"))
        #expect(!PatternList.matches("bob", ""))
        #expect(PatternList.matches(String(repeating: "a", count: 60), String(repeating: "*a", count: 30)))
        #expect(!PatternList.matches(String(repeating: "a", count: 60) + "b", String(repeating: "*a", count: 30) + "*c"))
    }

    @Test func approvalStatement() throws {
        let commit = String(repeating: "ab", count: 20), tree = String(repeating: "cd", count: 20)
        let statement = ApprovalStatement(commit: commit.uppercased(), tree: tree)
        #expect(statement.text == "reviewgate approval v1\ncommit \(commit)\ntree \(tree)\n")
        #expect(ApprovalStatement(patchID: commit, tree: tree).text == "reviewgate approval v1\npatch-id \(commit)\ntree \(tree)\n")
        #expect(ApprovalStatement(bytes: statement.bytes) == statement)
        #expect(ApprovalStatement(bytes: statement.bytes + [10]) == nil)
        #expect(ApprovalStatement(bytes: Array(statement.text.uppercased().utf8)) == nil)
    }

    /// A note holding approvals by two keys, as `git notes append` joins them, one for this
    /// commit and one for another: each is found, and each verdict says what it proves.
    @Test func approvalsInANote() throws {
        let commit = String(repeating: "1", count: 40), tree = String(repeating: "2", count: 40)
        let mine = ApprovalStatement(commit: commit, tree: tree)
        let other = ApprovalStatement(commit: String(repeating: "3", count: 40), tree: tree)
        let byPatch = ApprovalStatement(patchID: String(repeating: "4", count: 40), tree: tree)
        let a = try KeyPool.keys[0].sign(mine.bytes, namespace: ApprovalStatement.namespace)
        let b = try KeyPool.keys[2].sign(other.bytes, namespace: ApprovalStatement.namespace)
        let c = try KeyPool.keys[6].sign(byPatch.bytes, namespace: ApprovalStatement.namespace)
        let d = try KeyPool.keys[1].sign(mine.bytes, namespace: "git")
        let note = a + [10] + b + [10] + c + [10] + d + Array("\nnot a signature\n".utf8)
        let trusted = [KeyPool.publicKey(KeyPool.keys[0]), KeyPool.publicKey(KeyPool.keys[2])]
        let approvals = ApprovalNote.approvals(in: note, statements: [mine, byPatch], trusting: trusted)
        #expect(approvals.count == 4)
        #expect(approvals[0].verdict == .valid(signer: trusted[0]) && approvals[0].statement == mine)
        #expect(approvals[1].verdict == .invalid(.badSignature) && approvals[1].claimedKey == trusted[1])
        #expect(approvals[2].verdict == .untrustedKey(KeyPool.publicKey(KeyPool.keys[6])) && approvals[2].statement == byPatch)
        #expect(approvals[3].verdict == .invalid(.namespaceMismatch(expected: "reviewgate-approval", found: "git")))
    }

    /// A commit signed by git with an SSH key verifies natively; the same payload changed
    /// does not; GPG signatures are reported, never trusted.
    @Test func sshSignedCommit() throws {
        let repo = try ScratchRepository()
        let key = KeyPool.keys[2]
        try repo.git(["config", "gpg.format", "ssh"])
        try repo.git(["config", "user.signingkey", key.privateKeyPath])
        try repo.write("a.txt", "a\n")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-q", "-S", "-m", "signed"])
        let id = try #require(ObjectID(hex: try repo.gitOutput(["rev-parse", "HEAD"])))
        let commit = try Repository(path: repo.path).commit(id)
        let signature = try #require(commit.signature)
        #expect(CommitSignatures.kind(of: signature.signature) == .ssh)
        let trusted = [KeyPool.publicKey(key)]
        #expect(CommitSignatures.verify(signature: signature.signature, payload: signature.signedPayload, trusting: trusted)
                == .valid(signer: trusted[0]))
        #expect(CommitSignatures.verify(signature: signature.signature, payload: signature.signedPayload + [10], trusting: trusted)
                == .invalid(.badSignature))
        #expect(CommitSignatures.verify(signature: signature.signature, payload: signature.signedPayload,
                                        trusting: [KeyPool.publicKey(KeyPool.keys[0])]) == .untrustedKey(trusted[0]))
        // git itself agrees.
        let allowed = repo.url.appendingPathComponent("allowed")
        try Data("ada@example.com \(key.publicKey)".utf8).write(to: allowed)
        try repo.git(["config", "gpg.ssh.allowedSignersFile", allowed.path])
        try repo.git(["verify-commit", "HEAD"])
        let gpg = Array("-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----\n".utf8)
        #expect(CommitSignatures.verify(signature: gpg, payload: signature.signedPayload, trusting: trusted) == .notVerifiable(.gpg))
    }
}
