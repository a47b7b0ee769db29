import Foundation
@testable import Git
import ReviewGateTestSupport
import Testing

/// Blobs read a piece at a time give exactly the bytes read whole: loose objects, whole pack
/// entries, and deltas (rebuilt only under the limit).
@Suite struct BlobStreamTests {
    static func drain(_ stream: BlobStream, piece: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: piece)
        while true {
            let n = buffer.withUnsafeMutableBytes { stream.read(into: $0) }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += buffer[..<n]
        }
    }

    /// A repository whose `big.txt` has two versions (about 500 kB, the newer one line longer),
    /// loose or, with `packed`, in one pack where one is a delta of the other.
    static func twoVersions(label: String, seed: UInt64, packed: Bool) throws -> (ScratchRepository, newer: ObjectID, older: ObjectID) {
        let scratch = try ScratchRepository(label: label)
        var rng = SplitMix(seed: seed)
        var text = ""
        for i in 0..<40_000 { text += "line \(i) \(rng.next() % 1000)\n" }
        try scratch.write("big.txt", text)
        try scratch.commit("one")
        try scratch.write("big.txt", text + "one more line\n")
        try scratch.commit("two")
        let newer = try #require(ObjectID(hex: try scratch.gitOutput(["rev-parse", "HEAD:big.txt"])))
        let older = try #require(ObjectID(hex: try scratch.gitOutput(["rev-parse", "HEAD~1:big.txt"])))
        if packed { try scratch.git(["gc", "-q", "--aggressive"]) }
        return (scratch, newer, older)
    }

    @Test("loose, packed whole and packed as a delta: the same bytes as a whole read")
    func sameBytes() throws {
        for stage in ["loose", "packed"] {
            // A repository of its own per stage: a process opens a pack directory's packs once.
            let (scratch, newer, older) = try Self.twoVersions(label: "stream", seed: 77, packed: stage == "packed")
            let repo = try Repository(path: scratch.path)
            for id in [newer, older] {
                let whole = try repo.blob(id).bytes
                let stream = try #require(try repo.blobStream(id, wholeLimit: 1 << 30))
                #expect(stream.size == whole.count)
                #expect(Self.drain(stream, piece: 7000) == whole, "\(stage) \(id)")
            }
            // One of the two is a delta once packed: past the limit it is not rebuilt.
            let refused = try [newer, older].filter { try repo.blobStream($0, wholeLimit: 10) == nil }
            #expect(refused.count == (stage == "packed" ? 1 : 0))
        }
    }

    /// A repository borrowing another's objects (`info/alternates`, as a fork on a server does,
    /// chained and with a relative path): large blobs there are streamed too, loose or packed
    /// whole, and only a delta past the limit is refused, as in the repository's own store.
    @Test("blobs of alternates: loose and packed whole are streamed, a large delta is not rebuilt")
    func alternates() throws {
        for stage in ["loose", "packed"] {
            let (shared, newer, older) = try Self.twoVersions(label: "alt-shared", seed: 78, packed: stage == "packed")
            // middle borrows from shared by a relative path; fork borrows from middle.
            let middle = try ScratchRepository(label: "alt-middle")
            let fork = try ScratchRepository(label: "alt-fork")
            let middleObjects = middle.path + "/.git/objects/"
            let relative = String(repeating: "../", count: middleObjects.split(separator: "/").count) + String((shared.path + "/.git/objects").dropFirst())
            try FileManager.default.createDirectory(atPath: middleObjects + "info", withIntermediateDirectories: true)
            try (relative + "\n").write(toFile: middleObjects + "info/alternates", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: fork.path + "/.git/objects/info", withIntermediateDirectories: true)
            try ("# a comment\n" + middleObjects + "\n").write(toFile: fork.path + "/.git/objects/info/alternates", atomically: true, encoding: .utf8)
            let repo = try Repository(path: fork.path)
            #expect(repo.alternateObjectDirectories.map { Repository.normalized($0) }
                    == [Repository.normalized(middleObjects), Repository.normalized(shared.path + "/.git/objects/")])
            let wholeBytes = try [newer, older].map { try repo.blob($0).bytes }
            var streamed = 0
            for (id, whole) in zip([newer, older], wholeBytes) {
                // Below the size of the blob: streamed, never read whole.
                guard let stream = try repo.blobStream(id, wholeLimit: 4096) else { continue }
                streamed += 1
                #expect(stream.size == whole.count)
                #expect(Self.drain(stream, piece: 5000) == whole, "\(stage) \(id)")
            }
            // Loose: both are whole objects; packed: one is a delta of the other.
            #expect(streamed == (stage == "packed" ? 1 : 2), "\(stage)")
        }
    }

    @Test("alternates lists read as git reads them: quoting, separators, comments, nothing trimmed")
    func alternatesLists() {
        #expect(AlternateDirectories.parse("/a/objects\n../b/objects\r\n\n", separator: 10) == ["/a/objects", "../b/objects\r"])
        #expect(AlternateDirectories.parse("/a:/b c:\"/d:e\\\"f\":/g", separator: 58) == ["/a", "/b c", "/d:e\"f", "/g"])
        #expect(AlternateDirectories.parse("\"/x\\101y\"\n", separator: 10) == ["/xAy"])
        // Comments on the raw entry (a quoted "#" is a path), in either list.
        #expect(AlternateDirectories.parse("# note\n\"#x\"\n/y\n", separator: 10) == ["#x", "/y"])
        #expect(AlternateDirectories.parse("#c:/z", separator: 58) == ["/z"])
        // Quoting that is not valid: the entry as it stands.
        #expect(AlternateDirectories.parse("\"/open\n\"/bad\\q\"\n\"/o\\7\"\n", separator: 10) == ["\"/open", "\"/bad\\q\"", "\"/o\\7\""])
    }

    @Test("a loose object whose data is cut short is an error, not a short blob")
    func truncatedLoose() throws {
        let scratch = try ScratchRepository(label: "stream")
        try scratch.write("a.txt", String(repeating: "some text that compresses\n", count: 20_000))
        try scratch.commit("one")
        let hex = try scratch.gitOutput(["rev-parse", "HEAD:a.txt"])
        let path = scratch.path + "/.git/objects/" + hex.prefix(2) + "/" + hex.dropFirst(2)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        let repo = try Repository(path: scratch.path)
        let id = try #require(ObjectID(hex: hex))
        let stream = try #require(try repo.blobStream(id, wholeLimit: 1 << 30))
        #expect(Self.drain(stream, piece: 4096) == nil)
    }
}
