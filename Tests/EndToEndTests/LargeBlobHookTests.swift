import Foundation
import ReviewGateTestSupport
import Testing

/// SPEC §1.3: a large blob is streamed, so `max_file_bytes` can be raised. A ~100 MB log with
/// tokens at the very end and across the seams of the first windows, pushed into a real bare
/// repository whose policy allows 300 MB: refused, every token found once at its line, nothing
/// secret in any output or record; `check` (after a repack: a whole pack entry) and `scan`
/// (the file on disk) find the same.
@Suite("pre-receive hook: large blobs are read in windows")
struct LargeBlobHookTests {
    static let policy = "version = 1\n[secrets]\nmax_file_bytes = 314572800\n[budget]\nseconds = 300.0\n"

    /// About `size` bytes of log lines that compress well, with `secrets` written over it at
    /// the given offsets (each on a line of its own).
    static func log(size: Int, secrets: [(Int, String)]) -> Data {
        var rng = SplitMix(seed: 1313)
        let words = ["GET", "POST", "/api/v1/items", "200", "404", "ms", "user", "cache", "miss", "hit", "retry"]
        var chunk = ""
        while chunk.utf8.count < 1 << 20 {
            chunk += (0..<8).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ") + " \(rng.next() % 100_000)\n"
        }
        var data = Data(capacity: size + chunk.utf8.count)
        while data.count < size { data.append(Data(chunk.utf8)) }
        for (at, secret) in secrets {
            let line = Data("\nTOKEN=\(secret)\n".utf8)
            data.replaceSubrange(at..<(at + line.count), with: line)
        }
        return data
    }

    static func line(of offset: Int, in data: Data) -> Int {
        data.prefix(offset).reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
    }

    @Test("a 100 MB blob with tokens at its end and across window seams is refused, nothing secret shown")
    func largeBlobRefused() throws {
        var factory = SecretFactory(seed: 1313)
        let window = 4 << 20, overlap = 64 << 10
        // Each token's line starts just before a seam: the start of a window's new text, the
        // start of what it reports, the end of the window.
        let seams = [window - 20, window + overlap - 20, window + 2 * overlap - 20]
        var secrets = seams.map { ($0, factory.githubToken()) }
        let size = 100 << 20
        let last = factory.githubToken()
        var data = Self.log(size: size, secrets: secrets)
        let tail = Data("\nTOKEN=\(last)".utf8)
        data.replaceSubrange((data.count - tail.count)..<data.count, with: tail)
        secrets.append((data.count - tail.count, last))

        let server = try GateServer(policy: Self.policy)
        try server.clone.write("README", "hello\n")
        let first = try server.clone.commit("first")
        #expect(try server.push(["origin", "HEAD:refs/heads/main"]).status == 0)
        try server.clone.write(Array("logs/big.log".utf8), data)
        try server.clone.commit("add a large log")
        let refused = try server.push(["origin", "HEAD:refs/heads/main"])
        #expect(refused.status != 0)
        #expect(server.ref("refs/heads/main") == first, "the ref must not move")
        let lines = GateServer.remoteLines(refused)
        for (_, token) in secrets {
            #expect(!refused.err.contains(token) && !refused.out.contains(token))
            #expect(lines.filter { $0.hasPrefix("error: github-pat:") && $0.contains(String(token.suffix(2))) }.count == 1, "\(lines)")
        }
        #expect(!lines.contains { $0.contains("too-large") || $0.contains("max_file_bytes") }, "\(lines)")
        for file in try FileManager.default.subpathsOfDirectory(atPath: server.bare.path + "/reviewgate/audit") {
            let bytes = FileManager.default.contents(atPath: server.bare.path + "/reviewgate/audit/" + file) ?? Data()
            for (_, token) in secrets { #expect(bytes.range(of: Data(token.utf8)) == nil, "the audit log must never hold a secret") }
        }

        // `check` over a pack (the blob a whole entry, inflated in pieces), with the lines.
        try server.clone.git(["repack", "-adq"])
        let check = try reviewgate(["check", "HEAD~1..HEAD", "--format", "json", "--max-file-bytes", "314572800", "--no-log"],
                                   in: server.clone.url)
        #expect(check.status == 1)
        let doc = try JSONSerialization.jsonObject(with: check.stdout) as? [String: Any]
        let findings = (doc?["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "secret" }
        #expect(findings.count == secrets.count, "\(findings)")
        for (at, token) in secrets {
            #expect(!check.out.contains(token) && !check.err.contains(token))
            let expectedLine = Self.line(of: at, in: data) + 1
            #expect(findings.contains { ($0["redacted"] as? String)?.hasSuffix(String(token.suffix(2))) == true && $0["line"] as? Int == expectedLine },
                    "line \(expectedLine): \(findings.map { ($0["line"] ?? "", $0["redacted"] ?? "") })")
        }

        // `scan` of the file on disk, read in windows too.
        let scan = try reviewgate(["scan", "logs/big.log", "--format", "json", "--max-file-bytes", "314572800"], in: server.clone.url)
        #expect(scan.status == 1)
        let scanned = (try JSONSerialization.jsonObject(with: scan.stdout) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
        #expect(scanned.filter { $0["kind"] as? String == "secret" }.count == secrets.count)
        for (_, token) in secrets { #expect(!scan.out.contains(token) && !scan.err.contains(token)) }
    }
}
