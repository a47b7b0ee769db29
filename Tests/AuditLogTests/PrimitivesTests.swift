import Base
import Foundation
import Testing
@testable import AuditLog
import ReviewGateTestSupport

/// Runs a python3 script with `input` on stdin and returns its stdout (the independent
/// reference for hashes, key ids and signatures).
func python(_ script: String, input: String = "") throws -> String {
    let result = try run(["python3", "-c", script], input: Data(input.utf8))
    guard result.status == 0 else { throw PythonFailure(message: result.err) }
    return result.out
}

struct PythonFailure: Error { var message: String }

@Suite struct CRC32CTests {
    /// The plain bit-at-a-time definition, to check the sliced tables against.
    static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test func knownAnswers() {
        // "123456789" is the catalogue check value; the others are RFC 3720 appendix B.4.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map(UInt8.init)) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func slicedAgreesWithBitwise() {
        var rng = SplitMix(seed: 7)
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(CRC32C.checksum(bytes) == Self.bitwise(bytes), "length \(length)")
        }
    }

    @Test func continuesAcrossPieces() {
        let bytes = Array("the quick brown fox jumps over the lazy dog".utf8)
        let whole = CRC32C.checksum(bytes)
        for split in 0...bytes.count {
            let first = bytes[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            let both = bytes[split...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(both == whole)
        }
    }
}

@Suite struct MerkleTests {
    @Test func emptyTreeRootIsSHA256OfNothing() {
        #expect(Hex.encode(MerkleHash.emptyRoot) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(MerkleFrontier().root) == Hex.encode(MerkleHash.emptyRoot))
    }

    /// Roots of trees of 0…70 leaves agree with an independent RFC 6962 implementation in
    /// Python (hashlib), over the same leaf data.
    @Test func smallTreeRootsAgreeWithPython() throws {
        let leaves = (0..<70).map { Array("leaf \($0) \(String(repeating: "x", count: $0 % 7))".utf8) }
        let script = """
        import hashlib, sys
        def mth(d):
            if not d: return hashlib.sha256(b"").digest()
            if len(d) == 1: return hashlib.sha256(b"\\x00" + d[0]).digest()
            k = 1
            while k * 2 < len(d): k *= 2
            return hashlib.sha256(b"\\x01" + mth(d[:k]) + mth(d[k:])).digest()
        data = [bytes.fromhex(l) for l in sys.stdin.read().split()]
        for n in range(len(data) + 1): print(mth(data[:n]).hex())
        """
        let expected = try python(script, input: leaves.map { Hex.encode($0) }.joined(separator: "\n")).split(separator: "\n").map(String.init)
        #expect(expected.count == 71)
        var frontier = MerkleFrontier()
        for n in 0...70 {
            #expect(Hex.encode(frontier.root) == expected[n], "size \(n)")
            #expect(Hex.encode(MerkleHash.root(leaves[..<n].map(MerkleHash.leaf)[...])) == expected[n], "size \(n), recursive")
            if n < 70 { frontier.append(leafHash: MerkleHash.leaf(leaves[n])) }
        }
    }

    /// Hard-coded vectors (checked with Python hashlib) so the answer is fixed even where
    /// Python is absent: leaves are the single bytes 0x00, 0x01, 0x02.
    @Test func fixedVectors() {
        var frontier = MerkleFrontier()
        let expected = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "a20bf9a7cc2dc8a08f5f415a71b19f6ac427bab54d24eec868b5d3103449953a",
            "3b6cccd7e3e023ff393006f030315ee7ad9eb111b022b41fba7e5b7a3973f688",
        ]
        for (i, root) in expected.enumerated() {
            frontier.append(leafHash: MerkleHash.leaf([UInt8(i)]))
            #expect(Hex.encode(frontier.root) == root, "size \(i + 1)")
        }
    }

    @Test func frontierRestoresOnlyWithMatchingShape() {
        var frontier = MerkleFrontier()
        for i in 0..<13 { frontier.append(leafHash: MerkleHash.leaf([UInt8(i)])) }
        #expect(MerkleFrontier(size: 13, hashes: frontier.hashes) == frontier)
        #expect(MerkleFrontier(size: 12, hashes: frontier.hashes) == nil)
        #expect(MerkleFrontier(size: 13, hashes: Array(frontier.hashes.dropLast())) == nil)
    }
}

