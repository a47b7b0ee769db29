import Foundation
import Git
@testable import GitPack
import ReviewGateTestSupport
import Testing

/// The pack reader against git itself, over packs git wrote: every object read back with the
/// type, size and bytes `git cat-file --batch` prints.
@Suite struct PackReadingTests {
    /// Hundreds of objects in several packs plus loose objects: every packed object through the
    /// store, every loose one left to libgit2 (and read by the repository as git reads it).
    @Test func everyObjectReadsAsCatFileBatchPrintsIt() throws {
        let repo = try Histories.random(seed: 71, commits: 60)
        try repo.git(["repack", "-adq", "--depth=50", "--window=50"])
        for round in 0..<2 {
            for i in 0..<25 {
                try repo.write("grow-\(round).txt", (0...i).map { "line \($0) of round \(round), a little more each time\n" }.joined())
                try repo.write("other/\(i % 5).txt", "round \(round) file \(i)\n")
                try repo.commit("round \(round) step \(i)")
            }
            // Only the loose objects: a second and a third pack next to the first.
            try repo.git(["repack", "-dq"])
        }
        try repo.git(["tag", "-a", "-m", "a tag message", "t1"])
        for i in 0..<5 {
            try repo.write("loose.txt", "still loose \(i)\n")
            try repo.commit("loose \(i)")
        }
        let objects = try PackFixtures.allObjects(repo)
        let packs = try PackFixtures.packEntries(repo)
        let packed = Set(packs.flatMap(\.keys))
        #expect(objects.count >= 300)
        #expect(packs.count >= 3)
        #expect(objects.count - packed.count >= 15, "loose objects too")

        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo))
        #expect(store.packs.count == packs.count)
        let read = try PackFixtures.compareWithGit(store, objects, packed: packed)
        #expect(read == packed.count)
        let kinds = PackFixtures.entryKinds(store, objects.compactMap { ObjectID(hex: $0.id) })
        #expect(kinds.offsetDelta > 50, "the packs hold deltas")

        let repository = try Repository(path: repo.path)
        for object in objects where !packed.contains(object.id) {
            let (type, bytes) = try repository.object(#require(ObjectID(hex: object.id)))
            #expect(type.description == object.type && bytes == object.bytes, "\(object.id)")
        }
    }

    /// One file in 300 versions, repacked with chains up to 250 deep: each version reads back
    /// exactly, with a cache too small to hold a chain (so bases are rebuilt all the way down)
    /// and with the default one.
    @Test(arguments: [2 << 10, 24 << 20])
    func deepDeltaChains(budget: Int) throws {
        let repo = try ScratchRepository(label: "deep")
        var rng = SplitMix(seed: 5)
        func field() -> String { String(1_000_000_000_000 + rng.next() % 1_000_000_000_000) }
        // git pairs versions of a path in order of size: each version one line longer, with a
        // few lines rewritten, is best built on the one before it, so the chains run deep.
        var lines = (0..<80).map { "line \($0 + 1000) " + field() }
        for i in 0..<300 {
            for _ in 0..<8 { lines[Int(rng.next() % UInt64(lines.count))] = "vers \(i + 1000) " + field() }
            lines.append("grow \(i + 1000) " + field())
            try repo.write("one.txt", lines.joined(separator: "\n") + "\n")
            try repo.commit("version \(i)")
        }
        try repo.git(["repack", "-adfq", "--depth=250", "--window=250"])
        #expect(try PackFixtures.deepestChain(repo) >= 150)
        let objects = try PackFixtures.allObjects(repo)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo), budget: budget)
        let read = try PackFixtures.compareWithGit(store, objects, packed: Set(objects.map(\.id)))
        #expect(read == objects.count)
    }

    /// A pack written without `--delta-base-offset`: every delta names its base by id.
    @Test func refDeltasByPackObjects() throws {
        let repo = try ScratchRepository(label: "ref-delta")
        for i in 0..<40 {
            try repo.write("f.txt", (0...i).map { "row \($0) of a table that grows\n" }.joined())
            try repo.commit("v\(i)")
        }
        let list = try repo.git(["rev-list", "--objects", "--all"]).stdout
        try repo.git(["pack-objects", "-q", "--window=50", "--depth=50", ".git/objects/pack/pack"], input: list)
        try repo.git(["prune-packed"])
        let objects = try PackFixtures.allObjects(repo)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo))
        let kinds = PackFixtures.entryKinds(store, objects.compactMap { ObjectID(hex: $0.id) })
        #expect(kinds.refDelta > 20 && kinds.offsetDelta == 0, "\(kinds)")
        #expect(try PackFixtures.compareWithGit(store, objects, packed: Set(objects.map(\.id))) == objects.count)
    }

    /// A thin pack (deltas against objects the receiver already has) completed by
    /// `git index-pack --fix-thin`: REF_DELTA entries whose bases were appended to the pack.
    @Test func refDeltasInAFixedThinPack() throws {
        let origin = try ScratchRepository(label: "thin-origin")
        for i in 0..<30 {
            try origin.write("f.txt", (0...i).map { "entry \($0), long enough to be worth a delta\n" }.joined())
            try origin.commit("v\(i)")
        }
        try origin.git(["branch", "old", "HEAD~10"])
        try origin.git(["gc", "-q"])
        let receiver = try ScratchRepository(label: "thin-receiver")
        try receiver.git(["fetch", "-q", origin.path, "old:refs/heads/old"])
        let thin = try origin.git(["pack-objects", "-q", "--thin", "--stdout", "--revs"], input: Data("main\n^old\n".utf8)).stdout
        try receiver.git(["index-pack", "--fix-thin", "--stdin"], input: thin)
        let objects = try PackFixtures.allObjects(receiver)
        let packs = try PackFixtures.packEntries(receiver)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(receiver))
        let kinds = PackFixtures.entryKinds(store, objects.compactMap { ObjectID(hex: $0.id) })
        #expect(kinds.refDelta > 0, "\(kinds)")
        #expect(try PackFixtures.compareWithGit(store, objects, packed: Set(packs.flatMap(\.keys))) > 0)
    }

    /// Every object of a repository repacked with deep delta chains (and REF_DELTA bases from
    /// a thin fetch) reads back byte for byte as `git cat-file` prints it.
    @Test func everyObjectReadsThroughTheRepositoryAsGitReadsIt() throws {
        let scratch = try Histories.random(seed: 41, commits: 60)
        for i in 0..<30 {
            try scratch.write("grow.txt", (0...i).map { "line \($0) of a file that changes a little each time\n" }.joined())
            try scratch.commit("grow \(i)")
        }
        try scratch.git(["tag", "-a", "-m", "tag message", "t1"])
        try scratch.git(["repack", "-adq", "--depth=50", "--window=250"])
        try scratch.write("loose.txt", "still loose\n")
        try scratch.commit("loose")
        let listing = try scratch.gitOutput(["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype) %(deltabase)"])
        let rows = listing.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(rows.contains { $0[2] != "0000000000000000000000000000000000000000" }, "the pack has deltas")
        let repo = try Repository(path: scratch.path)
        for row in rows {
            let id = try #require(ObjectID(hex: String(row[0])))
            let (type, bytes) = try repo.object(id)
            #expect(type.description == String(row[1]))
            let expected = try scratch.git(["cat-file", String(row[1]), String(row[0])]).stdout
            #expect(Data(bytes) == expected, "\(row[0]) \(row[1])")
        }
    }

    /// Objects come back in the order `git show-index` gives their pack offsets; objects in no
    /// pack keep their given order, last.
    @Test func packOrderFollowsOffsets() throws {
        let scratch = try Histories.random(seed: 31, commits: 12)
        try scratch.git(["gc", "-q"])
        try scratch.write("loose.txt", "not packed yet\n")
        let loose = try scratch.commit("loose")
        let entries = try #require(try PackFixtures.packEntries(scratch).first)
        let byOffset = entries.sorted { $0.value < $1.value }.map(\.key)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(scratch))
        var rng = SplitMix(seed: 9)
        let looseID = try #require(ObjectID(hex: loose))
        let shuffled = byOffset.compactMap { ObjectID(hex: $0) }.shuffled(using: &rng) + [looseID]
        #expect(store.packOrder(shuffled).map(\.hex) == byOffset + [loose])
    }

    /// Only the first bytes of a whole commit are inflated; a delta entry gives nothing.
    @Test func prefixesOfWholeObjects() throws {
        let repo = try Histories.random(seed: 72, commits: 20)
        try repo.git(["repack", "-adq", "--depth=50", "--window=50"])
        let objects = try PackFixtures.allObjects(repo)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo))
        var wholes = 0
        try withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { buffer in
            for object in objects {
                let id = try #require(ObjectID(hex: object.id))
                let kinds = PackFixtures.entryKinds(store, [id])
                let prefix = store.prefix(id, into: buffer)
                if kinds.whole == 1 {
                    let got = try #require(prefix)
                    #expect(got.type.description == object.type)
                    #expect(Array(buffer[..<got.count]) == Array(object.bytes.prefix(64)), "\(object.id)")
                    wholes += 1
                } else {
                    #expect(prefix?.count == nil)
                }
            }
        }
        #expect(wholes > 20)
    }
}

