import Foundation
import ReviewGateTestSupport
import Testing

/// `scan`, `check` and `audit` on one thread and on several (`REVIEWGATE_THREADS`) report the
/// same findings in the same order: the work is shared out, the verdict is not.
@Suite struct WorkersTests {
    /// A history of many commits and files, secrets coming and going, and its work tree.
    static func history() throws -> (ScratchRepository, [String]) {
        var factory = SecretFactory(seed: 4242)
        var rng = SplitMix(seed: 77)
        let repo = try ScratchRepository(label: "workers")
        var secrets: [String] = []
        for step in 0..<60 {
            for file in 0..<(1 + Int(rng.next() % 4)) {
                let name = "dir\(file % 3)/f\(Int(rng.next() % 40)).txt"
                var lines = (0..<(5 + Int(rng.next() % 30))).map { "step \(step) line \($0) of \(name): key = value \($0 % 5)" }
                if rng.next() % 4 == 0 {
                    let secret = rng.next() % 2 == 0 ? factory.githubToken() : factory.awsAccessKey()
                    secrets.append(secret)
                    lines.insert("SECRET=\(secret)", at: Int(rng.next() % UInt64(lines.count)))
                }
                try repo.write(name, lines.joined(separator: "\n") + "\n")
            }
            try repo.commit("step \(step)")
        }
        return (repo, secrets)
    }

    func findings(_ arguments: [String], threads: Int, in repo: ScratchRepository, secrets: [String]) throws -> [String] {
        let result = try reviewgate(arguments + ["--format", "json"], in: repo.url, environment: ["REVIEWGATE_THREADS": String(threads)])
        for secret in secrets {
            #expect(!result.out.contains(secret) && !result.err.contains(secret), "a secret was printed")
        }
        let doc = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.err)")
        let found = doc["findings"] as? [[String: Any]] ?? []
        return try found.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
    }

    @Test func oneThreadAndSeveralAgree() throws {
        let (repo, secrets) = try Self.history()
        let root = try repo.gitOutput(["rev-list", "--max-parents=0", "HEAD"])
        for arguments in [["audit"], ["check", "\(root)..HEAD"], ["scan", "."]] {
            let one = try findings(arguments, threads: 1, in: repo, secrets: secrets)
            #expect(!one.isEmpty, "\(arguments) found nothing")
            for threads in [2, 3, 7] {
                #expect(try findings(arguments, threads: threads, in: repo, secrets: secrets) == one, "\(arguments) on \(threads) threads")
            }
        }
    }
}
