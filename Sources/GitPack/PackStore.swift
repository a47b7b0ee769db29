// The pack reader: a repository's pack files read directly (v2 indexes, OFS/REF deltas, a cache
// of reconstructed objects, delta forests). It knows nothing of libgit2 or of the environment:
// the objects directory is passed in, and whatever it cannot read, its caller reads elsewhere.
#if canImport(Glibc)
import Glibc
#endif

/// Where an object sits: a pack (by its number in the store) and the entry's offset there.
struct PackPosition: Hashable, Sendable {
    var pack: Int
    var offset: Int
}

/// Reads objects straight from a repository's pack files, resolving delta chains with a cache
/// of reconstructed objects kept in pack order. libgit2's own delta-base cache is small and
/// fixed: over a history it inflates the same bases again and again (zlib was a third of a
/// history audit). Objects this store does not hold (loose, in alternates, in a quarantine)
/// are for the caller to read through libgit2. Not for sharing across threads: one per
/// repository handle.
public final class PackStore {
    private(set) var packs: [PackFile] = []
    private var cache: ObjectCache
    let inflater = Inflater()

    /// The packs in `objectsDirectory`'s `pack/` (the directory given with a trailing slash).
    public convenience init(objectsDirectory: String, budget: Int = 24 << 20) {
        self.init(objectsDirectories: [objectsDirectory], budget: budget)
    }

    /// The packs of several objects directories (each given with a trailing slash), in order.
    public init(objectsDirectories: [String], budget: Int = 24 << 20) {
        cache = ObjectCache(budget: budget)
        packs = objectsDirectories.flatMap { PackFile.shared(in: $0 + "pack") }
    }

    public var isEmpty: Bool { packs.isEmpty }

    /// A pack entry that cannot be what the index says: a damaged or hostile pack. Reported,
    /// never handed to libgit2 (whose 1.5 release loops for ever on a delta cycle).
    public struct Damage: Error {
        public var message: String
    }

    /// Deltas deeper than this are damage (git itself writes at most 4095).
    static let maximumChain = 4096
    /// No object we read is larger than this; a header claiming more is damage.
    static let maximumObject = 1 << 32

    /// The object's type and full content, or nil when no pack here holds it (or a REF_DELTA
    /// base lives elsewhere): the caller reads it through libgit2.
    public func read(_ id: ObjectID) throws(Damage) -> (ObjectType, ObjectContent)? {
        let slot = Int(truncatingIfNeeded: id.b) & (Self.recentSlots - 1)
        if recent[slot].pack >= 0, recent[slot].id == id { return try read(pack: recent[slot].pack, offset: recent[slot].offset) }
        for (p, pack) in packs.enumerated() {
            guard let offset = pack.index.offset(of: id) else { continue }
            recent[slot] = RecentLookup(id: id, pack: p, offset: Int(offset))
            return try read(pack: p, offset: Int(offset))
        }
        return nil
    }

    /// Where recently read objects sit, by their id's bits (ids are hashes): over a history,
    /// a tree is read as a commit's and again as its child's parent's, and each index lookup
    /// is a few cache misses in a table of tens of megabytes.
    private struct RecentLookup {
        var id: ObjectID = .zero
        var pack = -1 // none yet
        var offset = 0
    }
    private static let recentSlots = 4096
    private var recent = [RecentLookup](repeating: RecentLookup(), count: PackStore.recentSlots)

    /// An object's type and size without reconstructing it: the entry header for whole
    /// objects; for deltas, the target size at the start of the delta (and the base's type).
    public func header(_ id: ObjectID) throws(Damage) -> (ObjectType, Int)? {
        for (p, pack) in packs.enumerated() {
            guard let offset = pack.index.offset(of: id) else { continue }
            var at = Int(offset)
            for _ in 0..<Self.maximumChain {
                guard let entry = pack.entry(at: at) else { throw Damage(message: "unreadable entry at \(at)") }
                switch entry.kind {
                case let .whole(type):
                    if at == Int(offset) { return (type, entry.size) }
                    guard let size = targetSize(pack: p, offset: Int(offset)) else {
                        throw Damage(message: "unreadable delta at \(offset)")
                    }
                    return (type, size)
                case let .offsetDelta(base):
                    at = base
                case let .refDelta(baseID):
                    guard let base = pack.index.offset(of: baseID) else { return nil }
                    at = Int(base)
                }
            }
            throw Damage(message: "delta chain longer than \(Self.maximumChain) at \(offset)")
        }
        return nil
    }

    /// The first bytes of `id` when a pack here holds it whole (not as a delta), inflated into
    /// `out`, as many as fit, and its type; nil for a delta or an object in no pack here. Not
    /// checked against the stream's checksum, which ends it: who needs certainty reads whole.
    public func prefix(_ id: ObjectID, into out: UnsafeMutableRawBufferPointer) -> (type: ObjectType, count: Int)? {
        for pack in packs {
            guard let offset = pack.index.offset(of: id) else { continue }
            guard let entry = pack.entry(at: Int(offset)), case let .whole(type) = entry.kind, entry.size >= 0 else { return nil }
            let wanted = UnsafeMutableRawBufferPointer(rebasing: out[..<min(out.count, entry.size)])
            return (type, pack.inflatePrefix(at: entry.dataOffset, into: wanted, with: inflater))
        }
        return nil
    }

