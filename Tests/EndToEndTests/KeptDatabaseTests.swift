import Foundation
import ReviewGateTestSupport
import Testing

/// The scanner's compiled databases kept between runs (`reviewgate rules compile`,
/// `HyperscanCache`): the same findings without them, before, after, and from a damaged or
/// foreign cache, which is never loaded.
@Suite struct KeptDatabaseTests {
    /// Files large enough for the scanner to search with Hyperscan (past 1 MiB), with secrets
    /// plain, base64-encoded and split into joined strings (the decoders' triggers).
    func tree() throws -> (URL, [String]) {
        var factory = SecretFactory(seed: 310)
        let plain = factory.githubToken(), split = factory.githubToken(), encoded = factory.awsAccessKey()
        let dir = try Scratch.directory("kept-tree")
        var filler = ""
        var line = 0
        while filler.utf8.count < 1_300_000 {
            filler += "let value\(line) = compute(\(line), \"entry \(line)\") // ordinary code, nothing secret\n"
            line += 1
        }
        let half = split.index(split.startIndex, offsetBy: 20)
        let body = filler + "token = \"\(plain)\"\n"
            + "url = \"\(split[..<half])\" + \"\(split[half...])\"\n"
            + "blob: " + Data("aws_access_key_id = \(encoded)\n".utf8).base64EncodedString() + "\n" + filler
        try body.write(to: dir.appendingPathComponent("big.txt"), atomically: true, encoding: .utf8)
        try "small = 1\n".write(to: dir.appendingPathComponent("small.txt"), atomically: true, encoding: .utf8)
        return (dir, [plain, split, encoded])
    }

    func findings(_ arguments: [String], in dir: URL, cache: String, secrets: [String], background: Bool = false) throws -> [String] {
        let result = try reviewgate(arguments, in: dir, environment: ["REVIEWGATE_CACHE_DIR": cache,
                                                                      "REVIEWGATE_BACKGROUND_COMPILE": background ? "1" : "0"])
        for secret in secrets { #expect(!result.out.contains(secret) && !result.err.contains(secret), "a secret was printed") }
        #expect(result.status == 1, "\(result.err)")
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        return (doc["findings"] as? [[String: Any]] ?? []).map {
            "\($0["rule"] ?? "-") \($0["line"] ?? "-") \($0["encoding"] ?? "plain") \($0["fingerprint"] ?? "-")"
        }.sorted()
    }

    func kept(_ cache: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).filter { $0.hasPrefix("hs-") && $0.hasSuffix(".db") }.sorted()
    }

