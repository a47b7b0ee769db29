#if canImport(Glibc)
import Glibc
#endif

/// A version-2 pack index (`.idx`), read whole: 256 fan-out counts, sorted ids, CRCs, 32-bit
/// offsets (high bit: index into the 64-bit table), 64-bit offsets.
struct PackIndex: Sendable {
    let bytes: [UInt8]
    let count: Int

    init?(path: String) {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n == 0 { break }
            data.append(contentsOf: chunk[..<n])
        }
        guard data.count >= 8 + 1024, data[0] == 0xff, data[1] == 0x74, data[2] == 0x4f, data[3] == 0x63,
              Self.be32(data, 4) == 2 else { return nil }
        count = Int(Self.be32(data, 8 + 255 * 4))
        guard data.count >= 8 + 1024 + count * (20 + 4 + 4) else { return nil }
        // The fan-out must never decrease: a damaged one would send lookups out of bounds.
        var previous: UInt32 = 0
        for i in 0..<256 {
            let value = Self.be32(data, 8 + i * 4)
            guard value >= previous else { return nil }
            previous = value
        }
        bytes = data
    }

    static func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    func offset(of id: ObjectID) -> UInt64? {
        // Ids compared as big-endian words (the order of their bytes), on the raw bytes: this
        // runs for every object read.
        let key = (UInt64(bigEndian: id.a), UInt64(bigEndian: id.b), UInt32(bigEndian: id.c))
        let first = Int(truncatingIfNeeded: id.a & 0xff)
        return bytes.withUnsafeBytes { raw -> UInt64? in
            let fanout = 8
            func be32(_ at: Int) -> UInt32 { UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
            var lo = first == 0 ? 0 : Int(be32(fanout + (first - 1) * 4))
            var hi = Int(be32(fanout + first * 4))
            guard lo <= hi, hi <= count else { return nil }
            let ids = 8 + 1024
            // Ids are hashes, spread evenly: the first probes go where the key's value falls
            // between the values known to bound the range (an interpolation search, a few
            // probes where bisection takes a dozen scattered reads); then bisection, so a
            // damaged index costs no more than before. Any probe inside the range is correct.
            var lowValue = UInt64(first) << 56
            var highValue = first == 255 ? UInt64.max : UInt64(first + 1) << 56 - 1
            var guesses = 4
            while lo < hi {
                let mid: Int
                if guesses > 0, lowValue < highValue, key.0 >= lowValue, key.0 <= highValue {
                    guesses -= 1
                    let fraction = Double(key.0 - lowValue) / Double(highValue - lowValue)
                    mid = lo + min(hi - 1 - lo, Int(fraction * Double(hi - 1 - lo)))
                } else {
                    mid = (lo + hi) / 2
                }
                let at = ids + mid * 20
                let entry = (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)),
                             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)),
                             UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at + 16, as: UInt32.self)))
                if entry == key { return Self.offset(at: mid, count: count, in: raw) }
                if entry < key {
                    lo = mid + 1
                    lowValue = entry.0
                } else {
                    hi = mid
                    highValue = entry.0
                }
            }
            return nil
        }
    }

    /// The id at `position` in the index's sorted table (0..<count).
    func id(at position: Int) -> ObjectID {
        bytes.withUnsafeBytes { raw in ObjectID(bytes: raw.baseAddress! + 8 + 1024 + position * 20) }
    }

    /// The pack offset of the object at `position`; nil when the index is damaged there.
    func offset(at position: Int) -> UInt64? {
        bytes.withUnsafeBytes { Self.offset(at: position, count: count, in: $0) }
    }

    /// 32-bit offsets, the high bit sending large ones to the 64-bit table.
    private static func offset(at position: Int, count: Int, in raw: UnsafeRawBufferPointer) -> UInt64? {
        func be32(_ at: Int) -> UInt32 { UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        let offsets = 8 + 1024 + count * 24
        let small = be32(offsets + position * 4)
        guard small & 0x8000_0000 != 0 else { return UInt64(small) }
        let large = offsets + count * 4 + Int(small & 0x7fff_ffff) * 8
        guard large + 8 <= raw.count else { return nil }
        let value = UInt64(be32(large)) << 32 | UInt64(be32(large + 4))
        return value < UInt64(Int.max) ? value : nil
    }
}
