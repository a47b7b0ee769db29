import Foundation
@testable import Gate
import Git
import ReviewGateTestSupport
import Secrets
import Synchronization
import Testing

/// Reading blobs along pack delta trees (keywords searched only where deltas insert bytes)
/// against the reference, every blob read and searched in full: the same findings, to the
/// line, column and fingerprint, over histories whose packs git built with long delta chains.
@Suite struct DeltaReadingTests {
    static let scanner = Scanner(ruleSet: try! RuleSet.builtin())

    /// A history that moves secrets around in ways a delta splits: inserted, edited in the
    /// middle, rotated (same prefix, new tail), moved, repeated, allowlisted later by a marker.
    static func history(seed: UInt64) throws -> ScratchRepository {
        let repo = try ScratchRepository(label: "delta")
        var rng = SplitMix(seed: seed)
        var factory = SecretFactory(seed: seed &* 31 &+ 7)
        let names = ["config/app.env", "src/settings.py", "deploy/values.yaml", "notes.md"]
        var files: [[String]] = names.map { name in
            (0..<(120 + Int(rng.next() % 200))).map { "line \($0) of \(name): some ordinary text, key = value \($0 % 7)" }
        }
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(max(1, n))) }
        func secretLine() -> String {
            switch pick(6) {
            case 0: return "GITHUB_TOKEN=" + factory.githubToken()
            case 1: return "aws_access_key_id = " + factory.awsAccessKey()
            case 2: return "stripe: " + factory.stripeKey()
            case 3: return "SLACK=" + factory.slackBotToken()
            case 4: return "password = \"" + factory.password() + "\""
            default: return "token: " + factory.githubToken(kind: "o")
            }
        }
        let commits = 30 + pick(20)
        for c in 0..<commits {
            for _ in 0..<(1 + pick(3)) {
                let f = pick(files.count)
                var lines = files[f]
                let secretLines = lines.indices.filter { lines[$0].contains("_") || lines[$0].contains("password") }
                switch pick(9) {
                case 0, 1:
                    lines.insert(secretLine(), at: pick(lines.count + 1))
                case 2 where !secretLines.isEmpty:
                    // Rotated: same prefix, new random tail of the same length.
                    let i = secretLines[pick(secretLines.count)]
                    let keep = lines[i].count * 2 / 3
                    lines[i] = String(lines[i].prefix(keep)) + factory.alnum(lines[i].count - keep)
                case 3 where !secretLines.isEmpty:
                    let i = secretLines[pick(secretLines.count)]
                    let line = lines.remove(at: i)
                    if pick(2) == 0 {
                        lines.insert(line, at: pick(lines.count + 1))
                    } else {
                        let g = pick(files.count)
                        if g == f { lines.insert(line, at: pick(lines.count + 1)) } else { files[g].insert(line, at: pick(files[g].count + 1)) }
                    }
                case 4 where !secretLines.isEmpty:
                    let i = secretLines[pick(secretLines.count)]
                    lines[i] += lines[i].hasSuffix("reviewgate:allow") ? "" : "  # reviewgate:allow"
                case 5 where !secretLines.isEmpty:
                    // One character in the middle of a secret changed: copy, insert, copy.
                    let i = secretLines[pick(secretLines.count)]
                    var chars = Array(lines[i])
                    let at = chars.count / 2 + pick(max(1, chars.count / 3))
                    if at < chars.count { chars[at] = Array("QWERTYuiop0123")[pick(14)] }
                    lines[i] = String(chars)
                case 6 where !secretLines.isEmpty:
                    let i = secretLines[pick(secretLines.count)]
                    lines.insert(lines[i], at: pick(lines.count + 1))
                case 7 where lines.count > 10:
                    let i = pick(lines.count - 5)
                    lines.removeSubrange(i..<min(lines.count, i + 3))
                default:
                    let i = pick(lines.count)
                    if !lines.isEmpty { lines[i] = "edited \(c) " + lines[i] }
                }
                files[f] = lines
            }
            for (name, lines) in zip(names, files) { try repo.write(name, lines.joined(separator: "\n") + "\n") }
            _ = try repo.commit("commit \(c)", allowEmpty: true)
        }
        if seed % 2 == 0 {
            try repo.git(["repack", "-adf", "--depth=50", "--window=250"])
        } else {
            try repo.git(["gc", "-q", "--aggressive"])
        }
        return repo
    }

    static func examine(_ repo: ScratchRepository, _ reading: CommitSecrets.BlobReading, firstOnly: Bool) throws -> [Finding] {
        let handle = try Repository(path: repo.path)
        let head = try #require(ObjectID(hex: repo.gitOutput(["rev-parse", "HEAD"])))
        let commits = try handle.newCommits(tips: [head], excluding: [])
        let engine = CommitSecrets(settings: SecretSettings(scanner: scanner), reading: reading)
        let path = repo.path
        return try engine.examine(commits, firstOnly: firstOnly, threads: 2) { () throws(GitError) -> Repository in
            try Repository(path: path)
        }.findings
    }

    /// A history of `seed` for the walk tests: the repository (kept alive by the caller), a
    /// handle, its head, the engine and how it opens more handles.
    static func walkSetup(seed: UInt64) throws -> (repo: ScratchRepository, handle: Repository, head: ObjectID, engine: CommitSecrets,
                                                 open: @Sendable () throws(GitError) -> Repository) {
        let repo = try history(seed: seed)
        let path = repo.path
        let head = try #require(ObjectID(hex: repo.gitOutput(["rev-parse", "HEAD"])))
        return (repo, try Repository(path: path), head, CommitSecrets(settings: SecretSettings(scanner: scanner)),
                { () throws(GitError) -> Repository in try Repository(path: path) })
    }

    /// An audit's commits handed to a worker while the walk goes on (a few at a time here,
    /// so most are computed early) find exactly what the commits examined after the walk do.
    @Test(arguments: [1, 4, 64])
    func changesComputedDuringTheWalk(batch: Int) throws {
        let (repo, handle, head, engine, open) = try Self.walkSetup(seed: 77)
        defer { withExtendedLifetime(repo) {} }
        for firstOnly in [true, false] {
            let reference = try engine.examine(handle.newCommits(tips: [head], excluding: []), firstOnly: firstOnly, threads: 2, open: open)
            let started = DispatchSemaphore(value: 0)
            let (walked, commits, early) = try engine.examine(walking: { visit throws(GitError) in
                let commits = try handle.newCommits(tips: [head], excluding: [], visiting: visit)
                // A walk of a few dozen commits is over before a worker starts: this one lasts
                // until the worker runs, and long enough for it to take what it was given.
                started.wait()
                usleep(500_000)
                return commits
            }, batch: batch, start: { work in Thread { started.signal(); work() }.start() }, firstOnly: firstOnly, alreadyReported: [], threads: 2, progress: nil, open: open)
            #expect(commits == (try handle.newCommits(tips: [head], excluding: [])))
            #expect(reference.findings.contains { $0.kind == .secret })
            #expect(walked.findings == reference.findings)
            #expect(walked.blobsScanned == reference.blobsScanned)
            // One at a time, the worker takes every commit; 64 is more than the walk has.
            if batch == 1 { #expect(early > 0) }
            if batch == 64 { #expect(early == 0) }
        }
    }

    /// A worker the pool does not start before the walk ends is not waited for (its threads
    /// may all be waiting so), and when it starts later it does nothing.
    @Test func aWorkerThatStartsLateIsNotWaitedFor() throws {
        let (repo, handle, head, engine, open) = try Self.walkSetup(seed: 78)
        defer { withExtendedLifetime(repo) {} }
        let reference = try engine.examine(handle.newCommits(tips: [head], excluding: []), threads: 2, open: open)
        let held = Mutex<(@Sendable () -> Void)?>(nil)
        let (walked, _, early) = try engine.examine(walking: { visit throws(GitError) in
            try handle.newCommits(tips: [head], excluding: [], visiting: visit)
        }, batch: 1, start: { work in held.withLock { $0 = work } }, firstOnly: false, alreadyReported: [], threads: 2,
           progress: nil, open: open)
        #expect(early == 0)
        #expect(walked.findings == reference.findings)
        // Started now, it returns at once.
        let work = try #require(held.withLock { $0 })
        work()
    }

    @Test(arguments: 0..<8)
    func sameFindingsBothWays(seed: Int) throws {
        let repo = try Self.history(seed: UInt64(seed) &+ 1000)
        // The packs must hold deltas between versions, or this compares nothing.
        let deltas = try repo.gitOutput(["cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(deltabase)"])
            .split(separator: "\n").filter { $0.hasPrefix("blob ") && !$0.hasSuffix(String(repeating: "0", count: 40)) }
        #expect(deltas.count > 20)
        for firstOnly in [true, false] {
            let reference = try Self.examine(repo, .oneByOne, firstOnly: firstOnly)
            let walked = try Self.examine(repo, .deltaTrees, firstOnly: firstOnly)
            #expect(reference.contains { $0.kind == .secret })
            #expect(walked == reference)
        }
    }
}
