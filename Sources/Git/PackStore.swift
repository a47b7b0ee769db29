#if canImport(Glibc)
import Glibc
#endif
import CLibDeflate
import CZlib
import Synchronization

/// Reads objects straight from a repository's pack files, resolving delta chains with a cache
/// of reconstructed objects kept in pack order. libgit2's own delta-base cache is small and
/// fixed: over a history it inflates the same bases again and again (zlib was a third of a
/// history audit). Objects this store does not hold (loose, in alternates, in a quarantine)
/// are read through libgit2 as before. Not for sharing across threads: one per repository
/// handle.
final class PackStore {
    private(set) var packs: [Pack] = []
    /// Reconstructed objects by (pack, offset), evicted oldest-first past `budget` bytes.
    private var cache: [CacheKey: ObjectContent] = [:]
    private var order: [CacheKey] = []
    private var orderHead = 0
    private var cached = 0
    private let budget: Int
    let inflater = Inflater()

    struct CacheKey: Hashable {
        var pack: Int
        var offset: Int
    }

    init(objectsDirectory: String, budget: Int = 24 << 20) {
        self.budget = budget
        packs = Pack.shared(in: objectsDirectory + "pack")
    }

    var isEmpty: Bool { packs.isEmpty }

    /// A pack entry that cannot be what the index says: a damaged or hostile pack. Reported,
    /// never handed to libgit2 (whose 1.5 release loops for ever on a delta cycle).
    struct Damage: Error {
        var message: String
    }

    /// Deltas deeper than this are damage (git itself writes at most 4095).
    static let maximumChain = 4096
    /// No object we read is larger than this; a header claiming more is damage.
    static let maximumObject = 1 << 32

    /// The object's type and full content, or nil when no pack here holds it (or a REF_DELTA
    /// base lives elsewhere): the caller reads it through libgit2.
    func read(_ id: ObjectID) throws(Damage) -> (ObjectType, ObjectContent)? {
        for (p, pack) in packs.enumerated() {
            guard let offset = pack.index.offset(of: id) else { continue }
            return try read(pack: p, offset: Int(offset))
        }
        return nil
    }

    /// An object's type and size without reconstructing it: the entry header for whole
    /// objects; for deltas, the target size at the start of the delta (and the base's type).
    func header(_ id: ObjectID) throws(Damage) -> (ObjectType, Int)? {
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
    func prefix(_ id: ObjectID, into out: UnsafeMutableRawBufferPointer) -> (type: ObjectType, count: Int)? {
        for pack in packs {
            guard let offset = pack.index.offset(of: id) else { continue }
            guard let entry = pack.entry(at: Int(offset)), case let .whole(type) = entry.kind, entry.size >= 0 else { return nil }
            let wanted = UnsafeMutableRawBufferPointer(rebasing: out[..<min(out.count, entry.size)])
            return (type, pack.inflatePrefix(at: entry.dataOffset, into: wanted, with: inflater))
        }
        return nil
    }

    /// The target size written at the start of the delta at `offset`.
    private func targetSize(pack p: Int, offset: Int) -> Int? {
        guard let entry = packs[p].entry(at: offset) else { return nil }
        let prefix = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        defer { prefix.deallocate() }
        let got = packs[p].inflatePrefix(at: entry.dataOffset, into: prefix, with: inflater)
        var at = 0
        var values: [Int] = []
        while values.count < 2 {
            var value = 0, shift = 0
            while true {
                guard at < got, shift < 57 else { return nil }
                let byte = prefix[at]
                at += 1
                value |= Int(byte & 0x7f) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            values.append(value)
        }
        return values[1]
    }

    private func read(pack p: Int, offset: Int, depth: Int = 0) throws(Damage) -> (ObjectType, ObjectContent)? {
        let key = CacheKey(pack: p, offset: offset)
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
        remember(key, result)
        return (result.type, result)
    }

    private func remember(_ key: CacheKey, _ content: ObjectContent) {
        guard content.size <= budget / 4 else { return }
        cache[key] = content
        order.append(key)
        cached += content.size
        while cached > budget, orderHead < order.count {
            if let evicted = cache.removeValue(forKey: order[orderHead]) { cached -= evicted.size }
            orderHead += 1
        }
        if orderHead > 4096, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }
}

/// A reconstructed object's bytes, in memory of its own (so a pointer to them stays valid
/// while this lives), shared by the cache and its readers.
final class ObjectContent: @unchecked Sendable {
    let type: ObjectType
    let buffer: UnsafeMutableRawBufferPointer

    /// nil when the memory cannot be had (a damaged size is refused before this, but a
    /// large real object on a small machine must fail cleanly too).
    init?(type: ObjectType, count: Int) {
        guard count <= PackStore.maximumObject, let memory = malloc(max(count, 1)) else { return nil }
        self.type = type
        buffer = UnsafeMutableRawBufferPointer(start: memory, count: max(count, 1))
    }

    deinit { free(buffer.baseAddress) }

    var count: Int { buffer.count }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[..<size]) }
    private(set) var size = 0
    func setSize(_ n: Int) { size = n }
}

