import Foundation
@testable import Git
import ReviewGateTestSupport
import Testing

/// Refs found one name or one prefix at a time (what the hook does on a server with a ref per
/// merge request) against `git for-each-ref`, loose and packed, sorted or not.
@Suite struct RefLookupTests {
    static func forEachRef(_ repo: ScratchRepository, _ prefix: String) throws -> [String] {
        try repo.gitOutput(["for-each-ref", "--format=%(refname) %(objectname)"]).split(separator: "\n")
            .map(String.init).filter { $0.hasPrefix(prefix) }.sorted()
    }

    @Test(arguments: [true, false])
    func prefixesAsForEachRefListsThem(sortedPackedRefs: Bool) throws {
        let repo = try Histories.random(seed: 5, commits: 6)
        let commits = try repo.gitOutput(["rev-list", "HEAD"]).split(separator: "\n").map(String.init)
        for (i, id) in commits.enumerated() {
            try repo.git(["update-ref", "refs/merge-requests/\(i)/head", id])
            try repo.git(["update-ref", "refs/heads/release/\(i)", id])
            try repo.git(["update-ref", "refs/heads/rel\(i)", id])
        }
        try repo.git(["tag", "-a", "-m", "t", "v1", commits[2]])
        try repo.git(["pack-refs", "--all"])
        // Some loose again (one shadowing its packed value), some only loose.
        try repo.git(["update-ref", "refs/heads/release/1", commits[0]])
        try repo.git(["update-ref", "refs/heads/release/loose", commits[3]])
        try repo.git(["symbolic-ref", "refs/heads/alias", "refs/heads/release/2"])
        let packedRefs = repo.url.appendingPathComponent(".git/packed-refs")
        if !sortedPackedRefs {
            // Another writer's file: no `sorted` trait, lines in reverse order (peel lines kept after their ref).
            let text = try String(contentsOf: packedRefs, encoding: .utf8)
            var records: [[Substring]] = []
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                if line.hasPrefix("^") { records[records.count - 1].append(line) } else { records.append([line]) }
            }
            try (records.reversed().flatMap { $0 }.joined(separator: "\n") + "\n").write(to: packedRefs, atomically: true, encoding: .utf8)
        }
        let git = try Repository(path: repo.path)
        for prefix in ["refs/heads/release/", "refs/heads/rel", "refs/heads/", "refs/merge-requests/3/", "refs/tags/", "refs/", "refs/nothing/",
                       "refs/heads/release/1"] {
            let found = try git.references(startingWith: [prefix]).map { "\($0.name) \($0.target?.hex ?? "")" }
            let expected = try Self.forEachRef(repo, prefix).filter { !$0.hasPrefix("refs/heads/alias ") }
            #expect(found == expected, "\(prefix)")
        }
        #expect(try git.lookUpReference("refs/heads/alias")?.symbolicTarget == "refs/heads/release/2")
        #expect(try git.lookUpReference("refs/heads/release/1")?.target?.hex == commits[0])
        #expect(try git.lookUpReference("refs/heads/nope") == nil)
        #expect(try git.lookUpReference("refs/heads/bad..name") == nil)
    }

    @Test func parentsFirstOrdersASetAsTheWalkDoes() throws {
        let scratch = try Histories.everyKindOfChange()
        let repo = try Repository(path: scratch.path)
        let tips = try ["main", "side", "evil"].map { try repo.resolveCommit($0) }
        let walked = try repo.newCommits(tips: tips, excluding: [])
        let ordered = try repo.parentsFirst(walked.reversed())
        #expect(Set(ordered) == Set(walked) && ordered.count == walked.count)
        var position: [ObjectID: Int] = [:]
        for (i, id) in ordered.enumerated() { position[id] = i }
        for id in ordered {
            for parent in try repo.commitLinks(id).parents {
                if let p = position[parent] { #expect(p < position[id]!, "\(parent) before \(id)") }
            }
        }
    }
}
