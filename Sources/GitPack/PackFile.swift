#if canImport(Glibc)
import Glibc
#endif
import CLibDeflate
import CSystem
import CZlib
import Synchronization

/// One pack: its index and its data, mapped read-only. Immutable once made, so one `PackFile` is
/// shared by every repository handle and thread in the process.
final class PackFile: @unchecked Sendable {
    let index: PackIndex
    private let base: UnsafeRawPointer
    let length: Int
    /// Bytes of the mapping mapped in since its pages were last dropped: 64 KiB for each block
    /// of `faultAround` first touched (`mapped`).
    private let touched = Atomic<Int>(0)
    /// One bit per `faultAround` block of the pack: set once a read touched it since the last
    /// drop. A read fault maps the whole aligned block around it (the kernel's fault-around),
    /// so a block counts once however many entries in it are read: counting each scattered
    /// read as a fresh 64 KiB dropped spring-boot's pages every few seconds of a tree walk
    /// that kept reading the same blocks, and refaulting them was a tenth of the audit's time.
    private let mapped: UnsafeMutablePointer<UInt64>
    private let mappedWords: Int
    /// Pages of the mapping that were read count as resident memory; past this many bytes
    /// mapped, they are dropped (they come back from the page cache on the next touch).
    /// Measured with blocks counted exactly: spring-boot's audit (a 267 MB pack) peaks at
    /// 340-400 MB at 64 MiB, 420-460 MB at 128 MiB (betterleaks: 400-420 MB); refaulting then
    /// costs 0.5 s of system time where the old count (64 KiB per scattered read) cost 1.0 s.
    /// A quarter of a smaller pack: memory stays in proportion to the history (fastapi's
    /// 150 MB pack peaked at 200 MB with 64 MiB resident, above betterleaks' 192 MB).
    static let mostResident = 64 << 20
    static let leastResident = 16 << 20
    let residentLimit: Int
    static let faultAround = 64 << 10

    private static let registry = Mutex<[String: [PackFile]]>([:])

    /// The packs in a `pack/` directory, opened once per process.
    static func shared(in packDir: String) -> [PackFile] {
        registry.withLock { known in
            if let packs = known[packDir] { return packs }
            var packs: [PackFile] = []
            for name in indexNames(in: packDir) {
                if let pack = PackFile(index: packDir + "/" + name + ".idx", data: packDir + "/" + name + ".pack") { packs.append(pack) }
            }
            known[packDir] = packs
            return packs
        }
    }

    /// The packs' names in a `pack/` directory (their `.idx` files, without the suffix), sorted.
    static func indexNames(in packDir: String) -> [String] {
        guard let dir = opendir(packDir) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".idx") { names.append(String(name.dropLast(4))) }
        }
        return names.sorted()
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
        residentLimit = min(Self.mostResident, max(Self.leastResident, length / 4))
        mappedWords = length / Self.faultAround / 64 + 1
        mapped = .allocate(capacity: mappedWords)
        mapped.initialize(repeating: 0, count: mappedWords)
        // "PACK", version 2 or 3.
        guard base.load(as: UInt32.self) == UInt32(bigEndian: 0x5041_434B) else { return nil }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
        mapped.deallocate()
    }

    /// The entry header at `offset`: kind, inflated size, where the compressed data starts.
    func entry(at offset: Int) -> (kind: Kind, size: Int, dataOffset: Int)? {
        var at = offset
        guard at < length else { return nil }
        var byte = base.load(fromByteOffset: at, as: UInt8.self)
        at += 1
        let typeCode = (byte >> 4) & 7
        var size = Int(byte & 15)
        if byte & 0x80 != 0 {
            guard let whole = Varint.decode(UnsafeRawBufferPointer(start: base, count: length), at: &at, value: size, shift: 4) else {
                return nil
            }
            size = whole
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

    /// Counts the blocks a read of `count` bytes at `offset` mapped that were not mapped since
    /// the last drop (an entry header's read: one byte); drops the mapping's pages past
    /// `residentLimit`.
    func noteRead(at offset: Int, count: Int) {
        guard offset >= 0, offset < length else { return }
        let first = offset / Self.faultAround, last = (min(length, offset + max(count, 1)) - 1) / Self.faultAround
        var added = 0
        for block in first...last where reviewgate_bit_set(mapped, UInt(block)) != 0 { added += Self.faultAround }
        guard added > 0 else { return }
        if touched.add(added, ordering: .relaxed).newValue > residentLimit {
            dropResidentPages()
        }
    }

    /// Bytes of the mapping counted as mapped since the last drop.
    var mappedBytes: Int { touched.load(ordering: .relaxed) }

    /// Drops the mapping's pages from this process's resident memory (they stay in the page
    /// cache), after a pass that touched much of the pack.
    func dropResidentPages() {
        touched.store(0, ordering: .relaxed)
        reviewgate_bits_clear(mapped, UInt(mappedWords))
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

extension PackFile {
    /// The mapped bytes from `offset` to the pack's end, for an inflater that reads them a
    /// piece at a time (`ObjectStream`); empty past the end.
    func bytes(from offset: Int) -> UnsafeRawBufferPointer {
        guard offset >= 0, offset < length else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length - offset)
    }

    /// Drops the whole pages of `range` from this process's resident memory once a stream has
    /// read past them, so reading a huge entry keeps only a piece of it mapped.
    func release(_ range: Range<Int>) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard start < end, end <= length else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}