    /// `ids` in the order their objects sit in the pack files (loose objects and ids found in
    /// no pack last, in the order given). Reading blobs in pack order means each delta's base
    /// was usually read just before: git.git's history reads about 20% faster than in history
    /// order.
    public func packOrder(_ ids: [ObjectID]) -> [ObjectID] {
        var position: [ObjectID: (pack: Int, offset: UInt64)] = [:]
        position.reserveCapacity(ids.count)
        for (p, pack) in packs.enumerated() {
            for id in ids where position[id] == nil {
                if let offset = pack.index.offset(of: id) { position[id] = (p, offset) }
            }
        }
        let order = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.sorted { a, b in
            switch (position[a], position[b]) {
            case let (x?, y?): return (x.pack, x.offset) < (y.pack, y.offset)
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return order[a]! < order[b]!
            }
        }
    }

    /// A planner to build a `DeltaForest` over this store's packs.
    public func deltaPlanner() -> DeltaPlanner {
        DeltaPlanner(packs: packs)
    }

    /// The target size written at the start of the delta at `offset`.
    private func targetSize(pack p: Int, offset: Int) -> Int? {
        guard let entry = packs[p].entry(at: offset) else { return nil }
        let prefix = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        defer { prefix.deallocate() }
        let got = packs[p].inflatePrefix(at: entry.dataOffset, into: prefix, with: inflater)
        return Delta.targetSize(UnsafeRawBufferPointer(rebasing: prefix[..<got]))
    }

    private func read(pack p: Int, offset: Int, depth: Int = 0) throws(Damage) -> (ObjectType, ObjectContent)? {
        let key = PackPosition(pack: p, offset: offset)
        if let hit = cache[key] { return (hit.type, hit) }
        guard depth < Self.maximumChain else { throw Damage(message: "delta chain longer than \(Self.maximumChain)") }
        guard let entry = packs[p].entry(at: offset), packs[p].plausible(entry), entry.size <= Self.maximumObject else {
            throw Damage(message: "unreadable entry at \(offset)")
        }
        let result: ObjectContent
        switch entry.kind {
        case .whole(let type):
            guard let content = ObjectContent(type: type, count: entry.size),
                  packs[p].inflate(at: entry.dataOffset, into: content.buffer, size: entry.size, with: inflater) else {
                throw Damage(message: "undecodable data at \(offset)")
            }
            content.setSize(entry.size)
            result = content
        case .offsetDelta, .refDelta:
            var baseOffset = 0
            if case let .offsetDelta(o) = entry.kind { baseOffset = o }
            if case let .refDelta(id) = entry.kind {
                guard let o = packs[p].index.offset(of: id) else { return nil }
                baseOffset = Int(o)
            }
            guard let (type, base) = try read(pack: p, offset: baseOffset, depth: depth + 1) else { return nil }
            guard let delta = malloc(max(entry.size, 1)) else { throw Damage(message: "delta too large at \(offset)") }
            defer { free(delta) }
            let deltaBuffer = UnsafeMutableRawBufferPointer(start: delta, count: entry.size)
            guard packs[p].inflate(at: entry.dataOffset, into: deltaBuffer, size: entry.size, with: inflater),
                  let content = Delta.apply(UnsafeRawBufferPointer(deltaBuffer), to: base.bytes, type: type) else {
                throw Damage(message: "undecodable delta at \(offset)")
            }
            result = content
        }
        cache.remember(key, result)
        return (result.type, result)
    }
}

extension PackStore {
    /// Every object of the packs in `packDirectory` with its type, read from the indexes and
    /// the entries' headers alone (nothing is inflated): a push quarantine's packs, listed in
    /// time proportional to their size. A delta's type is its base's, found once per base.
    /// Type nil: a REF_DELTA whose base is in no pack here, for the caller to look up.
    /// Damage (an entry that cannot be read, a delta chain past the limit) is reported.
    public static func objects(inPackDirectory packDirectory: String) throws(Damage) -> [(id: ObjectID, type: ObjectType?)] {
        var result: [(id: ObjectID, type: ObjectType?)] = []
        let packs = PackFile.shared(in: packDirectory)
        // Every index must have opened: a pack left out would be objects never looked at.
        let indexes = PackFile.indexNames(in: packDirectory)
        guard indexes.count == packs.count else {
            throw Damage(message: "\(indexes.count - packs.count) of the \(indexes.count) packs in \(packDirectory) cannot be read")
        }
        for pack in packs {
            var typeAt: [Int: ObjectType?] = [:]
            result.reserveCapacity(result.count + pack.index.count)
            for position in 0..<pack.index.count {
                let id = pack.index.id(at: position)
                guard let offset = pack.index.offset(at: position) else { throw Damage(message: "unreadable index entry for \(id)") }
                result.append((id, try type(at: Int(offset), in: pack, known: &typeAt)))
            }
        }
        return result
    }

    private static func type(at offset: Int, in pack: PackFile, known: inout [Int: ObjectType?]) throws(Damage) -> ObjectType? {
        var chain: [Int] = []
        var at = offset
        var found: ObjectType??
        while true {
            if let type = known[at] {
                found = type
                break
            }
            guard chain.count < maximumChain else { throw Damage(message: "delta chain longer than \(maximumChain) at \(offset)") }
            guard let entry = pack.entry(at: at) else { throw Damage(message: "unreadable entry at \(at)") }
            chain.append(at)
            switch entry.kind {
            case let .whole(type): found = .some(type)
            case let .offsetDelta(base): at = base
            case let .refDelta(baseID):
                if let base = pack.index.offset(of: baseID) { at = Int(base) } else { found = .some(nil) }
            }
            if found != nil { break }
        }
        let type = found ?? nil
        for entry in chain { known[entry] = type }
        return type
    }
}