/// One pack: its index and its data, mapped read-only. Immutable once made, so one `Pack` is
/// shared by every repository handle and thread in the process.
final class Pack: @unchecked Sendable {
    let index: PackIndex
    private let base: UnsafeRawPointer
    private let length: Int
    /// Compressed bytes read since the mapping's pages were last dropped.
    private let touched = Atomic<Int>(0)
    /// Where the last read ended: a read starting near it finds its pages already mapped.
    private let lastEnd = Atomic<Int>(0)
    /// Pages of the mapping that were read count as resident memory; past this many bytes read,
    /// they are dropped (they come back from the page cache on the next touch). Measured on
    /// git.git's audit: at 48 MiB, refaulting cost 0.4 s of system time; at 384 MiB the peak is
    /// 386 MB, still below betterleaks' 470 MB, and the audit 0.2 s faster.
    static let residentLimit = 384 << 20
    static let faultAround = 64 << 10

    private static let registry = Mutex<[String: [Pack]]>([:])

    /// The packs in a `pack/` directory, opened once per process.
    static func shared(in packDir: String) -> [Pack] {
        registry.withLock { known in
            if let packs = known[packDir] { return packs }
            var packs: [Pack] = []
            if let dir = opendir(packDir) {
                var names: [String] = []
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name.hasSuffix(".idx") { names.append(String(name.dropLast(4))) }
                }
                closedir(dir)
                for name in names.sorted() {
                    if let pack = Pack(index: packDir + "/" + name + ".idx", data: packDir + "/" + name + ".pack") { packs.append(pack) }
                }
            }
            known[packDir] = packs
            return packs
        }
    }

    enum Kind {
        case whole(ObjectType)
        case offsetDelta(Int)
        case refDelta(ObjectID)
    }

    init?(index indexPath: String, data dataPath: String) {
        guard let index = PackIndex(path: indexPath) else { return nil }
        let fd = open(dataPath, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 12 else { return nil }
        guard let map = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return nil }
        self.index = index
        base = UnsafeRawPointer(map)
        length = Int(info.st_size)
        // "PACK", version 2 or 3.
        guard base.load(as: UInt32.self) == UInt32(bigEndian: 0x5041_434B) else { return nil }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// The entry header at `offset`: kind, inflated size, where the compressed data starts.
    func entry(at offset: Int) -> (kind: Kind, size: Int, dataOffset: Int)? {
        var at = offset
        guard at < length else { return nil }
        var byte = base.load(fromByteOffset: at, as: UInt8.self)
        at += 1
        let typeCode = (byte >> 4) & 7
        var size = Int(byte & 15)
        var shift = 4
        while byte & 0x80 != 0 {
            guard at < length, shift < 57 else { return nil }
            byte = base.load(fromByteOffset: at, as: UInt8.self)
            at += 1
            size |= Int(byte & 0x7f) << shift
            shift += 7
        }
        switch typeCode {
        case 1: return (.whole(.commit), size, at)
        case 2: return (.whole(.tree), size, at)
        case 3: return (.whole(.blob), size, at)
        case 4: return (.whole(.tag), size, at)
        case 6:
            // Offset back to the base: big-endian base-128 with an add-one per extra byte.
            guard at < length else { return nil }
            byte = base.load(fromByteOffset: at, as: UInt8.self)
            at += 1
            var back = Int(byte & 0x7f)
            while byte & 0x80 != 0 {
                guard at < length, back < (1 << 55) else { return nil }
                byte = base.load(fromByteOffset: at, as: UInt8.self)
                at += 1
                back = ((back + 1) << 7) | Int(byte & 0x7f)
            }
            guard back > 0, back <= offset else { return nil }
            return (.offsetDelta(offset - back), size, at)
        case 7:
            guard at + 20 <= length else { return nil }
            return (.refDelta(ObjectID(bytes: base + at)), size, at + 20)
        default:
            return nil
        }
    }

    /// Whether an entry's claimed size could come from its compressed bytes (zlib expands at
    /// most ~1032:1): a damaged header must not make us allocate terabytes.
    func plausible(_ entry: (kind: Kind, size: Int, dataOffset: Int)) -> Bool {
        entry.dataOffset <= length && entry.size <= (length - entry.dataOffset) &* 1032 + 64
    }

    /// Drops the mapping's pages from this process's resident memory (they stay in the page
    /// cache), after a pass that touched much of the pack.
    /// Counts the pages an entry header read at a scattered offset may have faulted in.
    func noteScatteredRead() {
        if touched.add(Self.faultAround, ordering: .relaxed).newValue > Self.residentLimit {
            dropResidentPages()
        }
    }

    /// Counts the pages a read of `count` bytes at `offset` may have mapped: its own, and
    /// the kernel's fault-around (64 KiB) unless it starts next to the previous read, whose
    /// fault-around already mapped them (reading in pack order, or a chain's adjacent entries).
    private func noteRead(at offset: Int, count: Int) {
        let previous = lastEnd.exchange(offset + count, ordering: .relaxed)
        let adjacent = offset >= previous - Self.faultAround && offset <= previous + Self.faultAround
        if touched.add(count + (adjacent ? 0 : Self.faultAround), ordering: .relaxed).newValue > Self.residentLimit {
            dropResidentPages()
        }
    }

    func dropResidentPages() {
        touched.store(0, ordering: .relaxed)
        madvise(UnsafeMutableRawPointer(mutating: base), length, MADV_DONTNEED)
    }

    /// Inflates the first bytes of the zlib stream at `offset`, as many as fit in `out`.
    func inflatePrefix(at offset: Int, into out: UnsafeMutableRawBufferPointer, with inflater: Inflater) -> Int {
        guard offset < length, let stream = inflater.begin() else { return 0 }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(min(length - offset, 4096))
        stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(out.count)
        _ = CZlib.inflate(stream, Z_SYNC_FLUSH)
        noteRead(at: offset, count: Int(stream.pointee.total_in))
        return Int(stream.pointee.total_out)
    }

    /// Inflates the zlib stream at `offset` into exactly `size` bytes of `out`; zlib checks
    /// the stream's Adler-32, so damaged data is an error, as it is to git.
    func inflate(at offset: Int, into out: UnsafeMutableRawBufferPointer, size: Int, with inflater: Inflater) -> Bool {
        guard offset < length, size >= 0, size <= out.count else { return false }
        // Whole objects of known size go through libdeflate, about twice as fast as zlib's
        // streaming inflate; it checks the Adler-32 too, and says how much input it used.
        if let decompressor = inflater.decompressor {
            var used = 0
            var made = 0
            let result = libdeflate_zlib_decompress_ex(decompressor, base + offset, length - offset,
                                                       out.baseAddress, size, &used, &made)
            noteRead(at: offset, count: used)
            return result == LIBDEFLATE_SUCCESS && made == size
        }
        guard let stream = inflater.begin() else { return false }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: (base + offset).assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(min(length - offset, Int(UInt32.max)))
        stream.pointee.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(size)
        let status = CZlib.inflate(stream, Z_FINISH)
        // A read fault maps the pages around it too (the kernel's fault-around, 64 KiB), so a
        // scattered read of a small entry counts as that much resident memory.
        noteRead(at: offset, count: Int(stream.pointee.total_in))
        return status == Z_STREAM_END && Int(stream.pointee.total_out) == size
    }
}