    @Test func sameFindingsWithAndWithoutKeptDatabases() throws {
        let (dir, secrets) = try tree()
        let root = try Scratch.directory("kept-cache")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: root) }
        let scan = ["scan", ".", "--format", "json"]
        let reference = try findings(scan, in: dir, cache: "off", secrets: secrets)
        #expect(reference.count >= 3, "\(reference)")
        #expect(reference.contains { $0.contains("base64") } && reference.contains { $0.contains("joined") }, "\(reference)")

        // Cold (no background compile): the keywords' and triggers' databases are compiled and
        // kept, not the merged one.
        let cache = root.appendingPathComponent("cache")
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets) == reference)
        let cold = kept(cache)
        #expect(cold.count == 2, "\(cold)")
        var info = stat()
        #expect(lstat(cache.path, &info) == 0 && info.st_mode & 0o777 == 0o700)
        for name in cold {
            #expect(lstat(cache.appendingPathComponent(name).path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        }

        // `rules compile` keeps the merged one too; the next scan loads it.
        let compiled = try reviewgate(["rules", "compile"], environment: ["REVIEWGATE_CACHE_DIR": cache.path])
        #expect(compiled.status == 0, "\(compiled.err)")
        let all = kept(cache)
        #expect(all.count == 3 && Set(cold).isSubset(of: Set(all)), "\(all)")
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets) == reference)

        // Warm: every database loads, none is written again (a load that always failed would
        // compile and rewrite the keywords' and triggers' ones).
        func inodes() -> [UInt] {
            all.map { name in
                var info = stat()
                return lstat(cache.appendingPathComponent(name).path, &info) == 0 ? UInt(info.st_ino) : 0
            }
        }
        let warm = inodes()
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets) == reference)
        #expect(inodes() == warm, "a warm scan rewrote a kept database")

        // Each kept file damaged (one byte flipped, or cut short): never loaded, same findings.
        // The scan compiles and writes again the two it compiles (it never compiles the merged
        // one); `rules compile` writes all three again.
        var damaged: [String: Data] = [:]
        for (i, name) in all.enumerated() {
            let path = cache.appendingPathComponent(name)
            var bytes = try Data(contentsOf: path)
            if i % 2 == 0 { bytes[bytes.count - 100] ^= 0x40 } else { bytes = bytes.prefix(bytes.count / 2) }
            try bytes.write(to: path)
            chmod(path.path, 0o600)
            damaged[name] = bytes
        }
        func rewritten() throws -> Int {
            try all.filter { try Data(contentsOf: cache.appendingPathComponent($0)) != damaged[$0] }.count
        }
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets) == reference)
        #expect(try rewritten() == 2, "the damaged keywords' and triggers' databases were refused and compiled again")
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets) == reference)
        #expect(try reviewgate(["rules", "compile"], environment: ["REVIEWGATE_CACHE_DIR": cache.path]).status == 0)
        #expect(try rewritten() == 3)
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets) == reference)

        // A directory others may write to is not used: nothing loaded from it, nothing added.
        let open = root.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o777)
        #expect(try findings(scan, in: dir, cache: open.path, secrets: secrets) == reference)
        #expect(kept(open).isEmpty)
        let refused = try reviewgate(["rules", "compile"], environment: ["REVIEWGATE_CACHE_DIR": open.path])
        #expect(refused.status == 3 && kept(open).isEmpty, "\(refused.err)")

        // A kept file given to another database's name (a swapped file) is refused by its key's
        // content: it loads only as what it was compiled from, so findings stay the same.
        let fresh = root.appendingPathComponent("swapped")
        #expect(try reviewgate(["rules", "compile"], environment: ["REVIEWGATE_CACHE_DIR": fresh.path]).status == 0)
        let names = kept(fresh)
        #expect(names.count == 3)
        let first = fresh.appendingPathComponent(names[0]), second = fresh.appendingPathComponent(names[1])
        let a = try Data(contentsOf: first), b = try Data(contentsOf: second)
        try b.write(to: first); try a.write(to: second)
        chmod(first.path, 0o600); chmod(second.path, 0o600)
        #expect(try findings(scan, in: dir, cache: fresh.path, secrets: secrets) == reference)
    }

    /// A scan that searched enough to want the merged database and found none starts
    /// `rules compile` in the background, detached: the scan's findings are the same, it
    /// does not wait, and the merged database is kept for the next run, which loads it.
    @Test func aLongScanKeepsTheMergedDatabaseInTheBackground() throws {
        let (dir, secrets) = try tree()
        let root = try Scratch.directory("kept-background")
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: root) }
        let cache = root.appendingPathComponent("cache")
        let scan = ["scan", ".", "--format", "json"]
        let reference = try findings(scan, in: dir, cache: "off", secrets: secrets)
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets, background: true) == reference)
        // The compile takes a fraction of a second on an idle machine; a loaded one is given a minute.
        var waited = 0
        while kept(cache).count < 3, waited < 600 {
            usleep(100_000)
            waited += 1
        }
        let all = kept(cache)
        #expect(all.count == 3, "\(all)")
        // The next scan loads all three and writes none again.
        var before: [String: timespec] = [:]
        for name in all {
            var info = stat()
            _ = lstat(cache.appendingPathComponent(name).path, &info)
            before[name] = info.st_mtim
        }
        #expect(try findings(scan, in: dir, cache: cache.path, secrets: secrets, background: true) == reference)
        usleep(300_000)
        #expect(kept(cache) == all)
        for name in all {
            var info = stat()
            _ = lstat(cache.appendingPathComponent(name).path, &info)
            #expect(info.st_mtim.tv_sec == before[name]?.tv_sec && info.st_mtim.tv_nsec == before[name]?.tv_nsec, "\(name) written again")
        }
        // A small scan does not start one (nothing searched with Hyperscan).
        let small = root.appendingPathComponent("small-cache")
        let result = try reviewgate(["scan", "small.txt", "--format", "json"], in: dir,
                                    environment: ["REVIEWGATE_CACHE_DIR": small.path, "REVIEWGATE_BACKGROUND_COMPILE": "1"])
        #expect(result.status == 0, "\(result.err)")
        usleep(500_000)
        #expect(kept(small).isEmpty, "\(kept(small))")
    }
}

