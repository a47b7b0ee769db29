import Foundation
import Git
@testable import GitPack
import ReviewGateTestSupport
import Testing

/// Listing a pack directory's objects with their types from indexes and entry headers alone
/// (what a push quarantine's packs hold), against `git cat-file --batch-all-objects`.
@Suite struct PackListingTests {
    @Test(arguments: [false, true])
    func everyPackedObjectWithItsType(refDeltas: Bool) throws {
        let repo = try Histories.random(seed: 33, commits: 40)
        try repo.git(["tag", "-a", "-m", "a tag", "t1"])
        // Deep chains; with REF_DELTA bases (what a completed thin pack holds) when asked.
        try repo.git(["-c", "repack.usedeltabaseoffset=\(refDeltas ? "false" : "true")", "repack", "-adq", "--depth=50", "--window=50"])
        let expected = try PackFixtures.allObjects(repo).map { "\($0.id) \($0.type)" }.sorted()
        let listed = try PackStore.objects(inPackDirectory: PackFixtures.objectsDirectory(repo) + "pack")
        #expect(listed.map { "\($0.id) \($0.type.map(\.description) ?? "?")" }.sorted() == expected)
        let kinds = PackFixtures.entryKinds(PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo)), listed.map(\.id))
        #expect(refDeltas ? kinds.refDelta > 0 : kinds.offsetDelta > 0, "the pack holds deltas of the kind under test")
    }

    @Test func noPackDirectoryListsNothing() throws {
        #expect(try PackStore.objects(inPackDirectory: "/nonexistent-\(UUID().uuidString)/pack").isEmpty)
    }
}

extension PackListingTests {
    /// A pack whose index cannot be read is an error, never a pack silently left out.
    @Test func anUnreadableIndexIsAnError() throws {
        let repo = try Histories.random(seed: 34, commits: 5)
        try repo.git(["repack", "-adq"])
        let directory = PackFixtures.objectsDirectory(repo) + "pack"
        let idx = try #require(try PackFixtures.packFiles(repo, suffix: ".idx").first)
        var bytes = Array(try Data(contentsOf: idx))
        bytes[0] ^= 0xff
        try Data(bytes).write(to: idx)
        #expect(throws: PackStore.Damage.self) { try PackStore.objects(inPackDirectory: directory) }
    }
}
