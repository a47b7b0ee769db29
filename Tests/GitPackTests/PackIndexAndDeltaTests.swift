import Foundation
@testable import GitPack
import ReviewGateTestSupport
import Testing

@Suite struct PackIndexTests {
    /// Builds a version-2 index of `ids` (sorted here) with offsets `i * 7 + 12`, the last
    /// tenth of them in the 64-bit table, and returns the ids in index order.
    static func writeIndex(_ ids: [[UInt8]], to path: String) throws -> [[UInt8]] {
        let sorted = ids.sorted { $0.lexicographicallyPrecedes($1) }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        var bytes: [UInt8] = [0xff, 0x74, 0x4f, 0x63] + be32(2)
        var counts = [Int](repeating: 0, count: 256)
        for id in sorted { counts[Int(id[0])] += 1 }
        var total = 0
        for count in counts {
            total += count
            bytes += be32(UInt32(total))
        }
        for id in sorted { bytes += id }
        bytes += [UInt8](repeating: 0, count: 4 * sorted.count)
        let large = sorted.count - sorted.count / 10
        for i in sorted.indices { bytes += be32(i < large ? UInt32(i * 7 + 12) : 0x8000_0000 | UInt32(i - large)) }
        for i in large..<sorted.count {
            let offset = UInt64(1) << 33 + UInt64(i * 7 + 12)
            bytes += be32(UInt32(offset >> 32)) + be32(UInt32(offset & 0xffff_ffff))
        }
        bytes += [UInt8](repeating: 0, count: 40)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return sorted
    }

    /// Every id of an index is found at its offset and an id not in it is not, with ids spread
    /// evenly (as hashes are) and with ids crowded together (where the guessed probes miss and
    /// bisection finishes the search).
    @Test(arguments: [false, true]) func findsEveryIdAndNoOther(crowded: Bool) throws {
        let directory = try Scratch.directory("idx")
        var rng = SplitMix(seed: crowded ? 7 : 5)
        func randomID() -> [UInt8] {
            var id = (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Crowded: a few first bytes, and the next bytes mostly zero.
            if crowded { id[0] = [0, 1, 0xfe, 0xff][Int.random(in: 0..<4, using: &rng)]; id[1] = id[1] & 3; id[2] = 0 }
            return id
        }
        let ids = Array(Set((0..<30_000).map { _ in randomID() }))
        let path = directory.appendingPathComponent("test.idx").path
        let sorted = try Self.writeIndex(ids, to: path)
        let index = try #require(PackIndex(path: path))
        let large = sorted.count - sorted.count / 10
        for (i, bytes) in sorted.enumerated() {
            let id = bytes.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }
            let expected = i < large ? UInt64(i * 7 + 12) : UInt64(1) << 33 + UInt64(i * 7 + 12)
            #expect(index.offset(of: id) == expected)
        }
        let known = Set(sorted)
        for _ in 0..<30_000 {
            let bytes = randomID()
            guard !known.contains(bytes) else { continue }
            #expect(index.offset(of: bytes.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) }) == nil)
        }
    }
}

@Suite struct DeltaCodecTests {
    @Test func appliesDeltasExactly() throws {
        // A delta from git's format: copy 0..<5 from the base, insert "XY", copy 7..<10.
        let base = Array("0123456789".utf8)
        let delta: [UInt8] = [10, 10, 0x90, 5, 2, 88, 89, 0x91, 7, 3]
        let content = try #require(base.withUnsafeBytes { b in delta.withUnsafeBytes { Delta.apply($0, to: b, type: .blob) } })
        #expect(Array(content.bytes) == Array("01234XY789".utf8))
        // Wrong source size, a copy past the base, a zero op: refused, never a crash.
        for bad: [UInt8] in [[9, 10, 0x90, 5], [10, 10, 0x91, 8, 5], [10, 1, 0], [10]] {
            #expect(base.withUnsafeBytes { b in bad.withUnsafeBytes { Delta.apply($0, to: b, type: .blob) } } == nil)
        }
    }

    /// git's size numbers: the one decoder, at its edges (a size split over nine bytes is the
    /// most it takes; one more continuation byte, or bytes that end early, are refused).
    @Test func varintsDecodeAsGitWritesThem() {
        func decode(_ bytes: [UInt8], value: Int = 0, shift: Int = 0) -> (Int?, Int) {
            bytes.withUnsafeBytes { raw in
                var at = 0
                let got = Varint.decode(raw, at: &at, value: value, shift: shift)
                return (got, at)
            }
        }
        #expect(decode([0x05]) == (5, 1))
        #expect(decode([0x80, 0x01]) == (128, 2))
        #expect(decode([0xff, 0x7f, 0x33]) == (16383, 2))
        #expect(decode([0x81, 0x80, 0x00]) == (1, 3))
        #expect(decode([0x80]).0 == nil)
        #expect(decode([]).0 == nil)
        #expect(decode(Array(repeating: 0x80, count: 8) + [0x01]) == (1 << 56, 9))
        #expect(decode(Array(repeating: 0x80, count: 9) + [0x01]).0 == nil)
        // An entry header: the first four bits came from the type byte.
        #expect(decode([0x02], value: 0xf, shift: 4) == (0x2f, 1))
        // Delta sizes: the target size is the second number.
        let delta: [UInt8] = [0x80, 0x01, 0xac, 0x02, 0x90]
        #expect(delta.withUnsafeBytes { Delta.targetSize($0) } == 300)
        #expect([UInt8]([0x80, 0x01, 0xac]).withUnsafeBytes { Delta.targetSize($0) } == nil)
    }

    /// Entry headers with long sizes and offsets decode as git wrote them (checked against
    /// `git cat-file -s` over a pack with large and delta objects).
    @Test func entryHeadersMatchGit() throws {
        let scratch = try Histories.random(seed: 42, commits: 40)
        for i in 0..<20 {
            try scratch.write("grow.txt", String(repeating: "x", count: 100 * i) + "\n")
            try scratch.commit("grow \(i)")
        }
        try scratch.write("large.txt", String(repeating: "large file ", count: 200_000))
        try scratch.commit("large")
        try scratch.git(["repack", "-adq", "--depth=50", "--window=250"])
        let rows = try scratch.gitOutput(["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype) %(objectsize)"])
            .split(separator: "\n").map { $0.split(separator: " ") }
        let store = PackStore(objectsDirectory: PackFixtures.objectsDirectory(scratch))
        #expect(!store.isEmpty)
        #expect(rows.contains { Int($0[2])! > 1 << 21 }, "a size needing four header bytes")
        for row in rows {
            let id = try #require(ObjectID(hex: String(row[0])))
            let header = try #require(try store.header(id))
            #expect(header.0.description == String(row[1]) && String(header.1) == String(row[2]), "\(row)")
        }
    }
}