@Suite struct CheckpointTests {
    @Test func keyIdAndSignatureVerifyIndependently() throws {
        let pair = try NoteKey.generate(name: "git.example.com/reviewgate")
        let signer = try NoteSigner(parsing: pair.signer)
        let body = Checkpoint(origin: signer.name, size: 42, root: MerkleHash.leaf([1, 2, 3]))
        let note = try signer.sign(body.text)
        #expect(note.hasPrefix(body.text + "\n— git.example.com/reviewgate "))
        // Python: the key id from the verifier key (hashlib), and the Ed25519 signature over
        // the note's text (cryptography, else openssl's raw Ed25519).
        let script = #"""
        import base64, hashlib, subprocess, sys, tempfile, os
        vkey, note = sys.stdin.read().split("\n", 1)
        name, kid, key = vkey.split("+", 2)
        raw = base64.b64decode(key)
        assert raw[0] == 1 and len(raw) == 33
        assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() == kid, "key id"
        text, sigs = note.rsplit("\n\n", 1)
        text += "\n"
        line = sigs.strip("\n").split("\n")[0]
        assert line.startswith("\u2014 " + name + " ")
        blob = base64.b64decode(line.split(" ")[2])
        assert blob[:4].hex() == kid, "signature key id"
        sig = blob[4:]
        try:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig, text.encode())
        except ImportError:
            d = tempfile.mkdtemp()
            der = bytes.fromhex("302a300506032b6570032100") + raw[1:]
            open(d + "/k.der", "wb").write(der); open(d + "/m", "wb").write(text.encode()); open(d + "/s", "wb").write(sig)
            subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", d + "/k.der",
                            "-rawin", "-in", d + "/m", "-sigfile", d + "/s"], check=True, capture_output=True)
        print("verified")
        """#
        #expect(try python(script, input: pair.verifier + "\n" + note) == "verified\n")
        // And our own verifier agrees, and refuses a changed text.
        let verifier = try NoteVerifier(parsing: pair.verifier)
        #expect(try Checkpoint(parsing: verifier.verify(note: note)) == body)
        let forged = note.replacingOccurrences(of: "\n42\n", with: "\n43\n")
        #expect(throws: CheckpointError.self) { try verifier.verify(note: forged) }
    }

    /// The key id of a fixed key, computed with Python hashlib once and written down.
    @Test func keyIdOfAFixedKey() {
        let publicKey = (0..<32).map { UInt8($0) }
        #expect(NoteKey.hex8(NoteKey.keyID(name: "example.com/log", publicKey: publicKey)) == "a06c8792")
    }

    @Test func keysAreCheckedWhenRead() throws {
        let pair = try NoteKey.generate(name: "log")
        #expect(throws: CheckpointError.self) { try NoteSigner(parsing: pair.verifier) }
        #expect(throws: CheckpointError.self) { try NoteVerifier(parsing: pair.signer) }
        // A wrong key id is refused.
        var parts = pair.verifier.split(separator: "+", maxSplits: 2).map(String.init)
        parts[1] = parts[1] == "00000000" ? "00000001" : "00000000"
        #expect(throws: CheckpointError.self) { try NoteVerifier(parsing: parts.joined(separator: "+")) }
        #expect(throws: CheckpointError.self) { try NoteKey.generate(name: "bad name") }
        #expect(throws: CheckpointError.self) { try NoteKey.generate(name: "a+b") }
        // Surrounding whitespace (a trailing newline in the file) is fine.
        #expect(try NoteVerifier(parsing: "\n" + pair.verifier + "\n").name == "log")
    }

    @Test func otherSignersAreIgnoredButNeeded() throws {
        let a = try NoteSigner(parsing: try NoteKey.generate(name: "a").signer)
        let b = try NoteSigner(parsing: try NoteKey.generate(name: "b").signer)
        let text = Checkpoint(origin: "a", size: 1, root: MerkleHash.emptyRoot).text
        let byA = try a.sign(text)
        let byB = try b.sign(text)
        let both = byA + byB.components(separatedBy: "\n\n")[1]
        #expect(try a.verifier?.verify(note: both) == text)
        #expect(try b.verifier?.verify(note: both) == text)
        #expect(throws: CheckpointError.self) { try b.verifier?.verify(note: byA) }
    }

    @Test(arguments: [
        "", "origin\n", "origin\n12\n", "origin\n012\nAAAA\n", "origin\n-1\n" + String(repeating: "A", count: 43) + "=\n",
        "origin\n1\nnot base64\n", "\n1\n" + String(repeating: "A", count: 43) + "=\n", "origin\n1\n" + String(repeating: "A", count: 43) + "=",
    ])
    func malformedBodiesAreRefused(body: String) {
        #expect(throws: CheckpointError.self) { try Checkpoint(parsing: body) }
    }
}