/// What a pass over a pack counts as mapped, for dropping the mapping's pages past a limit.
@Suite struct PackMappingTests {
    /// Each 64 KiB block of the pack counts once, however often and in whatever order its
    /// entries are read: reading every object twice counts no more than once, and never more
    /// than the pack's own blocks.
    @Test func blocksCountOnceWhateverTheReads() throws {
        let repo = try ScratchRepository()
        var generator = SystemRandomNumberGenerator()
        for i in 0..<6 {
            // Incompressible, so the pack spans several blocks.
            let bytes = (0..<60_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try repo.write(Array("data-\(i).bin".utf8), Data(bytes))
            try repo.write("text-\(i).txt", "small file \(i)\n")
            try repo.commit("step \(i)")
        }
        try repo.git(["repack", "-adq"])
        let objects = try PackFixtures.allObjects(repo).compactMap { ObjectID(hex: $0.id) }
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo), budget: 0)
        let pack = try #require(store.packs.first)
        #expect(store.packs.count == 1)
        let blocks = (pack.length + PackFile.faultAround - 1) / PackFile.faultAround
        #expect(blocks >= 5)
        for id in objects { _ = try store.read(id) }
        let once = pack.mappedBytes
        #expect(once > 0 && once <= blocks * PackFile.faultAround && once % PackFile.faultAround == 0)
        for id in objects.reversed() { _ = try store.read(id) }
        #expect(pack.mappedBytes == once, "a block read again is not counted again")
        pack.dropResidentPages()
        #expect(pack.mappedBytes == 0)
        for id in objects { _ = try store.read(id) }
        #expect(pack.mappedBytes == once, "after a drop, blocks count afresh")
        // A small pack may keep its floor resident; a large one a quarter of itself, at most 64 MiB.
        #expect(pack.residentLimit == PackFile.leastResident)
    }
}
