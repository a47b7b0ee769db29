import Foundation
import Git
@testable import GitPack
import ReviewGateTestSupport
import Testing

/// Packs damaged after git wrote them: a read gives git's bytes or a clear error, never wrong
/// bytes, a crash or a hang. Each test damages its own repository before any store opens it
/// (a store maps its packs once per process).
@Suite(.timeLimit(.minutes(2))) struct DamagedPackTests {
    /// A packed repository and what git read from it before the damage.
    static func fixture(seed: UInt64) throws -> (ScratchRepository, [GitObject], pack: URL, index: URL) {
        let repo = try Histories.random(seed: seed, commits: 12)
        var rng = SplitMix(seed: seed)
        // An incompressible blob, stored whole: damage in its compressed bytes is easy to place.
        try repo.write("noise.bin", (0..<3000).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16) }.joined())
        try repo.commit("noise")
        try repo.git(["repack", "-adq"])
        let objects = try PackFixtures.allObjects(repo)
        let pack = try #require(try PackFixtures.packFiles(repo, suffix: ".pack").first)
        let index = try #require(try PackFixtures.packFiles(repo, suffix: ".idx").first)
        for file in [pack, index] { try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path) }
        return (repo, objects, pack, index)
    }

    /// Reads every object; fails the test on bytes that differ from git's. Returns how many
    /// reads were refused, and their messages.
    static func readAll(_ store: PackStore, _ objects: [GitObject]) throws -> (read: Int, refused: [String]) {
        var read = 0
        var refused: [String] = []
        for object in objects {
            let id = try #require(ObjectID(hex: object.id))
            do {
                if let (type, content) = try store.read(id) {
                    #expect(type.description == object.type && Array(content.bytes) == object.bytes, "\(object.id) read wrong")
                    read += 1
                }
            } catch {
                refused.append(error.message)
            }
        }
        return (read, refused)
    }

    @Test func flippedByteInCompressedDataIsRefused() throws {
        let (repo, objects, pack, _) = try Self.fixture(seed: 81)
        let noise = try repo.gitOutput(["rev-parse", "HEAD:noise.bin"])
        let offset = try #require(try PackFixtures.packEntries(repo).first?[noise])
        var bytes = [UInt8](try Data(contentsOf: pack))
        // Past the entry header (its size bytes have the high bit set but the last), well inside
        // the deflate stream.
        var data = Int(offset)
        while bytes[data] & 0x80 != 0 { data += 1 }
        data += 1
        #expect(bytes[Int(offset)] >> 4 & 7 == 3, "the blob is stored whole")
        bytes[data + 200] ^= 0x20
        try Data(bytes).write(to: pack)

        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo))
        let id = try #require(ObjectID(hex: noise))
        let damage = #expect(throws: PackStore.Damage.self) { try store.read(id) }
        #expect(damage?.message == "undecodable data at \(offset)")
        // The header is intact: the size is still known without inflating.
        #expect(try store.header(id)?.1 == objects.first { $0.id == noise }?.bytes.count)
        let (read, refused) = try Self.readAll(store, objects)
        #expect(refused.count == 1 && read == objects.count - 1)
        // Through the repository: an error naming the object, not libgit2's read of the same pack.
        let repository = try Repository(path: repo.path)
        let error = #expect(throws: GitError.self) { _ = try repository.blob(id) }
        #expect(error?.message == "object \(noise) is damaged in its pack: undecodable data at \(offset)")
    }

    @Test func truncatedPackGivesEveryEarlierObjectAndRefusesTheRest() throws {
        let (repo, objects, pack, _) = try Self.fixture(seed: 82)
        let bytes = try Data(contentsOf: pack)
        try bytes.prefix(bytes.count * 6 / 10).write(to: pack)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo))
        #expect(!store.isEmpty)
        let (read, refused) = try Self.readAll(store, objects)
        #expect(read > 10 && !refused.isEmpty && read + refused.count == objects.count)
        #expect(refused.allSatisfy { $0.hasPrefix("unreadable entry at ") || $0.hasPrefix("undecodable ") }, "\(refused)")
        for object in objects {
            _ = try? store.header(#require(ObjectID(hex: object.id)))
        }
    }

    /// A fan-out count lower than the one before it would send lookups out of bounds: the
    /// index is refused whole, and so is the pack; libgit2, reading the same index, reports it.
    @Test func badIndexFanOutIsRefused() throws {
        let (repo, objects, _, index) = try Self.fixture(seed: 83)
        var bytes = [UInt8](try Data(contentsOf: index))
        // Fan-out entry 0x80 (bytes 8 + 4 * 0x80) set to zero, below entry 0x7f.
        #expect(bytes[8 + 4 * 0x7f..<8 + 4 * 0x80] != [0, 0, 0, 0])
        bytes.replaceSubrange(8 + 4 * 0x80..<8 + 4 * 0x81, with: [0, 0, 0, 0])
        try Data(bytes).write(to: index)
        #expect(PackIndex(path: index.path) == nil)
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo))
        #expect(store.isEmpty)
        let repository = try Repository(path: repo.path)
        let id = try #require(ObjectID(hex: objects[0].id))
        #expect(try store.read(id) == nil)
        #expect(throws: GitError.self) { _ = try repository.object(id) }
    }

    /// An index cut short (its fan-out promises more ids than it holds) is refused whole.
    @Test func truncatedIndexIsRefused() throws {
        let (repo, _, _, index) = try Self.fixture(seed: 84)
        let bytes = try Data(contentsOf: index)
        try bytes.prefix(8 + 1024 + 40).write(to: index)
        #expect(PackIndex(path: index.path) == nil)
        #expect(PackStore(objectsDirectory: PackFixtures.objectsDirectory(repo)).isEmpty)
    }

    /// Bytes flipped all over a pack: reads through the repository refuse somewhere, and
    /// nothing crashes. (Wrong bytes are possible here, as for libgit2 without hash checks: a
    /// flipped base offset can name another entry of the same size.)
    @Test(arguments: [5, 6, 7] as [UInt64])
    func scatteredDamageIsNoticed(seed: UInt64) throws {
        let (repo, objects, pack, _) = try Self.fixture(seed: 85 + seed)
        var bytes = [UInt8](try Data(contentsOf: pack))
        var rng = SplitMix(seed: seed)
        for _ in 0..<200 { bytes[12 + Int(rng.next() % UInt64(bytes.count - 32))] = UInt8(truncatingIfNeeded: rng.next()) }
        try Data(bytes).write(to: pack)
        let repository = try Repository(path: repo.path)
        var failures = 0
        for object in objects {
            do { _ = try repository.object(#require(ObjectID(hex: object.id))) } catch { failures += 1 }
        }
        #expect(failures > 0, "the damage was noticed")
    }
}