/// One zlib inflate stream, set up once and reset for each object: setting one up per object
/// cost an allocation and a free of zlib's state every time (a history reads millions). Used
/// by one thread at a time, as the `PackStore` that owns it.
final class Inflater {
    /// zlib's state points back at its stream, so the stream never moves.
    private let stream: UnsafeMutablePointer<z_stream>
    private var ready = false
    /// libdeflate's whole-buffer decompressor (nil only when it cannot be allocated).
    let decompressor: OpaquePointer?

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        decompressor = libdeflate_alloc_decompressor()
    }

    deinit {
        if let decompressor { libdeflate_free_decompressor(decompressor) }
        if ready { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// The stream, ready for a new object; nil when zlib cannot set it up.
    func begin() -> UnsafeMutablePointer<z_stream>? {
        if ready { return inflateReset(stream) == Z_OK ? stream : nil }
        guard inflateInit_(stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        ready = true
        return stream
    }
}

/// git's delta format: source and target sizes, then copy (from the base) and insert ops.
enum Delta {
    static func apply(_ delta: UnsafeRawBufferPointer, to source: UnsafeRawBufferPointer, type: ObjectType) -> ObjectContent? {
        var none: [DeltaCopy] = []
        return apply(delta, to: source, type: type, recording: false, copies: &none)
    }

    /// The target size a delta declares, without applying it.
    static func targetSize(_ delta: UnsafeRawBufferPointer) -> Int? {
        var at = 0
        var values: [Int] = []
        while values.count < 2 {
            var value = 0, shift = 0
            while true {
                guard at < delta.count, shift < 57 else { return nil }
                let byte = delta[at]
                at += 1
                value |= Int(byte & 0x7f) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            values.append(value)
        }
        return values[1]
    }

    /// Applies `delta`; with `recording`, appends each copy op to `copies` (target order).
    static func apply(_ delta: UnsafeRawBufferPointer, to source: UnsafeRawBufferPointer, type: ObjectType,
                      recording: Bool, copies: inout [DeltaCopy]) -> ObjectContent? {
        var at = 0
        func varint() -> Int? {
            var value = 0, shift = 0
            while at < delta.count {
                let byte = delta[at]
                at += 1
                value |= Int(byte & 0x7f) << shift
                shift += 7
                if byte & 0x80 == 0 { return value }
                if shift > 56 { return nil }
            }
            return nil
        }
        // Each op adds at most 64 KiB, so a target larger than that per delta byte is damage.
        guard let sourceSize = varint(), sourceSize == source.count, let targetSize = varint(),
              targetSize <= delta.count &* 0x10000, targetSize <= PackStore.maximumObject else {
            return nil
        }
        guard let content = ObjectContent(type: type, count: targetSize) else { return nil }
        let out = content.buffer
        var written = 0
        while at < delta.count {
            let op = delta[at]
            at += 1
            if op & 0x80 != 0 {
                var offset = 0, size = 0
                for i in 0..<4 where op & (1 << i) != 0 {
                    guard at < delta.count else { return nil }
                    offset |= Int(delta[at]) << (8 * i)
                    at += 1
                }
                for i in 0..<3 where op & (0x10 << i) != 0 {
                    guard at < delta.count else { return nil }
                    size |= Int(delta[at]) << (8 * i)
                    at += 1
                }
                if size == 0 { size = 0x10000 }
                guard offset + size <= source.count, written + size <= targetSize else { return nil }
                (out.baseAddress! + written).copyMemory(from: source.baseAddress! + offset, byteCount: size)
                if recording { copies.append(DeltaCopy(target: written, source: offset, count: size)) }
                written += size
            } else if op != 0 {
                let size = Int(op)
                guard at + size <= delta.count, written + size <= targetSize else { return nil }
                (out.baseAddress! + written).copyMemory(from: delta.baseAddress! + at, byteCount: size)
                at += size
                written += size
            } else {
                return nil
            }
        }
        guard written == targetSize else { return nil }
        content.setSize(written)
        return content
    }
}
