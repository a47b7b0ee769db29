// Packs built by real git in scratch repositories, and what git itself says is in them: the
// reference every reading test compares the pack reader against.
import Foundation
@testable import GitPack
import ReviewGateTestSupport

/// One object as `git cat-file --batch` prints it.
struct GitObject: Equatable {
    var id: String
    var type: String
    var bytes: [UInt8]
}

enum PackFixtures {
    /// Every object of `repo` (packed and loose), from `git cat-file --batch-all-objects --batch`.
    static func allObjects(_ repo: ScratchRepository) throws -> [GitObject] {
        let out = [UInt8](try repo.git(["cat-file", "--batch-all-objects", "--batch"]).stdout)
        var objects: [GitObject] = []
        var at = 0
        while at < out.count {
            guard let eol = out[at...].firstIndex(of: 10) else { throw FixtureError("no header line at \(at)") }
            let header = String(decoding: out[at..<eol], as: UTF8.self).split(separator: " ")
            guard header.count == 3, let size = Int(header[2]), eol + 1 + size < out.count + 1 else {
                throw FixtureError("bad header \(header)")
            }
            let start = eol + 1
            objects.append(GitObject(id: String(header[0]), type: String(header[1]), bytes: Array(out[start..<(start + size)])))
            at = start + size + 1
        }
        return objects
    }

    static func objectsDirectory(_ repo: ScratchRepository) -> String { repo.path + "/.git/objects/" }

    static func packFiles(_ repo: ScratchRepository, suffix: String) throws -> [URL] {
        let dir = URL(fileURLWithPath: objectsDirectory(repo) + "pack")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(suffix) }.sorted()
            .map { dir.appendingPathComponent($0) }
    }

    /// Id → offset of every entry of every pack, from `git show-index`.
    static func packEntries(_ repo: ScratchRepository) throws -> [[String: UInt64]] {
        try packFiles(repo, suffix: ".idx").map { idx in
            let listing = try repo.git(["show-index"], input: Data(contentsOf: idx)).out
            var entries: [String: UInt64] = [:]
            for line in listing.split(separator: "\n") {
                let fields = line.split(separator: " ")
                entries[String(fields[1])] = UInt64(fields[0])!
            }
            return entries
        }
    }

    /// The longest delta chain git reports (`%(deltabase)` followed to a whole object).
    static func deepestChain(_ repo: ScratchRepository) throws -> Int {
        let rows = try repo.gitOutput(["cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(deltabase)"])
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let zero = String(repeating: "0", count: 40)
        var base: [String: String] = [:]
        for row in rows where row[1] != zero { base[row[0]] = row[1] }
        var deepest = 0
        for row in rows {
            var depth = 0
            var at = row[0]
            while let next = base[at], depth <= 5000 {
                depth += 1
                at = next
            }
            deepest = max(deepest, depth)
        }
        return deepest
    }

    /// How the store's packs hold `ids`: whole, as OFS_DELTA or as REF_DELTA entries.
    static func entryKinds(_ store: PackStore, _ ids: [ObjectID]) -> (whole: Int, offsetDelta: Int, refDelta: Int) {
        var counts = (whole: 0, offsetDelta: 0, refDelta: 0)
        for id in ids {
            for pack in store.packs {
                guard let offset = pack.index.offset(of: id), let entry = pack.entry(at: Int(offset)) else { continue }
                switch entry.kind {
                case .whole: counts.whole += 1
                case .offsetDelta: counts.offsetDelta += 1
                case .refDelta: counts.refDelta += 1
                }
                break
            }
        }
        return counts
    }

    /// Compares every object git lists with what `store` reads: packed objects identical in
    /// type, size and bytes (and in `header`); the others not held by the store at all. Throws
    /// at the first difference; returns how many objects the store read.
    @discardableResult
    static func compareWithGit(_ store: PackStore, _ objects: [GitObject], packed: Set<String>) throws -> Int {
        var read = 0
        for object in objects {
            let id = try require(ObjectID(hex: object.id))
            let content = try store.read(id)
            let header = try store.header(id)
            if packed.contains(object.id) {
                guard let (type, content) = content, let (headerType, size) = header else {
                    throw FixtureError("\(object.id) is in a pack but the store does not read it")
                }
                guard type.description == object.type, headerType.description == object.type, size == object.bytes.count,
                      Array(content.bytes) == object.bytes else {
                    throw FixtureError("\(object.id) \(object.type): read as \(type) of \(content.bytes.count) bytes, header \(headerType) \(size)")
                }
                read += 1
            } else if content?.1 != nil || header?.1 != nil {
                throw FixtureError("\(object.id) is loose but the store claims it")
            }
        }
        return read
    }

    static func require<T>(_ value: T?) throws -> T {
        guard let value else { throw FixtureError("unexpected nil") }
        return value
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
