import Foundation
import Git
import ReviewGateTestSupport
import Testing

/// New trees that break git's strict entry order are told apart (`git fsck`: duplicateEntries,
/// treeNotSorted), whichever side of a diff they are read on; well-formed trees raise nothing.
@Suite struct TreeOrderTests {
    static func hexBytes(_ hex: String) -> Data {
        var d = Data()
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            d.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return d
    }

    /// A tree object written literally from (mode, name, id) entries in the order given.
    static func tree(_ repo: ScratchRepository, _ entries: [(String, String, String)]) throws -> String {
        var body = Data()
        for (mode, name, id) in entries { body += Data("\(mode) \(name)\0".utf8) + hexBytes(id) }
        return try repo.git(["hash-object", "-t", "tree", "-w", "--stdin", "--literally"], input: body)
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func blob(_ repo: ScratchRepository, _ text: String) throws -> String {
        try repo.git(["hash-object", "-w", "--stdin"], input: Data(text.utf8)).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func problems(_ repo: ScratchRepository, _ tree: String, parent: String? = nil) throws -> [TreeProblem] {
        try problems(repo, tree, parents: parent.map { [$0] } ?? [])
    }

    func problems(_ repo: ScratchRepository, _ tree: String, parents: [String]) throws -> [TreeProblem] {
        var found: [TreeProblem] = []
        _ = try Repository(path: repo.path).changes(tree: #require(ObjectID(hex: tree)),
                                                    parentTrees: try parents.map { try #require(ObjectID(hex: $0)) },
                                                    detectRenames: false, problems: &found)
        return found
    }

    @Test func duplicatesAndDisorderAreFound() throws {
        let repo = try ScratchRepository(label: "tree-order")
        let one = try Self.blob(repo, "one\n"), two = try Self.blob(repo, "two\n")
        let sub = try Self.tree(repo, [("100644", "x", one)])
        let fine = try Self.tree(repo, [("100644", "a", one), ("100644", "a-b", two), ("40000", "a0", sub)])
        #expect(try problems(repo, fine).isEmpty)
        #expect(try repo.git(["fsck", "--no-dangling"]).status == 0)

        let twice = try Self.tree(repo, [("100644", "a", one), ("100644", "a", two)])
        #expect(try problems(repo, twice).map(\.kind) == [.duplicateEntries])
        #expect(try problems(repo, twice).first?.path == Array("a".utf8))
        // A file and a directory of one name, side by side and with a name between them.
        let fileAndDir = try Self.tree(repo, [("100644", "a", one), ("40000", "a", sub)])
        #expect(try problems(repo, fileAndDir).map(\.kind) == [.duplicateEntries])
        let apart = try Self.tree(repo, [("100644", "a", one), ("100644", "a-b", two), ("40000", "a", sub)])
        #expect(try problems(repo, apart).map(\.kind) == [.duplicateEntries])
        let unsorted = try Self.tree(repo, [("100644", "b", one), ("100644", "a", two)])
        #expect(try problems(repo, unsorted).map(\.kind) == [.treeNotSorted])
        // Nested: found below the root, with its directory in the path.
        let nested = try Self.tree(repo, [("40000", "dir", twice)])
        #expect(try problems(repo, nested).first?.path == Array("dir/a".utf8))
        // Against a parent sharing the first entry byte for byte (skipped undecoded).
        let parent = try Self.tree(repo, [("100644", "a", one)])
        #expect(try problems(repo, twice, parent: parent).map(\.kind) == [.duplicateEntries])
        // A file, then a run identical to the first parent's (skipped undecoded), then a
        // directory of the file's name: for a commit and for a merge.
        let firstParent = try Self.tree(repo, [("100644", "a", two), ("100644", "a-b", two)])
        let secondParent = try Self.tree(repo, [("100644", "z", two)])
        #expect(try problems(repo, apart, parents: [firstParent]).map(\.kind) == [.duplicateEntries])
        #expect(try problems(repo, apart, parents: [firstParent, secondParent]).map(\.kind) == [.duplicateEntries])
        // git agrees these are broken.
        let fsck = try run(["git", "fsck", "--no-dangling", "--strict"], in: repo.url)
        #expect(fsck.status != 0 && (fsck.out + fsck.err).contains("duplicateEntries"))
    }
}
